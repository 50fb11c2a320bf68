"""Tests the move to schema 5: strategies keep their rows and gain the config's value and the
entry threshold; control requests keep theirs and may now enable or disable a strategy."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.ledger import Ledger, requests
from soltrader_tui.ledger.reads import read_strategy_rows
from soltrader_tui.ledger.rows import StrategyRow, iso
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION

START = 500_000_000
T0 = 1_800_000_000.0


def v4_ledger(path: Path) -> None:
    """A schema-4 ledger as version 4 of soltrader-tui left it: two strategies, one of them
    disabled by its config, and a stop request already answered."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:4]:
        migration(conn)
    conn.execute("PRAGMA user_version = 4")
    conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', ?), ('mode', 'paper')", (START,))
    conn.execute("INSERT INTO strategies VALUES ('momentum', 1), ('ema_cross', 0)")
    conn.execute(
        "INSERT INTO control_requests (ts, command, actor, status, result, done_ts) "
        "VALUES (?, 'stop', 'cli (pid 7)', 'done', 'HALTED', ?)",
        (iso(T0), iso(T0 + 1)),
    )
    conn.close()


class TestMigration:
    """A schema-4 ledger keeps its strategies and requests; a backup is taken first."""

    def test_rows_are_kept_and_toggles_fit(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v4_ledger(path)
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert read_strategy_rows(conn) == [
                StrategyRow("ema_cross", False, None, None),
                StrategyRow("momentum", True, None, None),
            ]
            assert conn.execute(
                "SELECT command, actor, status, result, target FROM control_requests"
            ).fetchall() == [("stop", "cli (pid 7)", "done", "HALTED", None)]
        finally:
            conn.close()
        request_id = requests.submit(path, "disable", "watch (pid 9)", "momentum")
        conn = sqlite3.connect(path)
        try:
            assert conn.execute(
                "SELECT command, target, status FROM control_requests WHERE id = ?", (request_id,)
            ).fetchone() == ("disable", "momentum", "pending")
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(
                    "INSERT INTO control_requests (ts, command, actor) VALUES (?, 'sell', 'x')",
                    (iso(T0),),
                )
        finally:
            conn.close()

    def test_the_backup_is_the_schema_4_ledger(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v4_ledger(path)
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        [backup] = tmp_path.glob(f"l.v4-before-v{SCHEMA_VERSION}-*.sqlite")
        conn = sqlite3.connect(backup)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
            assert conn.execute("SELECT name, enabled FROM strategies ORDER BY 1").fetchall() == [
                ("ema_cross", 0),
                ("momentum", 1),
            ]
        finally:
            conn.close()

    def test_an_older_copy_is_still_read(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v4_ledger(path)
        conn = sqlite3.connect(path)
        try:
            assert read_strategy_rows(conn) == [
                StrategyRow("ema_cross", False),
                StrategyRow("momentum", True),
            ]
        finally:
            conn.close()
