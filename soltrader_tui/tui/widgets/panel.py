"""Provides SnapshotPanel: a bordered panel that re-renders its slice of each snapshot."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label

from soltrader_tui.snapshot import EngineSnapshot


class SnapshotPanel(Vertical):
    """A dashboard panel bound to the screen's snapshot; subclasses implement `show`."""

    PANEL_TITLE = ""
    """Shown in the panel's top border."""

    snapshot: reactive[EngineSnapshot | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    """The latest snapshot, bound to the screen's one; None until the first arrives."""

    def on_mount(self) -> None:
        """Puts the panel's title in its border and shows a snapshot bound before mounting."""
        self.border_title = self.PANEL_TITLE
        if self.snapshot is not None:
            self.show(self.snapshot)

    def watch_snapshot(self, snapshot: EngineSnapshot | None) -> None:
        """Renders a new snapshot in place (panels update cells and labels, never recompose)."""
        if snapshot is not None and self.is_mounted:
            self.show(snapshot)

    def set_title(self, title: str) -> None:
        """Sets the border title, repainting only when it changed."""
        if self.border_title != title:
            self.border_title = title

    def show(self, snapshot: EngineSnapshot) -> None:
        """Updates the panel's widgets to show `snapshot`.

        Args:
            snapshot: The newest snapshot.
        """
        raise TypeError(f"{type(self).__name__} must define show()")


def same_text(old: object, new: object) -> bool:
    """Whether two contents look the same; Text equality ignores the base style, and a figure
    can change colour alone."""
    if isinstance(old, Text) and isinstance(new, Text):
        return (old.plain, old.style, old.spans) == (new.plain, new.style, new.spans)
    return old == new


def set_label(label: Label, content: str | Text) -> None:
    """Updates a label only when its content changed, so an idle figure costs no repaint."""
    if not same_text(label.content, content):
        label.update(content, layout=False)
