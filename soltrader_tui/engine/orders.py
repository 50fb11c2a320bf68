"""Provides OrderManager: turns orders into committed fills; the one owner of the portfolio.

Every order gets a client order id; every outcome (fill or rejection) is one durable ledger
transaction carrying its log lines; the in-memory portfolio changes only with a fill that the
ledger also holds.
"""

from __future__ import annotations

import copy
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from soltrader_tui.domain import Fill, Mode, Order, Side, SwapQuote, Token
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import OrderFilled, OrderRejected, RoundTripClosed
from soltrader_tui.engine.live_orders import LiveDesk
from soltrader_tui.execution.paper import PaperExecutor, Rejected
from soltrader_tui.ledger.rows import EventRow
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.monitor.views import fill_view
from soltrader_tui.portfolio.portfolio import FillEffect, Portfolio
from soltrader_tui.risk.breakers import DAY_S, utc_day
from soltrader_tui.snapshot import FillView

if TYPE_CHECKING:
    from soltrader_tui.execution.live import LiveExecutor

EXIT_RETRY_S = 5.0
"""Market seconds before an exit that could not fill is tried again."""
FLATTEN_REASONS = frozenset({"emergency_stop", "halt_flatten"})
"""Sales that empty the book on a stop: live, they climb the slippage ladder."""


class OrderManager:
    """The order lifecycle: id, execution, ledger commit, cache update, log lines."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        executor: PaperExecutor,
        log: DecisionLog,
        mode: Mode,
        recent_fills: int,
        portfolio: Portfolio,
        last_fill_id: int,
        on_filled: Callable[[], None] | None = None,
    ) -> None:
        """Takes over a portfolio rebuilt from `ledger` (see `portfolio.resume.restore`), which
        includes the fills up to `last_fill_id`; `on_filled` runs after each fill's commit (the
        engine shows it at once instead of at the end of the tick)."""
        self._ledger = ledger
        self._on_filled = on_filled
        self._executor = executor
        self._log = log
        self._mode: Mode = mode
        self.recent_fills: deque[FillView] = deque(maxlen=recent_fills)
        self.retry_at: dict[str, float] = {}
        """Market time before which a failed exit of a mint is not tried again."""
        self.last_refusal: dict[str, str] = {}
        """Why the last order of each mint did not fill (until one fills)."""
        self.portfolio = portfolio
        self.last_fill_id = last_fill_id
        """The id of the newest fill committed (and applied to the portfolio)."""
        self.in_step = True
        """False once a fill's commit failed: the portfolio was put back, but whether the
        storage kept part of the commit is the ledger's to say at the next start, so no replay
        is saved from this session any more."""
        for stored in reversed(ledger.recent_fills(recent_fills)):
            self.recent_fills.appendleft(
                fill_view(stored.fill, stored.reason, stored.realized_micro)
            )
        self.entry_reasons: dict[str, str] = {
            mint: ledger.entry_reason(mint, pos.opened_ts)
            for mint, pos in portfolio.positions.items()
        }
        """What the strategy said when it opened each open position (the ledger keeps it with
        the opening buy's order)."""
        last = self.recent_fills[0].ts if self.recent_fills else None
        self._fee_day = None if last is None else utc_day(last)
        self._fees_of_day = 0 if self._fee_day is None else ledger.fees_since(self._fee_day * DAY_S)
        self._order_seq = ledger.order_count()
        self._last_order_ts = float("-inf")
        self.live: LiveDesk | None = None
        """Set by `go_live`: orders are live swaps."""
        self._session = secrets.token_hex(3)
        """Part of every order id of this session: a ledger rolled back (a deleted -wal) numbers
        its orders from a lower count again, and the ids must still never repeat."""

    def fees_today(self, market_ts: float | None) -> int | None:
        """Micro-USDC of fees paid on the UTC day of `market_ts` (None: no market time)."""
        if market_ts is None:
            return None
        return self._fees_of_day if self._fee_day == utc_day(market_ts) else 0

    def adopt(self, rebuilt: Portfolio) -> None:
        """Holds `rebuilt` (a full replay of the ledger) in place of the portfolio held, keeping
        each position's trailing-stop high-water mark, which the fills do not record."""
        for mint, position in rebuilt.positions.items():
            held = self.portfolio.positions.get(mint)
            if held is not None:
                position.high_water_usd = held.high_water_usd
        self.portfolio = rebuilt

    def defer(self, mint: str, ts: float) -> None:
        """Tries no exit of `mint` again before `EXIT_RETRY_S` market seconds after `ts`."""
        self.retry_at[mint] = ts + EXIT_RETRY_S

    def order(
        self,
        token: Token,
        ts: float,
        side: Side,
        in_amount: int,
        strategy: str,
        reason: str,
        detail: str = "",
    ) -> Order:
        """Builds an order with the next client order id, stamped no earlier than the one before.

        An entry is stamped with its tick's price time, an exit with the loop's market time; on
        an HTTP feed a price can be older than an exit already made, and the ledger refuses a
        fill stamped before the previous one (market time never goes backwards).
        """
        self._order_seq += 1
        ts = self._last_order_ts = max(ts, self._last_order_ts)
        return Order(
            client_order_id=f"ord-{self._order_seq:07d}-{self._session}",
            token=token,
            side=side,
            in_amount=in_amount,
            strategy=strategy,
            reason=reason,
            ts=ts,
            detail=detail,
        )

    async def sell_all(
        self, token: Token, ts: float, reason: str, quote: SwapQuote | None = None
    ) -> FillEffect | None:
        """Sells a whole position at market (at `quote` when one was just taken for exactly
        it); None when it did not fill (retried later)."""
        pos = self.portfolio.positions[token.mint]
        if self.live is not None and reason in FLATTEN_REASONS and self.live.ladder:
            effect = await self._sell_on_ladder(self.live, token, ts, reason)
        else:
            order = self.order(token, ts, "sell", pos.qty, pos.strategy, reason)
            effect = await self.submit(order, quote)
        if effect is None:
            # Not forgotten: retried a little later, not every tick, so the ledger and the log
            # get one line per attempt instead of four a second.
            self.defer(token.mint, ts)
        return effect

    async def _sell_on_ladder(
        self, live: LiveDesk, token: Token, ts: float, reason: str
    ) -> FillEffect | None:
        """An emergency sale, live: one attempt per step of the slippage ladder, each a new
        order with a fresh quote and a verified transaction, until one fills. After an attempt
        whose outcome is unknown the desk makes no further one (it could sell twice)."""
        for bps in live.ladder:
            pos = self.portfolio.positions[token.mint]
            detail = f"emergency sale at up to {bps} bps slippage"
            order = self.order(token, ts, "sell", pos.qty, pos.strategy, reason, detail)
            effect = await live.submit(order, None, slippage_bps=bps)
            if effect is not None:
                return effect
        return None

    def go_live(
        self,
        executor: LiveExecutor,
        *,
        confirm_timeout_s: float,
        checkpointer: Callable[[str], str] | None,
        now: Callable[[], float],
        ladder: Sequence[int] = (),
    ) -> LiveDesk:
        """Sends every order from now on as a live swap through `executor`; an emergency sale
        tries each slippage of `ladder` in turn."""
        self.live = LiveDesk(
            executor,
            ledger=self._ledger,
            log=self._log,
            commit_fill=self._commit,
            reject=self._reject,
            confirm_timeout_s=confirm_timeout_s,
            checkpointer=checkpointer,
            now=now,
            ladder=ladder,
        )
        return self.live

    async def submit(self, order: Order, quote: SwapQuote | None = None) -> FillEffect | None:
        """Executes an order (at `quote` when one was just taken for exactly it) and commits
        the outcome; returns the fill's effect, or None."""
        if self.live is not None:
            return await self.live.submit(order, quote)
        result = await self._executor.execute(order, quote)
        if isinstance(result, Rejected):
            self._reject(order, result.reason, None)
            return None
        fill = result

        def write(lines: list[EventRow], realized: int | None) -> int:
            return self._ledger.record_fill(order, fill, lines, realized_micro=realized)

        return self._commit(order, fill, write)

    def _reject(self, order: Order, reason: str, extra: EventRow | None) -> None:
        """Commits an order that did not fill, with why (and `extra`, a line about it)."""
        rejected = self._log.prepare(
            OrderRejected(
                order.ts,
                side=order.side,
                symbol=order.token.symbol,
                order_reason=order.reason,
                reason=reason,
            )
        )
        self.last_refusal[order.token.mint] = reason
        lines = [rejected] if extra is None else [extra, rejected]
        pending = self._log.take_pending()
        try:
            self._ledger.record_rejection(order, reason, self._mode, [*pending, *lines])
        except BaseException:
            self._log.restore_pending(pending)
            raise
        self._log.publish(lines)

    def _commit(
        self, order: Order, fill: Fill, write: Callable[[list[EventRow], int | None], int]
    ) -> FillEffect:
        """Applies a fill, commits it with `write` (given its lines and what it realized),
        and only then shows it; returns its effect."""
        # Apply to the cache first: it validates without mutating on error, so a fill the
        # portfolio would refuse never reaches the ledger. If the commit then fails, the cache
        # is put back as it was, so every figure shown after (the closing totals too) is what
        # the ledger holds.
        before = copy.deepcopy(self.portfolio)
        effect = self.portfolio.apply(fill)
        lines = self._fill_lines(order, fill, effect)
        pending = self._log.take_pending()
        try:
            self.last_fill_id = write([*pending, *lines], effect.realized_micro)
        except BaseException:
            self.in_step = False  # the commit's outcome is the ledger's to say: no saved replay
            _put_back(self.portfolio, before)
            self._log.restore_pending(pending)
            raise
        # Only now is the fill done: its lines reach the screen and the logs after the commit.
        self._log.publish(lines)
        day = utc_day(fill.ts)
        if day != self._fee_day:
            self._fee_day, self._fees_of_day = day, 0
        self._fees_of_day += fill.fee
        self.recent_fills.appendleft(fill_view(fill, order.reason, effect.realized_micro))
        self.retry_at.pop(order.token.mint, None)
        self.last_refusal.pop(order.token.mint, None)
        self._note_entry_reason(order)
        if self._on_filled is not None:
            self._on_filled()
        return effect

    def _note_entry_reason(self, order: Order) -> None:
        mint = order.token.mint
        if mint not in self.portfolio.positions:
            self.entry_reasons.pop(mint, None)
        elif order.side == "buy":
            # Only the buy that opened the position says why it was opened.
            self.entry_reasons.setdefault(mint, order.detail)

    def _fill_lines(self, order: Order, fill: Fill, effect: FillEffect) -> list[EventRow]:
        """The FILL line and, when the fill closed a round trip, its ROUND TRIP line."""
        symbol = order.token.symbol
        filled = OrderFilled(
            fill.ts,
            side=fill.side,
            qty=order.token.to_whole(fill.qty),
            symbol=symbol,
            price_usd=fill.price_usd,
            quote_micro=fill.quote_amount,
            fee_micro=fill.fee,
            order_reason=order.reason,
            realized_micro=effect.realized_micro,
        )
        lines = [self._log.prepare(filled)]
        if effect.closed is not None:
            trip = effect.closed
            closed = RoundTripClosed(
                fill.ts,
                symbol=symbol,
                won=trip.won,
                realized_micro=trip.realized_micro,
                wins=self.portfolio.wins,
                round_trips=self.portfolio.round_trips,
            )
            lines.append(self._log.prepare(closed))
        return lines


def _put_back(portfolio: Portfolio, before: Portfolio) -> None:
    """Makes `portfolio` equal to the copy taken before a fill whose commit failed, in place:
    a tick in progress holds this very object."""
    for name in Portfolio.__slots__:
        setattr(portfolio, name, getattr(before, name))
