"""Provides capped_for_live: the risk limits of a live session, never above the live caps.

The `live` caps sit above the risk limits: whatever `risk` says, a live session spends at most
`live.max_order_usd` on one entry and holds at most `live.max_capital_usd` in positions (per
token and in all). Pure: a config in, a config out; the dashboard has no way to raise either.
"""

from __future__ import annotations

from soltrader_tui.config.model import LiveConfig, RiskConfig


def capped_for_live(risk: RiskConfig, live: LiveConfig) -> RiskConfig:
    """`risk` with every size limit lowered to the live caps (never raised)."""
    order = min(risk.order_usd, live.max_order_usd)
    capital = live.max_capital_usd
    return risk.model_copy(
        update={
            "order_usd": order,
            "min_order_usd": min(risk.min_order_usd, order),
            "max_position_usd": min(risk.max_position_usd, capital),
            "max_token_exposure_usd": min(risk.max_token_exposure_usd, capital),
            "max_total_exposure_usd": min(risk.max_total_exposure_usd, capital),
        }
    )


def emergency_ladder(live: LiveConfig) -> tuple[int, ...]:
    """The slippage of each attempt of a live emergency sale, basis points: the configured
    steps, none above `max_emergency_slippage_bps` (a step above it becomes it)."""
    cap = live.max_emergency_slippage_bps
    return tuple(dict.fromkeys(min(step, cap) for step in live.emergency_ladder_bps))
