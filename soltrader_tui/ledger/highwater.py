"""Provides the high-water mark: what the engine knows it committed, kept beside the ledger.

SQLite keeps the newest commits in the `-wal` file. Delete it after a kill (a sync tool, a copy
of only the `.sqlite`, a tidy-up) and the ledger silently rolls back: fills that were printed,
committed and fsync'd vanish, and every check of the remaining file still passes. So the lock
owner writes, after each durable commit of a fill or an order, a small sidecar
(`<ledger>.committed`) with how many fills and orders the ledger held; a start that finds the
ledger holding fewer refuses (exit 2), naming how many fills are missing, until a checkpoint is
restored or the loss is accepted (`run --accept-lost-fills`, recorded in the ledger).

The sidecar is written after the commit (temp file, then an atomic replace), so it can fall behind
the ledger (a kill between the two) but never run ahead of it. It names the ledger it belongs to
by the `ledger_id` in `meta`, so a new ledger at the same path starts a new mark.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.ledger.rows import EventRow

SUFFIX = ".committed"


@dataclass(frozen=True, slots=True)
class HighWater:
    """How much a ledger held at a point in time."""

    ledger_id: str
    fills: int
    last_fill_id: int
    orders: int


class LedgerBehind(LedgerError):
    """The ledger holds fewer fills than it was seen to commit."""

    def __init__(self, message: str, *, missing: int) -> None:
        super().__init__(message)
        self.missing = missing


def sidecar_path(ledger: Path) -> Path:
    """Returns the file holding a ledger's high-water mark."""
    return ledger.with_name(ledger.name + SUFFIX)


def read_committed(conn: sqlite3.Connection) -> HighWater:
    """Returns what the ledger holds now (its id, fills, newest fill id, orders)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()
    fills, last = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM fills").fetchone()
    orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    return HighWater("" if row is None else str(row[0]), int(fills), int(last), int(orders))


def read_mark(ledger: Path) -> HighWater | None:
    """Returns the high-water mark beside a ledger; None when there is none or it is unreadable
    (a mark that cannot be read proves nothing, so it never refuses a start)."""
    try:
        data = json.loads(sidecar_path(ledger).read_text(encoding="utf-8"))
        return HighWater(
            str(data["ledger_id"]),
            int(data["fills"]),
            int(data["last_fill_id"]),
            int(data["orders"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_mark(ledger: Path, mark: HighWater) -> None:
    """Replaces the high-water mark atomically. A failure is ignored: a mark left behind is
    safe (it only detects less), and the ledger's own writes report a failing disk."""
    target = sidecar_path(ledger)
    staged = target.with_name(target.name + ".tmp")
    with contextlib.suppress(OSError):
        staged.write_text(json.dumps(asdict(mark)), encoding="utf-8")
        staged.replace(target)


def forget_mark(ledger: Path) -> None:
    """Removes a ledger's mark: a restored checkpoint is behind it on purpose."""
    sidecar_path(ledger).unlink(missing_ok=True)


def missing_fills(mark: HighWater | None, now: HighWater) -> int:
    """How many committed fills the ledger lost since `mark` (0 when none or not its mark)."""
    if mark is None or mark.ledger_id != now.ledger_id or not now.ledger_id:
        return 0
    return max(0, mark.fills - now.fills, mark.last_fill_id - now.last_fill_id)


def behind_message(ledger: Path, mark: HighWater, now: HighWater, missing: int) -> str:
    """The refusal, naming the count and both ways forward."""
    return (
        f"the ledger {ledger} is behind what it committed: it holds {now.fills} fills (through "
        f"fill {now.last_fill_id}), but {mark.fills} had committed (through fill "
        f"{mark.last_fill_id}): {missing} committed fill{'s are' if missing != 1 else ' is'} "
        "missing, most likely because its -wal file was deleted or an older copy of the file "
        "was put in place. No engine was started. Either restore a checkpoint that holds them "
        f"(`soltrader-tui checkpoints --db {ledger}` lists them; `soltrader-tui restore NAME "
        f"--db {ledger}`), or accept the loss and continue from what the ledger holds: "
        f"`soltrader-tui run --accept-lost-fills --db {ledger}` (the acceptance is recorded in "
        "the ledger)."
    )


class HighWaterKeeper:
    """The lock owner's side: checks the mark at start, then moves it after each commit."""

    def __init__(self, ledger: Path) -> None:
        self._ledger = ledger
        self._mark: HighWater | None = None
        """What this process committed, once `arm` was called (None: not keeping a mark)."""

    def check(self, now: HighWater, *, accept_loss: bool, ts: float) -> tuple[int, EventRow | None]:
        """Compares what the ledger holds with the mark beside it.

        Returns:
            How many committed fills are missing, and the line recording their acceptance
            (None when nothing is missing) for the caller to commit.

        Raises:
            LedgerBehind: fills are missing and `accept_loss` is False.
        """
        mark = read_mark(self._ledger)
        missing = missing_fills(mark, now)
        if not missing or mark is None:
            return 0, None
        if not accept_loss:
            raise LedgerBehind(behind_message(self._ledger, mark, now, missing), missing=missing)
        return missing, EventRow(
            ts,
            "warning",
            "lost_fills_accepted",
            f"LOST FILLS ACCEPTED: {missing} committed fills (after fill {now.last_fill_id}, "
            f"through fill {mark.last_fill_id}) were missing from the ledger at this start; the "
            "operator accepted the loss (run --accept-lost-fills) and trading continues from "
            "what the ledger holds",
        )

    def arm(self, now: HighWater) -> None:
        """Starts keeping the mark, from what the ledger holds now."""
        self._mark = now
        write_mark(self._ledger, now)

    def committed(self, *, fills: int, last_fill_id: int | None) -> None:
        """Moves the mark after a durable commit of an order (and its fill): never before."""
        mark = self._mark
        if mark is None:
            return
        self._mark = HighWater(
            mark.ledger_id,
            mark.fills + fills,
            mark.last_fill_id if last_fill_id is None else last_fill_id,
            mark.orders + 1,
        )
        write_mark(self._ledger, self._mark)
