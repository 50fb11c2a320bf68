"""Provides the resource monitor: the engine process's memory, CPU and disk, sampled on a thread.

`ResourceSampler` runs psutil every `monitor.sample_every_s` on a daemon thread and keeps the
newest `ResourceSample`; the engine takes it at its bookkeeping flush, adds what only its loop
knows (loop lag, sleeps) and stores the lot as one `meta` row (`ResourceStatus`, JSON), so
`health`, `status` and the endpoints read it without talking to the engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soltrader_tui import format as fmt

SLEEP_SHOWN_S = 600.0
"""Wall seconds a sleep stays on the dashboard's header after the wake."""
META_KEY = "resources"
"""The `meta` row that holds the newest `ResourceStatus`."""
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ResourceSample:
    """One look at the process and the ledger's disk."""

    wall_ts: float
    rss_bytes: int
    cpu_percent: float
    """CPU time used since the previous sample over wall time, percent of one core."""
    disk_free_bytes: int | None
    """Free space on the ledger's volume; None when it cannot be read."""
    wal_bytes: int
    """Size of the ledger's write-ahead log (0 when there is none)."""


def wal_path(ledger: Path) -> Path:
    """The ledger's write-ahead log file."""
    return ledger.with_name(ledger.name + "-wal")


def disk_free(ledger: Path) -> int | None:
    """Free bytes on the ledger's volume; None when its folder cannot be read."""
    try:
        return shutil.disk_usage(ledger.parent).free
    except OSError:
        return None


def wal_size(ledger: Path) -> int:
    """Bytes in the ledger's write-ahead log (0 when there is none)."""
    try:
        return wal_path(ledger).stat().st_size
    except OSError:
        return 0


class ResourceSampler:
    """Samples the process every `every_s` wall seconds on a daemon thread."""

    def __init__(self, ledger: Path, every_s: float) -> None:
        import psutil  # here: `health` reads the stored rows and never pays for it

        self._ledger = ledger
        self._every_s = every_s
        self._errors: tuple[type[Exception], ...] = (psutil.Error, OSError)
        self._process = psutil.Process(os.getpid())
        self._process.cpu_percent(None)  # the first call only starts the measurement
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.latest: ResourceSample | None = None
        """The newest sample (replaced whole, so a reader on another thread sees one or the
        other, never a mix)."""

    def sample(self) -> ResourceSample:
        """Takes one sample now (the thread calls it; a test may too)."""
        found = ResourceSample(
            wall_ts=time.time(),
            rss_bytes=int(self._process.memory_info().rss),
            cpu_percent=float(self._process.cpu_percent(None)),
            disk_free_bytes=disk_free(self._ledger),
            wal_bytes=wal_size(self._ledger),
        )
        self.latest = found
        return found

    def start(self) -> None:
        """Takes one sample now (so the first flush has one), then samples every `every_s`
        on a daemon thread."""
        if self._thread is not None:
            return
        with contextlib.suppress(*self._errors):
            self.sample()
        self._thread = threading.Thread(target=self._run, name="resource-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the thread (it ends within one sample)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            # One missed sample: the previous one stays until the next succeeds.
            with contextlib.suppress(*self._errors):
                self.sample()


@dataclass(frozen=True, slots=True)
class ResourceStatus:
    """What the engine stores about its resources at a flush (the `meta` row `resources`)."""

    sample: ResourceSample
    loop_lag_ms: float | None
    """Largest event-loop lag since the previous row (how late the loop woke); None when the
    loop never waited (a virtual clock that did not yield)."""
    sleeps: int = 0
    """Times this session found the machine had slept (or its loop stalled)."""
    last_sleep_wall: float | None = None
    """Unix time the engine woke from the newest sleep."""
    last_sleep_s: float | None = None
    """How long the newest sleep lasted, seconds."""
    rss_limit_mb: float | None = None
    loop_lag_limit_ms: float | None = None

    def to_json(self) -> str:
        """Returns the JSON text stored in the ledger."""
        s = self.sample
        return json.dumps(
            {
                "wall_ts": s.wall_ts,
                "rss_bytes": s.rss_bytes,
                "cpu_percent": s.cpu_percent,
                "disk_free_bytes": s.disk_free_bytes,
                "wal_bytes": s.wal_bytes,
                "loop_lag_ms": self.loop_lag_ms,
                "sleeps": self.sleeps,
                "last_sleep_wall": self.last_sleep_wall,
                "last_sleep_s": self.last_sleep_s,
                "rss_limit_mb": self.rss_limit_mb,
                "loop_lag_limit_ms": self.loop_lag_limit_ms,
            },
            separators=(",", ":"),
        )


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def from_json(text: str | None) -> ResourceStatus | None:
    """Reads the stored text back; None when absent or not what the engine writes."""
    if text is None:
        return None
    try:
        d: Any = json.loads(text)
        free = d["disk_free_bytes"]
        sample = ResourceSample(
            float(d["wall_ts"]),
            int(d["rss_bytes"]),
            float(d["cpu_percent"]),
            None if free is None else int(free),
            int(d["wal_bytes"]),
        )
        return ResourceStatus(
            sample,
            _opt(d["loop_lag_ms"]),
            int(d["sleeps"]),
            _opt(d["last_sleep_wall"]),
            _opt(d["last_sleep_s"]),
            _opt(d["rss_limit_mb"]),
            _opt(d["loop_lag_limit_ms"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # written by another version: as if absent, never a crash


def machine_line(
    sample: ResourceSample | None,
    loop_lag_ms: float | None,
    last_sleep: tuple[float, float] | None,
    now_wall: float,
) -> str:
    """The header's health line: "RSS 84 MB · CPU 3.1 % · lag 2 ms", and a sleep woken from in
    the last `SLEEP_SHOWN_S` ("asleep 2 h 13 min until 14:02:10 UTC: prices re-read"); "" when
    nothing is known.

    Args:
        sample: The newest resource sample.
        loop_lag_ms: The worst loop lag of the last window.
        last_sleep: (wall time woken, seconds away) of the newest sleep.
        now_wall: Unix time now.
    """
    parts = []
    if sample is not None:
        parts += [f"RSS {sample.rss_bytes / MB:,.0f} MB", f"CPU {sample.cpu_percent:.1f} %"]
    if loop_lag_ms is not None:
        parts.append(f"lag {loop_lag_ms:,.0f} ms")
    if last_sleep is not None and now_wall - last_sleep[0] <= SLEEP_SHOWN_S:
        woke, away = last_sleep
        parts.append(f"asleep {fmt.spoken_span(away)} until {fmt.ts(woke)} UTC: prices re-read")
    return " · ".join(parts)
