"""Provides the reads behind `preflight`'s paper record: hours of paper trading and the
circuit-breaker trips, besides the figures `status` reads.

Both are read in one read transaction with `read_paper_record`; a ledger older than the
`sessions` table (schema 7) has no hours on record, not an error.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui.ledger.connect import open_reader, read_transaction
from soltrader_tui.ledger.errors import LedgerDamaged
from soltrader_tui.ledger.journal_reads import SESSIONS_SINCE_SCHEMA, read_sessions
from soltrader_tui.ledger.reads import read_heartbeat, schema_version

RISK_ACTOR = "risk"
"""The actor of a trading-state change a risk rule made (`engine.operator`)."""


@dataclass(frozen=True, slots=True)
class PaperHistory:
    """What the ledger says about its paper sessions and risk halts."""

    paper_hours: float
    """Wall hours of paper sessions: each from its start to its recorded end; a session
    killed without one counts up to the last heartbeat if it is the newest, else not at all."""
    paper_sessions: int
    unended_sessions: int
    """Paper sessions without a recorded end that counted nothing (killed, then another
    session ran): their hours are unknown."""
    risk_trips: int
    """Changes to HALTED a risk rule made (circuit breakers), over the whole ledger."""
    has_sessions: bool
    """False for a ledger older than the `sessions` table (schema 7): no hours on record."""


def read_risk_trips(conn: sqlite3.Connection) -> int:
    """Counts the changes to HALTED that a risk rule made."""
    row = conn.execute(
        "SELECT COUNT(*) FROM trading_state WHERE state = 'halted' AND actor = ?", (RISK_ACTOR,)
    ).fetchone()
    return int(row[0])


def read_paper_history(conn: sqlite3.Connection) -> PaperHistory:
    """Reads the paper sessions' hours and the risk halts (inside the caller's transaction)."""
    trips = read_risk_trips(conn)
    if schema_version(conn) < SESSIONS_SINCE_SCHEMA:
        return PaperHistory(0.0, 0, 0, trips, has_sessions=False)
    sessions = read_sessions(conn)
    heartbeat = read_heartbeat(conn)
    seconds, counted, unended = 0.0, 0, 0
    for index, session in enumerate(sessions):
        newest = index == len(sessions) - 1
        end = session.ended
        if end is None and newest and heartbeat is not None:
            end = heartbeat.wall_ts
        if session.mode != "paper":
            continue
        counted += 1
        if end is None:
            unended += 1
            continue
        seconds += max(0.0, end - session.started)
    return PaperHistory(seconds / 3600, counted, unended, trips, has_sessions=True)


def read_paper_record(path: Path) -> PaperHistory:
    """Opens a ledger read-only and reads its paper history in one read transaction.

    Raises:
        LedgerError: the file is missing, not a ledger, damaged, or newer.
    """
    conn = open_reader(path)
    try:
        with read_transaction(conn):
            return read_paper_history(conn)
    except sqlite3.DatabaseError as exc:
        raise LedgerDamaged(f"{path} is damaged: {exc}") from exc
    finally:
        conn.close()
