"""Tests the equity points a backtest's ledger keeps: fewer than its candles, and every figure
`status` reads from them (peak, max drawdown, the last drawdown, the day's starting equity)
the same as from the whole curve, in memory and through a real ledger."""

from __future__ import annotations

import asyncio
import bisect
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from pytest import approx

from soltrader_tui.backtest.runner import Backtest
from soltrader_tui.backtest.settings import settings_from
from soltrader_tui.backtest.stored_curve import DAY_S, stored_points
from soltrader_tui.config.model import Config
from soltrader_tui.ledger.rows import EquityPoint
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.market import samples
from soltrader_tui.market.recorded import load_all
from soltrader_tui.market.series import CandleSeries
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.portfolio.equity_curve import EquityCurve

T0 = 1_735_689_600.0  # 2025-01-01 00:00 UTC
SOL_5M = samples.FOLDER / "binance_SOL_USDT_5m_2025-01-19.csv"


def curve_of(values: list[int]) -> EquityCurve:
    curve = EquityCurve()
    for value in values:
        curve.update(value)
    return curve


def day_start_equity(points: list[tuple[float, int]], day: int) -> int | None:
    """The equity of the last point before `day` began, as `status` reads it (None: none)."""
    i = bisect.bisect_left([t for t, _ in points], day * DAY_S)
    return points[i - 1][1] if i else None


@st.composite
def curves(draw: st.DrawFn) -> tuple[list[float], list[int]]:
    """A curve of 5-minute closes over a few days, with gaps, flat stretches and runs."""
    steps = draw(st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=400))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=400), min_size=len(steps)))
    ts, equity, t, value = [], [], T0, 500_000_000
    for step, gap in zip(steps, gaps + [1] * len(steps), strict=False):
        t += 300.0 * gap
        value += step * 1_000
        ts.append(t)
        equity.append(value)
    return ts, equity


class TestTheStoredPoints:
    """`status` reads the same figures from the kept points as from every point."""

    @given(curves())
    def test_every_figure_status_reads_is_kept(self, curve: tuple[list[float], list[int]]) -> None:
        ts, equity = curve
        kept = stored_points(ts, equity, [0] * len(ts))
        whole, thinned = curve_of(equity), curve_of([p.equity_micro for p in kept])
        assert thinned.saved() == whole.saved()  # peak, last, max drawdown
        assert (kept[0].ts, kept[-1].ts) == (ts[0], ts[-1])
        everything = list(zip(ts, equity, strict=True))
        stored = [(p.ts, p.equity_micro) for p in kept]
        assert set(stored) <= set(everything)
        for day in range(int(ts[0] // DAY_S), int(ts[-1] // DAY_S) + 2):
            assert day_start_equity(stored, day) == day_start_equity(everything, day)

    def test_runs_keep_their_ends_and_flat_stretches_nothing(self) -> None:
        ts = [T0 + 300.0 * k for k in range(1, 10)]
        equity = [5, 6, 7, 8, 8, 8, 4, 3, 3]
        kept = stored_points(ts, equity, list(range(9)))
        assert kept == [
            EquityPoint(ts[0], 5, 0),
            EquityPoint(ts[3], 8, 3),  # the peak
            EquityPoint(ts[7], 3, 7),  # the trough
            EquityPoint(ts[8], 3, 8),  # the last point
        ]

    def test_a_days_last_change_is_kept_inside_a_run(self) -> None:
        ts = [T0 - 600.0, T0 - 300.0, T0, T0 + 300.0]  # the day changes at the third point
        kept = stored_points(ts, [1, 2, 3, 4], [0] * 4)
        assert [p.ts for p in kept] == [ts[0], ts[1], ts[3]]


def test_status_on_a_backtest_ledger_reads_the_whole_curves_drawdown(tmp_path: Path) -> None:
    (sol,) = [s for s in load_all([SOL_5M]) if isinstance(s, CandleSeries)]
    config = Config.model_validate({"strategies": {"ema_cross": {"fast_span": 5}}})
    record = asyncio.run(Backtest(settings_from(config, "ema_cross", no_risk=True), [sol]).run())
    db = tmp_path / "bt.sqlite"
    ledger = Ledger.open(
        db, starting_cash_micro=record.starting_cash_micro, mode="backtest", version="t"
    )
    try:
        record.write(ledger, version="t", source=sol.source)
    finally:
        ledger.close()

    whole = curve_of(record.equity_micro)
    report = read_status(db)
    assert len(record.equity) < len(record.equity_micro) / 2
    assert report.snapshot.max_drawdown_pct == whole.max_drawdown_pct > 0
    everything = list(zip(record.equity_ts, record.equity_micro, strict=True))
    first = record.equity_micro[0]
    day_start = day_start_equity(everything, int(record.equity_ts[-1] // DAY_S)) or first
    assert report.snapshot.day_pnl_usd == approx((record.equity_micro[-1] - day_start) / 1e6)
