"""Provides the ledger's guard that market time never goes backwards in fills, equity, events.

Every figure that reads time from the ledger (the equity curve, the daily-loss window, the
loss cool-down, the journal) assumes its rows are in time order. A session whose clock started
behind the ledger's last market time would write the past; the guard refuses such a write
inside the transaction that would have committed it, so nothing of it lands.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.ledger.reads import read_market_times
from soltrader_tui.ledger.rows import iso


class MarketTimeWentBack(LedgerError):
    """A write was stamped before the newest row of its table: the ledger refused it."""

    def __init__(self, table: str, new_ts: str, last_ts: str) -> None:
        """Creates the error.

        Args:
            table: The table the write was for ('fills', 'equity' or 'events').
            new_ts: The refused row's time stamp, ISO-8601 UTC.
            last_ts: The newest time stamp already in the table, ISO-8601 UTC.
        """
        super().__init__(
            f"market time went backwards: a row for {table} stamped {new_ts} comes after one "
            f"stamped {last_ts}; the ledger refused it (nothing of this write was committed)"
        )
        self.table = table
        self.new_ts = new_ts
        self.last_ts = last_ts


def check_in_order(
    conn: sqlite3.Connection,
    *,
    fills: Iterable[float] = (),
    equity: Iterable[float] = (),
    events: Iterable[float] = (),
) -> None:
    """Refuses rows stamped before the newest of their table or before the row before them.

    Call it inside the write's transaction, before the inserts, with the rows in write order.
    Equal time stamps are in order (several fills and lines share one tick). Events are
    compared as stored, to the millisecond.

    Raises:
        MarketTimeWentBack: a row is older than the one it would follow.
    """
    fill_ts, equity_ts, stamps = list(fills), list(equity), [iso(t) for t in events]
    if not (fill_ts or equity_ts or stamps):
        return
    last = read_market_times(conn)
    _in_order("fills", fill_ts, last.fills)
    _in_order("equity", equity_ts, last.equity)
    previous = last.events
    for stamp in stamps:
        if previous is not None and stamp < previous:
            raise MarketTimeWentBack("events", stamp, previous)
        previous = stamp


def _in_order(table: str, stamps: list[float], last: float | None) -> None:
    for ts in stamps:
        if last is not None and ts < last:
            raise MarketTimeWentBack(table, iso(ts), iso(last))
        last = ts


class LedgerAhead(LedgerError):
    """A session's clock would start before the ledger's last market time: it is not started.

    An accelerated session continues from the ledger's time instead; this is for the clocks that
    cannot: the wall clock (its market time is real time) and a replay (its time is the data's).
    """

    def __init__(self, path: Path, last_ts: float, start_ts: float, *, replay: bool) -> None:
        """Creates the error.

        Args:
            path: The ledger.
            last_ts: The ledger's last market time (fills, equity points, log lines).
            start_ts: Where the session's clock would start.
            replay: Whether the session replays recorded data (else it runs on the wall clock).
        """
        ahead = _duration(last_ts - start_ts)
        if replay:
            why = (
                f"the recorded data starts at {iso(start_ts)}, {ahead} before it: a replay into "
                "this ledger would write the past. Replay into a new ledger with --db NEW.sqlite"
            )
        else:
            why = (
                f"{ahead} ahead of the wall clock (an accelerated session ran ahead of real time): "
                "a wall-clock session would write the past. Continue this ledger with --speed 60 "
                "or --speed max (their clock starts at the ledger's time), start another ledger "
                f"with --db NEW.sqlite, or run on the wall clock after {iso(last_ts)}"
            )
        super().__init__(f"{path}: the ledger's last market time is {iso(last_ts)}, {why}.")
        self.last_ts = last_ts
        self.start_ts = start_ts


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"
