"""Provides what every command shares: exit codes, the error line, the ledger a command reads."""

from __future__ import annotations

import sys
from pathlib import Path

from soltrader_tui.errors import (
    EXIT_CRASHED,
    EXIT_LEDGER_WRITE_FAILED,
    EXIT_NEEDS_HUMAN,
    LedgerUnusable,
    OperationalError,
    SoltraderError,
    StorageFailed,
    TemporaryError,
    UserInputError,
)
from soltrader_tui.ledger.errors import NotALedger

EXIT_OK = 0
EXIT_USAGE = 2

EXIT_FOR: tuple[tuple[type[SoltraderError], int], ...] = (
    # Most specific first: a failed write is also "the ledger" to callers that catch that.
    (StorageFailed, EXIT_LEDGER_WRITE_FAILED),
    (UserInputError, EXIT_USAGE),
    (LedgerUnusable, EXIT_NEEDS_HUMAN),
    (OperationalError, EXIT_NEEDS_HUMAN),
    (TemporaryError, EXIT_CRASHED),
)
"""The exit code of each kind of error: the one place a command's exit code is decided."""


def exit_code(exc: SoltraderError) -> int:
    """The exit code for an error, by its kind (`EXIT_FOR`); a kind not listed crashed (1)."""
    for kind, code in EXIT_FOR:
        if isinstance(exc, kind):
            return code
    return EXIT_CRASHED


def fail(message: str, code: int = EXIT_USAGE) -> int:
    """Prints `soltrader-tui: message` on stderr and returns `code` (the usage exit code, 2)."""
    print(f"soltrader-tui: {message}", file=sys.stderr)
    return code


def fail_with(exc: SoltraderError, message: str | None = None) -> int:
    """Prints the error (or `message` about it) as one line and returns its kind's exit code."""
    return fail(str(exc) if message is None else message, exit_code(exc))


def ledger_error_message(exc: SoltraderError, *, given: bool) -> str:
    """The message for a ledger a read-only command cannot read.

    A file that is not a ledger named with --db is the wrong file. Named by the config, it is
    our ledger, damaged; the next start moves it aside (`ledger_damaged`), which a read-only
    command must not do.
    """
    if not isinstance(exc, NotALedger) or given:
        return str(exc)
    return (
        f"{exc.path} is damaged: {exc.why}. It is the ledger file the config names: the next "
        "start moves it aside and names the checkpoint to restore."
    )


def ledger_path(config: Path | None) -> Path:
    """The ledger the config (or the default config) names, for commands without `--db`.

    Raises:
        ConfigError: the config file is invalid.
    """
    from soltrader_tui.config.load import load_settings

    _, paths, _ = load_settings(config, None)
    return paths.ledger
