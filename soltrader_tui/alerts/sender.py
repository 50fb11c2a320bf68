"""Provides AlertSender: delivers committed alerts from a background thread, so a slow or dead
mail server never blocks or slows the engine.

apprise is synchronous, so the sends run in one daemon thread fed by a bounded queue. `submit`
never waits: when the queue is full the oldest alert is dropped, counted, and one "N alerts
dropped" message follows once there is room. A failed send is retried with doubling waits.
Every outcome is kept for the engine to take (`take_results`) and write to the ledger with its
next flush: the engine's connection is the ledger's one writer.
"""

from __future__ import annotations

import os
import platform
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from soltrader_tui.alerts.targets import Target, deliver, make_targets
from soltrader_tui.config.model import AlertsConfig
from soltrader_tui.ledger.alert_rows import AlertRow, DeliveryRow

QUEUE_LABEL = "(queue)"
"""The target label of a delivery row for an alert dropped before any target saw it."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An alert to deliver: its ledger id (None for a message that is no ledger alert)."""

    alert_id: int | None
    row: AlertRow


class AlertSender:
    """One background thread delivering alerts to every target that wants them."""

    def __init__(
        self,
        targets: Sequence[Target],
        *,
        queue_size: int = 100,
        retries: int = 3,
        backoff_s: float = 1.0,
        environ: Mapping[str, str] | None = None,
        signature: str = "",
    ) -> None:
        """`environ` is where secrets are read (the process environment by default);
        `signature` ends every message (which version on which machine sent it)."""
        self._signature = signature
        self.targets = tuple(targets)
        self._size = queue_size
        self._retries = retries
        self._backoff_s = backoff_s
        self._environ = os.environ if environ is None else environ
        self._queue: deque[Outgoing] = deque()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._closing = False
        self._busy = False
        self._dropped_unsent = 0
        self.dropped = 0
        """Alerts dropped because the queue was full, this session."""
        self._results: list[DeliveryRow] = []
        self._thread = threading.Thread(target=self._run, name="alert-sender", daemon=True)
        self._thread.start()

    def submit(self, alert_id: int | None, row: AlertRow) -> None:
        """Queues an alert whose row is committed; never blocks (drops the oldest when full)."""
        with self._cond:
            if len(self._queue) >= self._size:
                old = self._queue.popleft()
                self.dropped += 1
                self._dropped_unsent += 1
                self._results.append(
                    DeliveryRow(old.alert_id, QUEUE_LABEL, "dropped", 0, "queue full", time.time())
                )
            self._queue.append(Outgoing(alert_id, row))
            self._cond.notify()

    def take_results(self) -> list[DeliveryRow]:
        """Hands over the delivery outcomes since the last call, oldest first."""
        with self._cond:
            results, self._results = self._results, []
        return results

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being sent."""
        with self._cond:
            return not self._queue and not self._busy and not self._dropped_unsent

    def close(self, drain_s: float = 5.0) -> None:
        """Delivers what is queued for up to `drain_s` seconds, then abandons the rest."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(drain_s)
        if self._thread.is_alive():
            self._stop.set()  # cuts retry waits short; a send under way ends at its timeout
            with self._cond:
                now = time.time()
                self._results += [
                    DeliveryRow(i.alert_id, QUEUE_LABEL, "dropped", 0, "not sent by shutdown", now)
                    for i in self._queue
                ]
                self._queue.clear()
                self._cond.notify()
            self._thread.join(0.5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._dropped_unsent and not self._closing:
                    self._cond.wait()
                if self._queue:
                    item: Outgoing | None = self._queue.popleft()
                elif self._dropped_unsent:
                    item = self._dropped_notice()
                else:
                    return  # closing, and nothing left
                self._busy = True
            try:
                self._send(item)
            finally:
                with self._cond:
                    self._busy = False

    def _dropped_notice(self) -> Outgoing:
        n, self._dropped_unsent = self._dropped_unsent, 0
        text = f"{n} alert{'s' if n != 1 else ''} dropped: the queue was full (see the ledger)"
        return Outgoing(None, AlertRow(time.time(), "alerts_dropped", "warning", text, text, n))

    def _send(self, item: Outgoing | None) -> None:
        if item is None:
            return
        row = item.row
        body = f"{row.body}\n\n{self._signature}" if self._signature else row.body
        for target in self.targets:
            if not target.wants(row.severity):
                continue
            attempts, error = 0, None
            while True:
                attempts += 1
                error = deliver(target, row.title, body, row.severity, self._environ)
                if error is None or attempts > self._retries:
                    break
                if self._stop.wait(self._backoff_s * 2 ** (attempts - 1)):
                    error += "; abandoned at shutdown"
                    break
            status = "sent" if error is None else "failed"
            result = DeliveryRow(
                item.alert_id, target.label, status, attempts, error or "", time.time()
            )
            with self._cond:
                self._results.append(result)


def make_sender(config: AlertsConfig, version: str) -> AlertSender | None:
    """The sender for a config's targets, or None when it has none (alerts stay in the ledger);
    each message is signed with `version` and the machine's name."""
    if not config.targets:
        return None
    return AlertSender(
        make_targets(config.targets),
        queue_size=config.queue_size,
        retries=config.retries,
        signature=f"soltrader-tui {version} on {platform.node()}",
    )
