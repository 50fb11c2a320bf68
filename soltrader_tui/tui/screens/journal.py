"""Provides JournalModal: the operator's journal (`soltrader-tui journal`) over the dashboard.

Sessions and how they ended, operator commands, config changes, state changes and alerts, read
from the ledger when it opens, newest last; the same lines the command prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from soltrader_tui.errors import SoltraderError
from soltrader_tui.monitor.journal import build_journal, render_lines
from soltrader_tui.monitor.journal_source import read_journal


def journal_text(ledger: Path) -> str:
    """The journal's lines, or why there are none."""
    try:
        lines = render_lines(build_journal(read_journal(ledger, None)))
    except SoltraderError as exc:
        return f"The journal cannot be read: {exc}"
    return "\n".join(lines) if lines else "Nothing in the journal yet."


class JournalModal(ModalScreen[None]):
    """The journal of the ledger the dashboard shows; escape, `j` or `q` closes it."""

    DEFAULT_CSS = """
    JournalModal {
        align: center middle;
    }
    JournalModal > #journal-dialog {
        width: 95%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    JournalModal #journal-title {
        text-style: bold;
        padding-bottom: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", tooltip="Closes the journal."),
        Binding("j", "dismiss", "Close", show=False, tooltip="Closes the journal."),
        Binding("q", "dismiss", "Close", show=False, tooltip="Closes the journal (not the app)."),
    ]

    def __init__(self, ledger: Path) -> None:
        super().__init__()
        self._ledger = ledger

    def compose(self) -> ComposeResult:
        with Vertical(id="journal-dialog"):
            yield Label(f"Journal of {self._ledger} (escape closes)", id="journal-title")
            with VerticalScroll():
                yield Static(journal_text(self._ledger), id="journal-lines", markup=False)

    def on_mount(self) -> None:
        # Newest last, as the log pane: open at the end.
        self.query_one(VerticalScroll).scroll_end(animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
