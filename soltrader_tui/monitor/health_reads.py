"""Provides the read-only reads `health` needs beyond the status report.

Recent error lines, recent API usage and the engine lock's owner. Like `status`, they use a
read-only connection in one short transaction, so they never block the engine's writes, and
they only read the lock's owner file: the engine lock itself is left alone.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.errors import SoltraderError
from soltrader_tui.ledger.alert_rows import last_delivery_per_target
from soltrader_tui.ledger.connect import open_reader, read_transaction
from soltrader_tui.ledger.lock import lock_owner, owner_path
from soltrader_tui.ledger.log_reads import recent_events
from soltrader_tui.ledger.reads import read_resources
from soltrader_tui.ledger.rows import iso
from soltrader_tui.ledger.usage_reads import api_usage, minute_key
from soltrader_tui.monitor.health import (
    API_WINDOW_MINUTES,
    RATE_LIMIT_WINDOW_MINUTES,
    RECENT_WINDOW_S,
    EngineOwner,
    HealthReport,
    Limits,
    RecentActivity,
    RecentProviderUsage,
    StorageFigures,
    assess,
    engine_now,
    unreadable,
)
from soltrader_tui.monitor.resources import disk_free, wal_size
from soltrader_tui.monitor.resources import from_json as resources_from_json
from soltrader_tui.snapshot import LogLine

if TYPE_CHECKING:
    from soltrader_tui.monitor.ledger_view import StatusReport

LOG_SCAN_LINES = 20_000
"""Most log lines read back from the newest. Five minutes of even a chatty session is a few
thousand; the bound keeps `health` quick on a ledger that holds millions."""
LOG_ORDER_SLACK_S = 60.0
"""Log lines are appended nearly, not strictly, in time order (a stale-price line carries the
time of the price it is about), so the backward scan stops only this far past the window."""


def read_recent(
    path: Path,
    report: StatusReport,
    *,
    now_wall: float,
    newest_checkpoint_wall: float | None = None,
    limits: Limits | None = None,
) -> RecentActivity:
    """Reads the recent figures `health.assess` needs that a status report lacks.

    Args:
        path: The ledger file (read-only).
        report: The status report just read from it (for the engine's clock and whether an
            engine runs).
        now_wall: Wall time of the check, unix seconds.
        newest_checkpoint_wall: When the ledger's newest checkpoint was taken (None: none).
        limits: The config's resource and storage limits (None: the defaults).

    Raises:
        LedgerError: the file is missing, not a ledger, damaged, or newer.
        sqlite3.Error: a read failed (a damaged page, or the file stayed locked).
    """
    since = engine_now(report, now_wall) - RECENT_WINDOW_S
    conn = open_reader(path)
    try:
        with read_transaction(conn):  # one consistent view of both tables
            api = read_api_usage(conn, now_wall)
            errors, newest = read_recent_errors(conn, since=since)
            resources = resources_from_json(read_resources(conn))
            deliveries = tuple(last_delivery_per_target(conn).values())
    finally:
        conn.close()
    owner = read_owner(path) if report.snapshot.running else None
    return RecentActivity(
        api=api,
        errors=errors,
        newest_error=newest,
        owner=owner,
        resources=resources,
        storage=StorageFigures(wal_size(path), disk_free(path), newest_checkpoint_wall),
        limits=limits,
        deliveries=deliveries,
    )


def read_api_usage(conn: sqlite3.Connection, now_wall: float) -> tuple[RecentProviderUsage, ...]:
    """Returns each provider's calls in the last `API_WINDOW_MINUTES` of wall time.

    Rows are keyed by the wall-clock minute of the request, so the window is counted in whole
    minutes back from the current one.
    """
    window_start = minute_key(now_wall - 60 * (API_WINDOW_MINUTES - 1))
    limited_start = minute_key(now_wall - 60 * (RATE_LIMIT_WINDOW_MINUTES - 1))
    usage = api_usage(conn, since=window_start, recent_since=limited_start)
    return tuple(
        RecentProviderUsage(u.provider, u.calls, u.errors, u.rate_limited, u.recent_rate_limited)
        for u in usage
    )


def read_recent_errors(conn: sqlite3.Connection, *, since: float) -> tuple[int, LogLine | None]:
    """Counts error lines logged at or after `since` (market time) and returns the newest.

    Reads back from the newest line and stops once lines are well before the window, so the
    cost follows the window, not the size of the log.
    """
    since_text, stop_text = iso(since), iso(since - LOG_ORDER_SLACK_S)
    count, newest = 0, None
    # The ledger's time text sorts as the times do, so no line needs parsing to be compared.
    for line in recent_events(conn, LOG_SCAN_LINES):
        if line.ts_text < stop_text:
            break
        if line.level != "error" or line.ts_text < since_text:
            continue
        count += 1
        if newest is None:
            newest = LogLine(line.id, line.ts, line.level, line.message)
    return count, newest


def read_owner(path: Path) -> EngineOwner | None:
    """Returns who holds the ledger's engine lock, as its owner file says (None if unknown)."""
    owner = lock_owner(owner_path(path))
    return None if owner is None else EngineOwner(owner.pid, owner.since_wall)


def check_ledger(
    path: Path, *, now_wall: float, limits: Limits, newest_checkpoint_wall: float | None
) -> HealthReport:
    """Judges a ledger as `health` does (read-only); a ledger that cannot be read is failing.

    Args:
        path: The ledger file.
        now_wall: Wall time of the check, unix seconds.
        limits: The config's resource and storage limits.
        newest_checkpoint_wall: When the newest checkpoint was taken (None: none).
    """
    from soltrader_tui.monitor.ledger_view import read_status

    try:
        report = read_status(path, now_wall=now_wall)
        recent = read_recent(
            path,
            report,
            now_wall=now_wall,
            newest_checkpoint_wall=newest_checkpoint_wall,
            limits=limits,
        )
    except SoltraderError as exc:
        return unreadable(path, str(exc), now_wall)
    except sqlite3.Error as exc:
        return unreadable(path, f"cannot read {path}: {exc}", now_wall)
    return assess(report, recent, now_wall)
