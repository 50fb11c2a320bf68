"""Provides ConfirmModal: a one-key confirmation for actions that move money or stop trading."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class ConfirmModal(ModalScreen[bool]):
    """Asks a yes/no question; `y` confirms, `n` or escape cancels. Dismisses with the answer."""

    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
    }
    ConfirmModal > #confirm-dialog {
        width: 64;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ConfirmModal #confirm-title {
        text-style: bold;
        color: $warning;
        padding-bottom: 1;
    }
    ConfirmModal #confirm-keys {
        padding-top: 1;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", priority=True, tooltip="Does what the dialog says."),
        Binding("n", "answer(False)", "No", priority=True, tooltip="Nothing happens."),
        Binding("escape", "answer(False)", "Cancel", priority=True, tooltip="Nothing happens."),
    ]

    def __init__(self, title: str, question: str) -> None:
        """Builds the modal.

        Args:
            title: The action, in a few words.
            question: What will happen, so the operator knows what `y` does.
        """
        super().__init__()
        self._title = title
        self._question = question

    def compose(self) -> ComposeResult:
        """Lays out the title, the question and the keys."""
        with Vertical(id="confirm-dialog"):
            yield Label(self._title, id="confirm-title")
            yield Label(self._question, id="confirm-question")
            yield Label("y = yes    n / esc = no", id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        """Closes the modal with the operator's answer."""
        self.dismiss(yes)
