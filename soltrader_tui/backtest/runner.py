"""Provides Backtest: one strategy, the risk rules and the paper executor, walked over candles.

A paper session and a backtest share the strategy objects, the risk desk (sizing, pre-trade
checks, breakers), the exit rules, the paper executor (fees, rounding, pool impact) and the
portfolio (the money model); the ledger they write is the same, in mode `backtest`. What
differs is the clock: a session steps a tick at a time, a backtest a candle at a time, because
its fill rules are defined per candle (docs/strategies.md, "Fill rules"):

1. The strategy decides at a candle's close. A candle strategy sees the file's own candles; a
   tick strategy sees each close as one tick at the close time.
2. An order from a decision at a candle's close fills at the next candle's open.
3. A held position is walked through each candle (`walk.candle_exit`): a stop, trailing stop
   or target crossed inside the candle fills at its level, or at the open after a gap; the
   holding limit is checked at each open.
4. An exit inside a candle comes before the decision at its close: an exit signal then finds
   nothing to sell, and a buy signal enters again at the next open.
5. A position still open when a token's data ends is sold at its last close (`end_of_data`).

Candles before `from_ts` only warm the strategy: it sees them, nothing is traded.
"""

from __future__ import annotations

import bisect
import secrets
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar, cast

from soltrader_tui.backtest.quotes import BacktestQuotes
from soltrader_tui.backtest.record import BacktestRecord
from soltrader_tui.backtest.settings import BacktestSettings
from soltrader_tui.backtest.walk import candle_exit
from soltrader_tui.domain import Candle, MarketTick, Order, Side, Signal, Token, TradingState
from soltrader_tui.engine.events import (
    EngineEvent,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    RoundTripClosed,
)
from soltrader_tui.errors import UserInputError
from soltrader_tui.execution.paper import PaperExecutor, Rejected
from soltrader_tui.ledger.rows import MarkRow
from soltrader_tui.market.replay import ESTABLISHED_AGE_S, depth_candles
from soltrader_tui.market.series import CandleSeries
from soltrader_tui.portfolio.portfolio import Portfolio
from soltrader_tui.risk import BreakerCleared, BreakerEvent, Denial, utc_day
from soltrader_tui.risk.breakers import DAY_S
from soltrader_tui.risk.manager import RiskDesk
from soltrader_tui.strategies import make_strategies
from soltrader_tui.strategies.base import Strategy

T = TypeVar("T")
Progress = Callable[[int, int], None]
"""Told (candles done, candles in all) every `PROGRESS_EVERY` candles and at the end."""
PROGRESS_EVERY = 4096
END_OF_DATA = "end_of_data"
HALT_FLATTEN = "halt_flatten"


class BacktestDataError(UserInputError, ValueError):
    """The candles given cannot be backtested together; the message says which and why."""


class Backtest:
    """Runs one backtest in memory; `record` holds everything the ledger is then given."""

    def __init__(
        self,
        settings: BacktestSettings,
        series: Sequence[CandleSeries],
        *,
        progress: Progress | None = None,
    ) -> None:
        """Args:
        settings: Strategy, costs, limits and the span.
        series: One candle series per token, all with the same candle interval.
        progress: Told how far the walk is.

        Raises:
            BacktestDataError: no candles in the span, two series of one token, or mixed
                intervals.
        """
        _check_series(series)
        self._settings = settings
        self._series = series
        self._progress = progress
        self._strategy = _the_strategy(settings)
        self._portfolio = Portfolio(round(settings.paper.starting_cash_usd * 1_000_000))
        listed = {s.token.mint: s.ts[0] - ESTABLISHED_AGE_S for s in series}
        self._quotes = BacktestQuotes(settings.impact, listed)
        self._executor = PaperExecutor(self._quotes, settings.paper, "backtest")
        self._risk = RiskDesk(settings.risk, settings.paper)
        self._exits = settings.exits
        self._candles = [depth_candles(s) for s in series]
        """Each series' candles with the pool depth their fills are priced against (strategies
        may read it): the liquidity model over the whole file, computed once."""
        self._pending: dict[str, Signal] = {}
        self._marks: dict[str, float] = {}
        self._last_close: dict[str, tuple[float, float]] = {}
        self._state = TradingState.ACTIVE
        self._paused_until = 0.0
        self._last_ts = float("-inf")
        self._seq = 0
        self._tag = secrets.token_hex(3)
        self.record = BacktestRecord(settings.strategy, self._portfolio.starting_cash_micro)

    def run_now(self) -> BacktestRecord:
        """`run` without an event loop: nothing in a backtest waits (its quotes are computed,
        not fetched), so the coroutine completes on its first step."""
        return complete(self.run())

    async def run(self) -> BacktestRecord:
        """Walks every candle in time order; returns the record of what happened."""
        plan = self._plan()
        total = len(plan)
        record, portfolio, strategy = self.record, self._portfolio, self._strategy
        positions, pending, marks = portfolio.positions, self._pending, self._marks
        risk = None if self._settings.no_risk else self._risk
        candles, tokens = self._candles, [s.token for s in self._series]
        ends = [len(s) - 1 for s in self._series]
        on_candle, note_equity = strategy.on_candle, record.note_equity
        for done, (k, i) in enumerate(plan, 1):
            token = tokens[k]
            mint = token.mint
            candle = candles[k][i]
            if mint in pending or mint in positions:
                await self._trade(token, candle)
            marks[mint] = candle.close
            decided = on_candle(token, candle, mint in positions)
            if decided is not None and self._state is not TradingState.HALTED:
                pending[mint] = decided
            if i == ends[k]:
                await self._end_of_data(token, candle)
            close_ts = candle.ts + candle.interval_s
            cash = portfolio.cash_micro
            equity = self._equity() if positions else cash
            note_equity(close_ts, equity, cash, bool(positions))
            if risk is not None:
                event = risk.on_equity(equity, close_ts)
                if event is not None:
                    self._breaker(event, close_ts)
            if self._progress is not None and done % PROGRESS_EVERY == 0:
                self._progress(done, total)
        if self._progress is not None:
            self._progress(total, total)
        record.finish(portfolio, self._risk.rejections, strategy, self._mark_rows())
        return record

    # -- the walk ------------------------------------------------------------------------------

    def _plan(self) -> list[tuple[int, int]]:
        """(series, candle) pairs to trade, in time order; warms the strategy on the rest."""
        start, end = self._settings.from_ts, self._settings.to_ts
        spans = []
        for k, s in enumerate(self._series):
            first = 0 if start is None else bisect.bisect_left(s.ts, start)
            last = len(s) if end is None else bisect.bisect_left(s.ts, end)
            for i in range(min(first, last)):
                self._strategy.on_candle(s.token, self._candles[k][i], False)
            self.record.warm_candles += min(first, last)
            spans.append((k, first, last))
        if len(spans) == 1:  # one file: its candles are in order already
            ((k, first, last),) = spans
            plan = [(k, i) for i in range(first, last)]
        else:
            timed = [(self._series[k].ts[i], k, i) for k, a, b in spans for i in range(a, b)]
            timed.sort()
            plan = [(k, i) for _, k, i in timed]
        if not plan:
            raise BacktestDataError("no candles between --from and --to")
        return plan

    async def _trade(self, token: Token, candle: Candle) -> None:
        """Fills the order decided at the previous close, then walks the position through the
        candle (a token with neither is skipped: most candles of a flat backtest)."""
        mint = token.mint
        if self._state is TradingState.PAUSED:
            self._resume_if_due(candle.ts)
        signal = self._pending.pop(mint, None)
        if signal is not None:
            liquidity = candle.liquidity_usd
            if signal.side == "buy":
                await self._enter(signal, candle, liquidity)
            elif mint in self._portfolio.positions:
                # Named as a paper session names a strategy's exit; `--json` calls it "signal".
                exit_reason = (
                    HALT_FLATTEN if signal.reason == HALT_FLATTEN else f"{signal.strategy}_exit"
                )
                await self._exit(token, candle.open, liquidity, candle.ts, exit_reason)
        pos = self._portfolio.positions.get(mint)
        if pos is not None:
            found, pos.high_water_usd = candle_exit(
                candle,
                self._exits,
                avg_cost_usd=pos.avg_cost_usd,
                high_water_usd=pos.high_water_usd,
                opened_ts=pos.opened_ts,
            )
            if found is not None:
                liquidity = candle.liquidity_usd
                await self._exit(token, found.price_usd, liquidity, found.ts, found.rule.value)

    async def _end_of_data(self, token: Token, last: Candle) -> None:
        mint = token.mint
        self._pending.pop(mint, None)
        self._last_close[mint] = (last.close_ts, last.liquidity_usd)
        if mint in self._portfolio.positions:
            liquidity = last.liquidity_usd
            await self._exit(token, last.close, liquidity, last.close_ts, END_OF_DATA)

    def _mark_rows(self) -> list[MarkRow]:
        rows = []
        for s in self._series:
            ts, liquidity = self._last_close.get(s.token.mint, (0.0, 0.0))
            price = self._marks.get(s.token.mint)
            if price is not None:
                t = s.token
                rows.append(MarkRow(t.mint, t.symbol, t.decimals, price, liquidity, ts))
        return rows

    # -- entries and exits ---------------------------------------------------------------------

    async def _enter(self, signal: Signal, candle: Candle, liquidity: float) -> None:
        token = signal.token
        tick = MarketTick(token, candle.ts, candle.open, liquidity)
        self._quotes.at(candle.open, liquidity)
        if self._settings.no_risk:
            if self._portfolio.positions:
                return  # one position at a time
            in_micro = self._affordable(round(self._settings.risk.order_usd * 1_000_000))
            if in_micro <= 0:
                return
            await self._fill(token, "buy", in_micro, candle.ts, f"{signal.strategy}_entry")
            return
        sized = self._risk.size(tick, self._portfolio, self._marks)
        if isinstance(sized, Denial):
            self._deny(tick, sized)
            return
        quote = await self._quotes.quote(token, "buy", sized.in_micro)
        impact = None if quote is None else quote.price_impact_bps
        denial = self._risk.check(
            tick, sized, self._state, impact, self._quotes.listed_ts(token.mint)
        )
        if denial is not None:
            self._deny(tick, denial)
            return
        await self._fill(token, "buy", sized.in_micro, candle.ts, f"{signal.strategy}_entry")

    async def _exit(
        self, token: Token, price: float, liquidity: float, ts: float, reason: str
    ) -> None:
        qty = self._portfolio.positions[token.mint].qty
        self._quotes.at(price, liquidity)
        await self._fill(token, "sell", qty, ts, reason)

    async def _fill(self, token: Token, side: Side, amount: int, ts: float, reason: str) -> None:
        ts = self._last_ts = max(ts, self._last_ts)
        self._seq += 1
        order = Order(
            f"ord-{self._seq:07d}-{self._tag}", token, side, amount, self._strategy.name, reason, ts
        )
        result = await self._executor.execute(order)
        record = self.record
        if isinstance(result, Rejected):
            line = OrderRejected(
                ts, side=side, symbol=token.symbol, order_reason=reason, reason=result.reason
            )
            record.rejected(order, result.reason, line)
            return
        effect = self._portfolio.apply(result)
        lines: list[EngineEvent] = [
            OrderFilled(
                ts,
                side=side,
                qty=token.to_whole(result.qty),
                symbol=token.symbol,
                price_usd=result.price_usd,
                quote_micro=result.quote_amount,
                fee_micro=result.fee,
                order_reason=reason,
                realized_micro=effect.realized_micro,
            )
        ]
        if effect.closed is not None:
            trip = effect.closed
            lines.append(
                RoundTripClosed(
                    ts,
                    symbol=token.symbol,
                    won=trip.won,
                    realized_micro=trip.realized_micro,
                    wins=self._portfolio.wins,
                    round_trips=self._portfolio.round_trips,
                )
            )
        record.filled(order, result, effect, lines)
        if not self._settings.no_risk:
            tripped = self._risk.after_fill(side, token.mint, ts, effect)
            if tripped is not None:
                self._breaker(tripped, ts)

    def _affordable(self, wanted_micro: int) -> int:
        """The stake, or less when cash cannot pay it and its fees."""
        paper = self._settings.paper
        fees = round(paper.network_fee_usd * 1_000_000)
        cash = self._portfolio.cash_micro - fees
        return min(wanted_micro, int(cash / (1 + paper.swap_fee_bps / 10_000)))

    def _deny(self, tick: MarketTick, denial: Denial) -> None:
        self._risk.deny(denial)
        line = OrderDenied(
            tick.ts, symbol=tick.token.symbol, denied_by=denial.rule.value, reason=denial.message
        )
        self.record.line(line)

    # -- breakers ------------------------------------------------------------------------------

    def _breaker(self, event: BreakerEvent, ts: float) -> None:
        """A backtest has no operator: a pause that waits for a resume in a session lasts until
        the next UTC day here, and a halt sells everything at the next open and ends trading."""
        if isinstance(event, BreakerCleared):
            if self._state is TradingState.PAUSED:
                self._state = TradingState.ACTIVE
                self.record.state(TradingState.ACTIVE, event.reason, ts)
            return
        if self._state is TradingState.HALTED:
            return
        if event.action == "halt":
            self._state = TradingState.HALTED
            for mint, pos in self._portfolio.positions.items():
                self._pending[mint] = Signal(
                    pos.token, self._strategy.name, "sell", 0.0, HALT_FLATTEN
                )
        else:
            self._state = TradingState.PAUSED
            until = event.until_ts
            self._paused_until = (utc_day(ts) + 1) * DAY_S if until is None else until
        self.record.state(self._state, event.reason, ts)

    def _resume_if_due(self, ts: float) -> None:
        """Ends a pause whose time is up (called while paused)."""
        if ts >= self._paused_until:
            self._state = TradingState.ACTIVE
            self.record.state(TradingState.ACTIVE, "pause over: a new UTC day", ts)

    def _equity(self) -> int:
        equity = self._portfolio.equity_micro(self._marks)
        return self._portfolio.cash_micro if equity is None else equity


def complete(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine that never waits to its end, without an event loop (no asyncio import,
    no loop to make: a backtest command starts faster).

    Raises:
        RuntimeError: the coroutine did wait on something (closed, not left half run).
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    coroutine.close()
    raise RuntimeError("a backtest waited on something; nothing in it may")


def _the_strategy(settings: BacktestSettings) -> Strategy:
    for strategy in make_strategies(settings.config.strategies):
        if strategy.name == settings.strategy:
            strategy.enabled = True
            return strategy
    raise BacktestDataError(f"no strategy named {settings.strategy!r}")


def _check_series(series: Sequence[CandleSeries]) -> None:
    if not series:
        raise BacktestDataError("no candle files given")
    intervals = {s.interval_s for s in series}
    if len(intervals) > 1:
        shown = ", ".join(f"{s.source}: {s.interval_s // 60}m" for s in series)
        raise BacktestDataError(f"every file must have the same candle interval ({shown})")
    seen: dict[str, str] = {}
    for s in series:
        if s.token.mint in seen:
            raise BacktestDataError(
                f"{s.token.symbol} is in both {seen[s.token.mint]} and {s.source}; give one"
            )
        seen[s.token.mint] = s.source
