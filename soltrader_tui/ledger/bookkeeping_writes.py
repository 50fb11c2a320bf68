"""Provides the statements of the bookkeeping writes: the periodic flush (API usage, log lines,
marks, scores, equity, the saved replay, the feed's status, the heartbeat), the session's own
rows, and a new ledger's meta rows. Each runs inside a transaction the caller holds."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from soltrader_tui.domain import Mode
from soltrader_tui.ledger.rows import (
    EquityPoint,
    EventRow,
    Heartbeat,
    MarkRow,
    ResumePoint,
    ScoreRow,
    StrategyRow,
    UsageMinute,
    iso,
)
from soltrader_tui.ledger.writes import insert_events

_UPSERT_USAGE = """
INSERT INTO api_usage (provider, minute, calls, errors, rate_limited, p50_ms, p95_ms)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (provider, minute) DO UPDATE SET
    calls = calls + excluded.calls,
    errors = errors + excluded.errors,
    rate_limited = rate_limited + excluded.rate_limited,
    p50_ms = coalesce(excluded.p50_ms, p50_ms),
    p95_ms = coalesce(excluded.p95_ms, p95_ms)
"""


@dataclass(slots=True)
class Flush:
    """What one bookkeeping flush writes (everything optional)."""

    events: list[EventRow] = field(default_factory=list)
    marks: Iterable[MarkRow] = ()
    scores: Iterable[ScoreRow] = ()
    equity: list[EquityPoint] = field(default_factory=list)
    heartbeat: Heartbeat | None = None
    usage: Iterable[UsageMinute] = ()
    resume: ResumePoint | None = None
    feed_status: str | None = None
    resources: str | None = None
    """The JSON of `monitor.resources.ResourceStatus` (the `meta` row `resources`)."""


def write_flush(c: sqlite3.Connection, flush: Flush) -> None:
    """Writes a flush's rows: appended (usage, lines, equity) or replacing the last (marks,
    scores, saved replay, feed status, heartbeat)."""
    # Counts are increments since the last flush; latencies cover the minute so far.
    c.executemany(
        _UPSERT_USAGE,
        [
            (u.provider, u.minute, u.calls, u.errors, u.rate_limited, u.p50_ms, u.p95_ms)
            for u in flush.usage
        ],
    )
    insert_events(c, flush.events)
    c.executemany(
        "INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (m.mint, m.symbol, m.decimals, m.price_usd, m.liquidity_usd, iso(m.ts), m.ts)
            for m in flush.marks
        ],
    )
    c.executemany(
        "INSERT OR REPLACE INTO strategy_scores VALUES (?, ?, ?, ?, ?, ?)",
        [(s.strategy, s.mint, s.symbol, s.score, s.reason, iso(s.ts)) for s in flush.scores],
    )
    c.executemany(
        "INSERT OR REPLACE INTO equity VALUES (?, ?, ?, ?)",
        [(p.ts, iso(p.ts), p.equity_micro, p.cash_micro) for p in flush.equity],
    )
    _write_latest(c, flush)


def _write_latest(c: sqlite3.Connection, flush: Flush) -> None:
    resume, beat = flush.resume, flush.heartbeat
    if resume is not None:
        c.execute(
            "INSERT OR REPLACE INTO resume_point VALUES (1, ?, ?, ?, ?, ?)",
            (
                resume.last_fill_id,
                resume.last_equity_ts,
                resume.portfolio,
                resume.curve,
                iso(time.time()),
            ),
        )
    if flush.feed_status is not None:
        c.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('feed_status', ?)",
            (flush.feed_status,),
        )
    if flush.resources is not None:
        c.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('resources', ?)",
            (flush.resources,),
        )
    if beat is not None:
        c.execute(
            "INSERT OR REPLACE INTO heartbeat VALUES (1, ?, ?, ?, ?, ?, ?)",
            (beat.wall_ts, beat.market_ts, beat.pid, beat.version, beat.mode, int(beat.running)),
        )


def write_strategies(c: sqlite3.Connection, rows: Iterable[StrategyRow]) -> None:
    """Records which strategies this session runs, whether each may trade, and why."""
    c.executemany(
        "INSERT OR REPLACE INTO strategies (name, enabled, config_enabled, entry_threshold) "
        "VALUES (?, ?, ?, ?)",
        [
            (
                r.name,
                int(r.enabled),
                None if r.config_enabled is None else int(r.config_enabled),
                r.entry_threshold,
            )
            for r in rows
        ],
    )


def write_session(
    c: sqlite3.Connection, *, wall_start: float, api_note: str, market_start: float | None = None
) -> None:
    """Records when this session started (wall time, and market time when given) and why it
    makes no API calls."""
    rows = [("session_wall_start", repr(wall_start)), ("session_api_note", api_note)]
    if market_start is not None:
        rows.append(("session_market_start", repr(market_start)))
    else:
        c.execute("DELETE FROM meta WHERE key = 'session_market_start'")
    c.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)


def write_meta(conn: sqlite3.Connection, *, cash: int, mode: Mode, version: str) -> None:
    """Writes a new ledger's meta rows: starting cash, mode, creating version, ledger id."""
    # OR IGNORE: an existing ledger keeps its rows; one from before schema creation and meta
    # shared a transaction may have lost them to a crash in between, and gets them here.
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES "
        "('starting_cash_micro', ?), ('mode', ?), ('created_by_version', ?), ('ledger_id', ?)",
        (str(cash), mode, version, uuid.uuid4().hex),
    )
