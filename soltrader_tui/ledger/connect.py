"""Provides safe opening of ledger files: checks before anything is written."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from soltrader_tui.ledger.errors import LedgerDamaged, LedgerError, NotALedger
from soltrader_tui.ledger.schema import SCHEMA_VERSION, tables_at

BUSY_TIMEOUT_MS = 5000


def _sqlite_header_ok(path: Path) -> bool:
    """Whether SQLite recognises the file's header, asked through SQLite itself.

    Never a plain open(): on POSIX, closing any handle on a file drops every lock the process
    holds on it, SQLite's included (sqlite.org/howtocorrupt.html, section 2.2). In the engine's
    own process another program's connection could then delete the WAL the engine writes to,
    losing every later commit. SQLite shares its handles between its connections, so a
    read-only connection is safe beside the engine's.

    Raises:
        sqlite3.Error: the file cannot be opened at all.
    """
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA user_version").fetchone()  # reads and checks the header page
    except sqlite3.DatabaseError as exc:
        # Any other error is damage behind a valid header: SQLite's, for quick_check to report.
        return exc.sqlite_errorcode != sqlite3.SQLITE_NOTADB
    finally:
        conn.close()
    return True


def check_file(path: Path) -> None:
    """Refuses a file that exists but is not an SQLite database, without touching it.

    Raises:
        NotALedger: the file is not SQLite (an empty file is fine: it becomes a new ledger).
        LedgerError: the path is a folder or the file is unreadable.
    """
    if not path.exists():
        return
    if path.is_dir():
        raise LedgerError(f"{path} is a folder, not a ledger file")
    try:
        empty = path.stat().st_size == 0
        header_ok = empty or _sqlite_header_ok(path)
    except OSError as exc:
        raise LedgerError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot read {path}: {exc}") from exc
    if not header_ok:
        raise NotALedger(
            f"{path} is not an SQLite database, so it is not a soltrader-tui ledger. "
            "It was left untouched; pass another file with --db.",
            path=path,
            why="it is not an SQLite database any more (its first bytes are not SQLite's header)",
        )


def check_folder_writable(path: Path) -> None:
    """Refuses a ledger whose folder is missing or read-only (SQLite needs -wal/-shm beside it).

    Raises:
        LedgerError: naming the folder.
    """
    folder = path.parent
    if not folder.is_dir():
        raise LedgerError(f"cannot create the ledger {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise LedgerError(
            f"cannot write the ledger {path}: the folder {folder} is not writable "
            "(SQLite keeps its -wal and -shm files beside the ledger)"
        )


def inspect_schema(conn: sqlite3.Connection, path: Path) -> int:
    """Returns the schema version of an open ledger, refusing foreign or newer files.

    Raises:
        NotALedger: an SQLite database with tables but no ledger schema version.
        LedgerError: a database made by a newer version, or one missing ledger tables.
    """
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise LedgerDamaged(f"{path} is damaged: {exc}") from exc
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{path} was written by a newer soltrader-tui (schema {version}; this version knows "
            f"up to {SCHEMA_VERSION}). Upgrade soltrader-tui or use another --db."
        )
    if version == 0 and tables:
        listed = ", ".join(sorted(tables)[:5])
        raise NotALedger(
            f"{path} is an SQLite database but not a soltrader-tui ledger "
            f"(it has tables {listed}). It was left untouched.",
            path=path,
            why=f"its header carries no ledger schema version (it has tables {listed})",
        )
    missing = tables_at(version) - tables
    if version > 0 and missing:
        raise LedgerError(f"{path} is missing ledger tables: {', '.join(sorted(missing))}")
    return version


def check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """Runs SQLite's quick_check; a ledger that fails it is never traded on.

    Raises:
        LedgerDamaged: naming the file and SQLite's first complaints.
    """
    try:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        raise LedgerDamaged(f"{path} is damaged: {exc}") from exc
    if problems != ["ok"]:
        # SQLite's complaints may span lines ("*** in database main ***" then the findings);
        # the message is one line, as every refusal is.
        found = [
            line.strip()
            for problem in problems
            for line in problem.splitlines()
            if line.strip() and not line.startswith("***")
        ]
        raise LedgerDamaged(f"{path} is damaged: it failed its integrity check: {'; '.join(found)}")


class IntegrityCheck:
    """`check_integrity` on a thread of its own, so a start does other work meanwhile.

    quick_check reads the whole file (a fifth of a second for 100,000 fills) and SQLite releases
    the GIL while it runs, so the imports and set-up of the rest of the start proceed beside it.
    It uses its own read-only connection; the caller holds the engine lock, so nothing else
    writes the file meanwhile. `Ledger.open` waits for the answer before it writes anything.
    """

    def __init__(self, path: Path) -> None:
        """Starts checking `path` (an absent or empty file passes: it becomes a new ledger)."""
        self.path = path
        self._error: LedgerError | None = None
        self._thread = threading.Thread(target=self._run, name="ledger-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            if not self.path.exists() or self.path.stat().st_size == 0:
                return
            conn = connect(self.path, readonly=True)
            try:
                if int(conn.execute("PRAGMA user_version").fetchone()[0]) > 0:
                    check_integrity(conn, self.path)
            finally:
                conn.close()
        except LedgerError as exc:
            self._error = exc
        except (sqlite3.Error, OSError) as exc:
            self._error = LedgerDamaged(f"{self.path} is damaged: {exc}")

    def wait(self) -> None:
        """Waits for the check; its connection is closed when this returns.

        Raises:
            LedgerDamaged: the ledger failed the check.
        """
        self._thread.join()
        if self._error is not None:
            raise self._error


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Opens an SQLite connection with the ledger's settings (autocommit, busy timeout).

    Read-only connections are for other processes (`status`, `watch`): they never block the
    engine's writes under WAL, and they cannot change the file.
    """
    if readonly:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def open_reader(path: Path) -> sqlite3.Connection:
    """Opens an existing ledger read-only after checking it is one.

    Raises:
        LedgerError: no such file, not SQLite, damaged, or newer schema.
    """
    if not path.exists():
        raise LedgerError(f"no ledger at {path} (start a session first, or pass --db)")
    check_file(path)
    try:
        conn = connect(path, readonly=True)
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot open {path}: {exc}") from exc
    version = inspect_schema(conn, path)
    if version == 0:
        conn.close()
        raise LedgerError(f"{path} is empty: no session has written to it yet")
    return conn


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Holds one read transaction: every read inside it sees the same committed ledger, while
    WAL lets the engine go on committing beside it."""
    conn.execute("BEGIN")
    yield conn
    conn.execute("COMMIT")


def copy_ledger(source: sqlite3.Connection, target: Path, path: Path) -> int:
    """Copies a ledger into a new single file (rollback journal, no -wal) and checks the copy.

    The copy is one read transaction (pages=-1: one step), so it is the ledger at one instant,
    taken beside an engine's commits.

    Args:
        source: A connection to the ledger.
        target: The new file.
        path: The ledger's path, for messages.

    Returns:
        The copy's schema version.

    Raises:
        LedgerError: the copy is not a ledger, is newer, or fails quick_check.
        sqlite3.Error: the copy could not be read or written.
    """
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        source.backup(copy, pages=-1)
        # One self-contained file: no -wal beside it to lose when the folder is copied.
        copy.execute("PRAGMA journal_mode = DELETE")
        version = inspect_schema(copy, path)
        check_integrity(copy, path)
        return version
    finally:
        copy.close()
