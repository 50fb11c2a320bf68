"""Chaos: the headless engine is killed at random instants and restarted on the same ledger.

Bounded for CI (about a minute); set CHAOS_CYCLES for a longer run, e.g. CHAOS_CYCLES=100.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.conftest import Cli
from tests.e2e.recompute import recompute

CYCLES = int(os.environ.get("CHAOS_CYCLES", "12"))


def status(cli: Cli, db: Path) -> dict[str, object]:
    proc = cli.run("status", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def fill_ids(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT order_id FROM fills ORDER BY id")]
    finally:
        conn.close()


def wait_for_ledger(db: Path, proc: subprocess.Popen[str], timeout_s: float = 60) -> None:
    """Waits until the engine has committed its ledger's first state row (its start-up)."""
    deadline = time.monotonic() + timeout_s
    while not has_state(db):
        assert proc.poll() is None, f"the engine exited ({proc.returncode}) before its ledger"
        assert time.monotonic() < deadline, f"no ledger at {db} after {timeout_s} s"
        time.sleep(0.05)


def has_state(db: Path) -> bool:
    if not db.exists():
        return False
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM trading_state").fetchone()[0] > 0
    except sqlite3.Error:  # being created: no table yet
        return False
    finally:
        conn.close()


class TestKillNine:
    """Killing the engine at any instant loses nothing committed and duplicates nothing."""

    def test_random_kills_then_restart(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "chaos.sqlite"
        rng = random.Random(20261124)
        seen: list[str] = []
        halted_at = CYCLES // 2
        for cycle in range(CYCLES):
            proc = cli.start(
                "run", "--headless", "--seed", str(cycle), "--speed", "1000", "--db", db
            )
            try:
                kill_at = time.monotonic() + rng.uniform(1.0, 3.0)
                # A slow machine may take longer than that to create the ledger; the kill
                # waits for it, so every cycle has a ledger to check.
                wait_for_ledger(db, proc)
                time.sleep(max(0.0, kill_at - time.monotonic()))
                if cycle == halted_at:
                    stop = cli.run("stop", "--db", db)
                    assert stop.returncode == 0, stop.stderr
            finally:  # killed even when the test fails: no engine outlives it
                proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
                proc.wait(timeout=30)
            ids = fill_ids(db)
            assert len(ids) == len(set(ids)), "a fill was recorded twice"
            assert ids[: len(seen)] == seen, "a committed fill was lost or reordered"
            seen = ids
            truth = recompute(db)
            s = status(cli, db)
            assert s["fills"] == truth.fills
            assert s["cash_usd"] == round(truth.cash_micro / 1e6, 6)
            assert {p["mint"]: p["qty"] for p in s["open_positions"]} == truth.holdings  # type: ignore[union-attr]
            assert s["engine_running"] is False, "the lock must die with the process"
            if cycle >= halted_at:
                assert s["trading_state"] == "halted", f"halt lost after kill in cycle {cycle}"
        assert len(seen) > 0, "the engine must have traded during the chaos run"
        assert recompute(db).holdings == {}, "the halt flattened every position"
