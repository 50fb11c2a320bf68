"""Provides DecisionLog: every engine decision as one line, to the ledger, the screen and logs."""

from __future__ import annotations

import logging
import math
from collections import deque
from datetime import UTC, datetime

from soltrader_tui.ledger.rows import EventRow
from soltrader_tui.snapshot import LogLine

LOGGER = logging.getLogger("soltrader_tui.engine")
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def plain_price(price_usd: float) -> str:
    """Formats a price with six significant digits and no exponent (memecoins cost 0.0000312)."""
    if not math.isfinite(price_usd) or price_usd <= 0:
        return str(price_usd)
    decimals = max(2, 5 - math.floor(math.log10(price_usd)))
    return f"{price_usd:,.{decimals}f}"


def market_time(ts: float) -> str:
    """Formats market time for a log line (UTC)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


class DecisionLog:
    """Buffers decision lines until the next ledger transaction and keeps the newest for screens.

    Lines are written to the ledger with the next transaction (a fill's own transaction, or
    the periodic flush), so logging never adds a commit of its own to the tick loop.
    """

    def __init__(self, keep: int, first_seq: int = 0) -> None:
        self._pending: list[EventRow] = []
        self._recent: deque[LogLine] = deque(maxlen=keep)
        self._seq = first_seq
        self._last_ts = float("-inf")

    def emit(self, ts: float, level: str, kind: str, message: str) -> None:
        """Records one line: buffered for the ledger, kept for the screen, sent to logging.

        A line is stamped with the time it is written: never earlier than the line before it,
        even when it is about something older (a signal on a price fetched a moment ago), so
        the log reads in the order things happened.
        """
        if ts < self._last_ts:
            ts = self._last_ts
        self._last_ts = ts
        self._seq += 1
        self._pending.append(EventRow(ts=ts, level=level, kind=kind, message=message))
        self._recent.append(LogLine(seq=self._seq, ts=ts, level=level, message=message))
        LOGGER.log(_LEVELS.get(level, logging.INFO), message, extra={"market_ts": ts})

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
