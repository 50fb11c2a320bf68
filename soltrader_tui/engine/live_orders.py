"""Provides LiveDesk: a live order from decision to ledger, exactly once.

The order manager hands it live orders and takes back fills to apply and commit. Its own
commits are the swap's: the signed transaction before it is sent, and how a swap that never
filled ended. While a swap's outcome is unknown (`awaiting`), the engine makes no other order:
the outcome is asked after at every tick and at the next start, and the swap is never made
again (a second decision would be a second swap).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from soltrader_tui.domain import Fill, Order, SwapQuote
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import CheckpointTaken
from soltrader_tui.engine.live_events import (
    SwapEnded,
    SwapRefused,
    SwapSendTrouble,
    SwapSent,
    SwapUnresolved,
)
from soltrader_tui.execution.live_results import Ended, Landed, RefusedSwap, Unresolved
from soltrader_tui.execution.paper import Rejected
from soltrader_tui.ledger.rows import EventRow
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.ledger.swap_book import PendingSwap, SentSwap
from soltrader_tui.monitor.slippage_view import live_figure, live_summary
from soltrader_tui.portfolio.portfolio import FillEffect

if TYPE_CHECKING:
    from soltrader_tui.execution.live import LiveExecutor

CommitFill = Callable[[Order, Fill, Callable[[list[EventRow], int | None], int]], FillEffect]
"""The order manager's commit of a fill: applies it, runs the given ledger write with the
lines and what it realized, publishes; returns its effect."""
Reject = Callable[[Order, str, EventRow | None], None]
"""The order manager's commit of an order that did not fill (with an extra line, if any)."""


class LiveDesk:
    """Sends live orders and settles their swaps; the order manager keeps the portfolio."""

    def __init__(
        self,
        executor: LiveExecutor,
        *,
        ledger: Ledger,
        log: DecisionLog,
        commit_fill: CommitFill,
        reject: Reject,
        confirm_timeout_s: float,
        checkpointer: Callable[[str], str] | None,
        now: Callable[[], float],
        ladder: Sequence[int] = (),
    ) -> None:
        self._executor = executor
        self._ledger = ledger
        self._log = log
        self._commit_fill = commit_fill
        self._reject = reject
        self._timeout = confirm_timeout_s
        self._checkpointer = checkpointer
        self._now = now
        self._checkpointed = False
        self.awaiting: list[PendingSwap] = ledger.swaps.pending()
        """Swaps sent whose outcome is not known (from the ledger: a crash may have left
        some); no other order is made until each is settled."""
        self._told: set[str] = set()
        self._changes = 0
        """Swaps sent or settled so far this session: the figure is read again when it moves."""
        self._figure: tuple[int, str] | None = None
        self.ladder = tuple(ladder)
        """The slippage of each attempt of an emergency sale, basis points (already capped)."""

    async def submit(
        self, order: Order, quote: SwapQuote | None, *, slippage_bps: int | None = None
    ) -> FillEffect | None:
        """Makes `order` a verified, signed swap, commits it, sends it and follows it; an
        emergency sale asks for `slippage_bps` (its slippage cap raised to it)."""
        if self.awaiting:
            return None  # the caller defers exits; the engine makes no entry meanwhile
        if not await self._checkpoint_first():
            self._reject(order, "no checkpoint could be taken before the first live order", None)
            return None
        limits = self._executor.limits
        if slippage_bps is not None and slippage_bps > limits.max_slippage_bps:
            limits = replace(limits, max_slippage_bps=slippage_bps)
        prepared = await self._executor.prepare(
            order, quote, slippage_bps=slippage_bps, limits=limits
        )
        if isinstance(prepared, Rejected):
            self._reject(order, prepared.reason, None)
            return None
        if isinstance(prepared, RefusedSwap):
            refused = SwapRefused(
                order.ts,
                side=order.side,
                symbol=order.token.symbol,
                check=prepared.check,
                reason=prepared.reason,
            )
            reason = f"refused before signing ({prepared.check}): {prepared.reason}"
            self._reject(order, reason, self._log.prepare(refused))
            return None
        sent = prepared.sent
        self._commit_sent(order, sent)
        trouble = await self._executor.send(sent)
        if trouble is not None:
            self._log.record(
                SwapSendTrouble(self._now(), order.token.symbol, sent.signature, trouble)
            )
        return await self._settle(PendingSwap(order, sent), self._timeout)

    async def settle_awaiting(self, wait_s: float = 0.0) -> bool:
        """Asks after every swap whose outcome is unknown; True when none is left."""
        for pending in list(self.awaiting):
            await self._settle(pending, wait_s)
        return not self.awaiting

    def _commit_sent(self, order: Order, sent: SentSwap) -> None:
        line = self._log.prepare(
            SwapSent(
                self._now(),
                side=order.side,
                symbol=order.token.symbol,
                signature=sent.signature,
                last_valid_block_height=sent.last_valid_block_height,
                route=sent.route,
            )
        )
        pending = self._log.take_pending()
        try:
            self._ledger.swaps.record_sent(order, sent, [*pending, line])
        except BaseException:
            self._log.restore_pending(pending)
            raise
        self.awaiting.append(PendingSwap(order, sent))
        self._changes += 1
        # Said once the ledger holds it: a crash from here on is resolved by this signature.
        self._log.publish((line,))

    async def _settle(self, pending: PendingSwap, wait_s: float) -> FillEffect | None:
        order, sent = pending.order, pending.sent
        outcome = await self._executor.settle(order, sent, wait_s)
        if isinstance(outcome, Landed):
            effect = self._landed(order, outcome)
        elif isinstance(outcome, Ended):
            self._ended(pending, outcome)
            effect = None
        else:
            self._unresolved(pending, outcome)
            return None
        self._changes += 1
        self.awaiting = [
            p for p in self.awaiting if p.order.client_order_id != order.client_order_id
        ]
        return effect

    def _landed(self, order: Order, landed: Landed) -> FillEffect:
        # Filled when it landed, which is now or just before: a swap settled after a restart
        # is stamped after every line the ledger already holds about it.
        fill = replace(landed.fill, ts=max(landed.fill.ts, self._now()))
        settled = landed.settled

        def write(lines: list[EventRow], realized: int | None) -> int:
            return self._ledger.swaps.record_landed(
                order, fill, settled, lines, realized_micro=realized
            )

        return self._commit_fill(order, fill, write)

    def _ended(self, pending: PendingSwap, ended: Ended) -> None:
        order = pending.order
        line = self._log.prepare(
            SwapEnded(
                self._now(),
                side=order.side,
                symbol=order.token.symbol,
                end=ended.end,
                outcome=ended.outcome,
                signature=pending.sent.signature,
            )
        )
        batch = self._log.take_pending()
        try:
            self._ledger.swaps.record_ended(
                order, ended.end, ended.outcome, ended.settled, [*batch, line]
            )
        except BaseException:
            self._log.restore_pending(batch)
            raise
        self._log.publish((line,))

    def _unresolved(self, pending: PendingSwap, unresolved: Unresolved) -> None:
        signature = pending.sent.signature
        if signature in self._told:
            return  # said once per swap: the engine asks every tick
        self._told.add(signature)
        self._log.record(
            SwapUnresolved(
                self._now(),
                side=pending.order.side,
                symbol=pending.order.token.symbol,
                signature=signature,
                why=unresolved.why,
            )
        )

    def figure(self) -> str:
        """The "Live vs paper" figure, from the ledger's swaps (read again only after a swap
        was sent or settled)."""
        if self._figure is None or self._figure[0] != self._changes:
            source = self._ledger.swaps.summary_source()
            self._figure = (self._changes, live_figure(live_summary(source)))
        return self._figure[1]

    async def _checkpoint_first(self) -> bool:
        """Takes the session's checkpoint before its first live order; False if it failed."""
        if self._checkpointed or self._checkpointer is None:
            self._checkpointed = True
            return True
        try:
            name = await asyncio.to_thread(self._checkpointer, "before the first live order")
        except Exception:
            return False
        self._checkpointed = True
        self._log.record(CheckpointTaken(self._now(), name, "before the first live order"))
        return True
