"""Tests the move to schema 8: control requests keep their rows and ids and may now close a
position, naming its mint; a close without a mint, or an unknown command, is still refused; the
journal of a schema-7 copy still lists its requests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.ledger import Ledger, requests
from soltrader_tui.ledger.rows import iso
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION
from soltrader_tui.monitor.journal import build_journal
from soltrader_tui.monitor.journal_source import read_journal

START = 500_000_000
T0 = 1_700_000_000.0
"""Before now: a request submitted by the test comes after these in time, as in use."""
MINT = "So1Xmint1111111111111111111111111111111111"

V7_REQUESTS = [
    (3, "stop", "cli (pid 7)", "done", "emergency stop: positions flattened, HALTED", None),
    (5, "disable", "watch (pid 8)", "done", "STRATEGY momentum DISABLED by watch", "momentum"),
    (9, "resume", "cli (pid 7)", "pending", "", None),
]
"""(id, command, actor, status, result, target): ids with gaps, as deleted rows would leave."""


def v7_ledger(path: Path) -> None:
    """A schema-7 ledger as version 7 left it: three requests, two answered, one pending."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:7]:
        migration(conn)
    conn.execute("PRAGMA user_version = 7")
    conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', ?), ('mode', 'paper')", (START,))
    for request_id, command, actor, status, answer, target in V7_REQUESTS:
        done = iso(T0 + request_id + 1) if status == "done" else None
        conn.execute(
            "INSERT INTO control_requests (id, ts, command, actor, status, result, done_ts, target)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, iso(T0 + request_id), command, actor, status, answer, done, target),
        )
    conn.close()


def read(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def request_texts(path: Path) -> list[str]:
    return [e.text for e in build_journal(read_journal(path, None)) if e.kind == "command"]


class TestMigration:
    """A schema-7 ledger keeps its requests, ids and all; a backup is taken first."""

    def test_rows_and_ids_are_kept(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v7_ledger(path)
        before = read(path, "SELECT * FROM control_requests ORDER BY id")
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        assert read(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert read(path, "SELECT * FROM control_requests ORDER BY id") == before
        assert [r[0] for r in before] == [3, 5, 9]
        [backup] = tmp_path.glob(f"l.v7-before-v{SCHEMA_VERSION}-*.sqlite")
        assert read(backup, "PRAGMA user_version") == [(7,)]
        assert read(backup, "SELECT * FROM control_requests ORDER BY id") == before

    def test_the_pending_request_is_still_taken(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v7_ledger(path)
        ledger = Ledger.open(path, starting_cash_micro=START, mode="paper", version="t")
        try:
            [waiting] = ledger.pending_requests()
        finally:
            ledger.close()
        assert (waiting.id, waiting.command, waiting.target) == (9, "resume", None)

    def test_a_close_naming_its_mint_fits_and_comes_next(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v7_ledger(path)
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        request_id = requests.submit(path, "close", "watch (pid 9)", MINT)
        assert request_id == 10, "ids go on after the kept ones"
        assert read(
            path, "SELECT command, target, status FROM control_requests WHERE id = ?", request_id
        ) == [("close", MINT, "pending")]

    @pytest.mark.parametrize(
        ("command", "target"), [("close", None), ("sell", MINT)], ids=["close-no-mint", "unknown"]
    )
    def test_still_refused(self, tmp_path: Path, command: str, target: str | None) -> None:
        path = tmp_path / "l.sqlite"
        v7_ledger(path)
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        conn = sqlite3.connect(path)
        try:
            with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
                conn.execute(
                    "INSERT INTO control_requests (ts, command, actor, target) VALUES (?, ?, ?, ?)",
                    (iso(T0), command, "x", target),
                )
        finally:
            conn.close()


class TestOlderCopies:
    """The journal reads a schema-7 copy as it is (no migration), and lists a close after one."""

    def test_journal_of_a_v7_copy_then_of_the_migrated_ledger(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v7_ledger(path)
        old = request_texts(path)
        assert read(path, "PRAGMA user_version") == [(7,)], "reading did not migrate it"
        assert old == [
            "STOP requested by cli (pid 7): emergency stop: positions flattened, HALTED",
            "DISABLE momentum requested by watch (pid 8): STRATEGY momentum DISABLED by watch",
            "RESUME requested by cli (pid 7) (not answered)",
        ]
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        requests.submit(path, "close", "watch (pid 9)", MINT)
        assert request_texts(path) == [
            *old,
            f"CLOSE {MINT} requested by watch (pid 9) (not answered)",
        ]
