"""Tests the replay behind `status` and `watch`: carrying a replay on from a previous read gives
exactly what a replay from scratch gives, and a replay that no longer fits is rebuilt."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soltrader_tui.domain import Fill
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import EquityPoint
from soltrader_tui.ledger.timeorder import MarketTimeWentBack
from soltrader_tui.portfolio.replay import Replayed, replay
from soltrader_tui.portfolio.resume import restore, resume_point
from tests.factories import fill_sequences, make_order

START_CASH = 500_000_000


def record(ledger: Ledger, fills: list[Fill]) -> None:
    for fill in fills:
        order = make_order(
            side=fill.side, token=fill.token, ts=fill.ts, client_order_id=fill.order_id
        )
        ledger.record_fill(order, fill, realized_micro=None)


def read(path: Path, since: Replayed | None = None) -> Replayed:
    conn = sqlite3.connect(path)
    try:
        return replay(conn, START_CASH, since)
    finally:
        conn.close()


def same(a: Replayed, b: Replayed) -> bool:
    return (
        a.portfolio.state() == b.portfolio.state()
        and list(a.recent) == list(b.recent)
        and a.curve.saved() == b.curve.saved()
        and a.last_fill_id == b.last_fill_id
    )


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=START_CASH, mode="paper", version="test")


def first_part(ledger: Ledger, fills: list[Fill], cut: int, points: int) -> None:
    """Records the fills before `cut` and `points` equity points at times 0, 1, …"""
    record(ledger, fills[:cut])
    ledger.flush(equity=[EquityPoint(float(t), 500 + t, 0) for t in range(points)])


def second_part(ledger: Ledger, fills: list[Fill], cut: int, points: int) -> None:
    """Records the fills from `cut` on and `points` later equity points, from time 100."""
    record(ledger, fills[cut:])
    ledger.flush(equity=[EquityPoint(100.0 + t, 400 + 7 * t, 0) for t in range(points)])


class TestCarriedOn:
    """A replay carried on from an earlier read equals one from scratch."""

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(fills=fill_sequences(max_fills=30), cut=st.integers(0, 30), points=st.integers(0, 5))
    def test_in_two_reads_equals_in_one(
        self, tmp_path_factory: pytest.TempPathFactory, fills: list[Fill], cut: int, points: int
    ) -> None:
        path = tmp_path_factory.mktemp("r") / "l.sqlite"
        ledger = open_ledger(path)
        first_part(ledger, fills, cut, points)
        earlier = read(path)
        second_part(ledger, fills, cut, points)
        ledger.close()
        assert same(read(path, earlier), read(path))


class TestOneReplay:
    """The engine's start (its saved replay, advanced) and `status` (a replay from scratch)
    arrive at the same portfolio, curve and position in the ledger."""

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(fills=fill_sequences(max_fills=30), cut=st.integers(0, 30), points=st.integers(0, 5))
    def test_a_start_from_the_save_equals_a_replay_from_scratch(
        self, tmp_path_factory: pytest.TempPathFactory, fills: list[Fill], cut: int, points: int
    ) -> None:
        path = tmp_path_factory.mktemp("r") / "l.sqlite"
        ledger = open_ledger(path)
        first_part(ledger, fills, cut, points)
        saved = read(path)
        ledger.flush(
            resume=resume_point(
                saved.portfolio, saved.curve, saved.last_fill_id, saved.last_equity_ts
            )
        )
        second_part(ledger, fills, cut, points)
        started = restore(ledger)
        ledger.close()
        scratch = read(path)
        assert started.saved is not None, "the start used the save"
        assert started.portfolio.state() == scratch.portfolio.state()
        assert started.curve.saved() == scratch.curve.saved()
        newest = 100.0 + points - 1 if points else None
        assert started.last_equity_ts == scratch.last_equity_ts == newest
        assert started.last_fill_id == scratch.last_fill_id == len(fills)


class TestRebuilt:
    """What no longer fits the ledger is replayed from scratch."""

    def test_a_restored_shorter_ledger(self, tmp_path: Path, fill_run: list[Fill]) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        record(ledger, fill_run[:4])
        ledger.close()
        shutil.copyfile(path, tmp_path / "checkpoint.sqlite")
        ledger = open_ledger(path)
        record(ledger, fill_run[4:])
        ledger.close()
        longer = read(path)
        shutil.copyfile(tmp_path / "checkpoint.sqlite", path)  # a restore, while watching
        assert same(read(path, longer), read(path))
        assert read(path, longer).portfolio.fill_count == 4

    def test_an_equity_point_older_than_the_last_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        ledger.flush(equity=[EquityPoint(100.0, 500, 0), EquityPoint(200.0, 600, 0)])
        earlier = read(path)
        with pytest.raises(
            MarketTimeWentBack, match=re.escape("equity stamped 1970-01-01T00:02:30.000Z")
        ):
            ledger.flush(equity=[EquityPoint(150.0, 300, 0)])  # a clock that went back
        ledger.close()
        carried, fresh = read(path, earlier), read(path)
        assert carried.curve.saved() == fresh.curve.saved()
        assert fresh.points == 2
        # 500 then 600: no fall at all.
        assert fresh.curve.max_drawdown_pct == pytest.approx(0.0)


@pytest.fixture
def fill_run() -> list[Fill]:
    from hypothesis import find

    return find(fill_sequences(max_fills=12), lambda fills: len(fills) >= 8)
