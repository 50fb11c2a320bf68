"""`soltrader-tui watch`: the dashboard of an engine running in another process shows what its
ledger holds, and its emergency stop, its strategy toggles and a position's close reach that
engine."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from textual.notifications import Notification
from textual.widgets import Label

from soltrader_tui import __version__
from soltrader_tui.config.model import Config
from soltrader_tui.domain import TradingState
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.lock import EngineLock
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.monitor.watcher import LedgerWatcher
from soltrader_tui.snapshot import EngineSnapshot, PositionView
from soltrader_tui.tui.app import SolTraderApp, make_app
from soltrader_tui.tui.widgets.status_bar import StatusBar
from tests.commands.test_stop import wait_for_engine
from tests.conftest import Cli
from tests.factories import record_sim_position
from tests.tui.test_positions import focus_positions

RUN = ("run", "--headless", "--speed", "50", "--seed", "3")
"""A running engine: accelerated, so the market visibly moves between reads."""
RAN = ("run", "--headless", "--speed", "max", "--seed", "3")
"""A session that is over in about a second."""


def wait_for_file(path: Path, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            try:
                read_status(path)
                return
            except Exception:  # still being created: try again
                pass
        time.sleep(0.1)
    raise AssertionError(f"{path} was not created in {timeout_s} s")


async def shown_until(
    app: SolTraderApp, pilot: object, ok: Callable[[EngineSnapshot], bool], timeout_s: float = 15
) -> EngineSnapshot:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        if ok(app.dashboard.snapshot):
            return app.dashboard.snapshot
    raise AssertionError(f"not shown within {timeout_s} s: {app.dashboard.snapshot}")


def state_rows(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT state, actor FROM trading_state ORDER BY id").fetchall()
    finally:
        conn.close()


class TestWatchingARunningEngine:
    """Beside a headless engine, the watch dashboard follows it and can stop it."""

    async def test_follows_the_ledger_and_stops_the_engine(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "w.sqlite"
        engine = cli.start(*RUN, "--db", db)
        try:
            wait_for_file(db)
            watcher = LedgerWatcher(db, poll_s=0.1)
            app = make_app(Config(), watcher, version=__version__)
            async with app.run_test(size=(120, 40)) as pilot:
                first = await shown_until(app, pilot, lambda s: s.running and s.market_ts)
                # The market moves on screen: later reads show later market times.
                await shown_until(app, pilot, lambda s: (s.market_ts or 0) > (first.market_ts or 0))
                # Why nothing is bought, as the engine's own dashboard says it (from the ledger).
                assert first.no_entry_reason, first
                # `s` disables momentum in the engine, through a request in the ledger.
                names = [v.name for v in first.strategies]  # the picker lists them so
                await pilot.press("s", *["down"] * names.index("momentum"), "enter")
                off = await shown_until(
                    app, pilot, lambda s: not {v.name: v.enabled for v in s.strategies}["momentum"]
                )
                assert off.running and off.no_entry_reason == (
                    "no strategy enabled (press s to enable one)"
                )
                await pilot.press("ctrl+e")
                await pilot.press("y")
                halted = await shown_until(
                    app, pilot, lambda s: s.trading_state is TradingState.HALTED
                )
                assert halted.running, "the engine keeps running, halted"
                assert "stop by watch" in halted.state_reason
                status = read_status(db).snapshot
                assert halted.fills <= status.fills
                assert status.trading_state is TradingState.HALTED
                await pilot.press("q")
            assert engine.poll() is None, "quitting the watch leaves the engine running"
        finally:
            engine.kill()
            engine.wait(timeout=30)
        assert state_rows(db)[-1][1].startswith("cli") is False
        requests = (
            sqlite3.connect(db)
            .execute("SELECT command, target, status FROM control_requests ORDER BY id")
            .fetchall()
        )
        assert requests == [("disable", "momentum", "done"), ("stop", None, "done")]


QUIET = "risk:\n  stop_loss_pct: 60\n  take_profit_pct: 300\n  max_hold_minutes: 0\n"
"""Exits far away: the seeded position stays open until the operator closes it."""


class TestClosingFromWatch:
    """`x` then `y` in a position's detail under `watch` sells it in the running engine, as a
    manual exit, and the engine answers the request; a close of a token not held is answered
    so, and sells nothing."""

    async def test_close_reaches_the_engine(self, cli: Cli, tmp_path: Path) -> None:
        db, config = tmp_path / "w.sqlite", tmp_path / "quiet.yaml"
        config.write_text(QUIET, encoding="utf-8")
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        record_sim_position(ledger, SimMarket(3, time.time()), time.time() - 60)
        [(mint, held)] = ledger_positions(db)
        ledger.close()
        engine = cli.start("run", "--headless", "--seed", "3", "--config", config, "--db", db)
        try:
            wait_for_engine(cli, db)
            watcher = LedgerWatcher(db, poll_s=0.1)
            app = make_app(Config(), watcher, version=__version__)
            async with app.run_test(size=(130, 44)) as pilot:
                # A sale checks its quote against a trusted price: once the engine marked it.
                await shown_until(app, pilot, lambda s: marked(s, mint))
                await focus_positions(pilot, app)
                await pilot.press("enter", "x", "y")
                gone = await shown_until(app, pilot, lambda s: position(s, mint) is None)
                sold = [x.message for x in gone.log if x.message.startswith("FILL SELL")]
                assert any("[manual]" in line for line in sold), gone.log
                watcher.command("close", watcher.actor, mint)  # again: nothing left to sell
                await shown_until(app, pilot, lambda s: answered(db) == 2)
                await pilot.press("q")
            assert engine.poll() is None, "the engine keeps running"
        finally:
            engine.kill()
            engine.wait(timeout=30)
        conn = sqlite3.connect(db)
        try:
            sells = conn.execute("SELECT mint, qty, reason FROM fills WHERE side = 'sell'")
            assert sells.fetchall() == [(mint, held, "manual")]
            asked = conn.execute(
                "SELECT command, target, actor, status, result FROM control_requests ORDER BY id"
            ).fetchall()
        finally:
            conn.close()
        actor = watcher.actor
        assert asked == [
            ("close", mint, actor, "done", "SOLX sold"),
            ("close", mint, actor, "done", "no open position in it (already closed?)"),
        ]


def ledger_positions(db: Path) -> list[tuple[str, int]]:
    """The open positions a ledger's fills leave: (mint, qty)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT mint, SUM(CASE side WHEN 'buy' THEN qty ELSE -qty END) AS held FROM fills "
            "GROUP BY mint HAVING held > 0"
        ).fetchall()
    finally:
        conn.close()


def position(s: EngineSnapshot, mint: str) -> PositionView | None:
    return next((p for p in s.positions if p.mint == mint), None)


def marked(s: EngineSnapshot, mint: str) -> bool:
    """Whether the position in `mint` is shown with a mark the engine wrote."""
    shown = position(s, mint)
    return shown is not None and shown.mark_usd is not None


def answered(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(
            conn.execute("SELECT count(*) FROM control_requests WHERE status = 'done'").fetchone()[
                0
            ]
        )
    finally:
        conn.close()


class TestWatchingWithNoEngine:
    """With no engine, the watch dashboard shows the ledger as it was left and stores commands."""

    async def test_pause_is_stored_for_the_next_start(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "w.sqlite"
        done = cli.run(*RAN, "--duration", "30m", "--db", db)
        assert done.returncode == 0, done.stderr[-2000:]
        app = make_app(Config(), LedgerWatcher(db, poll_s=0.1), version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            shown = await shown_until(app, pilot, lambda s: s.market_ts is not None)
            assert shown.running is False
            assert shown.fills == read_status(db).snapshot.fills
            # The session read its market in-process: the API panel says so, not a row of dashes.
            note = app.screen.query_one("#api-note", Label)
            assert note.display and "read in-process, no API calls" in str(note.content)
            await pilot.press("p")
            paused = await shown_until(app, pilot, lambda s: s.trading_state is TradingState.PAUSED)
            assert "while no engine ran" in paused.state_reason
            await pilot.press("q")
        assert state_rows(db)[-1][0] == "paused"

    async def test_a_ledger_that_goes_away_is_shown_not_fatal(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        db = tmp_path / "w.sqlite"
        assert cli.run(*RAN, "--duration", "10m", "--db", db).returncode == 0
        app = make_app(Config(), LedgerWatcher(db, poll_s=0.1), version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            await shown_until(app, pilot, lambda s: s.market_ts is not None)
            db.rename(tmp_path / "elsewhere.sqlite")
            gone = await shown_until(app, pilot, lambda s: s.error is not None)
            assert str(db) in (gone.error or "")
            (tmp_path / "elsewhere.sqlite").rename(db)
            await shown_until(app, pilot, lambda s: s.error is None)
            await pilot.press("q")


def notified(app: SolTraderApp, title: str) -> list[Notification]:
    return [n for n in app._notifications if n.title == title]


async def notified_until(
    app: SolTraderApp, pilot: object, title: str, timeout_s: float = 15
) -> Notification:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        if shown := notified(app, title):
            return shown[-1]
    raise AssertionError(f"no {title!r} notification: {list(app._notifications)}")


class TestRefusalsUnderWatch:
    """A command the ledger refuses, or that no engine answers, is told in a notification that
    stays long enough to read, with its reason; the status bar keeps saying what the engine
    does (a refused command is not an engine failure)."""

    async def test_a_close_with_no_engine_says_why(self, tmp_path: Path) -> None:
        db = tmp_path / "w.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        record_sim_position(ledger, SimMarket(3, time.time()), time.time() - 60)
        ledger.close()
        app = make_app(Config(), LedgerWatcher(db, poll_s=0.1), version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            await shown_until(app, pilot, lambda s: len(s.positions) == 1)
            await focus_positions(pilot, app)
            await pilot.press("enter", "x", "y")
            refused = await notified_until(app, pilot, "Close not done")
            assert "only a running engine can sell a position" in refused.message
            assert refused.severity == "error" and refused.timeout >= 8
            await pilot.pause(0.3)  # a read after the refusal
            assert app.dashboard.snapshot.error is None
            assert "engine failed" not in str(app.dashboard.query_one(StatusBar).content)
            assert len(app.dashboard.snapshot.positions) == 1, "nothing was sold"
            await pilot.press("q")

    async def test_a_pause_no_engine_answers_is_reported(self, tmp_path: Path) -> None:
        db = tmp_path / "w.sqlite"
        Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t").close()
        hung = EngineLock(db)  # an engine holds the ledger and never answers
        hung.acquire("run (hung)")
        try:
            watcher = LedgerWatcher(db, poll_s=0.1, answer_wait_s=0.5)
            app = make_app(Config(), watcher, version=__version__)
            async with app.run_test(size=(120, 40)) as pilot:
                await shown_until(app, pilot, lambda s: s.trading_state is TradingState.ACTIVE)
                await pilot.press("p")
                unanswered = await notified_until(app, pilot, "Pause: no answer")
                assert "has not answered the pause in 0.5 s" in unanswered.message
                assert unanswered.severity == "error"
                assert app.dashboard.snapshot.error is None
                await pilot.press("q")
        finally:
            hung.release()
        conn = sqlite3.connect(db)
        try:
            asked = conn.execute("SELECT command, status FROM control_requests").fetchall()
        finally:
            conn.close()
        assert asked == [("pause", "pending")], "sent, for the engine to act on if it comes back"


class TestWatchCommand:
    """The command refuses a file it cannot watch, with the reason."""

    def test_missing_ledger(self, cli: Cli, tmp_path: Path) -> None:
        proc = cli.run("watch", "--db", tmp_path / "none.sqlite")
        assert proc.returncode == 2
        assert "no ledger at" in proc.stderr
