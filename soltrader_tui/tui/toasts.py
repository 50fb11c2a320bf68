"""Provides ToastGate: which new log lines pop up as notifications, a few per second at most.

A burst of warnings (a rug pull closing three positions, a flapping provider) must not
bury the screen in toasts: past the budget, one summary toast points at the log pane,
where every line is anyway.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from textual.notifications import SeverityLevel

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import LogLine

NotifyLevel = Literal["info", "warning", "error"]

LEVEL_RANK = {"info": 0, "warning": 1, "error": 2}
SEVERITY: dict[str, SeverityLevel] = {
    "info": "information",
    "warning": "warning",
    "error": "error",
}


@dataclass(frozen=True, slots=True)
class Toast:
    """One notification to show."""

    title: str
    message: str
    severity: SeverityLevel


def line_toast(line: LogLine) -> Toast:
    """The notification for one log line: its level and market time as title."""
    title = f"Engine {line.level} at {fmt.ts(line.ts)}"
    return Toast(title, line.message, SEVERITY.get(line.level, "information"))


class ToastGate:
    """Picks the log lines that become toasts: new, at or above a level, within a rate."""

    def __init__(
        self,
        notify_level: NotifyLevel,
        *,
        after_seq: int = 0,
        per_second: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Builds a gate.

        Args:
            notify_level: The lowest log level that notifies (config `alerts.notify_level`).
            after_seq: Lines up to this sequence number were already there at start-up.
            per_second: Most toasts in any one-second window.
            clock: Wall time in seconds, for the rate limit.
        """
        self._threshold = LEVEL_RANK[notify_level]
        self._last_seq = after_seq
        self._per_second = per_second
        self._clock = clock
        self._sent: deque[float] = deque()
        self._held_back = 0
        self._held_back_error = False

    def admit(self, lines: Sequence[LogLine]) -> list[Toast]:
        """Returns the toasts to show for a snapshot's log window.

        Args:
            lines: The snapshot's log lines, oldest first (windows may overlap).

        Returns:
            Toasts for the newest qualifying lines within the budget, then one summary
            toast counting the lines held back, if any.
        """
        due = [
            line
            for line in lines
            if line.seq > self._last_seq and LEVEL_RANK.get(line.level, 0) >= self._threshold
        ]
        if lines:
            self._last_seq = max(self._last_seq, lines[-1].seq)
        if not due and not self._held_back:
            return []
        now = self._clock()
        while self._sent and now - self._sent[0] >= 1.0:
            self._sent.popleft()
        budget = self._per_second - len(self._sent)
        if budget <= 0:
            self._hold_back(due)
            return []
        needs_summary = self._held_back > 0 or len(due) > budget
        slots = budget - 1 if needs_summary else budget
        shown = due[len(due) - slots :] if slots > 0 else []
        self._hold_back(due[: len(due) - len(shown)])
        toasts = [line_toast(line) for line in shown]
        if self._held_back:
            severity: SeverityLevel = "error" if self._held_back_error else "warning"
            message = f"{self._held_back} more alerts were held back: see the log."
            toasts.append(Toast("More alerts", message, severity))
        self._held_back = 0
        self._held_back_error = False
        self._sent.extend([now] * len(toasts))
        return toasts

    def _hold_back(self, lines: Sequence[LogLine]) -> None:
        self._held_back += len(lines)
        self._held_back_error = self._held_back_error or any(
            line.level == "error" for line in lines
        )
