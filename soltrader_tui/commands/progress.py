"""Provides LateProgress: a progress bar on stderr that appears only once a run takes a second.

Quick runs print no bar at all; a long one shows how far it is, how fast and how long is left,
and, where the caller says it, the best result so far.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

SHOW_AFTER_S = 1.0


class LateProgress:
    """Progress of a long run, drawn on a terminal's stderr after `SHOW_AFTER_S`."""

    def __init__(
        self, label: str, started: float, *, stream: TextIO | None = None, force: bool = False
    ) -> None:
        """Args:
        label: What runs, e.g. "backtest".
        started: `time.perf_counter()` when the run started.
        stream: Where to draw (stderr by default).
        force: Draw even when the stream is not a terminal (tests).
        """
        self._label = label
        self._started = started
        self._stream = sys.stderr if stream is None else stream
        self._force = force
        self._enabled = force or self._stream.isatty()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def update(self, done: int, total: int, note: str = "") -> None:
        """Moves the bar to `done` of `total`; `note` is shown after it (e.g. the best so far)."""
        if not self._enabled:
            return
        bar, task = self._bar, self._task
        if bar is None or task is None:
            if time.perf_counter() - self._started < SHOW_AFTER_S or done >= total:
                return
            bar, task = self._start(total, note)
        bar.update(task, completed=done, total=total, description=note)

    def _start(self, total: int, note: str) -> tuple[Progress, TaskID]:
        # Imported here: a quick run (most backtests) never pays for rich's progress.
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(file=self._stream, force_terminal=self._force or None)
        self._bar = Progress(
            TextColumn(f"{self._label}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeRemainingColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task(note, total=total)
        self._bar.start()
        return self._bar, self._task

    def close(self) -> None:
        """Removes the bar (if it was shown)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
