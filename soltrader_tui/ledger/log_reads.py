"""Provides the reads of the decision log (the `events` table): the newest lines, the newest
problems, and the denials counted per risk rule."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from soltrader_tui.ledger.rows import from_iso


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One line of the decision log as the ledger holds it."""

    id: int
    ts_text: str
    """The stored ISO time: it sorts as the times do, so a scan compares it unparsed."""
    level: str
    kind: str
    message: str

    @property
    def ts(self) -> float:
        """The line's market time, unix seconds."""
        return from_iso(self.ts_text)


def recent_events(conn: sqlite3.Connection, limit: int) -> Iterator[StoredEvent]:
    """Yields up to `limit` of the newest log lines, newest first, as they are read (a scan
    that stops early reads no more)."""
    rows = conn.execute(
        "SELECT id, ts, level, kind, message FROM events ORDER BY id DESC LIMIT ?",
        (max(0, limit),),
    )
    for r in rows:
        yield StoredEvent(r[0], r[1], r[2], r[3], r[4])


def problem_events(conn: sqlite3.Connection, limit: int) -> list[StoredEvent]:
    """Returns the newest `limit` warning and error lines, oldest first."""
    rows = conn.execute(
        "SELECT id, ts, level, kind, message FROM events WHERE level IN ('warning', 'error')"
        " ORDER BY id DESC LIMIT ?",
        (max(0, limit),),
    ).fetchall()
    return [StoredEvent(r[0], r[1], r[2], r[3], r[4]) for r in reversed(rows)]


def read_denials(conn: sqlite3.Connection) -> dict[str, int]:
    """Counts denied entries per risk rule (log lines of kind `denied:<rule>`)."""
    # A range, not LIKE: it uses the index on kind (';' sorts right after ':').
    return {
        kind.split(":", 1)[1]: int(n)
        for kind, n in conn.execute(
            "SELECT kind, count(*) FROM events WHERE kind >= 'denied:' AND kind < 'denied;' "
            "GROUP BY kind"
        )
    }
