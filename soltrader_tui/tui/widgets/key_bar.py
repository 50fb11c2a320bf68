"""Provides KeyBar: the footer listing every key that works now, wrapped onto a second line
when the terminal is narrow (Textual's Footer is one line and cuts the rest off at 80 columns)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

GAP = 2
"""Spaces between two keys on a line."""
TIGHT_GAP = 1
"""The spaces between two keys when that keeps the bar to one line (a line of the screen is worth
more than the air)."""
DISABLED = Style(dim=True)
"""A key whose action cannot run now (Textual's `check_action` said None)."""


@dataclass(frozen=True, slots=True)
class KeyItem:
    """One entry of the bar: a key (or a group of keys) and what it is for."""

    keys: str
    label: str
    enabled: bool = True

    @property
    def width(self) -> int:
        """Cells the entry takes."""
        return len(self.keys) + 1 + len(self.label)


def key_items(screen: Screen[Any]) -> list[KeyItem]:
    """The keys that work on `screen` now (its focus decides, as for Textual's Footer), one
    entry per action; keys of one `Binding.Group` share an entry ("1234 level"). The app's
    keys (quit, emergency stop, ...) come first: they matter most and work on every panel."""
    items: list[KeyItem] = []
    group: Binding.Group | None = None
    seen: set[str] = set()
    active = sorted(screen.active_bindings.values(), key=lambda a: a.node is not screen.app)
    for _, binding, enabled, _ in active:
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        keys = screen.app.get_key_display(binding)
        if binding.group is not None and binding.group is group and items:
            last = items[-1]
            joint = "" if binding.group.compact else "/"
            items[-1] = KeyItem(f"{last.keys}{joint}{keys}", last.label, last.enabled)
            continue
        group = binding.group
        label = binding.group.description if binding.group is not None else binding.description
        items.append(KeyItem(keys, label, enabled))
    return items


def wrap(items: Sequence[KeyItem], width: int, gap: int = GAP) -> list[list[KeyItem]]:
    """Lays `items` out in lines of at most `width` cells, `gap` apart, in order, none split."""
    lines: list[list[KeyItem]] = [[]]
    used = 0
    for item in items:
        need = item.width if not lines[-1] else gap + item.width
        if lines[-1] and used + need > width:
            lines.append([])
            used, need = 0, item.width
        lines[-1].append(item)
        used += need
    return lines


def fit(items: Sequence[KeyItem], width: int) -> tuple[int, list[list[KeyItem]]]:
    """The gap and the lines of the bar: one line if it fits, even with tight gaps; else
    wrapped with the normal gap."""
    for gap in (GAP, TIGHT_GAP):
        lines = wrap(items, width, gap)
        if len(lines) == 1:
            return gap, lines
    return GAP, wrap(items, width)


class KeyBar(Widget):
    """Every key that works now, with its short name; two lines when one is not enough."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--label"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        padding: 0 0 0 1;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            text-style: bold;
        }
        .key-bar--label {
            color: $footer-description-foreground;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[KeyItem] = []

    def on_mount(self) -> None:
        """Follows the screen's bindings (they change with the focus and with each action's
        `check_action`)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        """Stops following the screen's bindings."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        items = key_items(screen)
        if items != self.items:
            self.items = items
            self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One line per wrapped line of keys."""
        return len(fit(self.items, width)[1])

    def render(self) -> Text:
        """The keys, wrapped to the bar's width."""
        key_style = self.get_component_rich_style("key-bar--key")
        label_style = self.get_component_rich_style("key-bar--label")
        text = Text(no_wrap=True, overflow="crop")
        gap, lines = fit(self.items, self.content_size.width or 80)
        for n, line in enumerate(lines):
            if n:
                text.append("\n")
            for i, item in enumerate(line):
                off = Style() if item.enabled else DISABLED
                text.append(" " * gap if i else "")
                text.append(item.keys, style=key_style + off)
                text.append(f" {item.label}", style=label_style + off)
        return text
