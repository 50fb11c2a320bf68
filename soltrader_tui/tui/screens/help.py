"""Provides HelpModal: every key of the dashboard and of its dialogs, and what it does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from soltrader_tui.tui.keymap import KeyHelp, class_keys, node_keys
from soltrader_tui.tui.screens.confirm import ConfirmModal
from soltrader_tui.tui.screens.error_modal import ErrorModal
from soltrader_tui.tui.screens.journal import JournalModal
from soltrader_tui.tui.screens.strategy_picker import StrategyPicker
from soltrader_tui.tui.widgets import api, fills, positions, scores
from soltrader_tui.tui.widgets.portfolio import RULE_SHORT
from soltrader_tui.tui.widgets.table import Column

Section = tuple[str, Sequence[KeyHelp]]
"""A heading and its keys."""


def help_sections(app: App[Any], dashboard: Screen[Any]) -> list[Section]:
    """The key map, read from the bindings: the dashboard's (its own and the app's), then each
    dialog's own.

    Args:
        app: The running app.
        dashboard: The dashboard screen, whose bindings and the app's are the main keys.
    """
    return [
        ("Dashboard", node_keys(app, (dashboard, app))),
        ("Confirmation (emergency stop, resume)", class_keys(app, ConfirmModal)),
        ("Strategy list (s)", class_keys(app, StrategyPicker)),
        ("Error window", class_keys(app, ErrorModal)),
        ("Journal (j)", class_keys(app, JournalModal)),
        ("This help", class_keys(app, HelpModal)),
        (
            "Short column names (tables too narrow for the full ones; the narrowest also leave "
            "out columns: enter on a position shows all of its figures)",
            short_names(),
        ),
        ("Risk denials: the rule that denied most, as the portfolio names it", rule_names()),
    ]


def short_names() -> list[KeyHelp]:
    """Each short column label and the full one it stands for, once each."""
    tables: Sequence[Sequence[Column]] = (
        positions.COLUMNS,
        scores.STRATEGY_COLUMNS,
        scores.SCORE_COLUMNS,
        fills.COLUMNS,
        api.COLUMNS,
    )
    names: dict[str, str] = {}
    for columns in tables:
        for column in columns:
            if column.short:
                names.setdefault(column.short, column.label)
    return [KeyHelp(short, full, "") for short, full in names.items()]


def rule_names() -> list[KeyHelp]:
    """Each risk rule's short name in the portfolio and its name in the log and `status`."""
    return [KeyHelp(short, rule, "") for rule, short in RULE_SHORT.items()]


def keys_table(keys: Sequence[KeyHelp]) -> Table:
    """A two-column table: the key, then its name and what it does."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for k in keys:
        what = Text(k.label, style="bold")
        if k.what and k.what != k.label:
            what.append(f": {k.what}", style="")
        table.add_row(k.key, what)
    return table


class HelpModal(ModalScreen[None]):
    """Lists every binding; `q`, `?` or escape closes it (q here closes the help, it does not
    quit: quitting stops the engine, too much for a key pressed to leave a help page)."""

    DEFAULT_CSS = """
    HelpModal {
        align: center middle;
    }
    HelpModal > #help-dialog {
        width: 90%;
        max-width: 100;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpModal #help-title {
        text-style: bold;
        padding-bottom: 1;
    }
    HelpModal .help-heading {
        text-style: bold;
        color: $text-accent;
        padding-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close"),
        Binding("question_mark", "close", "Close"),
    ]

    def __init__(self, sections: Sequence[Section]) -> None:
        """Builds the help from `help_sections`."""
        super().__init__()
        self._sections = list(sections)

    def compose(self) -> ComposeResult:
        """Lays out one table of keys per section, scrolling when the terminal is short."""
        with Vertical(id="help-dialog"):
            yield Label("KEYS   (q, ? or esc closes this help)", id="help-title")
            with VerticalScroll(id="help-keys"):
                for heading, keys in self._sections:
                    yield Label(heading, classes="help-heading")
                    yield Static(keys_table(keys), classes="help-table")

    def action_close(self) -> None:
        """Closes the help."""
        self.dismiss(None)
