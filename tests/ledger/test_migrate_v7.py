"""Tests the move to schema 7: a schema-6 ledger keeps its rows and gains `sessions`; its
older sessions are still told in the journal from their log lines; a checkpoint of a schema-6
ledger restores, says so in the journal, and migrates at the next open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from soltrader_tui.checkpoints.store import restore_checkpoint, take_checkpoint
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import EventRow
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION, tables_at
from soltrader_tui.ledger.session_writes import SessionStart
from soltrader_tui.monitor.journal import build_journal
from soltrader_tui.monitor.journal_source import read_journal

START = 500_000_000
T0 = 1_800_000_000.0


def v6_ledger(path: Path) -> None:
    """A schema-6 ledger as version 6 left it: one session that started and stopped."""
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:6]:
        migration(conn)
    conn.execute("PRAGMA user_version = 6")
    conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', ?), ('mode', 'paper')", (START,))
    conn.execute(
        "INSERT INTO events (ts, level, kind, message) VALUES "
        "('2027-01-15T08:00:00.000Z', 'info', 'engine', 'session started: paper on sim'), "
        "('2027-01-15T08:00:01.000Z', 'info', 'engine', 'strategies warmed on 1h of sim'), "
        "('2027-01-15T09:00:00.000Z', 'info', 'engine', 'session stopped: equity $500.00')"
    )
    conn.close()


def start(config: dict[str, str], ts: float = T0) -> SessionStart:
    return SessionStart(ts, 4242, "0.2.0", "paper", "sim", config)


def texts(path: Path) -> list[str]:
    return [e.text for e in build_journal(read_journal(path, None))]


class TestMigration:
    """A schema-6 ledger gains `sessions`; its older session stays in the journal."""

    def test_old_session_from_its_lines_new_one_from_its_row(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v6_ledger(path)
        ledger = Ledger.open(path, starting_cash_micro=START, mode="paper", version="t")
        later = T0 + 7200  # after the old session's lines
        ledger.flush(events=[EventRow(later, "info", "engine", "session started: paper on sim")])
        session = ledger.start_session(start({"risk.order_usd": "50.0"}, later))
        ledger.end_session(session, wall_ts=later + 60, error=None)
        ledger.close()
        assert "sessions" in tables_at(SCHEMA_VERSION) and "sessions" not in tables_at(6)
        [backup] = tmp_path.glob(f"l.v6-before-v{SCHEMA_VERSION}-*.sqlite")
        assert sqlite3.connect(backup).execute("PRAGMA user_version").fetchone() == (6,)
        assert texts(path) == [
            "session started: paper on sim",
            "session stopped: equity $500.00",
            "session 1 started: 0.2.0, paper on sim (pid 4242)",
            "session 1 ended cleanly after 1m 00s",
        ]

    def test_a_crash_is_told_with_its_error(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = Ledger.open(path, starting_cash_micro=START, mode="paper", version="t")
        session = ledger.start_session(start({}))
        ledger.end_session(session, wall_ts=T0 + 5, error="RuntimeError: feed broke")
        ledger.close()
        assert texts(path)[-1] == "session 1 CRASHED after 5s: RuntimeError: feed broke"


class TestRestoreOfAnOlderCheckpoint:
    """A schema-6 checkpoint restores with its note, and the next open migrates it."""

    def test_restore_note_then_migration(self, tmp_path: Path) -> None:
        path, folder = tmp_path / "l.sqlite", tmp_path / "checkpoints"
        v6_ledger(path)
        info = take_checkpoint(path, folder, config_file=None, reason="before", keep=3, now=T0)
        restore_checkpoint(info.name, folder, path, now=T0 + 30)
        journal = build_journal(read_journal(path, None))
        [note] = [e for e in journal if e.kind == "restore"]
        assert note.ts == T0 + 30
        assert note.text.startswith(f"checkpoint {info.name} restored; the ledger it replaced")
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert [e.kind for e in build_journal(read_journal(path, None))].count("restore") == 1
