"""Provides SwapBook: the ledger's record of live swaps, from signed to settled.

A live order's signed transaction, its signature and the last block height at which it can
land are committed *before* it is sent (`record_sent`); its outcome is committed when it is
known (`record_landed`, `record_ended`), in the same transaction as the order's final row, its
fill and the log lines about it. A swap still `sent` after a crash is one whose outcome is
unknown: the next start reads it (`pending`) and resolves it by its signature.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from soltrader_tui.domain import Fill, Order, Token
from soltrader_tui.ledger.highwater import HighWaterKeeper
from soltrader_tui.ledger.rows import EventRow, iso
from soltrader_tui.ledger.timeorder import check_in_order
from soltrader_tui.ledger.transactions import Transactions
from soltrader_tui.ledger.writes import insert_events, insert_fill, insert_rejection

SwapRoute = Literal["jupiter", "rpc"]
SwapEnd = Literal["failed", "expired"]


@dataclass(frozen=True, slots=True)
class PaperTwin:
    """The fill the paper executor made from the same quote at the same moment."""

    qty: int
    quote_amount: int
    fee: int
    price_usd: float


@dataclass(frozen=True, slots=True)
class SentSwap:
    """A signed swap, as committed before it is sent."""

    signature: str
    last_valid_block_height: int
    request_id: str
    route: SwapRoute
    signed_tx: bytes
    quoted_out: int
    """What the order promised: token base units for a buy, micro-USDC for a sell."""
    min_out: int
    """The least output the transaction accepts (after slippage)."""
    sol_usd: float
    """The SOL mark network costs are converted at."""
    decided_wall: float
    signed_wall: float
    """Wall-clock seconds when the order was decided and when its transaction was signed."""
    twin: PaperTwin | None
    twin_note: str = ""
    """Why there is no twin (the paper executor's rejection)."""


@dataclass(frozen=True, slots=True)
class SwapSettled:
    """What the chain says a landed swap cost."""

    slot: int
    fee_lamports: int
    sol_spent_lamports: int
    settled_wall: float


@dataclass(frozen=True, slots=True)
class PendingSwap:
    """A swap committed as sent whose outcome the ledger does not hold yet."""

    order: Order
    sent: SentSwap


_INSERT = """
INSERT INTO swaps (client_order_id, ts, ts_epoch, mint, symbol, decimals, side, in_amount,
                   strategy, reason, detail, signature, last_valid_block_height, request_id,
                   route, signed_tx, quoted_out, min_out, sol_usd, decided_wall, signed_wall,
                   twin_qty, twin_quote_amount, twin_fee, twin_price, twin_note)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_SETTLE = """
UPDATE swaps SET status = ?, outcome = ?, settled_wall = ?, slot = ?, fee_lamports = ?,
                 sol_spent_lamports = ?, fill_id = ?
WHERE client_order_id = ? AND status = 'sent'
"""
_PENDING = """
SELECT client_order_id, ts_epoch, mint, symbol, decimals, side, in_amount, strategy, reason,
       detail, signature, last_valid_block_height, request_id, route, signed_tx, quoted_out,
       min_out, sol_usd, decided_wall, signed_wall, twin_qty, twin_quote_amount, twin_fee,
       twin_price, twin_note
FROM swaps WHERE status = 'sent' ORDER BY id
"""


class SwapNotPending(RuntimeError):
    """A swap's outcome was recorded twice, or for a swap never recorded as sent."""


def _insert_row(order: Order, sent: SentSwap) -> tuple[object, ...]:
    t, twin = order.token, sent.twin
    return (
        order.client_order_id,
        iso(order.ts),
        order.ts,
        t.mint,
        t.symbol,
        t.decimals,
        order.side,
        order.in_amount,
        order.strategy,
        order.reason,
        order.detail,
        sent.signature,
        sent.last_valid_block_height,
        sent.request_id,
        sent.route,
        sent.signed_tx,
        sent.quoted_out,
        sent.min_out,
        sent.sol_usd,
        sent.decided_wall,
        sent.signed_wall,
        None if twin is None else twin.qty,
        None if twin is None else twin.quote_amount,
        None if twin is None else twin.fee,
        None if twin is None else twin.price_usd,
        sent.twin_note,
    )


def _pending_row(row: tuple[Any, ...]) -> PendingSwap:
    (cid, ts, mint, symbol, decimals, side, in_amount, strategy, reason, detail) = row[:10]
    order = Order(
        client_order_id=str(cid),
        token=Token(str(mint), str(symbol), int(decimals)),
        side=side,
        in_amount=int(in_amount),
        strategy=str(strategy),
        reason=str(reason),
        ts=float(ts),
        detail=str(detail),
    )
    (sig, lvbh, request_id, route, tx, quoted, min_out, sol_usd, decided, signed) = row[10:20]
    tq, tqa, tf, tp, note = row[20:25]
    twin = None
    if tq is not None:
        twin = PaperTwin(int(tq), int(tqa), int(tf), float(tp))
    sent = SentSwap(
        signature=str(sig),
        last_valid_block_height=int(lvbh),
        request_id=str(request_id),
        route=route,
        signed_tx=bytes(tx),
        quoted_out=int(quoted),
        min_out=int(min_out),
        sol_usd=float(sol_usd),
        decided_wall=float(decided),
        signed_wall=float(signed),
        twin=twin,
        twin_note=str(note),
    )
    return PendingSwap(order, sent)


def _settle(
    c: sqlite3.Connection,
    order: Order,
    status: str,
    outcome: str,
    settled: SwapSettled | None,
    fill_id: int | None,
) -> None:
    s = settled
    cursor = c.execute(
        _SETTLE,
        (
            status,
            outcome,
            None if s is None else s.settled_wall,
            None if s is None else s.slot,
            None if s is None else s.fee_lamports,
            None if s is None else s.sol_spent_lamports,
            fill_id,
            order.client_order_id,
        ),
    )
    if cursor.rowcount != 1:
        # Rolls the whole transaction back: an outcome is recorded once, for a sent swap.
        raise SwapNotPending(f"swap {order.client_order_id} is not pending in the ledger")


class SwapBook:
    """The live swaps' writes and reads, on the ledger's one write connection."""

    def __init__(
        self, conn: sqlite3.Connection, tx: Transactions, high_water: HighWaterKeeper
    ) -> None:
        self._conn = conn
        self._tx = tx
        self._high_water = high_water

    def record_sent(self, order: Order, sent: SentSwap, events: Sequence[EventRow] = ()) -> None:
        """Commits a signed swap (durably) before it is sent.

        Raises:
            sqlite3.IntegrityError: the order or the signature is already recorded (nothing
                committed): one decision never gets two swaps.
        """

        def write(c: sqlite3.Connection) -> None:
            check_in_order(c, events=[e.ts for e in events])
            c.execute(_INSERT, _insert_row(order, sent))
            insert_events(c, events)

        self._tx.durably(write)

    def record_landed(
        self,
        order: Order,
        fill: Fill,
        settled: SwapSettled,
        events: Sequence[EventRow] = (),
        *,
        realized_micro: int | None,
    ) -> int:
        """Commits a landed swap: the order, its fill (from the chain's balances), the swap's
        costs and the log lines, in one transaction; returns the fill's row id.

        Raises:
            SwapNotPending: the swap is not recorded as sent (nothing committed).
            MarketTimeWentBack: the fill or a line is stamped before the newest one.
        """

        def write(c: sqlite3.Connection) -> int:
            check_in_order(c, fills=[fill.ts], events=[e.ts for e in events])
            fill_id = insert_fill(c, order, fill, realized_micro)
            _settle(c, order, "landed", "", settled, fill_id)
            insert_events(c, events)
            return fill_id

        fill_id = self._tx.durably(write)
        self._high_water.committed(fills=1, last_fill_id=fill_id)
        return fill_id

    def record_ended(
        self,
        order: Order,
        end: SwapEnd,
        outcome: str,
        settled: SwapSettled | None,
        events: Sequence[EventRow] = (),
    ) -> None:
        """Commits a swap that will never fill: `expired` (it can no longer land) or
        `failed` (it landed and the chain refused it), with why; the order ends the same way.

        Raises:
            SwapNotPending: the swap is not recorded as sent (nothing committed).
        """

        def write(c: sqlite3.Connection) -> None:
            check_in_order(c, events=[e.ts for e in events])
            _settle(c, order, end, outcome, settled, None)
            insert_rejection(c, order, outcome, "live", status=end)
            insert_events(c, events)

        self._tx.durably(write)
        self._high_water.committed(fills=0, last_fill_id=None)

    def summary_source(self) -> sqlite3.Connection:
        """The connection the swaps' totals are read over (`slippage_view.live_summary`)."""
        return self._conn

    def pending(self) -> list[PendingSwap]:
        """The swaps sent whose outcome the ledger does not hold, oldest first."""
        return [_pending_row(row) for row in self._conn.execute(_PENDING)]
