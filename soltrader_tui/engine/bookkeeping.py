"""Provides Bookkeeper: how the engine starts from the ledger and what it writes besides fills.

The start (the saved replay plus newer fills, checked against a full replay in a thread), the
equity curve, the bookkeeping flush (marks, scores, equity points, heartbeat, log lines, API
usage, the saved replay) and the session's closing lines. The engine holds one and passes it
the market time; the portfolio it reads is the order manager's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from soltrader_tui.clock import Clock
from soltrader_tui.domain import MarketTick, Mode, micro_to_usd
from soltrader_tui.engine.alerting import AlertDesk
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import (
    FinalFlushFailed,
    PortfolioChecked,
    PortfolioCheckFailed,
    PortfolioRebuilt,
    RestoreNoted,
    SessionStopped,
)
from soltrader_tui.engine.orders import OrderManager
from soltrader_tui.engine.prices import PriceGate
from soltrader_tui.ledger.rows import (
    EquityPoint,
    EventRow,
    Heartbeat,
    MarkRow,
    ResumePoint,
    ScoreRow,
)
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.ledger.write_failure import LedgerWriteFailed
from soltrader_tui.market.feed import MarketFeed
from soltrader_tui.portfolio.equity_curve import EquityCurve
from soltrader_tui.portfolio.equity_series import CHART_POINTS, EquitySeries
from soltrader_tui.portfolio.resume import Restored, SavedReplay, restore, resume_point, verify
from soltrader_tui.risk import BreakerEvent
from soltrader_tui.risk.breakers import DAY_S, utc_day
from soltrader_tui.risk.manager import EquityHistory, RiskDesk
from soltrader_tui.snapshot import ScoreView

VERIFY_AFTER_WALL_S = 2.0
"""Wall seconds after the start before the saved replay is checked: the first frames of the
dashboard get the CPU first."""

SavedKey = tuple[int, int, float | None, tuple[float | None, ...]]


def _equity_charts(ledger: Ledger) -> tuple[EquitySeries, EquitySeries]:
    """The session's chart (empty) and the ledger's, from its history read once."""
    history = EquitySeries.resume(CHART_POINTS, ledger.equity_thinned(CHART_POINTS))
    return EquitySeries(CHART_POINTS), history


class Bookkeeper:
    """Start-up restore, equity curve, bookkeeping flushes and the closing lines."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        log: DecisionLog,
        clock: Clock,
        feed: MarketFeed,
        orders: OrderManager,
        risk: RiskDesk,
        prices: PriceGate,
        ticks: Mapping[str, MarketTick],
        marks: Mapping[str, float],
        scores: Callable[[], list[ScoreView]],
        identity: tuple[str, Mode],
        restored: Restored,
        on_change: Callable[[], None],
        publish: Callable[[], None],
        alerts: AlertDesk,
        resources: Callable[[float], str | None] | None = None,
    ) -> None:
        """Takes over the curve a start rebuilt (`restored`) and what to check of its saved
        replay. `ticks`, `marks` and `scores` are the engine's (read only); `identity` is the
        version and mode each heartbeat carries; `on_change` tells the engine its screen is out
        of date, `publish` shows a snapshot now; `alerts` commit with each flush; `resources`
        gives the resource row to store with a flush (None: nothing new)."""
        self._ledger = ledger
        self._alerts = alerts
        self._log = log
        self._clock = clock
        self._feed = feed
        self._orders = orders
        self._risk = risk
        self._prices = prices
        self._ticks = ticks
        self._marks = marks
        self._scores = scores
        self._version, self._mode = identity
        self._on_change = on_change
        self._publish = publish
        self._resources = resources
        self.curve: EquityCurve = restored.curve
        """Peak and drawdown of the equity curve (the engine's snapshot reads them)."""
        self._last_equity_ts = restored.last_equity_ts
        self._curve_in_order = True
        """False once a point took the place of one with the same time stamp (the ledger keeps
        the newer, the curve in memory both), so the curve must not be saved (see `resume`)."""
        self._equity_buffer: list[EquityPoint] = []
        self.session_equity, self.ledger_equity = _equity_charts(ledger)
        self._charted_ts = restored.last_equity_ts
        """The equity points this session committed, and the ledger's whole curve, in USD,
        thinned, for the dashboard's charts."""
        self._saved_key: SavedKey | None = None
        """What the last saved replay covered, so an unchanged one is not written again."""
        self._to_verify: SavedReplay | None = restored.saved
        self._verify_cancel = threading.Event()
        self._verify_task: asyncio.Task[tuple[str, ...] | None] | None = None
        if restored.note is not None:
            log.record(RestoreNoted(clock.now(), restored.note))
        self._restore_risk()

    def _restore_risk(self) -> None:
        """Gives the risk manager the day's start and the peak the ledger remembers."""
        last_ts = self._last_equity_ts
        day_start = (
            None if last_ts is None else self._ledger.day_start_equity(utc_day(last_ts) * DAY_S)
        )
        peak = self.curve.peak_micro
        self._risk.restore(
            self._orders.portfolio,
            None
            if last_ts is None or day_start is None or peak is None
            else EquityHistory(last_ts, day_start.equity_micro, peak),
        )

    # -- the saved replay's check ---------------------------------------------------------------

    def start_verify(self, after_wall_s: float) -> None:
        """Checks the saved replay against a full replay, in a thread after `after_wall_s`."""
        saved = self._to_verify
        if saved is None:
            return
        path, cash, cancel = (
            self._ledger.path,
            self._ledger.starting_cash_micro,
            self._verify_cancel,
        )

        async def later() -> tuple[str, ...] | None:
            await asyncio.sleep(after_wall_s)
            return await asyncio.to_thread(verify, path, saved, cash, cancel)

        self._verify_task = asyncio.create_task(later())

    def poll_verify(self, market_ts: float | None) -> None:
        """Acts on the check of the saved replay once it is done (cheap until then)."""
        task = self._verify_task
        if task is None or not task.done():
            return
        self._verify_task = None
        saved = self._to_verify
        self._to_verify = None
        now = market_ts or self._clock.now()
        if task.cancelled() or saved is None:
            return
        error = task.exception()
        if error is not None:
            self._log.record(PortfolioCheckFailed(now, str(error)))
            return
        wrong = task.result()
        if wrong is None:
            return
        if not wrong:
            self._log.record(PortfolioChecked(now, saved.last_fill_id))
            return
        self._rebuild(wrong, now)

    def _rebuild(self, wrong: tuple[str, ...], now: float) -> None:
        """Replaces a portfolio that started from a wrong saved replay with a full replay."""
        self._orders.adopt(restore(self._ledger, use_saved=False).portfolio)
        self._log.record(PortfolioRebuilt(now, wrong))
        self._saved_key = None
        self._on_change()

    async def stop_verify(self, market_ts: float | None) -> None:
        """Takes a finished check's answer (so the final flush saves a repair), or abandons one
        still running; the next start checks again."""
        task = self._verify_task
        if task is None:
            return
        if task.done():
            self.poll_verify(market_ts)
            return
        self._verify_cancel.set()
        task.cancel()  # interrupts the wait before the thread starts; the thread sees the flag
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        self._verify_task = None

    # -- equity and flushes --------------------------------------------------------------------

    def watch_equity(self, ts: float, *, record: bool) -> BreakerEvent | None:
        """Feeds equity to the breakers every tick and returns what they say; records a curve
        point when asked."""
        equity = self._orders.portfolio.equity_micro(self._marks)
        if equity is None:
            return None
        event = self._risk.on_equity(equity, ts)
        if record:
            if self._last_equity_ts is not None and ts <= self._last_equity_ts:
                # An entry's point is stamped with its price's time, which can be older than a
                # point already taken; the ledger refuses a point before the previous one, so it
                # takes that one's place (and the curve in memory holds one point more).
                ts = self._last_equity_ts
                self._curve_in_order = False
            self.curve.update(equity)
            self._equity_buffer.append(EquityPoint(ts, equity, self._orders.portfolio.cash_micro))
            self._last_equity_ts = ts
        return event

    def _resume_point(self) -> ResumePoint | None:
        """The replay to save with this flush; None when it is unchanged or must not be saved."""
        orders = self._orders
        if not orders.in_step:
            return None  # a fill reached the portfolio but not the ledger: the next start replays
        key: SavedKey = (
            self._orders.portfolio.fill_count,
            orders.last_fill_id,
            self._last_equity_ts,
            tuple(p.high_water_usd for p in self._orders.portfolio.positions.values()),
        )
        if key == self._saved_key:
            return None
        self._saved_key = key
        if not self._curve_in_order:
            # A point took the place of an equal-time one: only a rebuild gives the true curve.
            return resume_point(self._orders.portfolio, EquityCurve(), orders.last_fill_id, None)
        return resume_point(
            self._orders.portfolio, self.curve, orders.last_fill_id, self._last_equity_ts
        )

    def flush(
        self, market_ts: float | None, *, running: bool, closing: Sequence[EventRow] = ()
    ) -> None:
        """Commits the buffered bookkeeping, with `closing` lines that only this commit may
        make true (shown by the caller after it returns)."""
        now = market_ts
        marks = [
            MarkRow(m, t.token.symbol, t.token.decimals, t.price_usd, t.liquidity_usd, t.ts)
            for m, t in self._ticks.items()
        ]
        scores = [
            ScoreRow(v.strategy, v.mint, v.symbol, v.score, v.reason, now or self._clock.now())
            for v in self._scores()
        ]
        # Taken first: a limit it finds crossed is logged, and its line rides on this flush.
        resources = None if self._resources is None else self._resources(now or self._clock.now())
        deliveries = self._alerts.take_deliveries(now or self._clock.now())
        alerts = self._alerts.take(now)
        events = self._log.take_pending()
        equity, self._equity_buffer = self._equity_buffer, []
        saved_key = self._saved_key
        try:
            ids = self._ledger.flush(
                events=[*events, *closing],
                marks=marks,
                scores=scores,
                equity=equity,
                usage=self._feed.take_usage_minutes(),
                heartbeat=Heartbeat(
                    wall_ts=time.time(),
                    market_ts=now,
                    pid=os.getpid(),
                    version=self._version,
                    mode=self._mode,
                    running=running,
                ),
                resume=self._resume_point(),
                feed_status=self._prices.status(self._feed.usage(), now, time.time()).to_json(),
                alerts=alerts,
                deliveries=deliveries,
                resources=resources,
            )
        except BaseException:
            self._log.restore_pending(events)
            self._alerts.restore(alerts, deliveries)
            self._equity_buffer[:0] = equity
            self._saved_key = saved_key
            raise
        self._alerts.committed(alerts, ids)
        self._chart(equity)

    def _chart(self, committed: Sequence[EquityPoint]) -> None:
        """Adds committed points to the charts; a point of the same time as the previous one
        replaced it in the ledger, so it replaces it on the charts too."""
        for point in committed:
            usd = micro_to_usd(point.equity_micro)
            for series in (self.session_equity, self.ledger_equity):
                if point.ts == self._charted_ts:
                    series.amend(usd)
                else:
                    series.add(usd)
            self._charted_ts = point.ts

    # -- the end of a session ---------------------------------------------------------------

    def finish(self, market_ts: float | None, *, failing: bool) -> None:
        """Writes the session's last bookkeeping and its closing line; while `failing`, a
        failure of its own is logged (or, from the ledger, already reported) but not raised."""
        try:
            self._close_session(market_ts)
        except LedgerWriteFailed:
            if not failing:
                raise
            # The ledger refused the session's first failure already; that one is reported.
        except Exception as exc:
            if not failing:
                raise
            # The original failure is the one worth raising; this one goes to the log.
            self._log.record(FinalFlushFailed(self._clock.now(), str(exc)))

    async def close_alerts(self, market_ts: float | None, drain_s: float) -> None:
        """Lets the sender deliver what is queued (off the loop), then records the outcomes;
        a failure to record them is logged, never raised: the session is over."""
        await asyncio.to_thread(self._alerts.close, drain_s)
        deliveries = self._alerts.take_deliveries(market_ts or self._clock.now())
        if not deliveries:
            return
        try:
            self._ledger.flush(deliveries=deliveries, events=self._log.take_pending())
        except Exception as exc:
            self._log.record(FinalFlushFailed(self._clock.now(), str(exc)))

    def _close_session(self, market_ts: float | None) -> None:
        if market_ts is not None:
            self.watch_equity(market_ts, record=True)  # too late for a breaker to act
        # The totals are the cache's, which holds only committed fills (a fill whose commit
        # failed was taken back out); shown only once the flush carrying them committed.
        portfolio = self._orders.portfolio
        summary = self._log.prepare(
            SessionStopped(
                market_ts or self._clock.now(),
                equity_micro=portfolio.equity_micro(self._marks),
                realized_micro=portfolio.realized_micro,
                round_trips=portfolio.round_trips,
            )
        )
        self.flush(market_ts, running=False, closing=(summary,))
        self._log.publish((summary,))
        self._publish()
