"""Provides Engine: market ticks in, decisions and fills out, every one committed to the ledger.

The same engine runs paper sessions on the wall clock, accelerated sessions and backtests;
only the feed, the executor and the clock differ. Its portfolio is a cache of the ledger,
rebuilt from it at start. Screens get immutable snapshots through `on_snapshot`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from collections.abc import Callable, Sequence

from soltrader_tui.clock import Clock
from soltrader_tui.config import Config
from soltrader_tui.domain import (
    MarketTick,
    Mode,
    Order,
    Signal,
    TradingState,
    usd_to_micro,
)
from soltrader_tui.eventlog import DecisionLog, plain_price
from soltrader_tui.execution.paper import PaperExecutor, Rejected
from soltrader_tui.ledger.rows import EquityPoint, Heartbeat, MarkRow, ScoreRow
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.market.feed import MarketFeed
from soltrader_tui.portfolio import EquityCurve, Portfolio
from soltrader_tui.risk import ExitLevels, entry_denial, exit_levels, exit_reason
from soltrader_tui.snapshot import EngineSnapshot, FillView, ScoreView
from soltrader_tui.strategies import make_strategies
from soltrader_tui.strategies.base import Strategy
from soltrader_tui.views import SnapshotContext, build_snapshot, fill_view

EQUITY_EVERY_S = 60.0
"""Market seconds between two points of the recorded equity curve."""
FLUSH_EVERY_WALL_S = 1.0
"""Wall seconds between two bookkeeping flushes (marks, scores, heartbeat, log lines)."""
YIELD_EVERY_WALL_S = 0.005
"""On a virtual clock, the longest the tick loop runs before letting the screen have a turn."""
SCREEN_LOG_LINES = 200
"""Log lines carried in each snapshot; the log pane keeps its own longer history."""

SnapshotCallback = Callable[[EngineSnapshot], None]


class Engine:
    """Runs one trading session against a ledger."""

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
    ) -> None:
        self._config = config
        self._ledger = ledger
        self._feed = feed
        self._clock = clock
        self._version = version
        self._mode: Mode = mode
        self._duration_s = duration_s
        self._strategies: list[Strategy] = list(
            strategies if strategies is not None else make_strategies(config.strategies)
        )
        self._executor = PaperExecutor(feed, config.paper, mode)
        self.on_snapshot: SnapshotCallback | None = None
        self._stop_requested = False
        self._dirty = False
        self._running = False
        self._error: str | None = None
        self._market_ts: float | None = None
        self._ticks: dict[str, MarketTick] = {}
        self._marks: dict[str, float] = {}
        self._levels: dict[str, ExitLevels] = {}
        self._recent_fills: deque[FillView] = deque(maxlen=config.tui.recent_fills)
        self._equity_buffer: list[EquityPoint] = []
        self._curve = EquityCurve()
        self._log = DecisionLog(keep=SCREEN_LOG_LINES)
        self._restore()

    # -- start-up: the ledger is the truth -----------------------------------------------------

    def _restore(self) -> None:
        ledger = self._ledger
        self._portfolio = Portfolio(ledger.starting_cash_micro)
        for fill, reason in ledger.fills():
            effect = self._portfolio.apply(fill)
            self._recent_fills.appendleft(fill_view(fill, reason, effect.realized_micro))
        for point in ledger.equity_points():
            self._curve.update(point.equity_micro)
        for mint, mark in ledger.marks().items():
            self._marks[mint] = mark.price_usd
        for mint, pos in self._portfolio.positions.items():
            self._levels[mint] = exit_levels(pos.avg_cost_usd, self._config.risk)
        stored = ledger.trading_state()
        if stored is None:
            self._state, self._state_reason = TradingState.ACTIVE, "new ledger"
            ledger.set_trading_state(self._state, self._state_reason, "engine", self._clock.now())
        else:
            self._state, self._state_reason = TradingState(stored.state), stored.reason
        self._order_seq = ledger.order_count()

    # -- the host's handle ---------------------------------------------------------------------

    def request_stop(self) -> None:
        """Asks `run` to finish after the current tick; all is committed before it returns."""
        self._stop_requested = True

    @property
    def portfolio(self) -> Portfolio:
        """The in-memory portfolio (a cache of the ledger)."""
        return self._portfolio

    def snapshot(self) -> EngineSnapshot:
        """Builds a snapshot of the engine now."""
        scores = self._score_views()
        ctx = SnapshotContext(
            version=self._version,
            mode=self._mode,
            trading_state=self._state,
            state_reason=self._state_reason,
            market_ts=self._market_ts,
            max_drawdown_pct=self._curve.max_drawdown_pct,
            strategies_enabled={s.name: s.enabled for s in self._strategies},
            running=self._running,
            error=self._error,
            api_note=self._feed.api_note,
        )
        return build_snapshot(
            ctx,
            self._portfolio,
            self._marks,
            levels=self._levels,
            recent_fills=self._recent_fills,
            scores=scores,
            log=self._log.recent(),
        )

    def _score_views(self) -> list[ScoreView]:
        views = []
        for strategy in self._strategies:
            for mint, tick in self._ticks.items():
                score, reason = strategy.score(mint)
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
        self._ledger.set_strategies((s.name, s.enabled) for s in self._strategies)
        self._log.emit(
            start,
            "info",
            "engine",
            f"session started: {self._mode} on {self._feed.source}, state "
            f"{self._state.value.upper()}, cash ${self._portfolio.cash_micro / 1e6:,.2f}, "
            f"{len(self._portfolio.positions)} open positions",
        )
        try:
            await self._loop(start, end)
        except Exception as exc:
            self._error = f"{type(exc).__name__}: {exc}"
            self._log.emit(self._clock.now(), "error", "engine", f"engine failed: {self._error}")
            raise
        finally:
            self._running = False
            self._finish(failing=self._error is not None)

    async def _loop(self, start: float, end: float | None) -> None:
        dt = self._config.market.tick_seconds
        clock = self._clock
        min_publish = 1.0 / self._config.tui.refresh_hz
        next_equity = start
        wall = time.monotonic()
        next_flush = wall + FLUSH_EVERY_WALL_S
        next_publish = wall
        last_yield = wall
        ts = start
        while not self._stop_requested and (end is None or ts <= end):
            await clock.sleep_until(ts)
            self._dirty = False
            await self._tick(ts)
            if ts >= next_equity:
                self._record_equity(ts)
                next_equity = ts + EQUITY_EVERY_S
            wall = time.monotonic()
            if wall >= next_flush:
                self._flush(running=True)
                next_flush = wall + FLUSH_EVERY_WALL_S
            if self.on_snapshot is not None and (self._dirty or wall >= next_publish):
                self.on_snapshot(self.snapshot())
                next_publish = wall + min_publish
            if clock.is_virtual and wall - last_yield >= YIELD_EVERY_WALL_S:
                await asyncio.sleep(0)
                last_yield = time.monotonic()
            ts += dt
            if not clock.is_virtual and clock.now() - ts > 5 * dt:
                ts = (
                    clock.now()
                )  # fell behind the wall clock: skip to now, don't replay the backlog

    async def _tick(self, ts: float) -> None:
        self._market_ts = ts
        ticks = await self._feed.poll(ts)
        positions = self._portfolio.positions
        state = self._state
        for tick in ticks:
            mint = tick.token.mint
            self._ticks[mint] = tick
            self._marks[mint] = tick.price_usd
            levels = self._levels.get(mint)
            if levels is not None and state is not TradingState.HALTED:
                reason = exit_reason(tick.price_usd, levels)
                if reason is not None:
                    await self._exit(tick, reason, "risk")
            holding = mint in positions
            for strategy in self._strategies:
                signal = strategy.on_tick(tick, holding)
                if signal is not None:
                    await self._on_signal(signal, tick)

    # -- decisions -----------------------------------------------------------------------------

    async def _on_signal(self, signal: Signal, tick: MarketTick) -> None:
        if signal.side == "sell" and (
            tick.token.mint not in self._portfolio.positions or self._state is TradingState.HALTED
        ):
            return  # sells are level-triggered: only the one that acts is worth a line
        self._log.emit(
            tick.ts,
            "info",
            "signal",
            f"SIGNAL {signal.side.upper()} {tick.token.symbol} by {signal.strategy} "
            f"(score {signal.score:.2f}): {signal.reason}",
        )
        if signal.side == "sell":
            await self._exit(tick, f"{signal.strategy}_exit", signal.strategy)
            return
        in_amount = usd_to_micro(self._config.risk.order_usd)
        estimated_cost = (
            in_amount
            + round(in_amount * self._config.paper.swap_fee_bps / 1e4)
            + (usd_to_micro(self._config.paper.network_fee_usd))
        )
        denial = entry_denial(
            state=self._state,
            holding=tick.token.mint in self._portfolio.positions,
            open_positions=len(self._portfolio.positions),
            cash_micro=self._portfolio.cash_micro,
            cost_micro=estimated_cost,
            config=self._config.risk,
        )
        if denial is not None:
            self._log.emit(tick.ts, "info", "denied", f"DENIED BUY {tick.token.symbol}: {denial}")
            self._dirty = True
            return
        order = self._new_order(tick, "buy", in_amount, signal.strategy, f"{signal.strategy}_entry")
        await self._submit(order)

    async def _exit(self, tick: MarketTick, reason: str, actor: str) -> None:
        pos = self._portfolio.positions[tick.token.mint]
        order = self._new_order(tick, "sell", pos.qty, pos.strategy, reason)
        await self._submit(order)

    def _new_order(
        self, tick: MarketTick, side: str, in_amount: int, strategy: str, reason: str
    ) -> Order:
        self._order_seq += 1
        return Order(
            client_order_id=f"ord-{self._order_seq:07d}",
            token=tick.token,
            side="buy" if side == "buy" else "sell",
            in_amount=in_amount,
            strategy=strategy,
            reason=reason,
            ts=tick.ts,
        )

    async def _submit(self, order: Order) -> None:
        result = await self._executor.execute(order)
        symbol = order.token.symbol
        if isinstance(result, Rejected):
            self._log.emit(
                order.ts,
                "warning",
                "rejected",
                f"REJECTED {order.side.upper()} {symbol} ({order.reason}): {result.reason}",
            )
            self._ledger.record_rejection(
                order, result.reason, self._mode, self._log.take_pending()
            )
            self._dirty = True
            return
        fill = result
        # Apply to the cache first: it validates without mutating on error, so a fill the
        # portfolio would refuse never reaches the ledger. If the commit then fails, the engine
        # stops and the next start rebuilds the cache from the ledger.
        effect = self._portfolio.apply(fill)
        qty = order.token.to_whole(fill.qty)
        text = (
            f"FILL {fill.side.upper()} {qty:,.4f} {symbol} @ ${plain_price(fill.price_usd)} "
            f"for ${fill.quote_amount / 1e6:,.2f} (fee ${fill.fee / 1e6:,.4f}) [{order.reason}]"
        )
        if effect.realized_micro is not None:
            text += f", realized {effect.realized_micro / 1e6:+,.2f} USD"
        self._log.emit(fill.ts, "info", "fill", text)
        if effect.closed is not None:
            trip = effect.closed
            self._log.emit(
                fill.ts,
                "info",
                "round_trip",
                f"ROUND TRIP {symbol} closed: {'WIN' if trip.won else 'LOSS'} "
                f"{trip.realized_micro / 1e6:+,.2f} USD; win rate "
                f"{self._portfolio.wins}/{self._portfolio.round_trips}",
            )
        self._ledger.record_fill(order, fill, self._log.take_pending())
        mint = order.token.mint
        pos = self._portfolio.positions.get(mint)
        if pos is None:
            self._levels.pop(mint, None)
        else:
            self._levels[mint] = exit_levels(pos.avg_cost_usd, self._config.risk)
        self._recent_fills.appendleft(fill_view(fill, order.reason, effect.realized_micro))
        self._record_equity(fill.ts)
        self._dirty = True

    # -- bookkeeping ---------------------------------------------------------------------------

    def _record_equity(self, ts: float) -> None:
        equity = self._portfolio.equity_micro(self._marks)
        if equity is None:
            return
        self._curve.update(equity)
        self._equity_buffer.append(EquityPoint(ts, equity, self._portfolio.cash_micro))

    def _flush(self, *, running: bool) -> None:
        now = self._market_ts
        marks = [
            MarkRow(m, t.token.symbol, t.token.decimals, t.price_usd, t.liquidity_usd, t.ts)
            for m, t in self._ticks.items()
        ]
        scores = [
            ScoreRow(v.strategy, v.mint, v.symbol, v.score, v.reason, now or self._clock.now())
            for v in self._score_views()
        ]
        events = self._log.take_pending()
        equity, self._equity_buffer = self._equity_buffer, []
        try:
            self._ledger.flush(
                events=events,
                marks=marks,
                scores=scores,
                equity=equity,
                heartbeat=Heartbeat(
                    wall_ts=time.time(),
                    market_ts=now,
                    pid=os.getpid(),
                    version=self._version,
                    mode=self._mode,
                    running=running,
                ),
            )
        except BaseException:
            self._log.restore_pending(events)
            self._equity_buffer[:0] = equity
            raise

    def _finish(self, *, failing: bool) -> None:
        try:
            self._close_session()
        except Exception as exc:
            if not failing:
                raise
            # The original failure is the one worth raising; this one goes to the log.
            self._log.emit(self._clock.now(), "error", "engine", f"final flush failed: {exc}")

    def _close_session(self) -> None:
        if self._market_ts is not None:
            self._record_equity(self._market_ts)
        self._log.emit(
            self._market_ts or self._clock.now(),
            "info",
            "engine",
            f"session stopped: equity {_usd(self._portfolio.equity_micro(self._marks))}, "
            f"realized {self._portfolio.realized_micro / 1e6:+,.2f} USD, "
            f"{self._portfolio.round_trips} round trips",
        )
        self._flush(running=False)
        if self.on_snapshot is not None:
            self.on_snapshot(self.snapshot())


def _usd(micro: int | None) -> str:
    return "—" if micro is None else f"${micro / 1e6:,.2f}"
