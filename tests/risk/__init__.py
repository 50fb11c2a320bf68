"""Tests of the risk engine's pure parts, with small factories for requests, books and configs.

Defaults describe an entry every default limit allows: $50 into a deep, two-day-old pool
with 20 bps of impact, from a $500 account holding nothing. A test changes only the fact
it is about.
"""

from __future__ import annotations

from collections.abc import Mapping

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import MICRO, TradingState
from soltrader_tui.risk import EntryRequest, RiskBook
from tests.factories import mint_for

NOW = 1_767_268_800.0
"""2026-01-01 12:00:00 UTC."""
MIDNIGHT = 1_767_312_000.0
"""2026-01-02 00:00:00 UTC, the midnight after NOW."""
MINUTE = 60.0
BONK = mint_for("BONK")


def usd(amount: float) -> int:
    """Micro-USDC for a USD amount."""
    return round(amount * MICRO)


def risk_config(**overrides: object) -> RiskConfig:
    """The default limits with `overrides` applied (validated like a config file)."""
    return RiskConfig.model_validate(overrides)


def make_request(
    symbol: str = "BONK",
    *,
    cost_usd: float = 50.0,
    ts: float = NOW,
    state: TradingState = TradingState.ACTIVE,
    liquidity_usd: float = 500_000.0,
    price_impact_bps: float | None = 20.0,
    listed_ts: float | None = NOW - 2 * 86_400,
) -> EntryRequest:
    """An entry request for `symbol`; every default passes the default limits."""
    return EntryRequest(
        mint=mint_for(symbol),
        symbol=symbol,
        ts=ts,
        cost_micro=usd(cost_usd),
        state=state,
        liquidity_usd=liquidity_usd,
        price_impact_bps=price_impact_bps,
        listed_ts=listed_ts,
    )


def make_book(cash_usd: float = 500.0, held_usd: Mapping[str, float] | None = None) -> RiskBook:
    """A book with `cash_usd` and open positions worth `held_usd` (by symbol)."""
    held = {mint_for(symbol): usd(value) for symbol, value in (held_usd or {}).items()}
    return RiskBook(usd(cash_usd), held)
