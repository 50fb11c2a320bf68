"""Provides the package's exceptions sorted by what the operator must do about them.

Every exception the package raises on purpose derives from one of four kinds, so a command
catches a kind, not a list of names, and `commands.common` maps each kind to its exit code:

- `UserInputError`: a config key, a flag or a file given is wrong. Fix it and retry (exit 2).
- `LedgerUnusable`: the ledger is damaged, newer than this version, busy or behind what it
  committed. Recover it (a checkpoint, the other session) before trading on it (exit 2).
- `TemporaryError`: a network or provider call failed. The engine skips the poll and retries.
- `OperationalError`: something only a human can sort out; the engine halts (exit 2).
  `StorageFailed` is the one whose fix is known: free space or fix the disk, restart (exit 3).

Each carries a short `title` (what kind of trouble, for a dialog's heading) and its message
(`str(exc)`, the one line the operator reads, naming what was wrong and where). The exit codes
scripts and `supervise` rely on are here too, beside the kinds that lead to them.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
"""Stopped on purpose."""
EXIT_CRASHED = 1
"""Crashed: a restart may help (`supervise` restarts it)."""
EXIT_NEEDS_HUMAN = 2
"""Bad input a restart cannot fix: a config, a damaged or foreign ledger, a second engine, a
ledger behind its committed fills."""
EXIT_LEDGER_WRITE_FAILED = 3
"""The ledger could not be written (disk full, I/O error, read-only file system): nothing that
had committed was lost; free space (or fix the disk) and restart, and the engine continues
where it stopped."""
EXIT_INTERRUPTED = 130
"""Left at once by a second Ctrl+C (128 + SIGINT, as shells report it)."""


class SoltraderError(Exception):
    """Something the package refuses to do, with a title and a one-line message."""

    title: ClassVar[str] = "Error"
    """What kind of trouble, for a heading; the message says the rest."""

    @property
    def message(self) -> str:
        """The one line the operator reads (the same as `str(exc)`)."""
        return str(self)


class UserInputError(SoltraderError):
    """A config key, a command-line flag or a given file is wrong: fix it and retry."""

    title = "Invalid input"


class LedgerUnusable(SoltraderError):
    """The ledger cannot be used as it is (damaged, newer, busy, behind): recover it first."""

    title = "Ledger unusable"


class TemporaryError(SoltraderError):
    """A network or provider call failed; the engine retries at its next poll."""

    title = "Temporarily unavailable"


class OperationalError(SoltraderError):
    """Something only a human can sort out; the engine halts rather than guess."""

    title = "Needs attention"


class StorageFailed(OperationalError):
    """The ledger's disk refused a write (full, I/O error, read-only): free space, restart."""

    title = "The ledger could not be written"
