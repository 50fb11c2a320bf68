"""Provides AlertDesk: the engine's alerts, from its events to the ledger to the sender.

Every event the decision log publishes passes through `observe`; the rules (`alert_rules`) say
which are alerts, the cooldown folds repeats. The bookkeeping flush takes the alerts ready
(`take`) and commits them with its other rows; only then are they handed to the sender
(`committed`), so nothing is sent that the ledger does not hold. The sender's outcomes come
back through `take_deliveries` into the next flush; a failed one is also a warning line on
the dashboard.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from soltrader_tui.alerts.fold import AlertDraft, Cooldown
from soltrader_tui.alerts.sender import AlertSender
from soltrader_tui.config.model import AlertsConfig
from soltrader_tui.engine.alert_rules import DurationWatch, alert_for
from soltrader_tui.engine.events import AlertDeliveryFailed, EngineEvent
from soltrader_tui.ledger.alert_rows import AlertRow, DeliveryRow

DAILY_SUMMARY_RULE = "daily_summary"


class AlertDesk:
    """The engine's alerts: rules, cooldown, the rows to commit and the sender to feed."""

    def __init__(
        self,
        config: AlertsConfig,
        *,
        live: bool,
        sender: AlertSender | None,
        record: Callable[[EngineEvent], None],
        summary: Callable[[], str],
        last_summary_ts: float | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """`record` logs an event (a failed delivery's line); `summary` writes the daily
        summary's body; `last_summary_ts` is when the ledger's last one was raised (wall
        time), so a restart does not send the day's twice."""
        self._live = live
        self._sender = sender
        self._record = record
        self._summary = summary
        self._summary_hour = config.daily_summary_utc_hour
        self._summary_day = None if last_summary_ts is None else _utc_date(last_summary_ts)
        self._wall = wall
        self._cooldown = Cooldown(config.cooldown_s)
        self._watch = DurationWatch(
            stale_s=config.stale_minutes * 60, circuit_s=config.circuit_open_minutes * 60
        )
        self._ready: list[AlertRow] = []
        self._deliveries_back: list[DeliveryRow] = []

    @property
    def waiting(self) -> bool:
        """Alerts are ready to be committed (the engine flushes early for them)."""
        return bool(self._ready)

    def observe(self, event: EngineEvent) -> None:
        """Takes an event the decision log published."""
        self._watch.note(event)
        draft = alert_for(event, live=self._live)
        if draft is not None:
            self._offer(draft)

    def _offer(self, draft: AlertDraft) -> None:
        self._ready += self._cooldown.offer(draft, self._wall())

    def take(self, market_ts: float | None) -> list[AlertRow]:
        """Hands over the alerts to commit with this flush."""
        for draft in self._watch.due(market_ts):
            self._offer(draft)
        now = self._wall()
        self._ready += self._cooldown.due(now)
        self._ready += self._daily_summary(now)
        ready, self._ready = self._ready, []
        return ready

    def restore(self, rows: Sequence[AlertRow], deliveries: Sequence[DeliveryRow]) -> None:
        """Puts back what a flush that failed was meant to commit."""
        self._ready[:0] = rows
        self._deliveries_back = list(deliveries)

    def committed(self, rows: Sequence[AlertRow], ids: Sequence[int]) -> None:
        """Hands committed alerts to the sender (none without targets: the ledger has them)."""
        if self._sender is None:
            return
        for row, alert_id in zip(rows, ids, strict=True):
            self._sender.submit(alert_id, row)

    def take_deliveries(self, market_ts: float) -> list[DeliveryRow]:
        """The sender's outcomes for this flush; each failure is also logged as a warning."""
        back, self._deliveries_back = self._deliveries_back, []
        if self._sender is None:
            return back
        results = self._sender.take_results()
        for row in results:
            if row.status != "sent":
                self._record(AlertDeliveryFailed(market_ts, row.target, row.attempts, row.error))
        return [*back, *results]

    def close(self, drain_s: float) -> None:
        """Delivers what is queued, for up to `drain_s` seconds."""
        if self._sender is not None:
            self._sender.close(drain_s)

    def _daily_summary(self, now: float) -> list[AlertRow]:
        hour = self._summary_hour
        if hour is None:
            return []
        moment = datetime.fromtimestamp(now, UTC)
        today = moment.date().isoformat()
        if moment.hour != hour or self._summary_day == today:
            return []
        self._summary_day = today
        title = f"Daily summary {today}"
        return [AlertRow(now, DAILY_SUMMARY_RULE, "info", title, self._summary())]


def _utc_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()
