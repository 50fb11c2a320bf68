"""Provides BacktestRecord: everything a backtest did, kept for its ledger and its report.

A backtest writes its ledger once, at the end, in one transaction (`write`): a backtest that
is cut short is simply run again, and the report is printed only after that commit, so nothing
is claimed that the ledger lacks.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

from soltrader_tui.backtest.stored_curve import stored_points
from soltrader_tui.domain import Fill, Order, TradingState
from soltrader_tui.engine.events import EngineEvent, SessionStarted, SessionStopped
from soltrader_tui.ledger.bookkeeping_writes import Flush
from soltrader_tui.ledger.rows import (
    EquityPoint,
    EventRow,
    Heartbeat,
    MarkRow,
    ScoreRow,
    StrategyRow,
)
from soltrader_tui.ledger.store import BacktestRows, Ledger
from soltrader_tui.portfolio.portfolio import FillEffect, Portfolio
from soltrader_tui.strategies.base import Strategy


@dataclass(slots=True)
class Trip:
    """One round trip as the report and `--json` show it."""

    symbol: str
    entry_ts: float
    entry_price: float
    """Average price paid, USD per whole token, before fees."""
    qty: float
    """Whole tokens bought."""
    cost_usd: float
    """USDC paid for the tokens, fees excluded (for the average entry price)."""
    fees_usd: float
    exit_ts: float | None = None
    exit_price: float | None = None
    pnl_usd: float | None = None
    """Realized, all fees included."""
    exit_reason: str | None = None


@dataclass(slots=True, repr=False)
class BacktestRecord:
    """What one backtest did, in order.

    Its repr is a one-line summary: asyncio formats the repr of a finished task's result (even
    when nobody prints it: `asyncio.run` looks up the Ctrl+C handler, whose repr names the
    task), and the full repr of 50,000 equity values takes a tenth of a second.
    """

    strategy: str
    starting_cash_micro: int
    fills: list[tuple[Order, Fill, int | None]] = field(default_factory=list)
    rejections: list[tuple[Order, str]] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    states: list[tuple[TradingState, str, float]] = field(default_factory=list)
    equity_ts: list[float] = field(default_factory=list)
    equity_micro: list[int] = field(default_factory=list)
    cash_micro: list[int] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    candles: int = 0
    warm_candles: int = 0
    exposed_candles: int = 0
    fees_micro: int = 0
    denials: dict[str, int] = field(default_factory=dict)
    marks: list[MarkRow] = field(default_factory=list)
    scores: list[ScoreRow] = field(default_factory=list)
    final_cash_micro: int = 0
    entry_threshold: float | None = None
    _open: dict[str, Trip] = field(default_factory=dict)
    _last_line_ts: float = float("-inf")
    _last_equity_ts: float = float("-inf")

    def __repr__(self) -> str:
        return f"BacktestRecord({self.strategy}, {self.candles} candles, {len(self.fills)} fills)"

    def line(self, event: EngineEvent) -> None:
        """Keeps a log line for the ledger, stamped no earlier than the line before (lines are
        decided in order; the ledger refuses one stamped before its predecessor)."""
        ts = self._last_line_ts = max(event.ts, self._last_line_ts)
        self.events.append(EventRow(ts, event.level, event.kind, event.message, event.rule))

    def filled(
        self, order: Order, fill: Fill, effect: FillEffect, lines: list[EngineEvent]
    ) -> None:
        """Keeps a fill, its lines, and its part of a round trip."""
        self.fills.append((order, fill, effect.realized_micro))
        for event in lines:
            self.line(event)
        self.fees_micro += fill.fee
        mint = fill.token.mint
        trip = self._open.get(mint)
        whole = fill.token.to_whole(fill.qty)
        if fill.side == "buy":
            if trip is None:
                trip = self._open[mint] = Trip(fill.token.symbol, fill.ts, 0.0, 0.0, 0.0, 0.0)
                self.trips.append(trip)
            trip.qty += whole
            trip.cost_usd += fill.quote_amount / 1e6
            trip.entry_price = trip.cost_usd / trip.qty
        elif trip is not None:
            trip.exit_ts, trip.exit_price, trip.exit_reason = fill.ts, fill.price_usd, order.reason
        if trip is not None:
            trip.fees_usd += fill.fee / 1e6
        if effect.closed is not None and trip is not None:
            trip.pnl_usd = effect.closed.realized_micro / 1e6
            del self._open[mint]

    def rejected(self, order: Order, detail: str, event: EngineEvent) -> None:
        """Keeps an order the executor refused, and its line."""
        self.rejections.append((order, detail))
        self.line(event)

    def state(self, state: TradingState, reason: str, ts: float) -> None:
        """Keeps a trading-state change."""
        self.states.append((state, reason, ts))

    def note_equity(self, ts: float, equity_micro: int, cash_micro: int, exposed: bool) -> None:
        """Keeps the equity after a candle (one point per close time: the last one wins)."""
        self.candles += 1
        self.exposed_candles += exposed
        if ts == self._last_equity_ts:
            self.equity_micro[-1] = equity_micro
            self.cash_micro[-1] = cash_micro
        else:
            self._last_equity_ts = ts
            self.equity_ts.append(ts)
            self.equity_micro.append(equity_micro)
            self.cash_micro.append(cash_micro)

    @property
    def equity(self) -> list[EquityPoint]:
        """The equity curve as the ledger stores it: its changes, thinned to the points whose
        figures `status` reads (`stored_curve`: every peak and trough, each day's last)."""
        return stored_points(self.equity_ts, self.equity_micro, self.cash_micro)

    def finish(
        self, portfolio: Portfolio, denials: Counter[str], strategy: Strategy, marks: list[MarkRow]
    ) -> None:
        """Keeps the end state: cash, denials by rule, the final marks and scores."""
        self.final_cash_micro = portfolio.cash_micro
        self.entry_threshold = strategy.entry_threshold
        self.denials = dict(denials)
        self.marks = marks
        last = marks[-1].ts if marks else 0.0
        self.scores = [
            ScoreRow(strategy.name, m.mint, m.symbol, *strategy.score(m.mint), last) for m in marks
        ]

    @property
    def closed_trips(self) -> list[Trip]:
        """Round trips that ended (every one, after `finish`: the data's end closes them)."""
        return [t for t in self.trips if t.pnl_usd is not None]

    def write(self, ledger: Ledger, *, version: str, source: str) -> None:
        """Commits the whole backtest to a new ledger in one transaction."""
        first = self.equity_ts[0] if self.equity_ts else 0.0
        last = self.equity_ts[-1] if self.equity_ts else first
        started = SessionStarted(
            first,
            mode="backtest",
            source=source,
            state=TradingState.ACTIVE,
            cash_micro=self.starting_cash_micro,
            open_positions=0,
        )
        equity = self.equity_micro[-1] if self.equity_micro else self.starting_cash_micro
        realized = sum(r for _, _, r in self.fills if r is not None)
        stopped = SessionStopped(
            last, equity_micro=equity, realized_micro=realized, round_trips=len(self.closed_trips)
        )
        head = EventRow(first, started.level, started.kind, started.message, None)
        tail = EventRow(last, stopped.level, stopped.kind, stopped.message, None)
        ledger.record_backtest(
            BacktestRows(
                fills=self.fills,
                rejections=self.rejections,
                states=self.states,
                events=[head, *self.events, tail],
                strategies=[StrategyRow(self.strategy, True, True, self.entry_threshold)],
                bookkeeping=Flush(
                    equity=list(self.equity),
                    marks=self.marks,
                    scores=self.scores,
                    heartbeat=Heartbeat(time.time(), last, os.getpid(), version, "backtest", False),
                ),
                session=(time.time(), "backtest: no API calls are made"),
            )
        )
