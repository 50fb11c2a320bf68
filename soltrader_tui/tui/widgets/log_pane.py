"""Provides LogPane: the engine's decision log, bounded, filterable and followed or held still."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import Input, RichLog

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot, LogLine
from soltrader_tui.tui.widgets.log_filter import LEVELS, LogFilter
from soltrader_tui.tui.widgets.panel import SnapshotPanel

LEVEL_STYLE = {"info": "", "warning": "yellow", "error": "bold white on red", "debug": "dim"}
"""The level word's style; an error's is a red block, so it stands out in a scrolling log."""
ERROR_MESSAGE_STYLE = "bold red"


def lines_after(lines: Sequence[LogLine], seq: int) -> Iterable[LogLine]:
    """The lines of a snapshot's window that come after `seq`, oldest first.

    Snapshots are coalesced and their log windows overlap, so a line is new exactly when
    its sequence number is past the last one shown.
    """
    return (line for line in lines if line.seq > seq)


def log_text(ts: float | None, level: str, message: str) -> Text:
    """One rendered log line: market time, level, message; an error highlighted."""
    style = LEVEL_STYLE.get(level, "")
    text = Text.assemble((fmt.ts(ts), "dim"), " ", (f"{level.upper():<7}", style), " ")
    text.append(message, style=ERROR_MESSAGE_STYLE if level == "error" else "")
    return text


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line the pane keeps, so a new filter can show it again."""

    ts: float | None
    level: str
    message: str


class LogPane(SnapshotPanel):
    """A bounded view of the decision log: filtered by level and text, following the newest
    line unless follow is off. The file log keeps every line; this pane keeps `max_lines`."""

    PANEL_TITLE = "Log"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Only reaches the pane from inside it: the filter box, or the log view itself.
        Binding("escape", "close_filter", "Clear filter", show=False),
    ]

    follow: reactive[bool] = reactive(True, init=False)
    """New lines scroll the view to the bottom; off, the view stays where it was."""
    log_filter: reactive[LogFilter] = reactive(LogFilter, init=False)
    """Which kept lines are shown."""

    def __init__(self, *, max_lines: int, id: str | None = None) -> None:
        super().__init__(id=id)
        self._max_lines = max_lines
        self._entries: deque[LogEntry] = deque(maxlen=max_lines)
        self.last_seq = 0
        """Sequence number of the newest engine line kept."""

    def compose(self) -> ComposeResult:
        """Builds the log view and its filter box (hidden until `/`)."""
        yield RichLog(
            id="log-view", max_lines=self._max_lines, min_width=20, wrap=True, markup=False
        )
        # The second argument is the hint the empty box shows.
        yield Input("", "text to show; enter applies, esc clears", id="log-filter", compact=True)

    def on_mount(self) -> None:
        """Says in the title what the pane shows (after the panel's own mount, which Textual
        runs next, in MRO order, and sets the plain title)."""
        self.call_later(self._retitle)

    @property
    def entries(self) -> tuple[LogEntry, ...]:
        """The lines kept, oldest first (at most `max_lines`), shown or filtered out."""
        return tuple(self._entries)

    def show(self, snapshot: EngineSnapshot) -> None:
        """Keeps and shows the snapshot's lines that have not been seen yet."""
        for line in lines_after(snapshot.log, self.last_seq):
            self._add(LogEntry(line.ts, line.level, line.message))
            self.last_seq = line.seq

    def note(self, level: str, message: str, ts: float | None = None) -> None:
        """Writes a line that comes from the dashboard itself (not from the engine's log).

        Args:
            level: "info", "warning" or "error".
            message: The text of the line.
            ts: Market time it refers to, when known.
        """
        self._add(LogEntry(ts, level, message))

    def set_level(self, rank: int) -> None:
        """Shows lines at `LEVELS[rank]` or louder.

        Args:
            rank: 0 every line, 1 info and above, 2 warnings and above, 3 errors only.
        """
        if not 0 <= rank < len(LEVELS):
            raise ValueError(f"log level rank {rank} is not one of 0..{len(LEVELS) - 1}")
        self.log_filter = replace(self.log_filter, min_rank=rank)

    def toggle_follow(self) -> None:
        """Turns following the newest line on or off."""
        self.follow = not self.follow

    def open_filter(self) -> None:
        """Shows the filter box with the current text and puts the cursor in it."""
        box = self.query_one("#log-filter", Input)
        box.value = self.log_filter.text
        self.add_class("-filtering")
        box.focus()

    def action_close_filter(self) -> None:
        """Clears the text filter and closes its box."""
        self.query_one("#log-filter", Input).value = ""
        self.log_filter = replace(self.log_filter, text="")
        self._close_box()

    @on(Input.Submitted, "#log-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.log_filter = replace(self.log_filter, text=event.value.strip())
        self._close_box()

    def _close_box(self) -> None:
        self.remove_class("-filtering")
        self.query_one("#log-view", RichLog).focus()

    def watch_log_filter(self) -> None:
        """Shows again every kept line the new filter admits."""
        view = self.query_one("#log-view", RichLog)
        view.clear()
        admitted = [e for e in self._entries if self.log_filter.admits(e.level, e.message)]
        for entry in admitted:
            view.write(log_text(entry.ts, entry.level, entry.message), scroll_end=False)
        if self.follow:
            view.scroll_end(animate=False, immediate=False)
        self._retitle()

    def watch_follow(self, follow: bool) -> None:
        """Jumps to the newest line when follow comes back on."""
        view = self.query_one("#log-view", RichLog)
        view.auto_scroll = follow
        if follow:
            view.scroll_end(animate=False, immediate=False)
        self._retitle()

    def _add(self, entry: LogEntry) -> None:
        self._entries.append(entry)
        if self.log_filter.admits(entry.level, entry.message):
            view = self.query_one("#log-view", RichLog)
            view.write(log_text(entry.ts, entry.level, entry.message), scroll_end=self.follow)

    def _retitle(self) -> None:
        self.set_title(f"{self.PANEL_TITLE} · {self.log_filter.describe()}")
        subtitle = "" if self.follow else "follow off (f)"
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
