"""Provides the app-wide messages that carry engine state to the screen."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from soltrader_tui.snapshot import EngineSnapshot


@dataclass
class EngineUpdated(Message):
    """The engine published a new snapshot."""

    snapshot: EngineSnapshot

    def can_replace(self, message: Message) -> bool:
        """Lets a newer snapshot replace a queued older one: only the newest matters."""
        return isinstance(message, EngineUpdated)
