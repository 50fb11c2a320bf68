"""Provides the statements of the money-changing writes: an order with its fill, a rejected
order, a trading-state change, answered control requests, and the log lines that ride with
them. Each function runs inside a transaction the caller holds (`Transactions.durably`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from soltrader_tui.domain import Fill, Order, TradingState
from soltrader_tui.ledger.rows import EventRow, iso

_INSERT_FILL = """
INSERT INTO fills (ts, order_id, mint, symbol, decimals, side, qty, price, quote_amount, fee,
                   strategy, mode, ts_epoch, reason, realized_micro)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_ORDER = """
INSERT INTO orders (client_order_id, ts, mint, symbol, side, in_amount, strategy, reason, status,
                    detail, mode)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_EVENT = "INSERT INTO events (ts, level, kind, rule, message) VALUES (?, ?, ?, ?, ?)"


def insert_events(c: sqlite3.Connection, events: Iterable[EventRow]) -> None:
    """Appends log lines."""
    c.executemany(_INSERT_EVENT, [_event_row(e) for e in events])


def insert_fill(c: sqlite3.Connection, order: Order, fill: Fill, realized_micro: int | None) -> int:
    """Inserts a filled order and its fill; returns the fill's row id."""
    c.execute(_INSERT_ORDER, _order_row(order, "filled", order.detail, fill.mode))
    cursor = c.execute(_INSERT_FILL, _fill_row(fill, order.reason, realized_micro))
    return int(cursor.lastrowid or 0)


def insert_fills(c: sqlite3.Connection, fills: Sequence[tuple[Order, Fill, int | None]]) -> None:
    """Inserts filled orders and their fills (each with what it realized), in order, in two
    statements: a backtest commits its whole run at once."""
    c.executemany(_INSERT_ORDER, [_order_row(o, "filled", "", f.mode) for o, f, _ in fills])
    c.executemany(_INSERT_FILL, [_fill_row(f, o.reason, r) for o, f, r in fills])


def insert_rejection(
    c: sqlite3.Connection, order: Order, detail: str, mode: str, *, status: str = "rejected"
) -> None:
    """Inserts an order that could not be filled (`rejected`, or a live swap's `expired` or
    `failed`), with why."""
    c.execute(_INSERT_ORDER, _order_row(order, status, detail, mode))


def insert_state(
    c: sqlite3.Connection, state: TradingState, reason: str, actor: str, ts: float
) -> None:
    """Inserts a trading-state change."""
    c.execute(
        "INSERT INTO trading_state (ts, state, reason, actor) VALUES (?, ?, ?, ?)",
        (iso(ts), state.value, reason, actor),
    )


def answer_request(c: sqlite3.Connection, request_id: int, result: str, ts: float) -> None:
    """Marks a control request done with its result."""
    c.execute(
        "UPDATE control_requests SET status = 'done', result = ?, done_ts = ? WHERE id = ?",
        (result, iso(ts), request_id),
    )


def count_orders(c: sqlite3.Connection) -> int:
    """Returns how many orders the ledger holds (used to number new ones)."""
    return int(c.execute("SELECT count(*) FROM orders").fetchone()[0])


def _order_row(order: Order, status: str, detail: str, mode: str) -> tuple[object, ...]:
    return (
        order.client_order_id,
        iso(order.ts),
        order.token.mint,
        order.token.symbol,
        order.side,
        order.in_amount,
        order.strategy,
        order.reason,
        status,
        detail,
        mode,
    )


def _fill_row(fill: Fill, reason: str, realized_micro: int | None) -> tuple[object, ...]:
    t = fill.token
    return (
        iso(fill.ts),
        fill.order_id,
        t.mint,
        t.symbol,
        t.decimals,
        fill.side,
        fill.qty,
        fill.price_usd,
        fill.quote_amount,
        fill.fee,
        fill.strategy,
        fill.mode,
        fill.ts,
        reason,
        realized_micro,
    )


def _event_row(e: EventRow) -> tuple[object, ...]:
    return (iso(e.ts), e.level, e.kind, e.rule, e.message)
