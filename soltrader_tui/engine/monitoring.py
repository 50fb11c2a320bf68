"""Provides Monitoring: the engine's watch on its own process, its loop and the machine's sleep.

A laptop that sleeps stops the engine between two steps: its stops were not watched and every
price it holds is from before. Each step compares the wall clock's and the monotonic clock's
progress with the wait the loop asked for (Linux and macOS stop the monotonic clock in sleep,
Windows does not, and a stalled loop moves both); a gap over `monitor.sleep_gap_s` marks every
price stale through the price gate and logs `MachineSlept`. Loop lag is how late the loop woke
from its waits. The resource sampler runs on its own thread; its newest sample rides on the
bookkeeping flush, with the lag and the sleeps, as one `meta` row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from soltrader_tui.clock import Clock
from soltrader_tui.config.model import MonitorConfig
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import MachineSlept, ResourceLimit
from soltrader_tui.engine.prices import PriceGate
from soltrader_tui.monitor.endpoints import EndpointServer
from soltrader_tui.monitor.metrics import ProcessFigures, Published
from soltrader_tui.monitor.resources import (
    MB,
    ResourceSample,
    ResourceSampler,
    ResourceStatus,
    machine_line,
)
from soltrader_tui.snapshot import EngineSnapshot


class Monitoring:
    """Sleep watch, loop lag and the resource sampler of one engine."""

    def __init__(
        self,
        config: MonitorConfig,
        *,
        clock: Clock,
        ledger: Path,
        log: DecisionLog,
        prices: PriceGate,
        open_positions: Callable[[], int],
    ) -> None:
        self._config = config
        self._wall = clock.wall
        self._log = log
        self._prices = prices
        self._open_positions = open_positions
        self.sampler = ResourceSampler(ledger, config.sample_every_s)
        self._last_wall = self._wall()
        self._last_mono = time.monotonic()
        self._lag_s: float | None = None
        """Largest loop lag since the last row was taken."""
        self.last_lag_s: float | None = None
        """Largest loop lag of the last window (the endpoints show it)."""
        self.sleeps = 0
        self.last_sleep: tuple[float, float] | None = None
        """(wall time woken, seconds away) of the newest sleep."""
        self._taken: ResourceSample | None = None
        self._over: set[str] = set()
        """Limits crossed and said, so each is said once until it clears."""
        self._endpoints: EndpointServer | None = None

    def serve(self, endpoints: EndpointServer) -> None:
        """Publishes to `endpoints` from now on (once a flush, and at the end)."""
        self._endpoints = endpoints

    @property
    def serving(self) -> bool:
        """True when endpoints take the engine's pictures."""
        return self._endpoints is not None

    def machine_line(self) -> str:
        """The header's health line now: memory, CPU, loop lag and a recent sleep."""
        lag = self._lag_s if self.last_lag_s is None else self.last_lag_s
        return machine_line(
            self.sampler.latest, None if lag is None else lag * 1000, self.last_sleep, self._wall()
        )

    def publish(self, snapshot: EngineSnapshot) -> None:
        """Hands the endpoints an immutable picture: the snapshot and the process figures."""
        if self._endpoints is None:
            return
        s = self.sampler.latest
        figures = ProcessFigures(
            rss_bytes=None if s is None else s.rss_bytes,
            cpu_percent=None if s is None else s.cpu_percent,
            loop_lag_s=self.last_lag_s,
            sleeps=self.sleeps,
            disk_free_bytes=None if s is None else s.disk_free_bytes,
            wal_bytes=None if s is None else s.wal_bytes,
        )
        self._endpoints.publish(Published(snapshot, figures))

    def start(self) -> None:
        """Starts the sampler thread."""
        self.sampler.start()

    def rebase(self) -> None:
        """Starts the sleep watch from now (the warm-up before the loop is no sleep)."""
        self._last_wall, self._last_mono = self._wall(), time.monotonic()

    def stop(self) -> None:
        """Stops the sampler thread."""
        self.sampler.stop()

    def note_lag(self, lag_s: float) -> None:
        """Takes how late the loop woke from one wait."""
        if self._lag_s is None or lag_s > self._lag_s:
            self._lag_s = max(0.0, lag_s)

    def step(self, waited_s: float, ts: float) -> bool:
        """Checks the time since the previous step against the wait the loop asked for;
        returns True (prices marked stale, `MachineSlept` logged) when the machine was away."""
        wall, mono = self._wall(), time.monotonic()
        gap = max(wall - self._last_wall, mono - self._last_mono) - waited_s
        self._last_wall, self._last_mono = wall, mono
        if gap <= self._config.sleep_gap_s:
            return False
        self.sleeps += 1
        self.last_sleep = (wall, gap)
        self._prices.slept(ts)
        self._log.record(MachineSlept(ts, asleep_s=gap, open_positions=self._open_positions()))
        return True

    def take_status(self, ts: float) -> str | None:
        """Returns the row to store when the sampler has a new sample (else None: the flush
        writes it no faster than it is sampled), and logs a limit newly crossed."""
        sample = self.sampler.latest
        if sample is None or sample is self._taken:
            return None
        self._taken = sample
        self.last_lag_s, self._lag_s = self._lag_s, None
        lag_ms = None if self.last_lag_s is None else self.last_lag_s * 1000
        self._check_limits(sample, lag_ms, ts)
        woke, away = self.last_sleep if self.last_sleep is not None else (None, None)
        return ResourceStatus(
            sample,
            lag_ms,
            self.sleeps,
            woke,
            away,
            rss_limit_mb=self._config.rss_mb,
            loop_lag_limit_ms=self._config.loop_lag_ms,
        ).to_json()

    def _check_limits(self, sample: ResourceSample, lag_ms: float | None, ts: float) -> None:
        c = self._config
        free_mb = None if sample.disk_free_bytes is None else sample.disk_free_bytes / MB
        figures = (
            ("rss_mb", sample.rss_bytes / MB, c.rss_mb, sample.rss_bytes / MB > c.rss_mb),
            (
                "disk_free_mb",
                free_mb,
                c.disk_free_mb,
                free_mb is not None and free_mb < c.disk_free_mb,
            ),
            ("loop_lag_ms", lag_ms, c.loop_lag_ms, lag_ms is not None and lag_ms > c.loop_lag_ms),
        )
        for what, value, limit, over in figures:
            if not over:
                self._over.discard(what)
            elif what not in self._over and value is not None:
                self._over.add(what)
                self._log.record(ResourceLimit(ts, what=what, value=value, limit=limit))
