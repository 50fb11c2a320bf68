"""Provides LedgerWriteFailed: a write the ledger's storage refused, said plainly.

A full disk, an I/O error or a read-only file system is not damage and not a bug: the ledger
holds everything that committed, and the engine continues where it stopped once the disk is
fixed. So such a failure halts the engine with its own exit code and one message, never a
traceback, and never takes the damaged-ledger path (which moves the file aside).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from soltrader_tui.errors import StorageFailed
from soltrader_tui.ledger.errors import LedgerError

_FULL = {sqlite3.SQLITE_FULL}
_READ_ONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM}
_IO = {sqlite3.SQLITE_IOERR}
_ERRNO_FULL = {errno.ENOSPC, errno.EDQUOT}
_ERRNO_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}

RESTART_ADVICE = "the engine continues where it stopped"


class LedgerWriteFailed(StorageFailed, LedgerError):
    """The ledger's storage refused a write; what had committed is intact."""

    def __init__(self, message: str, *, path: Path, disk_full: bool) -> None:
        """Creates the error.

        Args:
            message: The one line the operator reads.
            path: The ledger file.
            disk_full: Whether the cause is a lack of space (`supervise` then waits for space).
        """
        super().__init__(message)
        self.path = path
        self.disk_full = disk_full


def free_bytes(path: Path) -> int | None:
    """Returns the free space on the file system holding `path`'s folder (None if unknown)."""
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return None


def _size(n: int | None) -> str:
    if n is None:
        return "an unknown amount"
    if n < 1024 * 1024:
        return f"{n:,} bytes"
    return f"{n / (1024 * 1024):,.1f} MB"


def disk_full(path: Path, *, margin_mb: float | None = None) -> LedgerWriteFailed:
    """The failure for a full disk (or, with `margin_mb`, one below the start margin)."""
    free = free_bytes(path)
    margin = (
        "" if margin_mb is None else f" (a start needs storage.min_free_mb = {margin_mb:g} MB free)"
    )
    return LedgerWriteFailed(
        f"the ledger's disk is full: {_size(free)} free on {path.parent}{margin}; free space "
        f"and restart, {RESTART_ADVICE} (ledger {path})",
        path=path,
        disk_full=True,
    )


def write_failure(exc: BaseException, path: Path) -> LedgerWriteFailed | None:
    """Classifies an error met while writing the ledger.

    Returns:
        The failure to halt with, when the storage refused the write (disk full, I/O error,
        read-only file system); None for any other error (a bug, damage), left to its caller.
    """
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            return None
        primary = code & 0xFF  # extended codes (SQLITE_IOERR_WRITE, ...) carry it low
        if primary in _FULL:
            return disk_full(path)
        if primary in _READ_ONLY:
            return _read_only(path, str(exc))
        if primary in _IO:
            # An I/O error on a full disk is the disk being full (SQLite reports some that way).
            free = free_bytes(path)
            if free is not None and free < 64 * 1024:
                return disk_full(path)
            return _io_error(path, str(exc))
        return None
    if isinstance(exc, OSError):
        if exc.errno in _ERRNO_FULL:
            return disk_full(path)
        if exc.errno in _ERRNO_READ_ONLY:
            return _read_only(path, exc.strerror or str(exc))
        return _io_error(path, exc.strerror or str(exc))
    return None


def _read_only(path: Path, detail: str) -> LedgerWriteFailed:
    return LedgerWriteFailed(
        f"the ledger {path} cannot be written: its file or file system is read-only ({detail}); "
        f"make it writable and restart, {RESTART_ADVICE}",
        path=path,
        disk_full=False,
    )


def _io_error(path: Path, detail: str) -> LedgerWriteFailed:
    return LedgerWriteFailed(
        f"the ledger {path} could not be written: the disk reported an I/O error ({detail}); "
        f"check the disk and restart, {RESTART_ADVICE}",
        path=path,
        disk_full=False,
    )


def check_free_space(path: Path, min_free_mb: float) -> None:
    """Refuses a start on a disk with less free space than the configured margin.

    Raises:
        LedgerWriteFailed: less than `min_free_mb` MB free beside the ledger.
    """
    if min_free_mb <= 0:
        return
    free = free_bytes(path)
    if free is not None and free < min_free_mb * 1024 * 1024:
        raise disk_full(path, margin_mb=min_free_mb)
