"""Tests of stop, pause and resume: the state machine, in-process commands, ledger requests,
the STOP file, and a restart that keeps a halt; and of a position's close asked through the
ledger, as `watch` asks it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config, RiskConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.engine.engine import Engine
from soltrader_tui.engine.operator import STOP_FILE, transition
from soltrader_tui.ledger import Ledger, requests
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket, sim_mint
from tests.factories import engine_on_sim, record_sim_position

START = 1_767_225_600.0
A, P, H = TradingState.ACTIVE, TradingState.PAUSED, TradingState.HALTED


class TestTransitions:
    """Which command moves which state where; only resume leaves HALTED."""

    @pytest.mark.parametrize(
        ("state", "command", "to"),
        [
            (A, "stop", H),
            (P, "stop", H),
            (H, "stop", H),
            (A, "pause", P),
            (P, "pause", None),
            (H, "pause", None),
            (A, "resume", None),
            (P, "resume", A),
            (H, "resume", A),
        ],
    )
    def test_table(self, state: TradingState, command: str, to: TradingState | None) -> None:
        assert transition(state, command).to is to  # type: ignore[arg-type]


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="test")


def build(ledger: Ledger, hours: float | None = None) -> tuple[Engine, SimMarket]:
    config = Config()
    market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
    return engine_on_sim(ledger, market, START, hours=hours, config=config), market


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


@asynccontextmanager
async def running(engine: Engine) -> AsyncIterator[None]:
    """Runs the engine in the background for the block, then stops it and waits."""
    task = asyncio.create_task(engine.run())
    try:
        yield
    finally:
        engine.request_stop()
        await task


async def run_until(engine: Engine, condition: Callable[[], bool]) -> None:
    async with running(engine):
        await wait_until(condition)


class TestEmergencyStop:
    """A stop sells everything at market, halts, and the halt survives a restart."""

    async def test_command_flattens_and_halts(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        engine, market = build(ledger)
        record_sim_position(ledger, market, START - 60)
        engine, _ = build(ledger)  # restarted on the ledger that holds the position
        assert len(engine.portfolio.positions) == 1
        engine.command("stop", "test")
        await run_until(engine, lambda: engine.snapshot().trading_state is H)
        assert engine.portfolio.positions == {}
        sells = rows(db, "SELECT reason FROM fills WHERE side = 'sell'")
        assert sells == [("emergency_stop",)]
        state = ledger.trading_state()
        assert state is not None and (state.state, state.actor) == ("halted", "test")
        ledger.close()

        again = open_ledger(db)
        restarted, _ = build(again, hours=0.5)
        await restarted.run()
        assert restarted.snapshot().trading_state is H
        assert rows(db, "SELECT count(*) FROM fills WHERE side = 'buy'") == [(1,)], (
            "no entry may happen while HALTED"
        )
        again.close()

    async def test_halted_at_start_with_positions_flattens_them(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        _, market = build(ledger)
        record_sim_position(ledger, market, START - 60)
        ledger.set_trading_state(H, "stop requested while no engine ran", "cli", START)
        engine, _ = build(ledger, hours=0.01)
        await engine.run()
        assert engine.portfolio.positions == {}
        assert rows(db, "SELECT reason FROM fills WHERE side='sell'") == [("halt_flatten",)]
        ledger.close()

    async def test_stop_file_beside_the_ledger(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        engine, _ = build(ledger)
        (tmp_path / STOP_FILE).write_text("")
        await run_until(engine, lambda: engine.snapshot().trading_state is H)
        assert not (tmp_path / STOP_FILE).exists()
        assert (tmp_path / f"{STOP_FILE}.handled").exists()
        ledger.close()

    async def test_request_from_another_connection_is_answered(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        engine, market = build(ledger)
        record_sim_position(ledger, market, START - 60)
        engine, _ = build(ledger)
        request_id = requests.submit(db, "stop", "other terminal")
        await run_until(engine, lambda: requests.result(db, request_id) is not None)
        answer = requests.result(db, request_id)
        assert answer is not None and "HALTED" in answer
        assert engine.portfolio.positions == {}
        ledger.close()


class TestCloseRequest:
    """A close another process asks through the ledger is the dashboard's close: a manual exit
    of the whole position, answered in the ledger; a close of a token not held is answered so,
    and sells nothing."""

    async def test_close_request_sells_and_is_answered(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        config = Config(  # exits far away, no strategy: only the close may sell
            risk=RiskConfig(stop_loss_pct=60.0, take_profit_pct=300.0, max_hold_minutes=0)
        )
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        record_sim_position(ledger, market, START - 60)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeed(market),
            clock=VirtualClock(START),
            version="test",
            strategies=[],
        )
        [(mint, held)] = engine.portfolio.positions.items()
        qty, symbol = held.qty, held.token.symbol
        async with running(engine):
            # A sale needs a trusted price to check its quote against: after the first tick.
            await wait_until(lambda: engine.snapshot().market_ts is not None)
            sold = requests.submit(db, "close", "watch (pid 9)", mint)
            await wait_until(lambda: requests.result(db, sold) is not None)
            again = requests.submit(db, "close", "watch (pid 9)", mint)
            never = requests.submit(db, "close", "watch (pid 9)", sim_mint("NOPE"))
            await wait_until(lambda: requests.result(db, never) is not None)
        assert requests.result(db, sold) == f"{symbol} sold"
        no = "no open position in it (already closed?)"
        assert (requests.result(db, again), requests.result(db, never)) == (no, no)
        assert rows(db, "SELECT mint, qty, reason FROM fills WHERE side = 'sell'") == [
            (mint, qty, "manual")
        ]
        assert rows(db, "SELECT status FROM control_requests ORDER BY id") == [("done",)] * 3
        said = rows(db, "SELECT message FROM events WHERE message LIKE 'CLOSE %' ORDER BY id")
        assert said == [
            (f"CLOSE {symbol} by watch (pid 9): {no}",),
            (f"CLOSE {sim_mint('NOPE')} by watch (pid 9): {no}",),
        ]
        ledger.close()


class TestPauseResume:
    """Pause stops entries but keeps exits; resume brings entries back."""

    async def test_pause_then_resume(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        engine, _ = build(ledger)
        engine.command("pause", "test")
        async with running(engine):
            await wait_until(lambda: (engine.snapshot().market_ts or START) > START + 2 * 3600)
            assert engine.snapshot().trading_state is P
            assert engine.portfolio.fill_count == 0
            engine.command("resume", "test")
            await wait_until(lambda: engine.portfolio.fill_count > 0)
            assert engine.snapshot().trading_state is A
        denied = rows(
            db, "SELECT count(*) FROM events WHERE kind = 'denied' AND rule = 'trading_state'"
        )
        assert denied[0][0] > 0, "signals still fire and are denied while PAUSED"
        ledger.close()
