"""Tests the sliding-window limiter on a manual clock: exact admission times, no burst past N."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soltrader_tui.net.ratelimit import SlidingWindowLimiter
from tests.net import ManualClock


def admit_all(
    arrivals: list[float], max_requests: int, per_seconds: float, min_interval_s: float = 0.0
) -> list[float]:
    """Feeds requests arriving at `arrivals` (sorted) one by one; returns admission times."""
    clock = ManualClock(0.0)
    limiter = SlidingWindowLimiter(
        max_requests,
        per_seconds,
        min_interval_s=min_interval_s,
        monotonic=clock,
        sleep=clock.sleep,
    )

    async def run() -> list[float]:
        admitted = []
        for arrival in arrivals:
            clock.now = max(clock.now, arrival)
            await limiter.acquire()
            admitted.append(clock.now)
        return admitted

    return asyncio.run(run())


class TestSlidingWindow:
    """A poller never sends more than the provider allows in any window, and never waits longer
    than it must."""

    @settings(max_examples=150, deadline=None)
    @given(
        gaps=st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=40),
        max_requests=st.integers(min_value=1, max_value=6),
        per_seconds=st.floats(min_value=0.5, max_value=10),
        min_interval_s=st.sampled_from([0.0, 0.25, 1.0]),
    )
    def test_each_request_is_admitted_at_the_earliest_legal_time(
        self, gaps: list[float], max_requests: int, per_seconds: float, min_interval_s: float
    ) -> None:
        arrivals = [sum(gaps[: i + 1]) for i in range(len(gaps))]
        admitted = admit_all(arrivals, max_requests, per_seconds, min_interval_s)
        for i, at in enumerate(admitted):
            earliest = arrivals[i]
            if i >= 1:
                earliest = max(earliest, admitted[i - 1] + min_interval_s)
            if i >= max_requests:
                earliest = max(earliest, admitted[i - max_requests] + per_seconds)
            assert at == pytest.approx(earliest, abs=1e-9)
        # The promise itself: no window of `per_seconds` holds more than `max_requests`.
        for i in range(len(admitted) - max_requests):
            assert admitted[i + max_requests] - admitted[i] >= per_seconds - 1e-9

    def test_jupiter_keyless_allows_thirty_a_minute(self) -> None:
        admitted = admit_all([0.0] * 61, max_requests=30, per_seconds=60)
        assert admitted[:30] == [0.0] * 30
        assert admitted[30:60] == [60.0] * 30
        assert admitted[60] == 120.0

    def test_spacing_spreads_a_burst_evenly(self) -> None:
        admitted = admit_all([0.0] * 4, max_requests=30, per_seconds=60, min_interval_s=2.0)
        assert admitted == [0.0, 2.0, 4.0, 6.0]


class TestPauseAndWindowCount:
    """When the provider says "wait", every caller waits; the panel shows the window's count."""

    async def test_pause_holds_the_next_request(self) -> None:
        clock = ManualClock(0.0)
        limiter = SlidingWindowLimiter(10, 1.0, monotonic=clock, sleep=clock.sleep)
        await limiter.acquire()
        limiter.pause_until(5.0)
        limiter.pause_until(3.0)  # an earlier pause does not shorten a later one
        assert limiter.delay() == 5.0
        await limiter.acquire()
        assert clock.now == 5.0

    async def test_in_window_counts_only_the_trailing_window(self) -> None:
        clock = ManualClock(0.0)
        limiter = SlidingWindowLimiter(10, 1.0, monotonic=clock, sleep=clock.sleep)
        for _ in range(3):
            await limiter.acquire()
            clock.advance(0.4)
        assert limiter.in_window() == 2  # sent at 0.4 and 0.8; the one at 0.0 left at 1.0
        clock.advance(1.0)
        assert limiter.in_window() == 0

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"max_requests": 0, "per_seconds": 1.0}, "max_requests"),
            ({"max_requests": 1, "per_seconds": 0.0}, "per_seconds"),
            ({"max_requests": 1, "per_seconds": 1.0, "min_interval_s": -1.0}, "min_interval_s"),
        ],
    )
    def test_bad_settings_are_named(self, kwargs: dict[str, float], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            SlidingWindowLimiter(**kwargs)  # type: ignore[arg-type]
