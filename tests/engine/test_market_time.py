"""Tests that market time in a ledger never goes backwards (issue 19, item 2): the ledger refuses
a row stamped before the last one, an accelerated session continues from the ledger's time, a
wall-clock session on a ledger that ran ahead is refused with what to do, and a daily-loss pause
ends at the next UTC midnight of market time, whatever the sequence of sessions."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from soltrader_tui.clock import ScaledClock, VirtualClock, continue_from
from soltrader_tui.config.model import Config, RiskConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.engine.runtime import RunOptions, open_session, refuse_the_past
from soltrader_tui.ledger.rows import EquityPoint, EventRow
from soltrader_tui.ledger.timeorder import LedgerAhead, MarketTimeWentBack
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.risk.breakers import DAY_S, BreakerRule, utc_day
from tests.engine.test_engine import open_ledger
from tests.factories import engine_on_sim, make_token, record_buy

Speed = Literal["wall", "60", "max"]


def column(db: Path, sql: str) -> list[object]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute(sql)]
    finally:
        conn.close()


class TestTheLedgerRefusesThePast:
    """A fill, equity point or log line stamped before the last one is refused, naming both."""

    def test_a_fill_before_the_last(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        token = make_token("MEME")
        record_buy(ledger, token, ts=23_513.0, qty=10**5, quote_amount=1_000_000, fee=0)
        with pytest.raises(MarketTimeWentBack) as refused:
            record_buy(ledger, token, ts=21_194.0, qty=10**5, quote_amount=1_000_000, fee=0)
        assert refused.value.table == "fills"
        assert refused.value.new_ts == "1970-01-01T05:53:14.000Z"
        assert refused.value.last_ts == "1970-01-01T06:31:53.000Z"
        assert "fills stamped 1970-01-01T05:53:14.000Z" in str(refused.value)
        assert len(list(ledger.fills())) == 1, "nothing of the refused fill is committed"
        ledger.close()

    def test_an_equal_stamp_is_in_order(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        token = make_token("MEME")
        for _ in range(2):
            record_buy(ledger, token, ts=100.0, qty=10**5, quote_amount=1_000_000, fee=0)
        ledger.flush(events=[EventRow(100.0, "info", "t", "a"), EventRow(100.0, "info", "t", "b")])
        assert len(list(ledger.fills())) == 2
        ledger.close()

    def test_a_line_before_the_last_refuses_the_whole_flush(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        ledger.flush(events=[EventRow(200.0, "info", "t", "first")])
        with pytest.raises(MarketTimeWentBack) as refused:
            ledger.flush(
                events=[EventRow(150.0, "info", "t", "older")],
                equity=[EquityPoint(300.0, 1, 1)],
            )
        assert refused.value.table == "events"
        assert column(db, "SELECT message FROM events") == ["first"]
        assert column(db, "SELECT count(*) FROM equity") == [0]
        ledger.close()

    def test_lines_out_of_order_within_one_write(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        with pytest.raises(MarketTimeWentBack, match="events"):
            ledger.flush(events=[EventRow(2.0, "info", "t", "b"), EventRow(1.0, "info", "t", "a")])
        ledger.close()

    def test_an_equity_point_before_the_last(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        ledger.flush(equity=[EquityPoint(200.0, 1, 1)])
        with pytest.raises(MarketTimeWentBack) as refused:
            ledger.flush(equity=[EquityPoint(100.0, 1, 1)])
        assert (refused.value.table, refused.value.last_ts) == (
            "equity",
            "1970-01-01T00:03:20.000Z",
        )
        ledger.close()


def config_file(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  data_dir: {data.as_posix()}\n")
    return config


class TestSessionsContinueFromTheLedger:
    """`run` after a session that ran ahead of the wall clock continues from the ledger's time."""

    def ahead(self, tmp_path: Path, hours: float) -> tuple[Path, float]:
        """A `--speed max` session of `hours`; returns its config and its last market time."""
        config = config_file(tmp_path)
        session = open_session(
            RunOptions(config=config, speed=float("inf"), duration_s=hours * 3600)
        )
        try:
            asyncio.run(session.engine.run())
            last = session.ledger.market_times().newest
        finally:
            session.close()
        assert last is not None and last > time.time() + hours * 3600 * 0.9
        return config, last

    @pytest.mark.parametrize("speed", [60.0, float("inf")])
    def test_an_accelerated_session_starts_at_the_ledgers_time(
        self, tmp_path: Path, speed: float
    ) -> None:
        config, last = self.ahead(tmp_path, hours=1.0)
        session = open_session(RunOptions(config=config, speed=speed, duration_s=120))
        try:
            assert isinstance(session.market.clock, ScaledClock | VirtualClock)
            assert session.market.clock.now() >= last
            asyncio.run(session.engine.run())
        finally:
            session.close()
        db = session.paths.ledger
        for table, order in (("fills", "id"), ("equity", "rowid"), ("events", "id")):
            stamps = column(db, f"SELECT ts FROM {table} ORDER BY {order}")
            assert stamps == sorted(stamps, key=str), f"{table} went back in time"

    def test_a_wall_clock_session_on_a_ledger_ahead_is_refused(self, tmp_path: Path) -> None:
        config, last = self.ahead(tmp_path, hours=0.5)
        with pytest.raises(LedgerAhead) as refused:
            open_session(RunOptions(config=config, duration_s=10))
        message = str(refused.value)
        assert "ahead of the wall clock" in message and "--speed" in message
        assert "--db" in message
        assert refused.value.last_ts == last
        # Refused before anything was written, and the ledger is free for the next session.
        again = open_session(RunOptions(config=config, speed=float("inf"), duration_s=60))
        again.close()


# -- sequences of sessions at mixed speeds -------------------------------------------------------

WALL_START = 1_767_300_000.0
"""2026-01-01 20:40 UTC: sessions of a few hours cross a UTC midnight."""


def risky_config() -> Config:
    # A tiny daily limit: the first losing minute pauses entries, so midnights matter.
    return Config(risk=RiskConfig(daily_loss_limit_usd=0.5, loss_cooldown_minutes=0))


async def run_sessions(db: Path, sessions: list[tuple[Speed, int]]) -> None:
    """Runs the sessions one after the other as `run` would start them: an accelerated one from
    the ledger's time if that is later than the wall clock, a wall-clock one refused then. The
    wall clock is simulated (`wall`), so every session runs on a virtual clock and stays fast."""
    wall = WALL_START
    for number, (speed, minutes) in enumerate(sessions):
        ledger = open_ledger(db)
        try:
            last = ledger.market_times().newest
            if speed == "wall":
                start = wall
                if last is not None and last > wall:
                    with pytest.raises(LedgerAhead):
                        refuse_the_past(VirtualClock(wall), last, db, replay=False)
                    wall += 1.0
                    continue
            else:
                start = continue_from(last, wall)
            market = SimMarket(4 + number, start, tick_seconds=2.0)
            engine = engine_on_sim(ledger, market, start, hours=minutes / 60, config=risky_config())
            await engine.run()
        finally:
            ledger.close()
        wall += {"wall": minutes * 60.0, "60": minutes, "max": 1.0}[speed]


def assert_time_never_went_back(db: Path) -> None:
    for table, order in (("fills", "id"), ("equity", "rowid"), ("events", "id")):
        stamps = column(db, f"SELECT ts FROM {table} ORDER BY {order}")
        assert stamps == sorted(stamps, key=str), f"{table} went back in time"


def assert_daily_pauses_end_at_midnight(db: Path) -> None:
    """Each daily-loss pause lifts at the first market moment on or after the next midnight."""
    conn = sqlite3.connect(db)
    try:
        states = conn.execute("SELECT ts, state, reason, actor FROM trading_state ORDER BY id")
        rows = [(ts, state, reason, actor) for ts, state, reason, actor in states]
        equity = [r[0] for r in conn.execute("SELECT ts_epoch FROM equity ORDER BY ts_epoch")]
    finally:
        conn.close()
    from soltrader_tui.ledger.rows import from_iso

    daily = f"{BreakerRule.DAILY_LOSS.value}:"
    for i, (ts, state, reason, _) in enumerate(rows):
        if state != TradingState.PAUSED.value or not reason.startswith(daily):
            continue
        midnight = (utc_day(from_iso(ts)) + 1) * DAY_S
        after = rows[i + 1 :]
        resumed = [from_iso(r[0]) for r in after if r[1] == TradingState.ACTIVE.value]
        assert all(t >= midnight for t in resumed), "a daily-loss pause lifted before midnight"
        reached = [t for t in equity if t >= midnight]
        if reached and not any(r[1] == TradingState.HALTED.value for r in after):
            # The engine's first moment at or past midnight is its first equity point there.
            assert resumed and resumed[0] <= reached[0], "the pause outlived the next midnight"


session_speeds: st.SearchStrategy[Speed] = st.sampled_from(["wall", "60", "max"])


class TestMixedSpeeds:
    """Whatever the order of wall, `--speed 60` and `max` sessions, the ledger's fills, equity
    points and lines are in time order, and daily-loss pauses end at the next UTC midnight."""

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @example(sessions=[("max", 150), ("60", 60)])
    @example(sessions=[("max", 120), ("wall", 30), ("max", 90)])
    @given(
        sessions=st.lists(
            st.tuples(session_speeds, st.integers(min_value=5, max_value=120)),
            min_size=2,
            max_size=4,
        )
    )
    def test_sessions(
        self, tmp_path_factory: pytest.TempPathFactory, sessions: list[tuple[Speed, int]]
    ) -> None:
        db = tmp_path_factory.mktemp("mixed") / "l.sqlite"
        asyncio.run(run_sessions(db, sessions))
        assert_time_never_went_back(db)
        assert_daily_pauses_end_at_midnight(db)

    def test_the_sequence_that_paused_across_midnight(self, tmp_path: Path) -> None:
        """The first example above pauses before midnight in one session, ends, and the next
        continues after midnight: that pause must end there (it stayed paused before #19)."""
        db = tmp_path / "l.sqlite"
        asyncio.run(run_sessions(db, [("max", 150), ("60", 60)]))
        paused = column(db, "SELECT reason FROM trading_state WHERE state = 'paused'")
        assert any(str(r).startswith("daily_loss_limit:") for r in paused), (
            "must pause to mean much"
        )
        states = column(db, "SELECT state || ' ' || actor FROM trading_state ORDER BY id")
        assert "active risk" in states[states.index("paused risk") :], "the pause must end"
        assert_daily_pauses_end_at_midnight(db)
