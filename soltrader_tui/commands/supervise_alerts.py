"""Provides SupervisorAlerts: what `supervise` sees of the engine (a crash, a restart, giving
up), delivered straight to the alert targets.

`supervise` is not the engine and does not write the ledger (an engine may own it at any
moment), so these alerts are delivered without a ledger row; the supervisor's log keeps them,
and each failed delivery is a warning in it. Repeats fold within `alerts.cooldown_s` like the
engine's, so a crash loop is two messages, not one per restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.alerts.fold import AlertDraft, Cooldown, Severity
from soltrader_tui.alerts.sender import AlertSender, make_sender
from soltrader_tui.config.model import AlertsConfig
from soltrader_tui.format import duration
from soltrader_tui.ledger.connect import open_reader
from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.ledger.reads import read_heartbeat

DRAIN_S = 10.0
"""Seconds the supervisor, leaving, gives the sender to deliver what is queued."""


class SupervisorAlerts:
    """The supervisor's sender, its cooldown, and where failed deliveries are logged."""

    def __init__(self, sender: AlertSender, cooldown_s: float, warn: Callable[[str], None]):
        self._sender = sender
        self._cooldown = Cooldown(cooldown_s)
        self._warn = warn

    @classmethod
    def start(cls, config: AlertsConfig, warn: Callable[[str], None]) -> SupervisorAlerts | None:
        """The supervisor's alerts for a config; None when it has no target."""
        sender = make_sender(config, __version__)
        return None if sender is None else cls(sender, config.cooldown_s, warn)

    def alert(self, severity: str, title: str, body: str) -> None:
        """Queues an alert (never waits); earlier results are logged on the way."""
        level: Severity = "critical" if severity == "critical" else "warning"
        now = time.time()
        draft = AlertDraft("supervisor", f"supervisor:{title.split(' (')[0]}", level, title, body)
        for row in [*self._cooldown.offer(draft, now), *self._cooldown.due(now)]:
            self._sender.submit(None, row)
        self._log_failures()

    def close(self) -> None:
        """Sends the folded repeats still held, delivers what is queued, logs what failed."""
        for row in self._cooldown.flush(time.time()):
            self._sender.submit(None, row)
        self._sender.close(DRAIN_S)
        self._log_failures()

    def _log_failures(self) -> None:
        for row in self._sender.take_results():
            if row.status != "sent":
                self._warn(
                    f"supervisor: alert not delivered to {row.target} after {row.attempts} "
                    f"attempts: {row.error}"
                )


class HeartbeatWatch:
    """Alerts once when the running engine's heartbeat is older than its limit (a hung engine:
    alive, writing nothing), and once more when it beats again."""

    def __init__(
        self,
        ledger: Path,
        limit_s: float,
        alert: Callable[[str, str, str], None],
        who: str = "supervisor",
    ):
        """`who` names the watcher in the message: `supervisor`, `watch`."""
        self._ledger = ledger
        self._limit_s = limit_s
        self._alert = alert
        self._who = who
        self._missed = False

    def __call__(self, pid: int | None = None) -> None:
        """Looks at the heartbeat of the engine `pid` (a heartbeat of another process, or none
        yet, says nothing about it); None: of whichever engine says it runs."""
        try:
            conn = open_reader(self._ledger)
        except LedgerError:
            return
        try:
            beat = read_heartbeat(conn)
        finally:
            conn.close()
        if beat is None or (pid is not None and beat.pid != pid) or not beat.running:
            return
        pid = beat.pid
        age = time.time() - beat.wall_ts
        if age > self._limit_s and not self._missed:
            self._missed = True
            self._alert(
                "critical",
                "Heartbeat missed: the engine is hung",
                f"{self._who}: the engine (pid {pid}) wrote no heartbeat for {duration(age)} "
                f"(limit {duration(self._limit_s)}, alerts.heartbeat_missed_s); it is running "
                "but not trading",
            )
        elif age <= self._limit_s and self._missed:
            self._missed = False
            self._alert(
                "warning",
                "Heartbeat back",
                f"{self._who}: the engine (pid {pid}) writes its heartbeat again",
            )
