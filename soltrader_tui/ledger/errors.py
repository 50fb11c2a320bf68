"""Provides the ledger's exceptions: a ledger that cannot be used, is damaged, or is not one.

Apart from the modules that raise them, so the schema's migrations can raise them without
importing the module that opens files (which imports the schema).
"""

from __future__ import annotations

from pathlib import Path

from soltrader_tui.errors import LedgerUnusable


class LedgerError(LedgerUnusable):
    """The ledger cannot be used as asked; the message says which file and why."""


class LedgerDamaged(LedgerError):
    """The file is an SQLite ledger, but damaged: it must not be traded on."""


class NotALedger(LedgerError):
    """The file is not a soltrader-tui ledger: not SQLite, or another program's database.

    Whether that means "the wrong file" (a `--db` mistake: leave it be) or "our ledger, damaged
    beyond recognition" (the file at the configured place) depends on who chose the path, which
    only the caller knows; `why` lets it say the latter in its own words.
    """

    def __init__(self, message: str, *, path: Path, why: str) -> None:
        """Creates the error.

        Args:
            message: The whole message for a file that is simply the wrong one.
            path: The file refused.
            why: What is wrong with it, e.g. "it is not an SQLite database".
        """
        super().__init__(message)
        self.path = path
        self.why = why
