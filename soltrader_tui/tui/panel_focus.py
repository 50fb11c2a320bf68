"""Provides next_panel: where `tab` moves the focus, one panel (not one widget) at a time."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget

from soltrader_tui.tui.widgets.panel import SnapshotPanel


def panel_of(widget: Widget | None) -> SnapshotPanel | None:
    """The panel `widget` is in, if any."""
    for node in widget.ancestors_with_self if widget is not None else ():
        if isinstance(node, SnapshotPanel):
            return node
    return None


def next_panel(screen: Screen[Any], step: int) -> Widget | None:
    """The widget to focus to move `step` panels on from the focused one (wrapping around).

    A panel with two tables (strategies and scores) is one stop; hidden panels (a narrow
    layout) are skipped, since Textual's focus chain leaves out what is not displayed.

    Args:
        screen: The dashboard.
        step: 1 for the next panel, -1 for the previous one.

    Returns:
        The first focusable widget of that panel, or None when no panel can take the focus.
    """
    stops: dict[SnapshotPanel, Widget] = {}
    for widget in screen.focus_chain:
        panel = panel_of(widget)
        if panel is not None:
            stops.setdefault(panel, widget)
    if not stops:
        return None
    panels = list(stops)
    current = panel_of(screen.focused)
    if current not in stops:
        return stops[panels[0] if step > 0 else panels[-1]]
    return stops[panels[(panels.index(current) + step) % len(panels)]]
