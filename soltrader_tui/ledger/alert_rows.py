"""Provides the alerts' rows and their statements: the alert as recorded before it is sent,
each delivery's outcome after, and the reads `health` and the dashboard use."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from soltrader_tui.ledger.reads import schema_version
from soltrader_tui.ledger.rows import from_iso, iso

ALERTS_SINCE_SCHEMA = 6
"""The first schema with the alerts tables; an older ledger read by `health` has none."""


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert message: one rule's event, or several folded repeats of it (`count`)."""

    ts: float
    """Wall time (unix seconds) the alert was raised: alerts are about the operator's day."""
    rule: str
    severity: str
    """'info' | 'warning' | 'critical'."""
    title: str
    body: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """The outcome of delivering one alert to one target."""

    alert_id: int | None
    """None for a message that is no alert of the ledger (the "N alerts dropped" notice)."""
    target: str
    """The target's label: its URL with every secret masked, never the secret."""
    status: str
    """'sent' | 'failed' | 'dropped'."""
    attempts: int
    error: str
    ts: float


def insert_alerts(c: sqlite3.Connection, alerts: Sequence[AlertRow]) -> list[int]:
    """Inserts alerts and returns their ids, in order (the sender needs them)."""
    ids = []
    for a in alerts:
        cursor = c.execute(
            "INSERT INTO alerts (ts, rule, severity, title, body, count) VALUES (?, ?, ?, ?, ?, ?)",
            (iso(a.ts), a.rule, a.severity, a.title, a.body, a.count),
        )
        ids.append(int(cursor.lastrowid or 0))
    return ids


def insert_deliveries(c: sqlite3.Connection, rows: Iterable[DeliveryRow]) -> None:
    """Inserts delivery outcomes."""
    c.executemany(
        "INSERT INTO alert_deliveries (alert_id, target, status, attempts, error, ts) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(d.alert_id, d.target, d.status, d.attempts, d.error, iso(d.ts)) for d in rows],
    )


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert as the ledger holds it."""

    id: int
    ts: float
    rule: str
    severity: str
    title: str
    body: str
    count: int


def recent_alerts(conn: sqlite3.Connection, limit: int = 50) -> list[StoredAlert]:
    """Returns the newest alerts, newest first (none on a ledger older than schema 6)."""
    if schema_version(conn) < ALERTS_SINCE_SCHEMA:
        return []
    rows = conn.execute(
        "SELECT id, ts, rule, severity, title, body, count FROM alerts ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [StoredAlert(r[0], from_iso(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in rows]


def last_delivery_per_target(conn: sqlite3.Connection) -> dict[str, DeliveryRow]:
    """Returns each target's newest delivery outcome, by target label (for `health`).

    Returns:
        Label to its last delivery; empty when nothing was delivered or the ledger is older
        than schema 6.
    """
    if schema_version(conn) < ALERTS_SINCE_SCHEMA:
        return {}
    rows = conn.execute(
        "SELECT d.alert_id, d.target, d.status, d.attempts, d.error, d.ts FROM alert_deliveries d "
        "JOIN (SELECT target, max(id) AS id FROM alert_deliveries GROUP BY target) last "
        "ON d.id = last.id ORDER BY d.target"
    ).fetchall()
    return {r[1]: DeliveryRow(r[0], r[1], r[2], r[3], r[4], from_iso(r[5])) for r in rows}


def last_alert_ts(conn: sqlite3.Connection, rule: str) -> float | None:
    """Returns when the newest alert of `rule` was raised (wall time), or None."""
    if schema_version(conn) < ALERTS_SINCE_SCHEMA:
        return None
    row = conn.execute("SELECT max(ts) FROM alerts WHERE rule = ?", (rule,)).fetchone()
    return None if row is None or row[0] is None else from_iso(row[0])
