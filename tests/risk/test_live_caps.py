"""Tests that a live session's risk limits never exceed the live caps, and are never raised."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import LiveConfig, RiskConfig
from soltrader_tui.risk.live_caps import capped_for_live

SIZES = st.floats(min_value=1.0, max_value=5_000.0, allow_nan=False)


@given(order=SIZES, position=SIZES, token=SIZES, total=SIZES, cap=SIZES, capital=SIZES)
def test_limits_are_lowered_to_the_caps_and_never_raised(
    order: float, position: float, token: float, total: float, cap: float, capital: float
) -> None:
    risk = RiskConfig(
        order_usd=order,
        min_order_usd=min(order, position, 5.0),
        max_position_usd=position,
        max_token_exposure_usd=token,
        max_total_exposure_usd=total,
    )
    capital = max(capital, cap)
    live = LiveConfig.model_construct(max_order_usd=cap, max_capital_usd=capital)
    capped = capped_for_live(risk, live)
    assert capped.order_usd == min(order, cap)
    assert capped.min_order_usd <= capped.order_usd
    assert capped.max_position_usd == min(position, capital)
    assert capped.max_token_exposure_usd == min(token, capital)
    assert capped.max_total_exposure_usd == min(total, capital)
    # The rules that are not sizes are the risk section's own.
    assert capped.stop_loss_pct == risk.stop_loss_pct
    assert capped.max_open_positions == risk.max_open_positions


def test_the_default_caps_bind_the_default_risk_limits() -> None:
    capped = capped_for_live(RiskConfig(), LiveConfig())
    assert capped.order_usd == 25.0  # risk says 50, live.max_order_usd 25
    assert capped.max_total_exposure_usd == 100.0  # risk says 150, live.max_capital_usd 100
