"""Tests that nothing the engine's own process does to its ledger file drops SQLite's locks.

On POSIX systems closing *any* handle on a file drops every lock the process holds on it, SQLite's
included (sqlite.org/howtocorrupt.html, section 2.2). Another process that then closes its
connection believes it was the last one, checkpoints and deletes the WAL the engine still writes
to, and every later commit of the engine is lost. The checks that run inside the engine's process
while it holds the ledger (the saved-replay check, checkpoints) must therefore read the file only
through SQLite.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from soltrader_tui.checkpoints.store import take_checkpoint
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.connect import check_file, open_reader
from tests.factories import make_fill, make_order

OTHER_PROCESS_READS = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "c.execute('SELECT count(*) FROM fills').fetchone(); c.close()"
)


def fills_seen_from_outside(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM fills").fetchone()[0])
    finally:
        conn.close()


def commit_one(ledger: Ledger, n: int) -> None:
    fill = make_fill(side="buy", order_id=f"o-{n}", ts=1_700_000_000.0 + n)
    ledger.record_fill(
        make_order(token=fill.token, client_order_id=fill.order_id, ts=fill.ts),
        fill,
        realized_micro=None,
    )


class TestTheEnginesCommitsSurviveItsOwnChecks:
    """Commits after an in-process check are still in the ledger once another process looked."""

    def check_then_commit(self, tmp_path: Path, check: object) -> None:
        path = tmp_path / "l.sqlite"
        ledger = Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="t")
        commit_one(ledger, 0)
        assert callable(check)
        check(path)
        subprocess.run([sys.executable, "-c", OTHER_PROCESS_READS, str(path)], check=True)
        commit_one(ledger, 1)
        assert fills_seen_from_outside(path) == 2, "a commit after the check was lost"
        assert path.with_name(path.name + "-wal").exists()
        ledger.close()

    def test_after_check_file(self, tmp_path: Path) -> None:
        self.check_then_commit(tmp_path, check_file)

    def test_after_open_reader(self, tmp_path: Path) -> None:
        self.check_then_commit(tmp_path, lambda p: open_reader(p).close())

    def test_after_a_checkpoint(self, tmp_path: Path) -> None:
        def checkpoint(path: Path) -> None:
            take_checkpoint(path, tmp_path / "cp", config_file=None, reason="t", keep=3)

        self.check_then_commit(tmp_path, checkpoint)
