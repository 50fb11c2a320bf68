"""Provides Transactions: the ledger's write transactions, durable or not, and the retries of a
money-changing one.

Money-changing transactions (fills, state changes) commit with `synchronous=FULL`, so a
committed fill survives a power cut. Bookkeeping that can be rebuilt or lost without harm
(marks, scores, heartbeat, buffered log lines) commits with `synchronous=NORMAL`.

A write the storage refuses (disk full, I/O error, read-only file system) raises
`LedgerWriteFailed` after the transaction rolled back; a money-changing one is tried again a
few times first (`WRITE_ATTEMPTS`), since a fill that happened must be recorded if at all
possible.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from soltrader_tui.ledger.write_failure import LedgerWriteFailed, write_failure

WRITE_ATTEMPTS = 4
"""Tries of a money-changing write the storage refused before the engine halts on it."""
RETRY_WAIT_S = 0.25
"""Wait before the second try; it doubles for each further one (1.75 s in all)."""

T = TypeVar("T")


class Transactions:
    """Runs writes on the ledger's one write connection, one transaction each."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._synchronous = ""

    @contextmanager
    def transaction(self, *, durable: bool) -> Iterator[sqlite3.Connection]:
        """One transaction; a write the storage refuses raises `LedgerWriteFailed`.

        Raises:
            LedgerWriteFailed: disk full, I/O error or read-only; rolled back.
        """
        try:
            wanted = "FULL" if durable else "NORMAL"
            if self._synchronous != wanted:
                self._conn.execute(f"PRAGMA synchronous = {wanted}")
                self._synchronous = wanted
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except (sqlite3.Error, OSError) as exc:
            failed = write_failure(exc, self._path)
            if failed is None:
                raise
            raise failed from exc

    def _rollback(self) -> None:
        # After a failed COMMIT SQLite may have rolled back on its own already.
        if self._conn.in_transaction:
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def durably(self, write: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `write` in one durable transaction, tried again while the storage refuses it.

        Raises:
            LedgerWriteFailed: every try failed; nothing of `write` committed.
        """
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self.transaction(durable=True) as c:
                    return write(c)
            except LedgerWriteFailed:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(RETRY_WAIT_S * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")
