"""Provides EngineLock: one engine per ledger, released by the OS when the process dies.

The lock is a `filelock` lock file beside the ledger (an OS lock on Windows and POSIX alike,
so a killed engine never leaves a stale lock). Who holds it is written to a separate owner
file, because the lock file itself may be truncated by a contender.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from filelock import FileLock, Timeout

from soltrader_tui.ledger.connect import LedgerError


class LedgerBusy(LedgerError):
    """Another engine holds the ledger."""


ACQUIRE_WAIT_S = 1.0
"""How long a start waits for the lock. `status`, `health` and `watch` take it for an instant to
see whether an engine runs; a start that met such a probe must not be refused (under `supervise`
a refused start, exit 2, is not retried). A running engine holds it for good."""


def lock_path(ledger: Path) -> Path:
    """Returns the lock file of a ledger."""
    return ledger.with_name(ledger.name + ".lock")


def owner_path(ledger: Path) -> Path:
    """Returns the file that says which process holds a ledger's lock."""
    return ledger.with_name(ledger.name + ".owner")


class EngineLock:
    """Held by the one engine that writes a ledger, for as long as it runs."""

    def __init__(self, ledger: Path) -> None:
        self._ledger = ledger
        self._lock = FileLock(lock_path(ledger), timeout=ACQUIRE_WAIT_S)

    def acquire(self, command: str) -> None:
        """Takes the lock or says who has it.

        Args:
            command: What this process is (written to the owner file for the next contender).

        Raises:
            LedgerBusy: another process holds the lock.
        """
        try:
            self._lock.acquire()
        except Timeout:
            raise LedgerBusy(
                f"another engine is running on {self._ledger} ({describe_owner(self._ledger)}). "
                "End that session first (q in its dashboard, Ctrl+C in its terminal), or use "
                "another --db; status, watch, health, stop and checkpoint keep working beside it."
            ) from None
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": command,
        }
        owner_path(self._ledger).write_text(json.dumps(owner), encoding="utf-8")

    def release(self) -> None:
        """Lets the lock go (the OS does it too if the process dies)."""
        if self._lock.is_locked:
            owner_path(self._ledger).unlink(missing_ok=True)
            self._lock.release()

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._lock.is_locked


def describe_owner(ledger: Path) -> str:
    """Says who holds a ledger's lock, as far as its owner file tells."""
    try:
        owner = json.loads(owner_path(ledger).read_text(encoding="utf-8"))
        return (
            f"process {owner['pid']} on {owner['host']}, running `{owner['command']}` "
            f"since {owner['since']}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "process unknown"


def engine_running(ledger: Path) -> bool:
    """Says whether some process holds the ledger's engine lock right now."""
    probe = FileLock(lock_path(ledger), timeout=0)
    try:
        probe.acquire()
    except Timeout:
        return True
    probe.release()
    return False
