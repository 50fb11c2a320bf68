"""Provides Engine: market ticks in, decisions and fills out, every one committed to the ledger.

The same engine runs paper sessions on the wall clock, accelerated sessions and backtests;
only the feed, the executor and the clock differ. Its portfolio is a cache of the ledger,
rebuilt from it at start. Screens get immutable snapshots through `on_snapshot`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from soltrader_tui.alerts.sender import AlertSender
from soltrader_tui.clock import Clock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import MarketTick, Mode, TradingState
from soltrader_tui.engine.alerting import DAILY_SUMMARY_RULE, AlertDesk
from soltrader_tui.engine.bookkeeping import VERIFY_AFTER_WALL_S, Bookkeeper
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.decisions import Decisions
from soltrader_tui.engine.events import (
    EngineFailed,
    FeedNoticed,
    SessionStarted,
    StrategiesWarmed,
)
from soltrader_tui.engine.mark_history import MarkHistory
from soltrader_tui.engine.monitoring import Monitoring
from soltrader_tui.engine.operator import Operator
from soltrader_tui.engine.orders import OrderManager
from soltrader_tui.engine.prices import PriceGate
from soltrader_tui.engine.safety import TokenSafety
from soltrader_tui.engine.session_record import session_start
from soltrader_tui.engine.strategy_switch import StrategySwitch
from soltrader_tui.engine.wallet_watch import WalletWatch
from soltrader_tui.execution.paper import PaperExecutor
from soltrader_tui.format import usd_micro
from soltrader_tui.ledger.requests import EngineCommand
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.ledger.write_failure import LedgerWriteFailed
from soltrader_tui.market.feed import MarketFeed
from soltrader_tui.monitor.views import SnapshotContext, api_view, build_snapshot
from soltrader_tui.portfolio.portfolio import FillEffect, Portfolio
from soltrader_tui.portfolio.resume import Restored, restore
from soltrader_tui.risk import ExitRule
from soltrader_tui.risk.live_caps import emergency_ladder
from soltrader_tui.risk.manager import RiskDesk
from soltrader_tui.snapshot import LOG_LINES, STALE_PRICE, EngineSnapshot, ScoreView
from soltrader_tui.solana.safety import SafetySource
from soltrader_tui.strategies import make_strategies
from soltrader_tui.strategies.base import Strategy

if TYPE_CHECKING:
    from soltrader_tui.execution.live import LiveExecutor

EQUITY_EVERY_S = 60.0
"""Market seconds between two points of the recorded equity curve."""
FLUSH_EVERY_WALL_S = 1.0
"""Wall seconds between two bookkeeping flushes (marks, scores, heartbeat, log lines)."""
YIELD_EVERY_WALL_S = 0.005
"""On a virtual clock, the longest the tick loop runs before letting the screen have a turn."""
CONTROL_POLL_WALL_S = 0.1
"""Wall seconds between two looks for requests from other processes (stop, pause, resume, a
strategy toggle, a position's close)."""
ALERT_DRAIN_WALL_S = 5.0
"""Wall seconds the engine, when it stops, gives the alert sender to deliver what is queued."""
SCREEN_LOG_LINES = LOG_LINES
"""Log lines carried in each snapshot; the log pane keeps its own longer history."""

SnapshotCallback = Callable[[EngineSnapshot], None]


class Engine:
    """Runs one trading session against a ledger.

    Composed of parts that each own their state, wired here with what each needs: the
    `PriceGate` (which prices are trusted), the `OrderManager` (orders, fills and the one
    portfolio), `Decisions` (entries and exits: sizing, risk checks, quotes), the `Bookkeeper`
    (start-up replay, equity curve, periodic writes, closing lines) and the `Operator` (trading
    state, commands, breakers, checkpoints). The engine itself owns the loop, the market time,
    the accepted ticks and marks, and the strategies.
    """

    verify_after_wall_s = VERIFY_AFTER_WALL_S
    """How long `run` waits before checking the saved replay (tests set it to 0)."""

    def __init__(
        self,
        *,
        config: Config,
        ledger: Ledger,
        feed: MarketFeed,
        clock: Clock,
        version: str,
        mode: Mode = "paper",
        duration_s: float | None = None,
        strategies: Sequence[Strategy] | None = None,
        checkpointer: Callable[[str], str] | None = None,
        alert_sender: AlertSender | None = None,
        safety: SafetySource | None = None,
        wallet: WalletWatch | None = None,
        live: LiveExecutor | None = None,
    ) -> None:
        """Builds the engine's parts from what `ledger` holds (the ledger is the truth).
        `checkpointer` takes a named checkpoint; `alert_sender` delivers alerts (None: ledger
        only; closed at the stop); `safety` gives token facts (None: no chain, no such rules);
        `wallet` reads the wallet for the dashboard (None: no wallet or not a live market);
        `live` sends every order as a live swap (None: paper fills)."""
        self._config = config
        self._ledger = ledger
        self._feed = feed
        self._clock = clock
        self._mode: Mode = mode
        self._duration_s = duration_s
        self._strategies: list[Strategy] = list(
            strategies if strategies is not None else make_strategies(config.strategies)
        )
        self.on_snapshot: SnapshotCallback | None = None
        self._version = version
        self._stop_requested = False
        self._dirty = False
        self._running = False
        self._error: str | None = None
        self._market_ts: float | None = None
        # The last accepted tick and price of each token (prices seeded from the ledger's
        # marks): written by the loop only, read by the parts.
        self._ticks: dict[str, MarketTick] = {}
        self._marks: dict[str, float] = {}
        self._mark_history = MarkHistory()  # recent prices, for the position detail's chart
        self._wake = asyncio.Event()
        self._risk = RiskDesk(config.risk, config.paper)
        self._safety = TokenSafety(config.risk.token_safety, safety)
        self._wallet = wallet
        self._log = DecisionLog(keep=SCREEN_LOG_LINES)
        self._alerts = self._alert_desk(alert_sender)
        self._prices = PriceGate(config, feed, self._log)  # its prices alone reach the parts
        self._stale = self._prices.stale  # tokens without a fresh accepted price (the gate's)
        restored = restore(ledger)
        self._orders = self._order_manager(restored, live, checkpointer)
        self.monitoring = self._monitoring()
        """Sleep watch, loop lag and the resource sampler (the endpoints read its figures)."""
        self._books = self._bookkeeper(restored)
        self._restore_marks()
        self._decisions = self._make_decisions()
        self._switch = self._strategy_switch()
        self._operator = self._make_operator(checkpointer)

    # -- start-up: the ledger is the truth -----------------------------------------------------

    def _strategy_switch(self) -> StrategySwitch:
        return StrategySwitch(
            ledger=self._ledger,
            log=self._log,
            strategies=self._strategies,
            on_change=self._mark_dirty,
            publish=self._publish,
            ts=self._clock.now(),
        )

    def _alert_desk(self, sender: AlertSender | None) -> AlertDesk:
        desk = AlertDesk(
            self._config.alerts,
            live=self._mode == "live",
            sender=sender,
            record=self._log.record,
            summary=self._summary_text,
            last_summary_ts=self._ledger.last_alert_ts(DAILY_SUMMARY_RULE),
        )
        self._log.observer = desk.observe
        return desk

    def _summary_text(self) -> str:
        """The daily summary's body: the committed figures, as `status` would give them."""
        p = self._orders.portfolio
        win_rate = p.win_rate
        trips = ", ".join(f"{rule} {n}" for rule, n in sorted(self._risk.rejections.items()))
        api = ", ".join(
            f"{u.provider} {u.calls:,} calls, {u.errors:,} errors, {u.rate_limited:,} rate-limited"
            for u in self._feed.usage()
        )
        return "\n".join(
            (
                f"equity {usd_micro(p.equity_micro(self._marks))}, cash {usd_micro(p.cash_micro)}",
                f"realized P&L {usd_micro(p.realized_micro)}",
                f"round trips {p.round_trips} ({p.wins} won), win rate "
                + ("—" if win_rate is None else f"{win_rate:.0%}"),
                f"trading state {self._operator.state.value.upper()}",
                f"risk denials: {trips or 'none'}",
                f"API usage: {api or self._feed.api_note or 'none'}",
            )
        )

    def _order_manager(
        self,
        restored: Restored,
        live: LiveExecutor | None,
        checkpointer: Callable[[str], str] | None,
    ) -> OrderManager:
        orders = OrderManager(
            ledger=self._ledger,
            executor=PaperExecutor(self._feed, self._config.paper, self._mode),
            log=self._log,
            mode=self._mode,
            recent_fills=self._config.tui.recent_fills,
            portfolio=restored.portfolio,
            last_fill_id=restored.last_fill_id,
            on_filled=self._publish_fill,
        )
        if live is not None:
            orders.go_live(
                live,
                confirm_timeout_s=self._config.live.confirm_timeout_s,
                checkpointer=checkpointer,
                now=self._clock.now,
                ladder=emergency_ladder(self._config.live),
            )
        return orders

    def _monitoring(self) -> Monitoring:
        return Monitoring(
            self._config.monitor,
            clock=self._clock,
            ledger=self._ledger.path,
            log=self._log,
            prices=self._prices,
            open_positions=lambda: len(self._orders.portfolio.positions),
        )

    def _bookkeeper(self, restored: Restored) -> Bookkeeper:
        return Bookkeeper(
            ledger=self._ledger,
            log=self._log,
            clock=self._clock,
            feed=self._feed,
            orders=self._orders,
            risk=self._risk,
            prices=self._prices,
            ticks=self._ticks,
            marks=self._marks,
            scores=self._score_views,
            identity=(self._version, self._mode),
            restored=restored,
            on_change=self._mark_dirty,
            publish=self._publish,
            alerts=self._alerts,
            resources=self.monitoring.take_status,
        )

    def _restore_marks(self) -> None:
        for mint, mark in self._ledger.marks().items():
            self._marks[mint] = mark.price_usd
            self._prices.seed(mint, mark.price_usd, mark.ts)
        self._risk.rejections.update(self._ledger.denial_counts())

    def _make_decisions(self) -> Decisions:
        return Decisions(
            feed=self._feed,
            log=self._log,
            risk=self._risk,
            safety=self._safety,
            prices=self._prices,
            orders=self._orders,
            marks=self._marks,
            after_fill=self._after_fill,
            on_change=self._mark_dirty,
        )

    def _make_operator(self, checkpointer: Callable[[str], str] | None) -> Operator:
        return Operator(
            ledger=self._ledger,
            log=self._log,
            clock=self._clock,
            risk=self._risk,
            orders=self._orders,
            ticks=self._ticks,
            marks=self._marks,
            sell=self._decisions.exit,
            switch=self._switch,
            wake=self._wake.set,
            on_change=self._mark_dirty,
            publish=self._publish,
            checkpointer=checkpointer,
        )

    def _mark_dirty(self) -> None:
        self._dirty = True

    def _publish_fill(self) -> None:
        # On the wall clock a fill is shown as soon as it is committed, not after the other
        # orders of its tick (each with its own quote and commit); a virtual clock's ticks are
        # instants, so the end of the tick comes soon enough.
        if not self._clock.is_virtual:
            self._publish()

    def _publish(self) -> None:
        if self.on_snapshot is not None:
            self.on_snapshot(self.snapshot())

    # -- the host's handle ---------------------------------------------------------------------

    def command(self, command: EngineCommand, actor: str, target: str | None = None) -> None:
        """Queues stop, pause, resume, enable/disable of the strategy `target`, or the close of
        the position in the mint `target`; the loop acts on it at once, even mid-wait."""
        self._operator.command(command, actor, target)

    def request_stop(self) -> None:
        """Asks `run` to finish after the current tick; all is committed before it returns."""
        self._stop_requested = True
        self._wake.set()

    @property
    def portfolio(self) -> Portfolio:
        """The in-memory portfolio (a cache of the ledger; the order manager owns it)."""
        return self._orders.portfolio

    @property
    def price_refusals(self) -> dict[str, int]:
        """Prices refused this session, by plausibility rule."""
        return self._prices.refusals

    def snapshot(self) -> EngineSnapshot:
        """Builds a snapshot of the engine now."""
        scores = self._score_views()
        ctx = SnapshotContext(
            version=self._version,
            mode=self._mode,
            trading_state=self._operator.state,
            state_reason=self._operator.reason,
            market_ts=self._market_ts,
            max_drawdown_pct=self._books.curve.max_drawdown_pct,
            strategies_enabled={s.name: s.enabled for s in self._strategies},
            entry_thresholds={s.name: s.entry_threshold for s in self._strategies},
            running=self._running,
            error=self._error,
            risk_rejections=self._risk.rejections,
            day_start_equity_micro=self._risk.breakers.day_start_micro,
            fees_today_micro=self._orders.fees_today(self._market_ts),
            live_vs_paper="" if self._orders.live is None else self._orders.live.figure(),
            peak_equity_micro=self._books.curve.peak_micro,
            api_note=self._feed.api_note,
            machine=self.monitoring.machine_line() if self._running else "",
            safety=self._safety.verdicts(),
            stale_mints=frozenset(self._stale),
            mark_ts={mint: tick.ts for mint, tick in self._ticks.items()},
            entry_reasons=self._orders.entry_reasons,
            recent_marks={
                m: self._mark_history.recent(m) for m in self._orders.portfolio.positions
            },
            equity_session=self._books.session_equity.values(),
            equity_history=self._books.ledger_equity.values(),
        )
        snapshot = build_snapshot(
            ctx,
            self._orders.portfolio,
            self._marks,
            risk=self._config.risk,
            recent_fills=self._orders.recent_fills,
            api=[api_view(u) for u in self._feed.usage()],
            scores=scores,
            log=self._log.recent(),
        )
        return snapshot if self._wallet is None else replace(snapshot, wallet=self._wallet.view)

    def _score_views(self) -> list[ScoreView]:
        views = []
        for strategy in self._strategies:
            for mint, tick in self._ticks.items():
                score, reason = strategy.score(mint)
                if mint in self._stale:
                    reason = f"{STALE_PRICE}: {reason}"
                views.append(
                    ScoreView(
                        strategy=strategy.name,
                        mint=mint,
                        symbol=tick.token.symbol,
                        score=score,
                        reason=reason,
                        price_usd=tick.price_usd,
                        liquidity_usd=tick.liquidity_usd,
                    )
                )
        return views

    # -- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Trades until the duration is reached or a stop is requested.

        Raises:
            Exception: whatever broke the engine, after it was logged and the ledger flushed.
        """
        self._running = True
        start = self._clock.now()
        end = None if self._duration_s is None else start + self._duration_s
        self._switch.record_session()
        self._ledger.record_session(
            wall_start=time.time(), api_note=self._feed.api_note, market_start=start
        )
        session_id = self._ledger.start_session(
            session_start(
                self._config, version=self._version, mode=self._mode, source=self._feed.source
            )
        )
        portfolio = self._orders.portfolio
        self._log.record(
            SessionStarted(
                start,
                mode=self._mode,
                source=self._feed.source,
                state=self._operator.state,
                cash_micro=portfolio.cash_micro,
                open_positions=len(portfolio.positions),
            )
        )
        self._books.start_verify(self.verify_after_wall_s)
        self.monitoring.start()
        try:
            await self._trade(start, end)
        except LedgerWriteFailed as exc:
            # No new entry, no line that could claim something the ledger lacks: the command
            # that started the engine prints this one message and exits with its own code.
            self._error = str(exc)
            raise
        except Exception as exc:
            self._error = f"{type(exc).__name__}: {exc}"
            self._log.record(EngineFailed(self._clock.now(), self._error))
            raise
        finally:
            self._running = False
            self.monitoring.stop()
            try:
                await self._safety.aclose()
                if self._wallet is not None:
                    await self._wallet.aclose()
                await self._feed.aclose()
                await self._books.stop_verify(self._market_ts)
                await self._operator.wait_checkpoint()
            finally:
                self._books.finish(self._market_ts, failing=self._error is not None)
                self._end_session(session_id)
                await self._books.close_alerts(self._market_ts, ALERT_DRAIN_WALL_S)
                if self.monitoring.serving:
                    self.monitoring.publish(self.snapshot())

    async def _trade(self, start: float, end: float | None) -> None:
        if self._orders.live is not None:
            # A swap a crash left in flight is settled (or said unknown) before anything.
            await self._orders.live.settle_awaiting()
        await self._warm(start)
        await self._loop(start, end)

    def _end_session(self, session_id: int) -> None:
        # A ledger that refuses this row leaves the session without an end: `journal` then
        # tells it from the "engine failed" line, or calls it killed, which is no worse.
        with contextlib.suppress(Exception):
            self._ledger.end_session(session_id, wall_ts=time.time(), error=self._error)

    async def _loop(self, start: float, end: float | None) -> None:
        dt = self._config.market.tick_seconds
        clock, books, operator = self._clock, self._books, self._operator
        min_publish = 1.0 / self._config.tui.refresh_hz
        next_equity = start
        wall = time.monotonic()
        next_flush = wall + FLUSH_EVERY_WALL_S
        next_publish = next_poll = last_yield = wall
        checkpoint_every = self._config.storage.checkpoint_every_minutes * 60
        next_checkpoint = wall + checkpoint_every
        ts = start
        self.monitoring.rebase()
        while not self._stop_requested and (end is None or ts <= end):
            waited = await self._wait_for(ts)
            if self.monitoring.step(waited, ts):
                if not clock.is_virtual:
                    ts = max(ts, clock.now())  # the step after a sleep is now, not the backlog
                continue  # every price is stale: the next tick re-reads them before any trade
            wall = time.monotonic()
            if wall >= next_poll:
                operator.poll_requests()
                books.poll_verify(self._market_ts)
                next_poll = wall + CONTROL_POLL_WALL_S
            if operator.has_commands:
                await operator.apply_commands()
            if clock.wall_delay(ts) > 0:
                continue  # woken early by a command: go back to waiting for this tick
            self._dirty = False
            await self._tick(ts)
            event = books.watch_equity(ts, record=ts >= next_equity)
            if event is not None:
                operator.note_breaker(event)
            if ts >= next_equity:
                next_equity = ts + EQUITY_EVERY_S
            if operator.has_breaker_events:
                await operator.apply_breakers(ts)
            wall = time.monotonic()
            if wall >= next_flush or self._alerts.waiting:
                books.flush(self._market_ts, running=True)
                next_flush = wall + FLUSH_EVERY_WALL_S
                if self.monitoring.serving:
                    self.monitoring.publish(self.snapshot())
            if wall >= next_checkpoint:
                next_checkpoint = wall + checkpoint_every
                operator.start_checkpoint("periodic")
            if self.on_snapshot is not None and (self._dirty or wall >= next_publish):
                self.on_snapshot(self.snapshot())
                next_publish = wall + min_publish
            if clock.is_virtual and wall - last_yield >= YIELD_EVERY_WALL_S:
                await asyncio.sleep(0)
                last_yield = time.monotonic()
                self.monitoring.note_lag(last_yield - wall)
            ts += dt
            if not clock.is_virtual and clock.now() - ts > 5 * dt:
                ts = clock.now()  # fell behind the wall clock: skip to now, not the backlog

    async def _warm(self, start: float) -> None:
        """Feeds the market's past to every strategy before the first tick, so the session
        starts with scores instead of minutes of warm-up. What a strategy signals on the past
        is dropped: nothing is traded on it, and no strategy state but its indicators moves.
        """
        span = max((s.warmup_s for s in self._strategies), default=0.0)
        if span <= 0:
            return
        began = time.monotonic()
        try:
            ticks = await self._feed.history(start, span)
        except Exception as exc:  # no past is a slower start, never a reason not to trade
            self._log.record(
                StrategiesWarmed(
                    start, self._feed.source, span, 0, 0, 0.0, f"{type(exc).__name__}: {exc}"
                )
            )
            return
        positions = self._orders.portfolio.positions
        strategies = self._strategies
        tokens: set[str] = set()
        fed = 0
        for tick in ticks:
            if tick.ts >= start:
                continue  # the past only: the present comes through the price gate
            fed += 1
            mint = tick.token.mint
            tokens.add(mint)
            holding = mint in positions
            for strategy in strategies:
                strategy.on_tick(tick, holding)
        wall = time.monotonic() - began
        self._log.record(StrategiesWarmed(start, self._feed.source, span, len(tokens), fed, wall))

    async def _wait_for(self, ts: float) -> float:
        """Waits for market time `ts`, or less when a command arrives or a poll is due;
        returns the wall seconds it meant to wait (how late it woke is the loop's lag)."""
        delay = self._clock.wall_delay(ts)
        if delay <= 0:
            await self._clock.sleep_until(ts)
            return 0.0
        asked = min(delay, CONTROL_POLL_WALL_S)
        began = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), asked)
        if not self._wake.is_set():  # a command's early wake is not lag
            self.monitoring.note_lag(time.monotonic() - began - asked)
        self._wake.clear()
        return asked

    async def _tick(self, ts: float) -> None:
        self._market_ts = ts
        ticks = await self._feed.poll(ts)
        for level, message in self._feed.take_notices():
            self._log.record(FeedNoticed(ts, notice_level=level, text=message))
        self._prices.take_feed_refusals(ts)
        positions = self._orders.portfolio.positions
        state = self._operator.state
        screen = self._prices.screen.screen  # every tick of every token: one call, no wrapper
        safety = self._safety.prefetch if self._safety.applies else None
        if self._wallet is not None:
            self._wallet.poll()
        # While a live swap's outcome is unknown, prices are still read and shown, but nothing
        # is traded: a second order could not be told apart from a retry of the first.
        live = self._orders.live
        trading = live is None or not live.awaiting or await live.settle_awaiting()
        for raw in ticks:
            mint = raw.token.mint
            held = positions.get(mint)
            tick, refusal = screen(raw, ts, 0 if held is None else held.qty)
            if refusal is not None:
                tick = await self._prices.refused(raw, refusal, ts, held)
            if tick is None:
                if held is not None and state is not TradingState.HALTED:
                    self._prices.cannot_act(raw.token, ts)
                continue  # no price accepted yet: nothing may be decided on this token
            self._ticks[mint] = tick
            self._marks[mint] = tick.price_usd
            if safety is not None:
                safety(mint, ts)
            self._mark_history.note(mint, tick.ts, tick.price_usd)
            if not trading:
                continue
            if held is not None and self._orders.retry_at.get(mint, 0.0) <= ts:
                if state is TradingState.HALTED:
                    await self._decisions.exit(tick.token, ts, "halt_flatten")
                elif tick.stale:  # price rules act on trusted prices only; time needs none
                    if self._risk.held_too_long(held, ts):
                        await self._decisions.exit(tick.token, ts, ExitRule.MAX_HOLD.value)
                    else:
                        self._prices.cannot_act(tick.token, ts)
                else:
                    rule = self._risk.exit_rule(held, tick.price_usd, ts)
                    if rule is not None:
                        await self._decisions.exit(tick.token, ts, rule.value)
            if tick.stale is not (mint in self._stale):
                self._prices.note_staleness(tick, ts)
            if tick.stale:
                continue  # no entry, and no strategy exit, on an old price; risk exits above
            holding = mint in positions
            for strategy in self._strategies:
                signal = strategy.on_tick(tick, holding)
                if signal is not None:
                    await self._decisions.on_signal(signal, tick, state)

    # -- after a fill ----------------------------------------------------------------------------

    def _after_fill(self, side: str, mint: str, ts: float, effect: FillEffect) -> None:
        """Feeds a committed fill to the breakers and records the equity it leaves."""
        tripped = self._risk.after_fill(side, mint, ts, effect)
        if tripped is not None:
            self._operator.note_breaker(tripped)
        event = self._books.watch_equity(ts, record=True)
        if event is not None:
            self._operator.note_breaker(event)
