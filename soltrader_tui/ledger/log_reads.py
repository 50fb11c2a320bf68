"""Provides the reads of the decision log (the `events` table): the newest lines, the newest
problems, and the denials counted per risk rule."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from soltrader_tui.ledger.reads import schema_version
from soltrader_tui.ledger.rows import from_iso


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One line of the decision log as the ledger holds it."""

    id: int
    ts_text: str
    """The stored ISO time: it sorts as the times do, so a scan compares it unparsed."""
    level: str
    kind: str
    rule: str | None
    """The rule a 'denied' or 'refused' line is about; None for other kinds."""
    message: str

    @property
    def ts(self) -> float:
        """The line's market time, unix seconds."""
        return from_iso(self.ts_text)

    @property
    def label(self) -> str:
        """What happened in one word, with its rule when it has one: 'refused:jump'."""
        return self.kind if self.rule is None else f"{self.kind}:{self.rule}"


RULE_SINCE = 4
"""The schema version that stores a log line's rule in its own column."""


def _columns(conn: sqlite3.Connection) -> str:
    # A copy from before schema 4 is still read (`status` on an old checkpoint): its rule is
    # still in the kind, and the label shows it the same.
    rule = "rule" if schema_version(conn) >= RULE_SINCE else "NULL"
    return f"id, ts, level, kind, {rule}, message"


def recent_events(conn: sqlite3.Connection, limit: int) -> Iterator[StoredEvent]:
    """Yields up to `limit` of the newest log lines, newest first, as they are read (a scan
    that stops early reads no more)."""
    rows = conn.execute(
        f"SELECT {_columns(conn)} FROM events ORDER BY id DESC LIMIT ?", (max(0, limit),)
    )
    for r in rows:
        yield StoredEvent(r[0], r[1], r[2], r[3], r[4], r[5])


def problem_events(conn: sqlite3.Connection, limit: int) -> list[StoredEvent]:
    """Returns the newest `limit` warning and error lines, oldest first."""
    rows = conn.execute(
        f"SELECT {_columns(conn)} FROM events WHERE level IN ('warning', 'error')"
        " ORDER BY id DESC LIMIT ?",
        (max(0, limit),),
    ).fetchall()
    return [StoredEvent(r[0], r[1], r[2], r[3], r[4], r[5]) for r in reversed(rows)]


def read_denials(conn: sqlite3.Connection) -> dict[str, int]:
    """Counts denied entries per risk rule."""
    if schema_version(conn) < RULE_SINCE:
        # An older copy holds the rule in the kind, 'denied:<rule>'; the range uses the index
        # on kind (';' sorts right after ':').
        query = (
            "SELECT substr(kind, 8), count(*) FROM events"
            " WHERE kind >= 'denied:' AND kind < 'denied;' GROUP BY kind"
        )
    else:
        query = "SELECT rule, count(*) FROM events WHERE kind = 'denied' GROUP BY rule"
    return {str(rule): int(n) for rule, n in conn.execute(query)}
