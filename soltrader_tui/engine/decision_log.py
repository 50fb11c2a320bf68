"""Provides DecisionLog: every engine decision as one line, to the ledger, the screen and logs."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence

from soltrader_tui.engine.events import EngineEvent
from soltrader_tui.ledger.log import LOGGER
from soltrader_tui.ledger.rows import EventRow
from soltrader_tui.snapshot import LogLine

_UNPUBLISHED_KEPT = 256
"""Prepared lines remembered for the observer until they are published."""
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class DecisionLog:
    """Buffers decision lines until the next ledger transaction and keeps the newest for screens.

    Each line is an engine event (events.py) rendered once, here, to the row the ledger
    stores, the screen shows and the log file writes.

    Lines are written to the ledger with the next transaction (a fill's own transaction, or
    the periodic flush), so logging never adds a commit of its own to the tick loop.
    """

    def __init__(self, keep: int, first_seq: int = 0) -> None:
        self._pending: list[EventRow] = []
        self._recent: deque[LogLine] = deque(maxlen=keep)
        self._seq = first_seq
        self._last_ts = float("-inf")
        self.observer: Callable[[EngineEvent], None] | None = None
        """Sees each event once its line is published (the alert desk)."""
        self._unpublished: list[tuple[EventRow, EngineEvent]] = []
        """Prepared rows not yet published, with their events: an observer hears of an event
        only once its line is true (committed, for a line that says something is done)."""

    def record(self, event: EngineEvent) -> None:
        """Records an event that claims nothing done (a signal, a denial, a stale price):
        buffered for the ledger and shown at once. An event that says something is done is
        made a row with `prepare`, written in its own transaction and shown with `publish`
        after the commit.
        """
        row = self.prepare(event)
        self._pending.append(row)
        self.publish((row,))

    def prepare(self, event: EngineEvent) -> EventRow:
        """Renders an event to its ledger row, stamped no earlier than the row before.

        Some events are about a price's own time (a stale price's last tick, an entry at its
        tick's time), but they are decided in order, and the ledger refuses a line stamped
        before the previous one (market time never goes backwards).
        """
        ts = self._last_ts = max(event.ts, self._last_ts)
        row = EventRow(
            ts=ts, level=event.level, kind=event.kind, message=event.message, rule=event.rule
        )
        if self.observer is not None:
            if len(self._unpublished) >= _UNPUBLISHED_KEPT:
                del self._unpublished[0]  # a line whose commit failed is never published
            self._unpublished.append((row, event))
        return row

    def publish(self, rows: Sequence[EventRow]) -> None:
        """Shows lines on screen and in the logs. For a line that says something is done (a
        fill, a session's totals), call it only once the transaction carrying the line has
        committed: until then it is not done."""
        for row in rows:
            self._seq += 1
            self._recent.append(
                LogLine(seq=self._seq, ts=row.ts, level=row.level, message=row.message)
            )
            LOGGER.log(
                _LEVELS.get(row.level, logging.INFO), row.message, extra={"market_ts": row.ts}
            )
            self._observe(row)

    def _observe(self, row: EventRow) -> None:
        observer, waiting = self.observer, self._unpublished
        if observer is None or not waiting:
            return
        for i, (prepared, event) in enumerate(waiting):
            if prepared is row:
                del waiting[i]
                observer(event)
                return

    def take_pending(self) -> list[EventRow]:
        """Hands over the lines not yet written to the ledger."""
        pending, self._pending = self._pending, []
        return pending

    def restore_pending(self, rows: list[EventRow]) -> None:
        """Puts lines back after a transaction that was meant to carry them failed."""
        self._pending[:0] = rows

    def recent(self) -> tuple[LogLine, ...]:
        """Returns the newest lines, oldest first."""
        return tuple(self._recent)
