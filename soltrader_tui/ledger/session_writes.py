"""Provides the statements that record a session's start and end, and a restore's note.

A session's row is what `journal` reads to say which version ran, in which mode, on which
config, and how the session ended; a restore leaves a `meta` row in the ledger it puts in
place, which every schema has, so a restored copy of any age carries the note.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui.ledger.rows import iso

RESTORE_KEY_PREFIX = "restored:"
"""`meta` keys of restore notes: the prefix, then the restore's UTC ISO time."""


@dataclass(frozen=True, slots=True)
class SessionStart:
    """What a session records about itself when it starts."""

    wall_ts: float
    """Wall time, unix seconds."""
    pid: int
    version: str
    mode: str
    source: str
    """Where its prices come from (`sim`, `replay`, `jupiter`, ...)."""
    config: dict[str, str]
    """The effective config: dotted key to the value's JSON text (`config.flat`), secrets
    masked or named only."""


def insert_session(c: sqlite3.Connection, start: SessionStart) -> int:
    """Inserts a started session's row; returns its id."""
    cursor = c.execute(
        "INSERT INTO sessions (started, pid, version, mode, source, config) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            iso(start.wall_ts),
            start.pid,
            start.version,
            start.mode,
            start.source,
            json.dumps(start.config, ensure_ascii=False),
        ),
    )
    return int(cursor.lastrowid or 0)


def close_session(
    c: sqlite3.Connection, session_id: int, *, wall_ts: float, crashed: bool, error: str
) -> None:
    """Records how a session ended: clean, or crashed with its error."""
    c.execute(
        "UPDATE sessions SET ended = ?, ending = ?, error = ? WHERE id = ?",
        (iso(wall_ts), "crashed" if crashed else "clean", error, session_id),
    )


def note_restore(ledger_copy: Path, checkpoint: str, previous: Path | None, wall_ts: float) -> None:
    """Writes into a checkpoint's copy, before it is put in place, that it was restored.

    Args:
        ledger_copy: The staged copy (a single file: checkpoints are copied without a -wal).
        checkpoint: The checkpoint's name.
        previous: Where the ledger it replaces was set aside (None: there was none).
        wall_ts: When, unix seconds.

    Raises:
        sqlite3.Error: the copy cannot be written.
    """
    note = {"checkpoint": checkpoint, "previous": None if previous is None else str(previous)}
    conn = sqlite3.connect(ledger_copy, isolation_level=None)
    try:
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (RESTORE_KEY_PREFIX + iso(wall_ts), json.dumps(note, ensure_ascii=False)),
        )
    finally:
        conn.close()
