"""Provides ConfigError and ConfigProblem: what is wrong with a config file, key by key.

Kept apart from the loader so commands that only need to catch the error (`status`, `stop`)
do not import YAML and pydantic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui.errors import UserInputError

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a config file."""

    key: Key
    """Key path of the setting, e.g. `("risk", "stop_loss_pct")`; empty for the whole file."""
    line: int | None
    """1-based line in the file where the key (or the problem) is, when known."""
    message: str
    """What is wrong, e.g. `must be less than 100 (got 150)`."""

    @property
    def dotted_key(self) -> str:
        """The key path joined with dots, e.g. `risk.stop_loss_pct`."""
        return ".".join(self.key)

    def format(self, file: Path | None) -> str:
        """Renders the problem as one line: `file:line: key: message`.

        Args:
            file: The config file the problem is in, or None when there is none.

        Returns:
            The line, with the parts that are not known left out.
        """
        where = "" if file is None else str(file)
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [part for part in (where, self.dotted_key, self.message) if part]
        return ": ".join(parts)


class ConfigError(UserInputError):
    """A config file that cannot be used; `str()` gives one readable line per problem."""

    def __init__(self, problems: Sequence[ConfigProblem], path: Path | None) -> None:
        """Creates the error.

        Args:
            problems: Everything found wrong; sorted by line for the message.
            path: The config file, or None.
        """
        self.problems: list[ConfigProblem] = sorted(
            problems, key=lambda p: (p.line is None, p.line or 0)
        )
        self.path = path
        super().__init__("\n".join(problem.format(path) for problem in self.problems))
