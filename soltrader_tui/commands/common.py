"""Provides what every command shares: exit codes, the error line, the ledger a command reads."""

from __future__ import annotations

import sys
from pathlib import Path

from soltrader_tui.exit_codes import EXIT_LEDGER_WRITE_FAILED
from soltrader_tui.ledger.errors import LedgerError, NotALedger
from soltrader_tui.ledger.write_failure import LedgerWriteFailed

EXIT_OK = 0
EXIT_USAGE = 2


def fail(message: str) -> int:
    """Prints `soltrader-tui: message` on stderr and returns the usage exit code (2)."""
    print(f"soltrader-tui: {message}", file=sys.stderr)
    return EXIT_USAGE


def ledger_error_message(exc: LedgerError, *, given: bool) -> str:
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


def write_failed(exc: LedgerWriteFailed) -> int:
    """Prints why the ledger could not be written, as one line, and returns exit code 3."""
    print(f"soltrader-tui: {exc}", file=sys.stderr)
    return EXIT_LEDGER_WRITE_FAILED


def ledger_path(config: Path | None) -> Path:
    """The ledger the config (or the default config) names, for commands without `--db`.

    Raises:
        ConfigError: the config file is invalid.
    """
    from soltrader_tui.config.load import load_settings

    _, paths, _ = load_settings(config, None)
    return paths.ledger
