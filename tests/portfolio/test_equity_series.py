"""The equity charts' thinning: bounded, ending on the newest point, and the ledger's thinned
read resumes exactly the series that adding every point one by one leaves."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path

import pytest

from soltrader_tui.domain import micro_to_usd
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.position_reads import read_equity_thinned
from soltrader_tui.ledger.rows import EquityPoint
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.portfolio.equity_series import CHART_POINTS, EquitySeries

T0 = 1_767_225_600.0


def curve(n: int) -> list[int]:
    """`n` distinct equity points, micro-USDC, in a zigzag (so an off-by-one shows)."""
    return [500_000_000 + (i * 7_919) % 1_000_003 for i in range(n)]


class TestThinning:
    """A long curve keeps between `size` and `2 * size` points, evenly spaced, plus the newest."""

    def test_short_curve_is_kept_whole(self) -> None:
        series = EquitySeries(5)
        for v in (1.0, 2.0, 3.0):
            series.add(v)
        assert series.values() == (1.0, 2.0, 3.0)

    def test_long_curve_is_thinned_evenly_and_ends_on_the_newest(self) -> None:
        series = EquitySeries(4)
        for i in range(1, 101):
            series.add(float(i))
        values = series.values()
        assert 4 <= len(values) <= 9
        assert values[0] == 1.0 and values[-1] == 100.0
        steps = {b - a for a, b in pairwise(values[:-1])}
        assert steps == {16.0}, "every kept point is the stride-th one"

    def test_amend_replaces_the_newest(self) -> None:
        series = EquitySeries(4)
        for i in range(10):
            series.add(float(i))
        series.amend(42.0)
        assert series.values()[-1] == 42.0 and len(series.values()) == len(set(series.values()))

    def test_size_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="at least one point"):
            EquitySeries(0)


class TestResumedFromTheLedger:
    """What `watch` and a restarted engine read equals what the running engine charted."""

    @pytest.mark.parametrize("n", [0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200])
    def test_equals_adding_every_point(self, tmp_path: Path, n: int) -> None:
        ledger = Ledger.open(
            tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        points = curve(n)
        ledger.flush(equity=[EquityPoint(T0 + 60 * i, m, m) for i, m in enumerate(points)])
        fed = EquitySeries(4)
        for m in points:
            fed.add(micro_to_usd(m))
        assert EquitySeries.resume(4, ledger.equity_thinned(4)).values() == fed.values()
        ledger.close()

    def test_from_a_time_reads_only_the_points_since(self, tmp_path: Path) -> None:
        ledger = Ledger.open(
            tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        points = curve(30)
        ledger.flush(equity=[EquityPoint(T0 + 60 * i, m, m) for i, m in enumerate(points)])
        ledger.close()
        conn = sqlite3.connect(tmp_path / "l.sqlite")
        try:
            thinned = read_equity_thinned(conn, 100, from_ts=T0 + 60 * 20)
        finally:
            conn.close()
        assert thinned.count == 10
        assert thinned.kept == points[20:] and thinned.last == points[-1]


class TestCarriedOnByAReader:
    """`watch` reads the ledger again and again: its charts, carried on read after read, equal
    a fresh read's and the engine's (every point fed in order)."""

    def test_carried_on_equals_fresh(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        ledger.record_session(wall_start=T0, api_note="", market_start=T0 + 60 * 50)
        points = [EquityPoint(T0 + 60 * i, m, m) for i, m in enumerate(curve(700))]
        ledger.flush(equity=points[:80])
        first = read_status(db)
        ledger.flush(equity=points[80:])
        carried = read_status(db, since=first.replayed).snapshot
        fresh = read_status(db).snapshot
        ledger.close()
        whole, session = EquitySeries(CHART_POINTS), EquitySeries(CHART_POINTS)
        for point in points:
            whole.add(micro_to_usd(point.equity_micro))
            if point.ts >= T0 + 60 * 50:
                session.add(micro_to_usd(point.equity_micro))
        assert carried.equity_history == fresh.equity_history == whole.values()
        assert carried.equity_session == fresh.equity_session == session.values()
        assert len(whole.values()) < 2 * CHART_POINTS + 1 < len(points)
