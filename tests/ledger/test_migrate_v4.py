"""Tests the move to schema 4: the rule of a denial or a refused price leaves the kind text for
a column of its own, and every count by rule reads the same before and after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from soltrader_tui.ledger import Ledger, open_reader
from soltrader_tui.ledger.log_reads import problem_events, read_denials
from soltrader_tui.ledger.rows import EventRow, iso
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION
from soltrader_tui.monitor.ledger_view import read_status, status_json

START = 500_000_000
T0 = 1_800_000_000.0
OLD_EVENTS = [
    ("info", "denied:max_positions", "DENIED BUY BONK: 3 positions open"),
    ("info", "signal", "SIGNAL momentum BONK"),
    ("info", "denied:max_positions", "DENIED BUY WIF: 3 positions open"),
    ("info", "denied:trading_state", "DENIED BUY BONK: trading is PAUSED"),
    ("warning", "refused:jump", "PRICE REFUSED BONK 30 [jump]"),
    ("info", "denied:max_positions", "DENIED BUY POPCAT: 3 positions open"),
    ("warning", "stale", "STALE WIF"),
]


def v3_ledger(path: Path) -> None:
    """Writes a schema-3 ledger whose log holds denials and a refused price, as version 3 of
    soltrader-tui wrote them: the rule inside the kind."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:3]:
        migration(conn)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', ?), ('mode', 'paper')", (START,))
    conn.executemany(
        "INSERT INTO events (ts, level, kind, message) VALUES (?, ?, ?, ?)",
        [(iso(T0 + i), level, kind, msg) for i, (level, kind, msg) in enumerate(OLD_EVENTS)],
    )
    conn.close()


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=START, mode="paper", version="test")


def stored(path: Path) -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT kind, rule FROM events ORDER BY id").fetchall()
    finally:
        conn.close()


def denials_of(path: Path) -> dict[str, int]:
    conn = open_reader(path)
    try:
        return read_denials(conn)
    finally:
        conn.close()


class TestMigration:
    """A schema-3 ledger's denials keep their rules and counts, and a backup is taken first."""

    def test_rules_move_to_their_column(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v3_ledger(path)
        open_ledger(path).close()
        assert stored(path) == [
            ("denied", "max_positions"),
            ("signal", None),
            ("denied", "max_positions"),
            ("denied", "trading_state"),
            ("refused", "jump"),
            ("denied", "max_positions"),
            ("stale", None),
        ]
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 4
            indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            assert "events_kind_rule" in indexes
            assert "events_kind" not in indexes
            # CHECKPOINT.md names a problem line as before: its kind with its rule.
            labels = [e.label for e in problem_events(conn, 10)]
            assert labels == ["refused:jump", "stale"]
        finally:
            conn.close()

    def test_counts_by_rule_are_equal_before_and_after(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v3_ledger(path)
        before = denials_of(path)  # the old schema's read: the rule inside the kind
        status_before = status_json(read_status(path))["risk_rejections"]
        ledger = open_ledger(path)
        try:
            assert ledger.denial_counts() == before
        finally:
            ledger.close()
        assert before == {"max_positions": 3, "trading_state": 1}
        assert denials_of(path) == before
        assert status_json(read_status(path))["risk_rejections"] == status_before == before

    def test_the_backup_is_the_schema_3_ledger(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v3_ledger(path)
        open_ledger(path).close()
        [backup] = tmp_path.glob(f"l.v3-before-v{SCHEMA_VERSION}-*.sqlite")
        conn = sqlite3.connect(backup)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
            kinds = [r[0] for r in conn.execute("SELECT kind FROM events ORDER BY id")]
        finally:
            conn.close()
        assert kinds == [kind for _, kind, _ in OLD_EVENTS]


class TestWrites:
    """A line about a rule is stored with the rule apart, as the engine names it."""

    def test_rule_is_stored_apart(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        try:
            ledger.flush(
                events=[
                    EventRow(T0, "info", "denied", "DENIED BUY BONK", rule="max_positions"),
                    EventRow(T0 + 1, "info", "denied", "DENIED BUY WIF", rule="cooldown"),
                    EventRow(T0 + 2, "warning", "refused", "PRICE REFUSED", rule="quote_deviation"),
                    EventRow(T0 + 3, "info", "engine", "note: a colon in a plain kind's text"),
                ]
            )
            assert ledger.denial_counts() == {"cooldown": 1, "max_positions": 1}
        finally:
            ledger.close()
        assert stored(path) == [
            ("denied", "max_positions"),
            ("denied", "cooldown"),
            ("refused", "quote_deviation"),
            ("engine", None),
        ]
