"""Provides SlidingWindowLimiter: at most N requests in any window of W seconds.

Jupiter documents its limit as a 60-second *sliding* window shared by all of an account's
endpoints (keyless 30 per 60 s, free key 60 per 60 s). A token bucket refilling at 0.5/s
would let a full bucket burst and then drift against the provider's own count; a sliding log
is exact: it keeps the send times of the last N requests and admits a request only when fewer
than N were sent in the trailing W seconds. Memory is bounded by N.

Two refinements on top of the window:

* `min_interval_s` spaces requests evenly. Jupiter asks clients to "spread requests rather
  than burst", and without spacing a 30-per-60 s window lets a 4 Hz poller send 30 requests
  in 7.5 s and then sit blocked for 52 s while its prices go stale.
* `pause_until` holds every caller when the provider has told us to wait (a 429 with
  `Retry-After` or `x-ratelimit-reset`), so concurrent callers do not keep hitting it:
  Jupiter warns that retrying without waiting can extend the rate-limit window.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable


class SlidingWindowLimiter:
    """Admits at most `max_requests` in any `per_seconds` window, callers served in order."""

    def __init__(
        self,
        max_requests: int,
        per_seconds: float,
        *,
        min_interval_s: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Builds a limiter.

        Args:
            max_requests: Requests allowed in any window (>= 1).
            per_seconds: Window length in seconds (> 0).
            min_interval_s: Least spacing between two admitted requests (0 = none).
            monotonic: Clock the window is measured on.
            sleep: How to wait; the event loop's `asyncio.sleep` outside tests.
        """
        if max_requests < 1:
            raise ValueError(f"max_requests must be >= 1, got {max_requests}")
        if not per_seconds > 0:
            raise ValueError(f"per_seconds must be > 0, got {per_seconds}")
        if min_interval_s < 0:
            raise ValueError(f"min_interval_s must be >= 0, got {min_interval_s}")
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self.min_interval_s = min_interval_s
        self._monotonic = monotonic
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._paused_until = -math.inf
        # Kept apart from the window: spacing may be longer than the window itself.
        self._last_sent = -math.inf
        # One waiter at a time at the head of the queue keeps admission first-come first-served.
        self._lock = asyncio.Lock()

    def _evict(self, now: float) -> None:
        horizon = now - self.per_seconds
        sent = self._sent
        while sent and sent[0] <= horizon:
            sent.popleft()

    def delay(self, now: float | None = None) -> float:
        """Returns the seconds until a request could be admitted (0 when it could be now)."""
        now = self._monotonic() if now is None else now
        self._evict(now)
        wait = self._paused_until - now
        sent = self._sent
        if len(sent) >= self.max_requests:
            wait = max(wait, sent[len(sent) - self.max_requests] + self.per_seconds - now)
        if self.min_interval_s:
            wait = max(wait, self._last_sent + self.min_interval_s - now)
        return max(wait, 0.0)

    async def acquire(self) -> None:
        """Waits for a free slot, then records a request as sent now."""
        async with self._lock:
            while (wait := self.delay()) > 0:
                await self._sleep(wait)
            self._last_sent = self._monotonic()
            self._sent.append(self._last_sent)

    def pause_until(self, until: float) -> None:
        """Holds every caller until monotonic time `until` (a later pause wins)."""
        self._paused_until = max(self._paused_until, until)

    def in_window(self, now: float | None = None) -> int:
        """Returns how many requests were admitted in the trailing window."""
        self._evict(self._monotonic() if now is None else now)
        return len(self._sent)
