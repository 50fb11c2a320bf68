"""Tests the move to schema 6: a schema-5 ledger keeps every row and gains the alerts and their
deliveries; a reader of an older copy (`health`) finds no alerts rather than an error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.alert_rows import (
    AlertRow,
    DeliveryRow,
    last_delivery_per_target,
    recent_alerts,
)
from soltrader_tui.ledger.rows import EventRow
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION, tables_at

START = 500_000_000
T0 = 1_800_000_000.0


def v5_ledger(path: Path) -> None:
    """A schema-5 ledger as version 5 of soltrader-tui left it: one log line."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:5]:
        migration(conn)
    conn.execute("PRAGMA user_version = 5")
    conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', ?), ('mode', 'paper')", (START,))
    conn.execute(
        "INSERT INTO events (ts, level, kind, message) VALUES "
        "('2027-01-15T08:00:00.000Z', 'info', 'engine', 'session started')"
    )
    conn.close()


def read(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


class TestMigration:
    """A schema-5 ledger keeps its rows, gains the alert tables, and a backup is taken."""

    def test_rows_kept_and_alerts_recorded(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v5_ledger(path)
        ledger = Ledger.open(path, starting_cash_micro=START, mode="paper", version="t")
        ids = ledger.flush(
            events=[EventRow(T0, "warning", "state", "STATE ACTIVE -> HALTED: stop")],
            alerts=[AlertRow(T0, "state", "critical", "Trading HALTED", "STATE ...")],
        )
        ledger.flush(
            deliveries=[DeliveryRow(ids[0], "json://127.0.0.1:9/hook", "failed", 4, "refused", T0)]
        )
        ledger.close()
        assert read(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert read(path, "SELECT message FROM events ORDER BY id") == [
            ("session started",),
            ("STATE ACTIVE -> HALTED: stop",),
        ]
        assert read(path, "SELECT rule, severity, count FROM alerts") == [("state", "critical", 1)]
        [backup] = tmp_path.glob("l.v5-before-v*.sqlite")
        assert read(backup, "PRAGMA user_version") == [(5,)]
        assert {"alerts", "alert_deliveries"} <= tables_at(6)
        assert not {"alerts", "alert_deliveries"} & tables_at(5)

    def test_a_delivery_must_have_a_known_status(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
        conn = sqlite3.connect(path)
        try:
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(
                    "INSERT INTO alert_deliveries (target, status, attempts, ts) "
                    "VALUES ('x', 'maybe', 1, '2027-01-15T08:00:00.000Z')"
                )
        finally:
            conn.close()


class TestReads:
    """`health` asks for each target's last delivery; an older ledger has none."""

    def test_last_delivery_per_target(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = Ledger.open(path, starting_cash_micro=START, mode="paper", version="t")
        [alert_id] = ledger.flush(alerts=[AlertRow(T0, "breaker", "critical", "t", "b")])
        ledger.flush(
            deliveries=[
                DeliveryRow(alert_id, "mail", "failed", 4, "refused", T0),
                DeliveryRow(alert_id, "hook", "sent", 1, "", T0 + 1),
                DeliveryRow(alert_id, "mail", "sent", 1, "", T0 + 2),
            ]
        )
        ledger.close()
        conn = sqlite3.connect(path)
        try:
            last = last_delivery_per_target(conn)
            assert {k: (v.status, v.ts) for k, v in last.items()} == {
                "hook": ("sent", T0 + 1),
                "mail": ("sent", T0 + 2),
            }
            assert [(a.id, a.rule, a.count) for a in recent_alerts(conn)] == [
                (alert_id, "breaker", 1)
            ]
        finally:
            conn.close()

    def test_an_older_copy_has_no_alerts(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v5_ledger(path)
        conn = sqlite3.connect(path)
        try:
            assert last_delivery_per_target(conn) == {}
            assert recent_alerts(conn) == []
        finally:
            conn.close()
