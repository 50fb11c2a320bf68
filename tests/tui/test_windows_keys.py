"""No key of the dashboard is one that Windows Terminal keeps for itself (docs/windows.md)."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

from soltrader_tui.tui.keymap import node_keys
from soltrader_tui.tui.screens.confirm import ConfirmModal
from soltrader_tui.tui.screens.error_modal import ErrorModal
from soltrader_tui.tui.screens.help import HelpModal
from soltrader_tui.tui.screens.strategy_picker import StrategyPicker
from tests.tui.harness import session

WINDOWS_TERMINAL_KEYS = frozenset(
    {
        # Application: close, fullscreen, new-tab menu, settings, find, command palette,
        # system menu, suggestions.
        "alt+f4", "alt+enter", "f11", "ctrl+shift+space", "ctrl+comma", "ctrl+shift+comma",
        "ctrl+alt+comma", "ctrl+shift+f", "ctrl+shift+p", "alt+space", "ctrl+shift+full_stop",
        # Tabs: new tab or window, a profile's tab, duplicate, next and previous, switch.
        "ctrl+shift+t", "ctrl+shift+n", "ctrl+shift+d", "ctrl+tab", "ctrl+shift+tab",
        *(f"ctrl+shift+{n}" for n in range(1, 10)),
        *(f"ctrl+alt+{n}" for n in range(1, 10)),
        # Panes: close, split, resize, move focus.
        "ctrl+shift+w", "alt+shift+minus", "alt+shift+plus",
        *(f"alt+shift+{d}" for d in ("up", "down", "left", "right")),
        *(f"alt+{d}" for d in ("up", "down", "left", "right")),
        "ctrl+alt+left",
        # Clipboard and selection (settings.json adds ctrl+v; ctrl+c copies only a selection).
        "ctrl+shift+c", "ctrl+insert", "ctrl+shift+v", "shift+insert", "ctrl+v",
        "ctrl+shift+a", "ctrl+shift+m", "menu",
        # Scrollback.
        "ctrl+shift+up", "ctrl+shift+down", "ctrl+shift+pageup", "ctrl+shift+pagedown",
        "ctrl+shift+home", "ctrl+shift+end",
        # Font size.
        "ctrl+plus", "ctrl+minus", "ctrl+equals_sign", "ctrl+0",
    }
)  # fmt: skip
"""The keys Windows Terminal binds by default (its defaults.json `keybindings`, in Textual's
key names), so a program running in it never sees them. Enter is left out: the terminal takes
it only in mark mode, while text is being selected."""


TEXTUAL_INPUT_KEYS_TAKEN = {
    "ctrl+v": "the terminal pastes the clipboard itself, which the filter box gets as a paste",
    "ctrl+shift+a": "the terminal selects its screen; in the box, shift+home selects instead",
}
"""Keys of Textual's own text box (the log filter) that the terminal takes, and why it does not
matter."""


def keys_of(node: DOMNode | type[DOMNode]) -> set[str]:
    """Every key a node (or a dialog class, its own BINDINGS) binds."""
    if isinstance(node, type):
        bindings = Binding.make_bindings(node.__dict__.get("BINDINGS", ()))
        return {key for b in bindings for key in b.key.split(",")}
    return {key for key, _ in node._bindings}


class TestWindowsTerminal:
    """Every key the dashboard, its widgets and its dialogs use reaches the program."""

    async def test_no_key_is_taken_by_the_terminal(self) -> None:
        async with session() as s:
            nodes: list[DOMNode | type[DOMNode]] = [s.app, s.app.dashboard]
            nodes += list(s.app.dashboard.walk_children())
            nodes += [ConfirmModal, StrategyPicker, ErrorModal, HelpModal]
            used = set().union(*(keys_of(node) for node in nodes))
            assert {"q", "ctrl+e", "tab", "question_mark", "slash", "1"} <= used
            assert used & WINDOWS_TERMINAL_KEYS == set(TEXTUAL_INPUT_KEYS_TAKEN)
            box_keys = keys_of(s.app.dashboard.query_one("#log-filter"))
            assert set(TEXTUAL_INPUT_KEYS_TAKEN) <= box_keys


class TestWindowsDoc:
    """docs/windows.md names every key of the dashboard (its table is written by hand)."""

    async def test_every_key_is_in_the_doc(self) -> None:
        doc = (Path(__file__).parents[2] / "docs" / "windows.md").read_text(encoding="utf-8")
        async with session() as s:
            keys = {k.key for k in node_keys(s.app, (s.app.dashboard, s.app))}
        missing = sorted(k for k in keys if f"`{DOC_NAMES.get(k, k)}`" not in doc)
        assert missing == []


DOC_NAMES = {"^e": "ctrl+e", "^q": "ctrl+q", "^p": "ctrl+p", "^c": "ctrl+c", "super+c": "ctrl+c"}
"""The doc spells ctrl keys out; super+c is the Mac's ctrl+c."""
