"""Provides `supervise`: runs the headless engine as a child and restarts it after a crash.

A child that exits 0 stopped on purpose (duration reached, Ctrl+C); one that exits 2 met bad
input (config, ledger, a second engine) that a restart cannot fix. One that exits 3 could not
write its ledger (disk full): restarting into a full disk fails again, so the supervisor waits
until the disk has the configured free space (`storage.min_free_mb`), polling for a bounded
time, and restarts then. Anything else — a crash, a kill, a closed console — is restarted
after a backoff that grows with quick repeated failures.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from soltrader_tui.errors import EXIT_LEDGER_WRITE_FAILED, EXIT_NEEDS_HUMAN

MB = 1024 * 1024

WATCH_EVERY_S = 1.0
"""Seconds between two looks at a running engine's heartbeat."""

Alert = Callable[[str, str, str], None]
"""Tells the operator something about the engine: (severity, title, body)."""

if sys.platform == "win32":
    # Windows delivers no SIGINT to a child; Ctrl+Break to its own process group does the job.
    STOP_SIGNAL = signal.CTRL_BREAK_EVENT
    NEW_GROUP = subprocess.CREATE_NEW_PROCESS_GROUP
else:
    STOP_SIGNAL = signal.SIGINT
    NEW_GROUP = 0


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before restart number `n` (1-based)."""

    first_s: float = 1.0
    max_s: float = 60.0
    healthy_after_s: float = 300.0
    """A child that ran this long resets the backoff: its crash is not a crash loop."""

    def delay(self, n: int) -> float:
        """Returns the wait before the n-th consecutive restart."""
        return min(self.max_s, self.first_s * 2.0 ** (n - 1))


@dataclass(frozen=True, slots=True)
class SpaceWatch:
    """What to wait for after the engine exits 3 (its ledger could not be written)."""

    ledger: Path
    min_free_mb: float
    """The free space a start needs (`storage.min_free_mb`)."""
    poll_s: float = 5.0
    """Seconds between two looks at the free space."""
    max_wait_s: float = 3600.0
    """Give up (exit 3) when the space has not come back after this long."""

    def free_mb(self) -> float | None:
        """The free space beside the ledger now, MB (None when it cannot be read)."""
        try:
            return shutil.disk_usage(self.ledger.parent).free / MB
        except OSError:
            return None

    def enough(self) -> bool:
        """Whether a start would find the space it needs."""
        free = self.free_mb()
        return free is None or free >= max(self.min_free_mb, 0.0)


def _wait_for_space(
    space: SpaceWatch, log: Callable[[str], None], interrupted: Callable[[], bool]
) -> bool:
    """Polls the free space until a start would find enough; False when it never came back
    within the bound (or on Ctrl+C)."""
    free = space.free_mb()
    log(
        f"supervisor: the engine could not write its ledger (exit 3); waiting for free space "
        f"on {space.ledger.parent}: {'—' if free is None else f'{free:,.1f}'} MB free, a start "
        f"needs {space.min_free_mb:g} MB (storage.min_free_mb); checking every "
        f"{space.poll_s:g} s for up to {space.max_wait_s:g} s"
    )
    deadline = time.monotonic() + space.max_wait_s
    while not interrupted():
        if space.enough():
            log(f"supervisor: {space.free_mb() or 0:,.1f} MB free on {space.ledger.parent}")
            return True
        if time.monotonic() >= deadline:
            log(
                f"supervisor: still under {space.min_free_mb:g} MB free on "
                f"{space.ledger.parent} after {space.max_wait_s:g} s; giving up"
            )
            return False
        pause = time.monotonic() + space.poll_s
        while time.monotonic() < pause and not interrupted():
            time.sleep(0.05)
    return False


def supervise(
    run_args: Sequence[str],
    *,
    log: Callable[[str], None],
    backoff: Backoff = Backoff(),
    max_restarts: int | None = None,
    space: SpaceWatch | None = None,
    alert: Alert | None = None,
    watch: Callable[[int], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Runs `soltrader-tui run --headless <run_args>` until it stops on purpose.

    Args:
        run_args: Flags for `run` (`--db`, `--config`, `--seed`, `--speed`, ...).
        log: Where each start, exit and restart is reported.
        backoff: Waits between restarts.
        max_restarts: Give up after this many restarts in a row (None: never).
        space: The ledger's disk, watched after an exit 3 (None: such an exit is final).
        alert: Told of every crash, restart and giving up (None: the log only).
        watch: Called with the engine's pid every `WATCH_EVERY_S` while it runs (the
            heartbeat check).
        env: The engine's environment (None: this process's), e.g. with the live confirmation
            typed at `supervise`'s own prompt.

    Returns:
        The exit code to leave with.
    """
    engine = _Supervised(
        [sys.executable, "-m", "soltrader_tui", "run", "--headless", *run_args], watch, env
    )
    previous = signal.signal(signal.SIGINT, engine.on_interrupt)
    failures = 0
    try:
        while True:
            code, ran = engine.run_once(log)
            final = _exit_without_restart(code, engine, space, _told(log, alert, code))
            if final is not None:
                return final
            failures = 1 if ran >= backoff.healthy_after_s else failures + 1
            if max_restarts is not None and failures > max_restarts:
                line = f"supervisor: {failures - 1} restarts in a row failed; giving up"
                log(line)
                if alert is not None:
                    alert("critical", "Engine down: supervise gave up", line)
                return 1
            wait = backoff.delay(failures)
            line = (
                f"supervisor: engine died (exit {code}) after {ran:.1f} s; "
                f"restart {failures} in {wait:g} s"
            )
            log(line)
            if alert is not None:
                alert("critical", f"Engine crashed (exit {code}), restarting", line)
            engine.sleep(wait)
            if engine.interrupted:
                return 0
    finally:
        signal.signal(signal.SIGINT, previous)
        engine.stop()


def _told(log: Callable[[str], None], alert: Alert | None, code: int) -> Callable[[str], None]:
    """The log for a final exit: an unplanned one (not 0, no Ctrl+C) is also an alert."""
    if alert is None or code == 0:
        return log

    def both(line: str) -> None:
        log(line)
        if "not restarting" in line or "giving up" in line:
            alert("critical", f"Engine stopped (exit {code}), not restarted", line)

    return both


class _Supervised:
    """The engine process being supervised, and whether Ctrl+C has asked everything to stop."""

    def __init__(
        self,
        command: list[str],
        watch: Callable[[int], None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.command = command
        self._env = env
        self._watch = watch
        self.interrupted = False
        self.child: subprocess.Popen[bytes] | None = None

    def on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        """The SIGINT handler: remembers the interrupt and passes it on to a running engine."""
        self.interrupted = True
        if self.child is not None and self.child.poll() is None:
            # Ask the engine to stop cleanly (it commits); a console may have sent it one too.
            self.child.send_signal(STOP_SIGNAL)

    def run_once(self, log: Callable[[str], None]) -> tuple[int, float]:
        """Starts the engine and waits for it; returns its exit code and seconds it ran."""
        started = time.monotonic()
        self.child = subprocess.Popen(self.command, creationflags=NEW_GROUP, env=self._env)
        log(f"supervisor: started engine (pid {self.child.pid})")
        while True:
            try:
                code = self.child.wait(timeout=None if self._watch is None else WATCH_EVERY_S)
            except subprocess.TimeoutExpired:
                if self._watch is not None:
                    self._watch(self.child.pid)
                continue
            return code, time.monotonic() - started

    def sleep(self, seconds: float) -> None:
        """Waits before a restart, cut short by an interrupt."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.interrupted:
            time.sleep(0.05)

    def stop(self) -> None:
        """Ends an engine still running when the supervisor leaves."""
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
            self.child.wait(timeout=30)


def _exit_without_restart(
    code: int, engine: _Supervised, space: SpaceWatch | None, log: Callable[[str], None]
) -> int | None:
    """The supervisor's exit code when this engine exit is final; None when a restart is due.

    An exit 3 (the ledger could not be written) waits for free space when the disk is watched.
    """
    if engine.interrupted or code == 0:
        log(f"supervisor: engine exited with {code}; not restarting")
        return 0 if engine.interrupted else code
    if code == EXIT_NEEDS_HUMAN:
        log("supervisor: engine refused to start (exit 2: bad input); not restarting")
        return EXIT_NEEDS_HUMAN
    if code == EXIT_LEDGER_WRITE_FAILED and (
        space is None or not _wait_for_space(space, log, lambda: engine.interrupted)
    ):
        return 0 if engine.interrupted else EXIT_LEDGER_WRITE_FAILED
    return None
