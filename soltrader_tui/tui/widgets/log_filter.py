"""Provides LogFilter: which log lines the log pane shows (a lowest level and a text)."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("debug", "info", "warning", "error")
"""The levels a line can have, quietest first; the keys 1–4 pick the lowest one shown."""
LEVEL_NAMES = ("all levels", "info and above", "warnings and above", "errors only")
"""What the pane's title says for each lowest level, by its index in `LEVELS`."""


def level_rank(level: str) -> int:
    """The index of `level` in `LEVELS`; a level the pane does not know counts as info, so a
    line is never hidden by the filter of the quietest levels."""
    try:
        return LEVELS.index(level)
    except ValueError:
        return 1


@dataclass(frozen=True, slots=True)
class LogFilter:
    """The lines to show: at `min_rank` or louder, containing `text` (case ignored)."""

    min_rank: int = 0
    """Index in `LEVELS` of the quietest level shown (0: every line)."""
    text: str = ""
    """Text a line must contain; empty: any line."""

    def admits(self, level: str, message: str) -> bool:
        """Whether a line of `level` saying `message` is shown."""
        if level_rank(level) < self.min_rank:
            return False
        return not self.text or self.text.casefold() in message.casefold()

    def describe(self) -> str:
        """The filter in words, for the pane's title: the levels, then the text if any."""
        words = LEVEL_NAMES[self.min_rank]
        return f'{words} · "{self.text}"' if self.text else words
