"""Provides the reads behind `journal`: sessions, operator requests, trading-state changes,
the engine's notable log lines, alerts with their deliveries, and restore notes.

Each read takes `since` (unix seconds, or None for all) and returns rows oldest first. A ledger
older than a table's schema has none of its rows, not an error: `journal` reads old copies.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from soltrader_tui.ledger.alert_rows import ALERTS_SINCE_SCHEMA
from soltrader_tui.ledger.reads import STRATEGY_CONFIG_SINCE, schema_version
from soltrader_tui.ledger.rows import from_iso, iso
from soltrader_tui.ledger.session_writes import RESTORE_KEY_PREFIX

SESSIONS_SINCE_SCHEMA = 7
"""The first schema with the `sessions` table."""
REQUESTS_SINCE_SCHEMA = 2
"""The first schema with `control_requests`."""
JOURNAL_KINDS = ("engine", "strategy", "checkpoint", "breaker", "sleep")
"""Log-line kinds `journal` looks at (trading-state lines come from `trading_state`)."""


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One engine session as its row says (schema 7 and later)."""

    id: int
    started: float
    """Wall time, unix seconds."""
    pid: int
    version: str
    mode: str
    source: str
    config: dict[str, str]
    """Dotted key to the value's JSON text; empty when the stored text is not a JSON object."""
    ended: float | None
    """Wall time it ended; None while it runs, or when it was killed."""
    ending: str | None
    """'clean' | 'crashed' | None (no end recorded)."""
    error: str


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """A command another process sent the engine (stop, pause, resume, enable, disable)."""

    ts: float
    command: str
    actor: str
    target: str | None
    """The strategy an enable or disable names."""
    done: float | None
    """When the engine answered; None while pending."""
    result: str


@dataclass(frozen=True, slots=True)
class StateRecord:
    """A trading-state change: the state it moved to, why, and who moved it."""

    ts: float
    state: str
    reason: str
    actor: str


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A log line of one of `JOURNAL_KINDS`."""

    ts: float
    level: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert raised, and what became of its delivery to each target."""

    ts: float
    """Wall time it was raised."""
    rule: str
    severity: str
    title: str
    count: int
    deliveries: dict[str, str] = field(default_factory=dict)
    """Target label to its outcome ('sent', 'failed', 'dropped'); the last attempt wins."""


@dataclass(frozen=True, slots=True)
class RestoreRecord:
    """A checkpoint restore that put this ledger in place."""

    ts: float
    checkpoint: str
    previous: str | None
    """Where the ledger it replaced was set aside."""


def _since_text(since: float | None) -> str:
    # Stored times are ISO text that sorts as the times do: compared unparsed.
    return "" if since is None else iso(since)


def read_sessions(conn: sqlite3.Connection) -> list[SessionRecord]:
    """Returns every session row, oldest first (all of them: a session's config is compared
    with the one before it, which may be older than any `since`)."""
    if schema_version(conn) < SESSIONS_SINCE_SCHEMA:
        return []
    rows = conn.execute(
        "SELECT id, started, pid, version, mode, source, config, ended, ending, error "
        "FROM sessions ORDER BY id"
    ).fetchall()
    return [
        SessionRecord(
            int(r[0]),
            from_iso(r[1]),
            int(r[2]),
            str(r[3]),
            str(r[4]),
            str(r[5]),
            _config(r[6]),
            None if r[7] is None else from_iso(r[7]),
            r[8],
            str(r[9]),
        )
        for r in rows
    ]


def _config(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def read_requests(conn: sqlite3.Connection, since: float | None) -> list[RequestRecord]:
    """Returns the control requests sent at or after `since`, oldest first."""
    version = schema_version(conn)
    if version < REQUESTS_SINCE_SCHEMA:
        return []
    target = "target" if version >= STRATEGY_CONFIG_SINCE else "NULL"
    rows = conn.execute(
        f"SELECT ts, command, actor, {target}, done_ts, result FROM control_requests "
        "WHERE ts >= ? ORDER BY id",
        (_since_text(since),),
    ).fetchall()
    return [
        RequestRecord(
            from_iso(r[0]), r[1], r[2], r[3], None if r[4] is None else from_iso(r[4]), r[5]
        )
        for r in rows
    ]


def read_states(conn: sqlite3.Connection, since: float | None) -> list[StateRecord]:
    """Returns the trading-state changes at or after `since`, oldest first."""
    rows = conn.execute(
        "SELECT ts, state, reason, actor FROM trading_state WHERE ts >= ? ORDER BY id",
        (_since_text(since),),
    ).fetchall()
    return [StateRecord(from_iso(r[0]), r[1], r[2], r[3]) for r in rows]


def read_lines(conn: sqlite3.Connection, since: float | None) -> list[LineRecord]:
    """Returns the log lines of `JOURNAL_KINDS` at or after `since`, oldest first."""
    marks = ", ".join("?" for _ in JOURNAL_KINDS)
    rows = conn.execute(
        f"SELECT ts, level, kind, message FROM events WHERE kind IN ({marks}) AND ts >= ? "
        "ORDER BY id",
        (*JOURNAL_KINDS, _since_text(since)),
    ).fetchall()
    return [LineRecord(from_iso(r[0]), r[1], r[2], r[3]) for r in rows]


def read_alerts(conn: sqlite3.Connection, since: float | None) -> list[AlertRecord]:
    """Returns the alerts raised at or after `since` with their deliveries, oldest first."""
    if schema_version(conn) < ALERTS_SINCE_SCHEMA:
        return []
    rows = conn.execute(
        "SELECT id, ts, rule, severity, title, count FROM alerts WHERE ts >= ? ORDER BY id",
        (_since_text(since),),
    ).fetchall()
    if not rows:
        return []
    outcomes: dict[int, dict[str, str]] = {}
    for alert_id, target, status in conn.execute(
        "SELECT alert_id, target, status FROM alert_deliveries WHERE alert_id >= ? ORDER BY id",
        (rows[0][0],),
    ):
        outcomes.setdefault(int(alert_id), {})[str(target)] = str(status)
    return [
        AlertRecord(from_iso(r[1]), r[2], r[3], r[4], int(r[5]), outcomes.get(int(r[0]), {}))
        for r in rows
    ]


def read_restores(conn: sqlite3.Connection, since: float | None) -> list[RestoreRecord]:
    """Returns the restore notes at or after `since`, oldest first."""
    low = RESTORE_KEY_PREFIX + _since_text(since)
    # A range on the key (';' sorts right after ':') reads only the notes.
    high = RESTORE_KEY_PREFIX[:-1] + ";"
    notes = []
    for key, value in conn.execute(
        "SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key", (low, high)
    ):
        try:
            note = json.loads(value)
            ts = from_iso(str(key).removeprefix(RESTORE_KEY_PREFIX))
        except ValueError:
            continue  # not a note this version wrote
        if isinstance(note, dict):
            notes.append(RestoreRecord(ts, str(note.get("checkpoint", "?")), note.get("previous")))
    return notes
