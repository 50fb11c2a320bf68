"""Provides LedgerWatcher: the dashboard's host when the engine runs in another process.

`soltrader-tui watch` shows the same dashboard as the engine's own, built from the ledger and the
config's risk limits with `status`'s reader and the engine's own snapshot builder, so what it
shows is what the ledger holds, figure for figure what the engine's dashboard shows. Its keys
still act: a stop, pause or resume is sent as a control request through the ledger, exactly as
`soltrader-tui stop` does, and the engine answers it within a tenth of a second; so is a
strategy's enable or disable, and a position's close (the engine sells it through its normal
exit, as its own dashboard's close does). With no engine running, the trading state is stored
directly, so the next start obeys it; a close is refused, as there is nothing to sell it with.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.ledger import requests
from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.ledger.requests import EngineCommand
from soltrader_tui.monitor.ledger_view import RECENT_FILLS, StatusReport, read_status
from soltrader_tui.snapshot import EngineSnapshot

if TYPE_CHECKING:
    from soltrader_tui.config.model import RiskConfig

POLL_S = 0.5
"""Shortest wall time between two reads of the ledger."""
BUSY = 2.0
"""Waits at least this many times as long as the last read took, so watching never competes
with the engine for a core (the first read of a large ledger is a full replay)."""
ANSWER_S = 0.15
"""Wall time given the engine to act on a command before the ledger is read again."""


class LedgerWatcher:
    """Reads the ledger's snapshot over and over; sends commands as control requests."""

    def __init__(
        self,
        path: Path,
        *,
        poll_s: float = POLL_S,
        risk: RiskConfig | None = None,
        recent_fills: int = RECENT_FILLS,
    ) -> None:
        """Reads the ledger once, so the dashboard opens on real figures.

        Args:
            path: The ledger.
            poll_s: Shortest wall time between two reads.
            risk: The config's risk limits: the stops, targets and limits the engine's
                dashboard shows are computed from them and the ledger, as the engine does.
            recent_fills: Fills the fills panel lists (`tui.recent_fills`).

        Raises:
            LedgerError: the ledger is missing, not a ledger, damaged or newer.
        """
        self._path = path
        self._poll_s = poll_s
        self._risk = risk
        self._recent_fills = recent_fills
        self._stop = False
        self._wake = asyncio.Event()
        self._commands: deque[tuple[EngineCommand, str | None]] = deque()
        first = read_status(path, risk=risk, recent_fills=recent_fills)
        self._snapshot = first.snapshot
        self._replayed = first.replayed
        self.on_snapshot: Callable[[EngineSnapshot], None] | None = None
        self.actor = f"watch (pid {os.getpid()})"
        self.after_read: Callable[[], None] | None = None
        """Called on a worker thread after each read (e.g. a heartbeat check); its own pace."""

    def snapshot(self) -> EngineSnapshot:
        """Returns the latest snapshot read from the ledger."""
        return self._snapshot

    async def run(self) -> None:
        """Reads the ledger until asked to stop; a read that fails is shown, then retried."""
        while not self._stop:
            problem = None
            while self._commands:
                try:
                    await asyncio.to_thread(self._send, *self._commands.popleft())
                except LedgerError as exc:
                    problem = f"the command could not be sent: {exc}"
                await asyncio.sleep(ANSWER_S)  # the engine answers within its 0.1 s poll
            started = time.monotonic()
            try:
                report = await asyncio.to_thread(self._read)
            except LedgerError as exc:
                # Shown, not raised: the file may come back (a restore) while the user watches.
                self._snapshot = replace(self._snapshot, running=False, error=str(exc))
            else:
                self._snapshot = replace(report.snapshot, error=problem)
                self._replayed = report.replayed
            if self.on_snapshot is not None:
                self.on_snapshot(self._snapshot)
            took = time.monotonic() - started
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(self._poll_s - took, took * BUSY))
            self._wake.clear()

    def _read(self) -> StatusReport:
        # Only what was committed since the last read is replayed: a large ledger stays cheap.
        report = read_status(
            self._path, since=self._replayed, risk=self._risk, recent_fills=self._recent_fills
        )
        if self.after_read is not None:
            self.after_read()
        return report

    def request_stop(self) -> None:
        """Ends `run` soon; the watched engine is not affected."""
        self._stop = True
        self._wake.set()

    def command(self, command: EngineCommand, actor: str, target: str | None = None) -> None:
        """Sends stop, pause, resume, enable/disable of the strategy `target`, or the close of
        the position in the mint `target`, to the engine through the ledger (or stores it when
        no engine runs; a close is refused then); the next read shows the outcome."""
        self._commands.append((command, target))
        self._wake.set()

    def _send(self, command: EngineCommand, target: str | None) -> None:
        requests.send_or_store(
            self._path,
            command,
            self.actor,
            f"{command} by {self.actor} while no engine ran",
            target,
        )
