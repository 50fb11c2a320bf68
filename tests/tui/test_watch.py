"""`soltrader-tui watch`: the dashboard of an engine running in another process shows what its
ledger holds, and its emergency stop and its strategy toggles reach that engine."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Label

from soltrader_tui import __version__
from soltrader_tui.config.model import Config
from soltrader_tui.domain import TradingState
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.monitor.watcher import LedgerWatcher
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui.app import SolTraderApp, make_app
from tests.conftest import Cli

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


class TestWatchCommand:
    """The command refuses a file it cannot watch, with the reason."""

    def test_missing_ledger(self, cli: Cli, tmp_path: Path) -> None:
        proc = cli.run("watch", "--db", tmp_path / "none.sqlite")
        assert proc.returncode == 2
        assert "no ledger at" in proc.stderr
