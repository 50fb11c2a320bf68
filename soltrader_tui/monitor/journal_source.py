"""Provides read_journal: what the operator's journal is built from, read from a ledger."""

from __future__ import annotations

from pathlib import Path

from soltrader_tui.ledger.connect import open_reader, read_transaction
from soltrader_tui.ledger.journal_reads import (
    read_alerts,
    read_lines,
    read_requests,
    read_restores,
    read_sessions,
    read_states,
)
from soltrader_tui.ledger.lock import engine_running
from soltrader_tui.ledger.reads import read_heartbeat
from soltrader_tui.monitor.journal import JournalInput


def read_journal(db: Path, since: float | None) -> JournalInput:
    """Reads what the journal is built from at or after `since`, in one read transaction
    (every session: each one's config is compared with the one before).

    Raises:
        LedgerError: no ledger at `db`, not a ledger, or empty.
    """
    conn = open_reader(db)
    try:
        with read_transaction(conn):
            beat = read_heartbeat(conn)
            return JournalInput(
                sessions=read_sessions(conn),
                requests=read_requests(conn, since),
                states=read_states(conn, since),
                # All of them: which session lines the rows cover is told by counting.
                lines=read_lines(conn, None),
                alerts=read_alerts(conn, since),
                restores=read_restores(conn, since),
                engine_running=engine_running(db),
                last_beat=None if beat is None else (beat.pid, beat.wall_ts),
            )
    finally:
        conn.close()
