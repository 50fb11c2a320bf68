"""Provides the risk rules: pre-trade checks and exit levels, as pure functions.

A denial is a reason string that the engine writes to the ledger, not an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from soltrader_tui.config import RiskConfig
from soltrader_tui.domain import TradingState


@dataclass(frozen=True, slots=True)
class ExitLevels:
    """Prices at which an open position is closed."""

    stop_usd: float
    target_usd: float


def exit_levels(avg_cost_usd: float, config: RiskConfig) -> ExitLevels:
    """Returns the stop-loss and take-profit prices for a position's average cost."""
    return ExitLevels(
        stop_usd=avg_cost_usd * (1 - config.stop_loss_pct / 100),
        target_usd=avg_cost_usd * (1 + config.take_profit_pct / 100),
    )


def exit_reason(price_usd: float, levels: ExitLevels) -> str | None:
    """Returns 'stop_loss' or 'take_profit' when the price has crossed a level, else None."""
    if price_usd <= levels.stop_usd:
        return "stop_loss"
    if price_usd >= levels.target_usd:
        return "take_profit"
    return None


def entry_denial(
    *,
    state: TradingState,
    holding: bool,
    open_positions: int,
    cash_micro: int,
    cost_micro: int,
    config: RiskConfig,
) -> str | None:
    """Checks a new entry against the rules; returns the rule that denies it, or None.

    Args:
        state: The trading state; only ACTIVE allows entries.
        holding: Whether a position in the token is already open.
        open_positions: How many positions are open.
        cash_micro: Cash available.
        cost_micro: What the entry would cost, fees included.
        config: The risk limits.
    """
    if state is not TradingState.ACTIVE:
        return f"trading_state: entries are not allowed while {state.value.upper()}"
    if holding:
        return "already_holding: a position in this token is open"
    if open_positions >= config.max_open_positions:
        return f"max_open_positions: {open_positions} open, limit {config.max_open_positions}"
    if cost_micro > cash_micro:
        return f"insufficient_cash: needs ${cost_micro / 1e6:,.2f}, cash ${cash_micro / 1e6:,.2f}"
    return None
