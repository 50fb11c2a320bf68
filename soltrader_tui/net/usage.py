"""Provides the usage tally per provider: counts, latency percentiles, the provider's own view.

What counts (the same definitions the API panel, `status --json` and the ledger use):

* `calls`: every HTTP request sent, retries included.
* `errors`: every failed attempt: status >= 400, timeout, connection error, a body that is not
  JSON, or a body the caller's schema rejected (`MeteredClient.report_invalid`).
* `rate_limited`: 429 responses (each is also an error).
* latency: send to last body byte, for attempts that got a response (any status); attempts that
  got none (timeouts, resets) are errors, not latencies. p50/p95 are nearest-rank percentiles.

Everything here is bounded: the recent-latency window, the latencies kept per minute and the
number of minutes kept if nobody drains them.
"""

from __future__ import annotations

import email.utils
import math
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from soltrader_tui.ledger.rows import UsageMinute
from soltrader_tui.net.breaker import CircuitState

RECENT_LATENCIES = 500
"""Latencies kept for the live p50/p95."""
MINUTE_LATENCIES = 2000
"""Latencies kept per minute for the ledger's p50/p95 (about 33 requests a second)."""
MAX_MINUTES = 60
"""Minutes kept per provider when `take_minutes` is not called; the oldest is dropped."""
RECENT_FAILURES_S = 120.0
"""How far back `recent_failures` counts failed attempts by kind (health's 429 window)."""
RECENT_FAILURES_KEPT = 5000
"""Most failed attempts remembered for `recent_failures`."""
FailureKind = Literal["connection", "timeout", "server_error", "rate_limited", "refused", "invalid"]
"""What went wrong with one attempt: no connection, no answer in time, a 5xx, a 429, another
4xx, or an answer that was not the expected JSON."""
_REASON_CHARS = 200
_UNIX_TS_FLOOR = 1e9
"""`x-ratelimit-reset` values from here up are unix times (2001 on); below, seconds from now."""


@dataclass(frozen=True, slots=True)
class ProviderUsage:
    """One provider's usage as the API panel shows it."""

    provider: str
    calls: int
    errors: int
    rate_limited: int
    p50_ms: float | None
    """None before the first response."""
    p95_ms: float | None
    window_requests: int
    """Requests our limiter admitted in the current sliding window."""
    window_limit: int
    provider_remaining: int | None
    """Requests the provider says are left (`x-ratelimit-remaining`); None if never sent."""
    provider_limit: int | None
    """The provider's limit (`x-ratelimit-limit`, else `x-ratelimit-current`)."""
    provider_reset_ts: float | None
    """Unix time the provider says its window resets (`x-ratelimit-reset`)."""
    circuit: CircuitState
    last_error: str | None
    next_probe_in_s: float | None = None
    """Seconds until the open circuit lets a probe through (0: one may go now); None: closed."""
    consecutive_failures: int = 0
    """Failed calls since the last success."""
    recent_failures: Mapping[str, int] = field(default_factory=dict)
    """Failed attempts in the last `RECENT_FAILURES_S` seconds, by `FailureKind`."""


@dataclass(frozen=True, slots=True)
class ProviderBudget:
    """What the provider's `x-ratelimit-*` headers said (None where a header was absent)."""

    remaining: int | None
    limit: int | None
    reset_ts: float | None


def percentile(sorted_values: Sequence[float], pct: float) -> float | None:
    """Returns the nearest-rank percentile of ascending values (None for no values).

    Args:
        sorted_values: Values in ascending order.
        pct: Percentile in (0, 100].
    """
    if not sorted_values:
        return None
    rank = max(math.ceil(pct / 100 * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def minute_text(minute_index: int) -> str:
    """Returns 'YYYY-MM-DDTHH:MMZ' for a minute counted from the unix epoch."""
    return datetime.fromtimestamp(minute_index * 60, UTC).strftime("%Y-%m-%dT%H:%MZ")


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw.strip()))
    except ValueError:
        return None


def parse_reset(value: str | None, wall_now: float) -> float | None:
    """Parses `x-ratelimit-reset` into a unix time.

    Jupiter-style providers send unix seconds; some send milliseconds or seconds-from-now,
    which the magnitude tells apart.

    Args:
        value: The header value, or None when absent.
        wall_now: Current unix time, for the seconds-from-now form.
    """
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    if number >= _UNIX_TS_FLOOR * 1000:
        return number / 1000
    if number >= _UNIX_TS_FLOOR:
        return number
    return wall_now + number


def parse_retry_after(value: str | None, wall_now: float) -> float | None:
    """Parses `Retry-After` (delay seconds or an HTTP date) into seconds to wait from now.

    Args:
        value: The header value, or None when absent.
        wall_now: Current unix time, for the HTTP-date form.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - wall_now
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def parse_budget(headers: Mapping[str, str], wall_now: float) -> ProviderBudget | None:
    """Reads the provider's `x-ratelimit-*` headers (lower-case names); None if none are sent."""
    remaining = _int_header(headers, "x-ratelimit-remaining")
    limit = _int_header(headers, "x-ratelimit-limit")
    if limit is None:
        limit = _int_header(headers, "x-ratelimit-current")
    reset_ts = parse_reset(headers.get("x-ratelimit-reset"), wall_now)
    if remaining is None and limit is None and reset_ts is None:
        return None
    return ProviderBudget(remaining, limit, reset_ts)


class _Minute:
    """One minute's counts since the last drain, and all its latencies so far."""

    __slots__ = ("calls", "dirty", "errors", "latencies", "rate_limited")

    def __init__(self) -> None:
        self.calls = 0
        self.errors = 0
        self.rate_limited = 0
        self.latencies: list[float] = []
        self.dirty = False


class UsageTally:
    """Counts one provider's requests, errors, 429s and latencies, live and per minute."""

    def __init__(self, provider: str) -> None:
        """Builds an empty tally for `provider`."""
        self.provider = provider
        self.calls = 0
        self.errors = 0
        self.rate_limited = 0
        self.last_error: str | None = None
        self.budget = ProviderBudget(None, None, None)
        self._recent: deque[float] = deque(maxlen=RECENT_LATENCIES)
        self._failures: deque[tuple[float, str]] = deque(maxlen=RECENT_FAILURES_KEPT)
        self._minutes: dict[int, _Minute] = {}

    def _minute(self, wall_now: float) -> _Minute:
        index = int(wall_now // 60)
        bucket = self._minutes.get(index)
        if bucket is None:
            bucket = self._minutes[index] = _Minute()
            if len(self._minutes) > MAX_MINUTES:
                del self._minutes[min(self._minutes)]
        bucket.dirty = True
        return bucket

    def count_call(self, wall_now: float) -> None:
        """Counts one HTTP request as sent."""
        self.calls += 1
        self._minute(wall_now).calls += 1

    def count_error(
        self,
        wall_now: float,
        reason: str,
        *,
        rate_limited: bool = False,
        kind: FailureKind | None = None,
    ) -> None:
        """Counts one failed attempt (and a 429 when `rate_limited`), keeping its reason.

        Args:
            wall_now: Unix time of the failure.
            reason: What happened, for the API panel's last error.
            rate_limited: The provider answered 429.
            kind: What went wrong (a 429 is `rate_limited` when not given).
        """
        self._failures.append((wall_now, kind or ("rate_limited" if rate_limited else "invalid")))
        self.errors += 1
        bucket = self._minute(wall_now)
        bucket.errors += 1
        if rate_limited:
            self.rate_limited += 1
            bucket.rate_limited += 1
        self.last_error = reason[:_REASON_CHARS]

    def record_latency(self, wall_now: float, latency_ms: float) -> None:
        """Records the latency of an attempt that got a response."""
        self._recent.append(latency_ms)
        latencies = self._minute(wall_now).latencies
        if len(latencies) < MINUTE_LATENCIES:
            latencies.append(latency_ms)

    def note_budget(self, budget: ProviderBudget) -> None:
        """Updates the provider's view with the fields this response carried."""
        old = self.budget
        self.budget = ProviderBudget(
            old.remaining if budget.remaining is None else budget.remaining,
            old.limit if budget.limit is None else budget.limit,
            old.reset_ts if budget.reset_ts is None else budget.reset_ts,
        )

    def recent_failures(self, wall_now: float) -> dict[str, int]:
        """Returns failed attempts in the last `RECENT_FAILURES_S` seconds, by kind."""
        while self._failures and self._failures[0][0] < wall_now - RECENT_FAILURES_S:
            self._failures.popleft()
        return dict(Counter(kind for _, kind in self._failures))

    def percentiles(self) -> tuple[float | None, float | None]:
        """Returns (p50, p95) in ms over the recent window."""
        ordered = sorted(self._recent)
        return percentile(ordered, 50), percentile(ordered, 95)

    def take_minutes(self, wall_now: float) -> list[UsageMinute]:
        """Drains the per-minute counts; finished minutes are dropped once reported.

        Args:
            wall_now: Current unix time; its minute is kept for later latencies.
        """
        current = int(wall_now // 60)
        rows = []
        for index in sorted(self._minutes):
            bucket = self._minutes[index]
            if bucket.dirty:
                ordered = sorted(bucket.latencies)
                rows.append(
                    UsageMinute(
                        self.provider,
                        minute_text(index),
                        bucket.calls,
                        bucket.errors,
                        bucket.rate_limited,
                        percentile(ordered, 50),
                        percentile(ordered, 95),
                    )
                )
                bucket.calls = bucket.errors = bucket.rate_limited = 0
                bucket.dirty = False
            if index < current:
                del self._minutes[index]
        return rows
