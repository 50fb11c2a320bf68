"""Provides LedgerWatcher: the dashboard's host when the engine runs in another process.

`soltrader-tui watch` shows the same dashboard as the engine's own, built from the ledger and the
config's risk limits with `status`'s reader and the engine's own snapshot builder, so what it
shows is what the ledger holds, figure for figure what the engine's dashboard shows. Its keys
still act: a stop, pause or resume is sent as a control request through the ledger, exactly as
`soltrader-tui stop` does, and the engine answers it within a tenth of a second; so is a
strategy's enable or disable, and a position's close (the engine sells it through its normal
exit, as its own dashboard's close does). With no engine running, the trading state is stored
directly, so the next start obeys it; a close is refused, as there is nothing to sell it with.

A command that is refused, cannot be written, or that the engine leaves unanswered is told to
`on_refused` with its reason, for the dashboard to show long enough to read; the snapshot stays
the ledger's (the engine did not fail because a command was refused).
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
ANSWER_WAIT_S = 5.0
"""Wall time after which a command the engine has not answered is reported (its 0.1 s poll
answers at once when it runs; a hung or stopping engine does not)."""


class LedgerWatcher:
    """Reads the ledger's snapshot over and over; sends commands as control requests."""

    def __init__(
        self,
        path: Path,
        *,
        poll_s: float = POLL_S,
        risk: RiskConfig | None = None,
        recent_fills: int = RECENT_FILLS,
        answer_wait_s: float = ANSWER_WAIT_S,
    ) -> None:
        """Reads the ledger once, so the dashboard opens on real figures.

        Args:
            path: The ledger.
            poll_s: Shortest wall time between two reads.
            risk: The config's risk limits: the stops, targets and limits the engine's
                dashboard shows are computed from them and the ledger, as the engine does.
            recent_fills: Fills the fills panel lists (`tui.recent_fills`).
            answer_wait_s: Wall seconds after which an unanswered command is reported.

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
        self._answer_wait_s = answer_wait_s
        self._unanswered: dict[int, tuple[EngineCommand, float]] = {}
        """Requests sent to the engine and not answered yet: id -> (command, when sent)."""
        first = read_status(path, risk=risk, recent_fills=recent_fills)
        self._snapshot = first.snapshot
        self._replayed = first.replayed
        self.on_snapshot: Callable[[EngineSnapshot], None] | None = None
        self.actor = f"watch (pid {os.getpid()})"
        self.after_read: Callable[[], None] | None = None
        """Called on a worker thread after each read (e.g. a heartbeat check); its own pace."""
        self.on_refused: Callable[[str, str], None] | None = None
        """Called in `run` (the dashboard's event loop) with a title and the reason, when a
        command is refused, cannot be written, or is left unanswered by the engine."""

    def snapshot(self) -> EngineSnapshot:
        """Returns the latest snapshot read from the ledger."""
        return self._snapshot

    async def run(self) -> None:
        """Reads the ledger until asked to stop; a read that fails is shown, then retried."""
        while not self._stop:
            while self._commands:
                await self._send_next()
                await asyncio.sleep(ANSWER_S)  # the engine answers within its 0.1 s poll
            started = time.monotonic()
            try:
                report = await asyncio.to_thread(self._read)
            except LedgerError as exc:
                # Shown, not raised: the file may come back (a restore) while the user watches.
                self._snapshot = replace(self._snapshot, running=False, error=str(exc))
            else:
                self._snapshot = report.snapshot
                self._replayed = report.replayed
                await self._check_answers()
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
        no engine runs; a close is refused then); the next read shows the outcome, and
        `on_refused` hears of a refusal or of no answer."""
        self._commands.append((command, target))
        self._wake.set()

    async def _send_next(self) -> None:
        command, target = self._commands.popleft()
        try:
            request = await asyncio.to_thread(self._send, command, target)
        except LedgerError as exc:
            # Not the engine's failure: the snapshot stays the ledger's, the reason goes to
            # the operator.
            self._refused(f"{command.capitalize()} not done", str(exc))
            return
        if request is not None:
            self._unanswered[request] = (command, time.monotonic())

    async def _check_answers(self) -> None:
        """Forgets the requests the engine answered; reports those it left too long."""
        now = time.monotonic()
        for request, (command, sent) in list(self._unanswered.items()):
            try:
                answer = await asyncio.to_thread(requests.result, self._path, request)
            except LedgerError:
                answer = None
            if answer is not None:
                del self._unanswered[request]
            elif now - sent >= self._answer_wait_s:
                del self._unanswered[request]
                self._refused(
                    f"{command.capitalize()}: no answer",
                    f"The engine has not answered the {command} in {self._answer_wait_s:g} s "
                    f"(request {request}); it acts on it if it comes back. Is it hung? "
                    "soltrader-tui health says.",
                )

    def _refused(self, title: str, reason: str) -> None:
        if self.on_refused is not None:
            self.on_refused(title, reason)

    def _send(self, command: EngineCommand, target: str | None) -> int | None:
        return requests.send_or_store(
            self._path,
            command,
            self.actor,
            f"{command} by {self.actor} while no engine ran",
            target,
        )
