"""Provides safe opening of ledger files: checks before anything is written."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from soltrader_tui.ledger.schema import SCHEMA_VERSION, tables_at

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000


class LedgerError(Exception):
    """The ledger cannot be used as asked; the message says which file and why."""


class LedgerDamaged(LedgerError):
    """The file is an SQLite ledger, but damaged: it must not be traded on."""


def _sqlite_header_ok(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def check_file(path: Path) -> None:
    """Refuses a file that exists but is not an SQLite database, without touching it.

    Raises:
        LedgerError: the file is unreadable or is not SQLite.
    """
    if not path.exists():
        return
    if path.is_dir():
        raise LedgerError(f"{path} is a folder, not a ledger file")
    try:
        empty = path.stat().st_size == 0
        if not empty and not _sqlite_header_ok(path):
            raise LedgerError(
                f"{path} is not an SQLite database, so it is not a soltrader-tui ledger. "
                "It was left untouched; pass another file with --db."
            )
    except OSError as exc:
        raise LedgerError(f"cannot read {path}: {exc.strerror or exc}") from exc


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
        LedgerError: a database made by a newer version, or one that is not a ledger.
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
        raise LedgerError(
            f"{path} is an SQLite database but not a soltrader-tui ledger "
            f"(it has tables {', '.join(sorted(tables)[:5])}). It was left untouched."
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
        raise LedgerDamaged(f"{path} failed its integrity check: {'; '.join(problems)}")


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
