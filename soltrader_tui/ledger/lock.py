"""Provides EngineLock: one engine per ledger file, released by the OS when the process dies.

Two `filelock` locks (OS locks on Windows and POSIX alike, so a killed engine never leaves a
stale one): one beside the ledger's resolved path, which symlinks and relative paths share, and
one keyed by the file's identity (device and inode; on Windows the volume serial and file
index, both from `os.stat`) in a per-user lock folder, which hard links and Windows case
variations share: every name of one file meets the same lock. Who holds it is written to
owner files, because a lock file itself may be truncated by a contender.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
from filelock import FileLock, Timeout

from soltrader_tui.ledger.errors import LedgerError


class LedgerBusy(LedgerError):
    """Another engine holds the ledger."""


ACQUIRE_WAIT_S = 1.0
"""How long a start waits for the lock. `status`, `health` and `watch` take it for an instant to
see whether an engine runs; a start that met such a probe must not be refused (under `supervise`
a refused start, exit 2, is not retried). A running engine holds it for good."""


UNKNOWN_OWNER = "process unknown"


def lock_path(ledger: Path) -> Path:
    """Returns the lock file of a ledger's name (symlinks resolved)."""
    real = ledger.resolve()
    return real.with_name(real.name + ".lock")


def owner_path(ledger: Path) -> Path:
    """Returns the file that says which process holds a ledger's lock."""
    real = ledger.resolve()
    return real.with_name(real.name + ".owner")


def lock_dir() -> Path:
    """Returns the per-user folder of the identity locks (every ledger on the machine)."""
    return platformdirs.user_data_path("soltrader-tui", appauthor=False) / "locks"


def identity_lock_path(ledger: Path) -> Path | None:
    """Returns the lock of the file a ledger name points to, whatever name it is reached by;
    None when there is no file yet (a new ledger has one name only)."""
    try:
        st = ledger.stat()  # follows symlinks: the target's identity
    except FileNotFoundError:
        return None
    return lock_dir() / f"ledger-{st.st_dev:x}-{st.st_ino:x}.lock"


def _identity_owner_path(lock: Path) -> Path:
    return lock.with_suffix(".owner")


class EngineLock:
    """Held by the one engine that writes a ledger, for as long as it runs."""

    def __init__(self, ledger: Path) -> None:
        self._ledger = ledger
        self._lock = FileLock(lock_path(ledger), timeout=ACQUIRE_WAIT_S)
        self._identity: FileLock | None = None

    def acquire(self, command: str, *, create: bool = True) -> None:
        """Takes the lock or says who has it.

        Args:
            command: What this process is (written to the owner file for the next contender).
            create: Create an empty ledger file when there is none, so that the file has an
                identity to lock before anything can link to it (an empty file becomes a new
                ledger). `restore` and the quarantine pass False: they put a file in place.

        Raises:
            LedgerBusy: another process holds the lock, under this name or another.
            OSError: the lock folder or the empty ledger cannot be created.
        """
        try:
            self._lock.acquire()
        except Timeout:
            raise LedgerBusy(self._busy(describe_owner(self._ledger))) from None
        try:
            self._acquire_identity(create=create)
        except BaseException:
            self._lock.release()
            raise
        owner = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "command": command,
            }
        )
        # Only a courtesy to the next contender: a full disk must not turn it into a crash
        # (the ledger's own writes then say what is wrong).
        with contextlib.suppress(OSError):
            owner_path(self._ledger).write_text(owner, encoding="utf-8")
            if self._identity is not None:
                identity_owner = _identity_owner_path(Path(self._identity.lock_file))
                identity_owner.write_text(owner, encoding="utf-8")

    def _acquire_identity(self, *, create: bool) -> None:
        if create:
            try:
                # Exclusive create: never opens (and closes) an existing ledger, which on POSIX
                # would drop SQLite's locks on it in this process.
                with self._ledger.open("xb"):
                    pass
            except FileExistsError:
                pass
        path = identity_lock_path(self._ledger)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        identity = FileLock(path, timeout=ACQUIRE_WAIT_S)
        try:
            identity.acquire()
        except Timeout:
            raise LedgerBusy(self._busy(_read_owner(_identity_owner_path(path)))) from None
        self._identity = identity

    def _busy(self, owner: str) -> str:
        return (
            f"another engine is running on {self._ledger} ({owner}). "
            "End that session first (q in its dashboard, Ctrl+C in its terminal), or use "
            "another --db; status, watch, health, stop and checkpoint keep working beside it."
        )

    def release(self) -> None:
        """Lets the lock go (the OS does it too if the process dies)."""
        if self._identity is not None:
            _identity_owner_path(Path(self._identity.lock_file)).unlink(missing_ok=True)
            self._identity.release()
            self._identity = None
        if self._lock.is_locked:
            owner_path(self._ledger).unlink(missing_ok=True)
            self._lock.release()

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._lock.is_locked


def describe_owner(ledger: Path) -> str:
    """Says who holds a ledger's lock, as far as its owner files tell."""
    said = _read_owner(owner_path(ledger))
    identity = identity_lock_path(ledger)
    if said == UNKNOWN_OWNER and identity is not None:
        said = _read_owner(_identity_owner_path(identity))
    return said


@dataclass(frozen=True, slots=True)
class LockOwner:
    """What an owner file says about the process holding a ledger's lock."""

    pid: int
    host: str | None
    command: str | None
    since: str | None
    """When it took the lock, as written: 'YYYY-MM-DDTHH:MM:SSZ' (UTC)."""

    @property
    def since_wall(self) -> float | None:
        """When it took the lock, unix seconds; None when the file does not say."""
        if self.since is None:
            return None
        try:
            taken = datetime.strptime(self.since, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return None
        return taken.replace(tzinfo=UTC).timestamp()


def lock_owner(path: Path) -> LockOwner | None:
    """Reads an owner file; None when it is missing, unreadable or names no process id."""
    try:
        owner = json.loads(path.read_text(encoding="utf-8"))
        pid = int(owner["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None

    def text(key: str) -> str | None:
        value = owner.get(key)
        return None if value is None else str(value)

    return LockOwner(pid, text("host"), text("command"), text("since"))


def _read_owner(path: Path) -> str:
    owner = lock_owner(path)
    if owner is None or None in (owner.host, owner.command, owner.since):
        return UNKNOWN_OWNER
    return f"process {owner.pid} on {owner.host}, running `{owner.command}` since {owner.since}"


def engine_running(ledger: Path) -> bool:
    """Says whether some process holds the ledger's engine lock right now, under any name."""
    locks = [lock_path(ledger)]
    identity = identity_lock_path(ledger)
    if identity is not None and identity.exists():  # a probe leaves no lock file behind
        locks.append(identity)
    for path in locks:
        probe = FileLock(path, timeout=0)
        try:
            probe.acquire()
        except Timeout:
            return True
        probe.release()
    return False
