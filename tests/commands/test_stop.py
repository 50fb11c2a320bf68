"""`soltrader-tui stop` and `resume` from another terminal, against a real headless engine."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sim import SimMarket
from tests.conftest import Cli
from tests.factories import record_sim_position


def ledger_with_position(db: Path) -> None:
    """A ledger that already holds SOLX, as a previous session would have left it."""
    ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="test")
    record_sim_position(ledger, SimMarket(3, time.time()), time.time() - 60)
    ledger.close()


def status(cli: Cli, db: Path) -> dict[str, object]:
    proc = cli.run("status", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def wait_for_engine(cli: Cli, db: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not db.exists():
            time.sleep(0.1)
            continue
        s = status(cli, db)
        if s["engine_running"] and (s["heartbeat_age_s"] or 99) < 2:
            return
        time.sleep(0.2)
    raise AssertionError("the engine never reported running")


class TestStopFromAnotherTerminal:
    """The owner stops a running engine from a second terminal: flat and HALTED, and it stays."""

    def test_stop_running_engine_then_restart_stays_halted(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "run.sqlite"
        ledger_with_position(db)
        engine = cli.start("run", "--headless", "--seed", "3", "--db", db)
        try:
            wait_for_engine(cli, db)
            t0 = time.monotonic()
            proc = cli.run("stop", "--db", db)
            elapsed = time.monotonic() - t0
            assert proc.returncode == 0, proc.stderr
            assert "HALTED" in proc.stdout
            after = status(cli, db)
            assert after["trading_state"] == "halted"
            assert after["open_positions"] == []
            assert elapsed < 3.0, f"stop took {elapsed:.2f} s"
        finally:
            engine.terminate()
            engine.wait(timeout=30)
        proc = cli.run("run", "--headless", "--speed", "max", "--duration", "1h", "--db", db)
        assert proc.returncode == 0, proc.stderr[-2000:]
        again = status(cli, db)
        assert again["trading_state"] == "halted"
        buys = sqlite3.connect(db).execute("SELECT count(*) FROM fills WHERE side='buy'")
        assert buys.fetchone()[0] == 1, "a halted ledger must not enter after a restart"

        proc = cli.run("resume", "--db", db)
        assert proc.returncode == 0 and "ACTIVE" in proc.stdout
        assert status(cli, db)["trading_state"] == "active"

    def test_stop_with_no_engine_halts_and_next_start_flattens(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        db = tmp_path / "idle.sqlite"
        ledger_with_position(db)
        proc = cli.run("stop", "--db", db)
        assert proc.returncode == 0 and "no engine is running" in proc.stdout
        assert status(cli, db)["trading_state"] == "halted"
        proc = cli.run("run", "--headless", "--speed", "max", "--duration", "10m", "--db", db)
        assert proc.returncode == 0, proc.stderr[-2000:]
        final = status(cli, db)
        assert final["trading_state"] == "halted" and final["open_positions"] == []


class TestSingleInstance:
    """A second engine on the same ledger is refused, naming the one that holds it."""

    def test_second_run_is_refused(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "one.sqlite"
        first = cli.start("run", "--headless", "--seed", "3", "--db", db)
        try:
            wait_for_engine(cli, db)
            second = cli.run("run", "--headless", "--speed", "max", "--duration", "1m", "--db", db)
            assert second.returncode == 2
            assert "another engine is running" in second.stderr
            assert f"process {first.pid}" in second.stderr
            assert "Traceback" not in second.stderr
            assert status(cli, db)["engine_running"] is True
        finally:
            first.terminate()
            first.wait(timeout=30)
        again = cli.run("run", "--headless", "--speed", "max", "--duration", "1m", "--db", db)
        assert again.returncode == 0, again.stderr[-2000:]
