"""Provides the pre-trade checks: one entry request in, a denial naming its rule (or None) out.

Pure: no I/O and no clock; the request carries its time. A denial is an event the engine
logs and writes to the ledger with its rule, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import TradingState, usd_to_micro
from soltrader_tui.format import usd, usd_micro
from soltrader_tui.risk.book import HOUR_S, RiskBook


class DenialRule(StrEnum):
    """The rule that denied an entry; stored in the ledger by value, so values never change."""

    TRADING_STATE = "trading_state"
    ALREADY_HOLDING = "already_holding"
    MAX_ENTRIES_PER_HOUR = "max_entries_per_hour"
    LOSS_COOLDOWN = "loss_cooldown"
    MIN_POOL_AGE = "min_pool_age"
    MIN_LIQUIDITY = "min_liquidity"
    MAX_PRICE_IMPACT = "max_price_impact"
    MAX_OPEN_POSITIONS = "max_open_positions"
    MAX_POSITION_USD = "max_position_usd"
    MAX_POSITION_PCT = "max_position_pct"
    MAX_TOKEN_EXPOSURE = "max_token_exposure"
    MAX_TOTAL_EXPOSURE = "max_total_exposure"
    INSUFFICIENT_CASH = "insufficient_cash"
    MIN_ORDER = "min_order"
    MINT_AUTHORITY = "mint_authority"
    FREEZE_AUTHORITY = "freeze_authority"
    HOLDER_CONCENTRATION = "holder_concentration"
    TOKEN_EXTENSION = "token_extension"
    SELL_ROUTE = "sell_route"
    SAFETY_UNKNOWN = "safety_unknown"


@dataclass(frozen=True, slots=True)
class Denial:
    """Why an entry was refused: the rule (stable) and a sentence with the numbers."""

    rule: DenialRule
    message: str

    def __str__(self) -> str:
        return f"{self.rule.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class EntryRequest:
    """A proposed buy, with what the market says about its token."""

    mint: str
    symbol: str
    ts: float
    """When it is proposed, unix seconds (market time)."""
    cost_micro: int
    """What it would spend, fees included, micro-USDC."""
    state: TradingState
    """The engine's trading state; only ACTIVE allows entries."""
    liquidity_usd: float
    """Value locked in the token's pool, both sides, USD."""
    price_impact_bps: float | None
    """The quote's price impact; None when no quote was taken (denied: unknown is not safe)."""
    listed_ts: float | None
    """When the pool was listed (or first seen), unix seconds; None when unknown (denied
    while `min_pool_age_minutes` is above 0)."""


def check_entry(request: EntryRequest, book: RiskBook, config: RiskConfig) -> Denial | None:
    """Checks a proposed entry against every pre-trade rule.

    Rules are tried in a fixed order (state, holding, pace, token, market, size, exposure,
    cash), and the first that fails is reported, so a denial is reproducible.

    Args:
        request: The proposed buy.
        book: Cash, positions and recent history.
        config: The limits.

    Returns:
        The first rule that denies the entry, with a message naming the numbers; None
        when every rule passes.
    """
    return (
        _state_and_pace(request, book, config)
        or _market(request, config)
        or _size(request, book, config)
        or _exposure(request, book, config)
    )


def _state_and_pace(request: EntryRequest, book: RiskBook, config: RiskConfig) -> Denial | None:
    if request.state is not TradingState.ACTIVE:
        return Denial(
            DenialRule.TRADING_STATE,
            f"entries are not allowed while {request.state.value.upper()}",
        )
    if book.holds(request.mint):
        return Denial(DenialRule.ALREADY_HOLDING, f"a position in {request.symbol} is open")
    now = request.ts
    count, oldest = book.entries_within_hour(now)
    if count >= config.max_entries_per_hour and oldest is not None:
        wait_min = (oldest + HOUR_S - now) / 60
        return Denial(
            DenialRule.MAX_ENTRIES_PER_HOUR,
            f"{count} entries in the last 60 min, limit {config.max_entries_per_hour}; "
            f"next one allowed in {wait_min:.1f} min",
        )
    lost_ts = book.last_loss_ts(request.mint)
    cooldown_s = config.loss_cooldown_minutes * 60
    if lost_ts is None or cooldown_s <= 0:
        return None  # 0 switches the cool-down off, whatever the stamps say
    # A loss stamped after `now` cannot happen in a ledger whose time never goes back; if one
    # ever did, it counts as just now, never as a negative age or a wait past the cool-down.
    age_s = max(0.0, now - lost_ts)
    if age_s < cooldown_s:
        return Denial(
            DenialRule.LOSS_COOLDOWN,
            f"{request.symbol} closed a losing round trip {age_s / 60:.1f} min ago; "
            f"cool-down {_num(config.loss_cooldown_minutes)} min "
            f"({(cooldown_s - age_s) / 60:.1f} min left)",
        )
    return None


def _market(request: EntryRequest, config: RiskConfig) -> Denial | None:
    min_age = config.min_pool_age_minutes
    if min_age > 0:
        if request.listed_ts is None:
            return Denial(
                DenialRule.MIN_POOL_AGE,
                f"{request.symbol} pool age unknown; minimum {_num(min_age)} min",
            )
        age_min = (request.ts - request.listed_ts) / 60
        if age_min < min_age:
            return Denial(
                DenialRule.MIN_POOL_AGE,
                f"{request.symbol} pool is {age_min:.1f} min old, minimum {_num(min_age)} min",
            )
    # `not >=` rather than `<` so that a NaN liquidity or impact is denied too.
    if not request.liquidity_usd >= config.min_liquidity_usd:
        return Denial(
            DenialRule.MIN_LIQUIDITY,
            f"{request.symbol} pool liquidity {usd(request.liquidity_usd, cents=False)} is "
            f"below the {usd(config.min_liquidity_usd, cents=False)} minimum",
        )
    impact = request.price_impact_bps
    if impact is None or not impact <= config.max_price_impact_bps:
        seen = "unknown (no quote)" if impact is None else f"{impact:,.0f} bps"
        return Denial(
            DenialRule.MAX_PRICE_IMPACT,
            f"price impact {seen}, limit {_num(config.max_price_impact_bps)} bps",
        )
    return None


def _size(request: EntryRequest, book: RiskBook, config: RiskConfig) -> Denial | None:
    if book.open_positions >= config.max_open_positions:
        return Denial(
            DenialRule.MAX_OPEN_POSITIONS,
            f"{book.open_positions} positions open, limit {config.max_open_positions}",
        )
    cost = request.cost_micro
    if cost > usd_to_micro(config.max_position_usd):
        return Denial(
            DenialRule.MAX_POSITION_USD,
            f"entry {usd_micro(cost)} is above the {usd(config.max_position_usd)} "
            "per-position limit",
        )
    equity = book.equity_micro
    if cost * 100 > config.max_position_pct * equity:
        share = "more than all" if equity <= 0 else f"{cost * 100 / equity:.1f} %"
        return Denial(
            DenialRule.MAX_POSITION_PCT,
            f"entry {usd_micro(cost)} is {share} of equity {usd_micro(equity)}, "
            f"limit {_num(config.max_position_pct)} %",
        )
    if cost < usd_to_micro(config.min_order_usd):
        return Denial(
            DenialRule.MIN_ORDER,
            f"entry {usd_micro(cost)} is below the {usd(config.min_order_usd)} minimum",
        )
    return None


def _exposure(request: EntryRequest, book: RiskBook, config: RiskConfig) -> Denial | None:
    cost = request.cost_micro
    held = book.exposure_micro(request.mint)
    if held + cost > usd_to_micro(config.max_token_exposure_usd):
        return Denial(
            DenialRule.MAX_TOKEN_EXPOSURE,
            f"{request.symbol} exposure would be {usd_micro(held + cost)} "
            f"({usd_micro(held)} held + {usd_micro(cost)}), "
            f"limit {usd(config.max_token_exposure_usd)}",
        )
    total = book.total_exposure_micro
    if total + cost > usd_to_micro(config.max_total_exposure_usd):
        return Denial(
            DenialRule.MAX_TOTAL_EXPOSURE,
            f"total exposure would be {usd_micro(total + cost)} ({usd_micro(total)} held + "
            f"{usd_micro(cost)}), limit {usd(config.max_total_exposure_usd)}",
        )
    if cost > book.cash_micro:
        return Denial(
            DenialRule.INSUFFICIENT_CASH,
            f"entry needs {usd_micro(cost)}, cash {usd_micro(book.cash_micro)}",
        )
    return None


def _num(value: float) -> str:
    return f"{value:g}"
