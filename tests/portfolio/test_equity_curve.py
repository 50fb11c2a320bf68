"""Tests the equity curve: max drawdown from the running peak, and continuing a saved curve."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.domain import MICRO
from soltrader_tui.portfolio.equity_curve import EquityCurve


class TestEquityCurve:
    """Max drawdown is measured from the running peak of equity."""

    def test_unknown_before_the_first_point(self) -> None:
        curve = EquityCurve()
        assert curve.peak_micro is None
        assert curve.drawdown_pct is None
        assert curve.max_drawdown_pct is None

    def test_drawdown_from_running_peak(self) -> None:
        curve = EquityCurve()
        for equity in (100, 120, 90, 110, 130, 117):
            curve.update(equity * MICRO)
        assert curve.peak_micro == 130 * MICRO
        assert curve.drawdown_pct == pytest.approx(10.0)
        # 120 -> 90 is the deepest fall: 25%.
        assert curve.max_drawdown_pct == pytest.approx(25.0)

    def test_new_peak_resets_current_drawdown(self) -> None:
        curve = EquityCurve()
        for equity in (100, 80, 150):
            curve.update(equity)
        assert curve.drawdown_pct == 0.0
        assert curve.max_drawdown_pct == pytest.approx(20.0)

    @given(st.lists(st.integers(1, 10**12), min_size=1, max_size=60))
    def test_matches_brute_force(self, points: list[int]) -> None:
        curve = EquityCurve()
        for point in points:
            curve.update(point)
        peaks = [max(points[: i + 1]) for i in range(len(points))]
        expected = max((p - e) * 100.0 / p for p, e in zip(peaks, points, strict=True))
        assert curve.peak_micro == max(points)
        assert curve.max_drawdown_pct == pytest.approx(expected)
        assert curve.drawdown_pct is not None
        assert curve.max_drawdown_pct is not None
        assert 0.0 <= curve.drawdown_pct <= curve.max_drawdown_pct

    @given(st.lists(st.integers(1, 10**12), min_size=1, max_size=60), st.integers(0, 60))
    def test_a_saved_curve_continues_as_if_never_stopped(self, points: list[int], cut: int) -> None:
        whole = EquityCurve()
        for point in points:
            whole.update(point)
        first = EquityCurve()
        for point in points[:cut]:
            first.update(point)
        resumed = EquityCurve(*first.saved())
        for point in points[cut:]:
            resumed.update(point)
        assert resumed.saved() == whole.saved()
