"""Provides the one read of the `api_usage` table: calls, errors and 429s per provider from a
wall minute on, for the dashboard's API panel, `status` and `health` alike."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime


def minute_key(wall_ts: float) -> str:
    """Returns the `api_usage.minute` text of the UTC minute holding `wall_ts`.

    The same 'YYYY-MM-DDTHH:MMZ' form `net.usage.minute_text` writes (that module is not
    imported here: it brings the HTTP client with it). Text order is time order.
    """
    minute_start = (int(wall_ts) // 60) * 60
    return datetime.fromtimestamp(minute_start, UTC).strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True, slots=True)
class ProviderUsage:
    """One provider's usage summed over the minutes asked for."""

    provider: str
    calls: int
    errors: int
    rate_limited: int
    recent_rate_limited: int
    """429 responses from the `recent_since` minute on (all of `rate_limited` without it)."""
    p95_ms: float | None
    """The worst minute's 95th percentile latency, ms; None when no minute measured one."""


def api_usage(
    conn: sqlite3.Connection, *, since: str = "", recent_since: str | None = None
) -> list[ProviderUsage]:
    """Returns each provider's usage from the minute `since` on (all minutes for ""), by
    provider name.

    Args:
        since: A `minute_key` text: the first minute counted.
        recent_since: A later `minute_key`: 429s from it on are also counted apart.
    """
    rows = conn.execute(
        "SELECT provider, sum(calls), sum(errors), sum(rate_limited),"
        " sum(CASE WHEN minute >= ? THEN rate_limited ELSE 0 END), max(p95_ms)"
        " FROM api_usage WHERE minute >= ? GROUP BY provider ORDER BY provider",
        (since if recent_since is None else recent_since, since),
    )
    return [ProviderUsage(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows]
