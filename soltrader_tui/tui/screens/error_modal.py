"""Provides ErrorModal: a failure the operator has to read, in selectable, copyable text."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


class ErrorModal(ModalScreen[None]):
    """Shows an error's summary and details until the operator closes it."""

    DEFAULT_CSS = """
    ErrorModal {
        align: center middle;
    }
    ErrorModal > #error-dialog {
        width: 90%;
        max-width: 110;
        height: 80%;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    ErrorModal #error-title {
        width: 1fr;
        text-style: bold;
        color: $error;
        padding: 1 0;
    }
    ErrorModal #error-text {
        height: 1fr;
    }
    ErrorModal #error-buttons {
        height: auto;
        align: right middle;
        padding: 1 0 0 0;
    }
    ErrorModal Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("c", "copy", "Copy"),
        # A modal hides the app's own bindings; quitting must still be one key away.
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, title: str, text: str) -> None:
        """Builds the modal.

        Args:
            title: What failed, in a few words.
            text: The error and its details, shown read-only and selectable.
        """
        super().__init__()
        self.error_title = title
        self.error_text = text

    def compose(self) -> ComposeResult:
        """Lays out the title, the text and the buttons."""
        with Vertical(id="error-dialog"):
            yield Label(self.error_title, id="error-title")
            yield TextArea(self.error_text, id="error-text", read_only=True, soft_wrap=True)
            with Horizontal(id="error-buttons"):
                yield Button("Copy", id="copy")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        """Focuses Close, so Enter dismisses and the keys of the app still work."""
        self.query_one("#close", Button).focus()

    def action_copy(self) -> None:
        """Copies the whole error text to the clipboard."""
        self.app.copy_to_clipboard(self.error_text)
        self.notify("The error text is on the clipboard.", title="Copied")

    def action_close(self) -> None:
        """Closes the modal."""
        self.dismiss(None)

    @on(Button.Pressed, "#copy")
    def _copy_pressed(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()
