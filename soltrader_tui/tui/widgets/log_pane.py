"""Provides LogPane: the engine's decision log, each line shown exactly once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import RichLog

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot, LogLine
from soltrader_tui.tui.widgets.panel import SnapshotPanel

LEVEL_STYLE = {"info": "", "warning": "yellow", "error": "bold red"}


def lines_after(lines: Sequence[LogLine], seq: int) -> Iterable[LogLine]:
    """The lines of a snapshot's window that come after `seq`, oldest first.

    Snapshots are coalesced and their log windows overlap, so a line is new exactly when
    its sequence number is past the last one shown.
    """
    return (line for line in lines if line.seq > seq)


def log_text(ts: float | None, level: str, message: str) -> Text:
    """One rendered log line: market time, level, message; the level coloured."""
    style = LEVEL_STYLE.get(level, "")
    text = Text.assemble((fmt.ts(ts), "dim"), " ", (f"{level.upper():<7}", style), " ")
    text.append(message, style=style if level == "error" else "")
    return text


class LogPane(SnapshotPanel):
    """A bounded, auto-scrolling view of the decision log."""

    PANEL_TITLE = "Log"

    def __init__(self, *, max_lines: int, id: str | None = None) -> None:
        super().__init__(id=id)
        self._max_lines = max_lines
        self.last_seq = 0
        """Sequence number of the newest engine line written."""

    def compose(self) -> ComposeResult:
        """Builds the log view."""
        yield RichLog(
            id="log-view", max_lines=self._max_lines, min_width=20, wrap=True, markup=False
        )

    def show(self, snapshot: EngineSnapshot) -> None:
        """Writes the snapshot's lines that have not been written yet."""
        view = self.query_one("#log-view", RichLog)
        for line in lines_after(snapshot.log, self.last_seq):
            view.write(log_text(line.ts, line.level, line.message))
            self.last_seq = line.seq

    def note(self, level: str, message: str, ts: float | None = None) -> None:
        """Writes a line that comes from the dashboard itself (not from the engine's log).

        Args:
            level: "info", "warning" or "error".
            message: The text of the line.
            ts: Market time it refers to, when known.
        """
        self.query_one("#log-view", RichLog).write(log_text(ts, level, message))
