"""Provides `supervise`: runs the headless engine as a child and restarts it after a crash.

A child that exits 0 stopped on purpose (duration reached, Ctrl+C); one that exits 2 met bad
input (config, ledger, a second engine) that a restart cannot fix. Anything else — a crash, a
kill, a closed console — is restarted after a backoff that grows with quick repeated failures.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType

EXIT_NEEDS_HUMAN = 2

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


def supervise(
    run_args: Sequence[str],
    *,
    log: Callable[[str], None],
    backoff: Backoff = Backoff(),
    max_restarts: int | None = None,
) -> int:
    """Runs `soltrader-tui run --headless <run_args>` until it stops on purpose.

    Args:
        run_args: Flags for `run` (`--db`, `--config`, `--seed`, `--speed`, ...).
        log: Where each start, exit and restart is reported.
        backoff: Waits between restarts.
        max_restarts: Give up after this many restarts in a row (None: never).

    Returns:
        The exit code to leave with.
    """
    command = [sys.executable, "-m", "soltrader_tui", "run", "--headless", *run_args]
    interrupted = False
    child: subprocess.Popen[bytes] | None = None

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True
        if child is not None and child.poll() is None:
            # Ask the engine to stop cleanly (it commits); a console may have sent it one too.
            child.send_signal(STOP_SIGNAL)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    failures = 0
    try:
        while True:
            started = time.monotonic()
            child = subprocess.Popen(command, creationflags=NEW_GROUP)
            log(f"supervisor: started engine (pid {child.pid})")
            code = child.wait()
            ran = time.monotonic() - started
            if interrupted or code == 0:
                log(f"supervisor: engine exited with {code}; not restarting")
                return 0 if interrupted else code
            if code == EXIT_NEEDS_HUMAN:
                log("supervisor: engine refused to start (exit 2: bad input); not restarting")
                return EXIT_NEEDS_HUMAN
            failures = 1 if ran >= backoff.healthy_after_s else failures + 1
            if max_restarts is not None and failures > max_restarts:
                log(f"supervisor: {failures - 1} restarts in a row failed; giving up")
                return 1
            wait = backoff.delay(failures)
            log(
                f"supervisor: engine died (exit {code}) after {ran:.1f} s; "
                f"restart {failures} in {wait:g} s"
            )
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not interrupted:
                time.sleep(0.05)
            if interrupted:
                return 0
    finally:
        signal.signal(signal.SIGINT, previous)
        if child is not None and child.poll() is None:
            child.terminate()
            child.wait(timeout=30)
