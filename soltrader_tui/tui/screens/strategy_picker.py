"""Provides StrategyPicker: the `s` key's list of strategies, to enable or disable one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import StrategyView


@dataclass(frozen=True, slots=True)
class StrategyToggle:
    """What the operator picked: the strategy and whether it may open positions from now on."""

    name: str
    enabled: bool


def option_text(view: StrategyView) -> Text:
    """One line of the list: the state the strategy is in now, its best score and entry."""
    entry = "" if view.entry_threshold is None else f", entry at {view.entry_threshold:g}"
    state = ("● enabled ", "bold green") if view.enabled else ("○ disabled", "dim")
    return Text.assemble(
        state, "  ", (f"{view.name:<16}", "bold"), f"best score {fmt.score(view.score)}{entry}"
    )


class StrategyPicker(ModalScreen[StrategyToggle | None]):
    """Lists every strategy with its state; enter (or space) flips the one under the cursor,
    escape closes without a change. Dismisses with the pick."""

    DEFAULT_CSS = """
    StrategyPicker {
        align: center middle;
    }
    StrategyPicker > #picker-dialog {
        width: 72;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    StrategyPicker #picker-title {
        text-style: bold;
        padding-bottom: 1;
    }
    StrategyPicker OptionList {
        height: auto;
        max-height: 12;
    }
    StrategyPicker #picker-keys {
        padding-top: 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", priority=True),
        Binding("space", "flip", "Enable/disable", show=False),
    ]

    def __init__(self, strategies: Sequence[StrategyView]) -> None:
        """Builds the list from the strategies the snapshot shows, in their order."""
        super().__init__()
        self._strategies = list(strategies)

    def compose(self) -> ComposeResult:
        """Lays out the title, the list and the keys."""
        with Vertical(id="picker-dialog"):
            yield Label("STRATEGIES: enable or disable", id="picker-title")
            yield OptionList(
                *(Option(option_text(v), id=v.name) for v in self._strategies),
                id="picker-list",
            )
            yield Label(
                "↑/↓ choose    enter / space = enable or disable    esc = close\n"
                "A disabled strategy still scores; its open positions keep their risk exits. "
                "The choice is kept until the config changes.",
                id="picker-keys",
            )

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._flip(event.option_index)

    def action_flip(self) -> None:
        """Flips the strategy under the cursor."""
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self._flip(index)

    def _flip(self, index: int) -> None:
        view = self._strategies[index]
        self.dismiss(StrategyToggle(view.name, not view.enabled))

    def action_close(self) -> None:
        """Closes without a change."""
        self.dismiss(None)
