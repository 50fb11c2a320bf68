"""Provides the clocks the engine reads time from: wall, accelerated and virtual."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Where engine code gets the time; never `time.time()` directly."""

    def now(self) -> float:
        """Returns market time, unix seconds."""
        ...

    async def sleep_until(self, ts: float) -> None:
        """Waits until market time reaches `ts` (returns at once if it has)."""
        ...

    def wall_delay(self, ts: float) -> float:
        """Returns the wall seconds until market time reaches `ts` (0 for a virtual clock)."""
        ...

    @property
    def is_virtual(self) -> bool:
        """True when market time does not follow the wall clock one-to-one."""
        ...

    def wall(self) -> float:
        """Returns unix time as the machine's clock says it: the sleep watch compares its steps
        with `time.monotonic()`'s."""
        ...


class WallClock:
    """Market time is wall time."""

    is_virtual = False

    def __init__(self) -> None:
        self._skew = 0.0
        """Seconds added to `time.time()`: a test's stand-in for a machine that slept."""

    def now(self) -> float:
        return time.time() + self._skew

    def wall(self) -> float:
        return time.time() + self._skew

    def wall_delay(self, ts: float) -> float:
        return ts - self.now()

    async def sleep_until(self, ts: float) -> None:
        delay = ts - self.now()
        if delay > 0:
            await asyncio.sleep(delay)

    def jump(self, seconds: float) -> None:
        """Moves wall (and market) time `seconds` ahead at once while monotonic time stands
        still: what a process sees when the machine wakes from sleep (the tests' seam)."""
        self._skew += seconds


class ScaledClock:
    """Market time runs `speed` times faster than wall time, from `start`."""

    is_virtual = True

    def __init__(self, start: float, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.start = start
        self.speed = speed
        self._wall0 = time.monotonic()

    def wall(self) -> float:
        return time.time()

    def now(self) -> float:
        return self.start + (time.monotonic() - self._wall0) * self.speed

    def wall_delay(self, ts: float) -> float:
        return (ts - self.now()) / self.speed

    async def sleep_until(self, ts: float) -> None:
        delay = (ts - self.now()) / self.speed
        if delay > 0:
            await asyncio.sleep(delay)


class VirtualClock:
    """Market time jumps to whatever the engine waits for: as fast as possible."""

    is_virtual = True

    def __init__(self, start: float) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return time.time()

    def wall_delay(self, ts: float) -> float:
        return 0.0

    async def sleep_until(self, ts: float) -> None:
        # No real waiting: the engine decides when to yield to the event loop.
        if ts > self._now:
            self._now = ts


def make_clock(speed: float | None, start: float | None = None) -> Clock:
    """Builds the clock for a `--speed` value: None or 1 is wall time, `inf` is virtual.

    Args:
        speed: The `--speed` factor; `float("inf")` means `max`.
        start: Market time to start an accelerated or virtual clock at (default: now).
    """
    if speed is None or speed == 1:
        return WallClock()
    start_ts = time.time() if start is None else start
    if speed == float("inf"):
        return VirtualClock(start_ts)
    return ScaledClock(start_ts, speed)


WALL_CATCH_UP_S = 5.0
"""How far a ledger may be ahead of the wall clock for a wall-clock session to start anyway:
it waits that long at most (a previous session's last tick, a small clock step), never more."""


def continue_from(last_market_ts: float | None, start: float) -> float:
    """Returns where an accelerated or virtual session's market time starts: `start` (usually
    now), or the ledger's last market time when a session that ran ahead left it later, so the
    ledger never receives the past."""
    return start if last_market_ts is None else max(start, last_market_ts)
