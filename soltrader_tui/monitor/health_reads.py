"""Provides the read-only reads `health` needs beyond the status report.

Recent error lines, recent API usage and the engine lock's owner. Like `status`, they use a
read-only connection in one short transaction, so they never block the engine's writes, and
they only read the lock's owner file: the engine lock itself is left alone.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.ledger.connect import open_reader
from soltrader_tui.ledger.lock import owner_path
from soltrader_tui.ledger.rows import from_iso, iso
from soltrader_tui.monitor.health import (
    API_WINDOW_MINUTES,
    RATE_LIMIT_WINDOW_MINUTES,
    RECENT_WINDOW_S,
    EngineOwner,
    RecentActivity,
    RecentProviderUsage,
    engine_now,
)
from soltrader_tui.snapshot import LogLine

if TYPE_CHECKING:
    from soltrader_tui.monitor.ledger_view import StatusReport

LOG_SCAN_LINES = 20_000
"""Most log lines read back from the newest. Five minutes of even a chatty session is a few
thousand; the bound keeps `health` quick on a ledger that holds millions."""
LOG_ORDER_SLACK_S = 60.0
"""Log lines are appended nearly, not strictly, in time order (a stale-price line carries the
time of the price it is about), so the backward scan stops only this far past the window."""


def minute_key(wall_ts: float) -> str:
    """Returns the `api_usage.minute` text of the UTC minute holding `wall_ts`.

    The same 'YYYY-MM-DDTHH:MMZ' form `net.usage.minute_text` writes (that module is not
    imported here: it brings the HTTP client with it).
    """
    minute_start = (int(wall_ts) // 60) * 60
    return datetime.fromtimestamp(minute_start, UTC).strftime("%Y-%m-%dT%H:%MZ")


def read_recent(path: Path, report: StatusReport, *, now_wall: float) -> RecentActivity:
    """Reads the recent figures `health.assess` needs that a status report lacks.

    Args:
        path: The ledger file (read-only).
        report: The status report just read from it (for the engine's clock and whether an
            engine runs).
        now_wall: Wall time of the check, unix seconds.

    Raises:
        LedgerError: the file is missing, not a ledger, damaged, or newer.
        sqlite3.Error: a read failed (a damaged page, or the file stayed locked).
    """
    since = engine_now(report, now_wall) - RECENT_WINDOW_S
    conn = open_reader(path)
    try:
        conn.execute("BEGIN")  # one consistent view of both tables
        api = read_api_usage(conn, now_wall)
        errors, newest = read_recent_errors(conn, since=since)
        conn.execute("COMMIT")
    finally:
        conn.close()
    owner = read_owner(path) if report.snapshot.running else None
    return RecentActivity(api=api, errors=errors, newest_error=newest, owner=owner)


def read_api_usage(conn: sqlite3.Connection, now_wall: float) -> tuple[RecentProviderUsage, ...]:
    """Returns each provider's calls in the last `API_WINDOW_MINUTES` of wall time.

    Rows are keyed by the wall-clock minute of the request, so the window is counted in whole
    minutes back from the current one.
    """
    window_start = minute_key(now_wall - 60 * (API_WINDOW_MINUTES - 1))
    limited_start = minute_key(now_wall - 60 * (RATE_LIMIT_WINDOW_MINUTES - 1))
    rows = conn.execute(
        "SELECT provider, sum(calls), sum(errors), sum(rate_limited),"
        " sum(CASE WHEN minute >= ? THEN rate_limited ELSE 0 END)"
        " FROM api_usage WHERE minute >= ? GROUP BY provider ORDER BY provider",
        (limited_start, window_start),
    ).fetchall()
    return tuple(RecentProviderUsage(r[0], r[1], r[2], r[3], r[4]) for r in rows)


def read_recent_errors(conn: sqlite3.Connection, *, since: float) -> tuple[int, LogLine | None]:
    """Counts error lines logged at or after `since` (market time) and returns the newest.

    Reads back from the newest line and stops once lines are well before the window, so the
    cost follows the window, not the size of the log.
    """
    since_text, stop_text = iso(since), iso(since - LOG_ORDER_SLACK_S)
    count, newest = 0, None
    rows = conn.execute(
        "SELECT id, ts, level, message FROM events ORDER BY id DESC LIMIT ?", (LOG_SCAN_LINES,)
    )
    # The ledger's time text sorts as the times do, so no row needs parsing to be compared.
    for seq, ts, level, message in rows:
        if ts < stop_text:
            break
        if level != "error" or ts < since_text:
            continue
        count += 1
        if newest is None:
            newest = LogLine(seq, from_iso(ts), level, message)
    return count, newest


def read_owner(path: Path) -> EngineOwner | None:
    """Returns who holds the ledger's engine lock, as its owner file says (None if unknown)."""
    try:
        owner = json.loads(owner_path(path).read_text(encoding="utf-8"))
        pid = int(owner["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        since = datetime.strptime(str(owner["since"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return EngineOwner(pid, None)
    return EngineOwner(pid, since.timestamp())
