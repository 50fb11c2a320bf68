"""Provides why_no_entry: the one line that says why nothing is being bought right now.

A dashboard where nothing happens looks broken; this line says what the bot is waiting for, in
the order an entry would meet the obstacles: the engine stopped, trading HALTED or PAUSED (with
the stored reason: an operator, a breaker), no strategy enabled, a risk limit that denies every
entry whatever the score (open positions, cash, total exposure), then the scores themselves:
still warming up, stale prices, or the best score of the enabled strategies against its entry
threshold (and, past it, the token safety verdict that denies it). Pure: computed from a
snapshot and the risk limits, so the engine's dashboard and `watch` say the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from soltrader_tui import format as fmt
from soltrader_tui.domain import TradingState
from soltrader_tui.risk.token_safety import SAFE
from soltrader_tui.snapshot import STALE_PRICE, EngineSnapshot, ScoreView, StrategyView

if TYPE_CHECKING:
    from soltrader_tui.config.model import RiskConfig

_PROGRESS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s\s*)?/\s*(\d+(?:\.\d+)?)")
"""The progress in a warming reason: "warming 40 s / 300 s", "warming up 12/27 5m candles"."""


def why_no_entry(snapshot: EngineSnapshot, risk: RiskConfig | None) -> str:
    """Says why no entry is happening now, e.g. "best score 0.61 WIFX (momentum), entry at 0.75".

    Args:
        snapshot: The engine's state; its `strategies` carry which are enabled and their
            entry thresholds (None where unknown: the line then gives the score alone).
        risk: The risk limits in force; None skips the limit checks.

    Returns:
        One line; "" once the engine has stopped (the header says so).
    """
    s = snapshot
    if not s.running:
        return ""
    if s.trading_state is TradingState.HALTED:
        return f"HALTED: {s.state_reason}"
    if s.trading_state is TradingState.PAUSED:
        return f"entries paused: {s.state_reason}"
    enabled = {v.name: v for v in s.strategies if v.enabled}
    if not enabled:
        return "no strategy enabled (press s to enable one)"
    limit = None if risk is None else _risk_limit(s, risk)
    return limit or _scores_line(s, enabled)


def _risk_limit(s: EngineSnapshot, risk: RiskConfig) -> str | None:
    """A limit that denies any entry, whatever the score; None when an entry could pass."""
    if len(s.positions) >= risk.max_open_positions:
        return f"max open positions reached ({len(s.positions)}/{risk.max_open_positions})"
    if s.cash_usd < risk.min_order_usd:
        smallest = fmt.usd(risk.min_order_usd)
        return f"cash {fmt.usd(s.cash_usd)} is below the smallest order {smallest}"
    held = sum(p.cost_basis_usd if p.value_usd is None else p.value_usd for p in s.positions)
    if risk.max_total_exposure_usd - held < risk.min_order_usd:
        return (
            f"total exposure at its limit ({fmt.usd(held)} of "
            f"{fmt.usd(risk.max_total_exposure_usd)})"
        )
    return None


def _scores_line(s: EngineSnapshot, enabled: Mapping[str, StrategyView]) -> str:
    held = {p.mint for p in s.positions}
    mine = [v for v in s.scores if v.strategy in enabled]
    open_ = [v for v in mine if v.mint not in held]
    if not open_:
        if mine:
            return "holding every token the enabled strategies score"
        return "starting" if s.market_ts is None else "waiting for prices"
    fresh = [v for v in open_ if not v.reason.startswith(STALE_PRICE)]
    scored = [v for v in fresh if v.score is not None]
    if not scored:
        if not fresh:
            return "prices stale: no entry until a fresh one"
        return _warming(fresh)

    def margin(v: ScoreView) -> float:
        threshold = enabled[v.strategy].entry_threshold
        return (v.score or 0.0) - (threshold or 0.0)

    verdicts = dict(s.safety)
    # A token the safety rules deny can never be bought, however it scores: the line names the
    # best one that could be, and a denied one only when no other is left.
    buyable = [v for v in scored if verdicts.get(v.mint, SAFE) == SAFE]
    best = max(buyable or scored, key=margin)
    threshold = enabled[best.strategy].entry_threshold
    line = f"best score {fmt.score(best.score)} {best.symbol} ({best.strategy})"
    verdict = verdicts.get(best.mint, SAFE)
    if threshold is None:
        return line
    if margin(best) < 0:
        return f"{line}, entry at {threshold:g}"
    if verdict != SAFE:
        # Its score is high enough, but the token safety rules deny it: say so, not "waiting".
        return f"{line}, entry at {threshold:g}, but denied: {verdict}"
    return f"{line}, entry at {threshold:g}: waiting for its buy signal"


def _warming(views: Sequence[ScoreView]) -> str:
    """The least warm token's progress, e.g. "warming up 12/27 5m candles (ema_cross)"."""

    def progress(v: ScoreView) -> float:
        found = _PROGRESS.search(v.reason)
        if found is None:
            return 0.0  # "no candles yet", "no prices yet": nothing seen
        seen, needed = float(found.group(1)), float(found.group(2))
        return seen / needed if needed > 0 else 0.0

    least = min(views, key=progress)
    if not least.reason.startswith("warming "):
        return f"warming up: {least.reason} ({least.strategy})"
    reason = least.reason.removeprefix("warming ").removeprefix("up ")
    return f"warming up {reason} ({least.strategy})"
