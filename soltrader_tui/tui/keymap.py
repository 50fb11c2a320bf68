"""Provides the key map as text: each binding's key, short label and what it does.

The footer and the help screen are both generated from the bindings themselves (the label from
`Binding.description`, the explanation from `Binding.tooltip` or the action's docstring), so
neither can drift from what the keys do.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One key as the help screen lists it."""

    key: str
    """The key as shown (`^e`, `tab`, `?`)."""
    label: str
    """The short name the footer shows."""
    what: str
    """What it does, in a sentence."""


def action_doc(app: App[Any], owner: object, action: str) -> str:
    """The summary (first paragraph) of the docstring of the method that runs `action`.

    Args:
        app: The running app (where an `app.` action runs).
        owner: Where the binding is declared, an instance or a class (an action without a
            prefix runs there; a `screen.` one on its screen).
        action: The binding's action, e.g. "quit", "app.quit" or "log_level(2)".
    """
    destination, name, _ = parse_action(action)
    target: object = owner
    if destination == "app":
        target = app
    elif destination == "screen" and isinstance(owner, DOMNode):
        target = owner.screen
    doc = inspect.getdoc(getattr(target, f"action_{name}", None)) or ""
    return " ".join(doc.split("\n\n")[0].split())


def key_help(app: App[Any], owner: object, binding: Binding) -> KeyHelp:
    """Describes one binding declared on `owner` (an instance or a class)."""
    what = binding.tooltip or action_doc(app, owner, binding.action)
    return KeyHelp(app.get_key_display(binding), binding.description or what, what)


def node_keys(app: App[Any], nodes: Sequence[DOMNode]) -> list[KeyHelp]:
    """Every key bound on `nodes`, as Textual looks them up: the first node binding a key wins,
    unless a later one binds it with priority (an app-wide key such as the emergency stop).
    Listed outermost node first.

    Args:
        app: The running app (for how keys are displayed).
        nodes: The binding chain, innermost first (e.g. the dashboard screen, then the app).
    """
    chosen: dict[str, tuple[DOMNode, Binding]] = {}
    for node in nodes:
        for key, binding in node._bindings:
            held = chosen.get(key)
            if held is None or (binding.priority and not held[1].priority):
                chosen[key] = (node, binding)
    # Outermost first: the app's keys (quit, emergency stop, ...) work on every screen.
    ordered = sorted(chosen.values(), key=lambda held: -nodes.index(held[0]))
    return [key_help(app, node, binding) for node, binding in ordered]


def class_keys(app: App[Any], owner: type[DOMNode]) -> list[KeyHelp]:
    """The keys a class declares itself (a dialog's own BINDINGS, not the ones it inherits),
    in their order.

    Args:
        app: The running app (for how keys are displayed).
        owner: The class; its actions' docstrings explain the keys.
    """
    bindings: Iterable[Binding] = Binding.make_bindings(owner.__dict__.get("BINDINGS", ()))
    return [key_help(app, owner, binding) for binding in bindings]
