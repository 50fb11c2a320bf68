"""Provides the reads behind `slippage` and the `live` part of `status`: each live swap with
its paper twin and, once landed, the fill it made; and a count of the swaps by status.

A ledger older than the `swaps` table (schema 9) has no swaps, not an error: both reads then
return nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from soltrader_tui.domain import Side
from soltrader_tui.ledger.reads import schema_version

SWAPS_SINCE_SCHEMA = 9
"""The first schema with the `swaps` table."""


@dataclass(frozen=True, slots=True)
class TwinRecord:
    """The fill the paper executor made from the same quote at the same moment."""

    qty: int
    quote_amount: int
    fee: int
    """Micro-USDC, as the paper executor charges (swap fee and network fee)."""
    price_usd: float


@dataclass(frozen=True, slots=True)
class LiveFillRecord:
    """The fill a landed swap made, from what the chain moved."""

    id: int
    ts: float
    qty: int
    price_usd: float
    quote_amount: int
    fee: int
    """Micro-USDC: the SOL the wallet paid (network, priority, rent) valued at `sol_usd`."""


@dataclass(frozen=True, slots=True)
class SwapRecord:
    """One live swap as the ledger holds it: the order, the swap, its twin and its outcome."""

    client_order_id: str
    ts: float
    """The order's (market) time, unix seconds."""
    side: Side
    mint: str
    symbol: str
    decimals: int
    in_amount: int
    strategy: str
    reason: str
    signature: str
    route: str
    quoted_out: int
    min_out: int
    sol_usd: float
    decided_wall: float
    signed_wall: float
    twin: TwinRecord | None
    twin_note: str
    status: str
    """'sent' (outcome unknown), 'landed', 'failed' or 'expired'."""
    outcome: str
    settled_wall: float | None
    slot: int | None
    fee_lamports: int | None
    sol_spent_lamports: int | None
    fill: LiveFillRecord | None


_SWAPS = """
SELECT s.client_order_id, s.ts_epoch, s.side, s.mint, s.symbol, s.decimals, s.in_amount,
       s.strategy, s.reason, s.signature, s.route, s.quoted_out, s.min_out, s.sol_usd,
       s.decided_wall, s.signed_wall, s.twin_qty, s.twin_quote_amount, s.twin_fee,
       s.twin_price, s.twin_note, s.status, s.outcome, s.settled_wall, s.slot, s.fee_lamports,
       s.sol_spent_lamports, f.id, f.ts_epoch, f.qty, f.price, f.quote_amount, f.fee
FROM swaps AS s LEFT JOIN fills AS f ON f.id = s.fill_id
ORDER BY s.id DESC LIMIT ?
"""
_COUNTS = "SELECT status, count(*) FROM swaps GROUP BY status"


def _record(row: tuple[Any, ...]) -> SwapRecord:
    (cid, ts, side, mint, symbol, decimals, in_amount, strategy, reason, sig, route) = row[:11]
    (quoted, min_out, sol_usd, decided, signed, tq, tqa, tf, tp, note) = row[11:21]
    (status, outcome, settled, slot, fee_lamports, spent) = row[21:27]
    fid, fts, fqty, fprice, fquote, ffee = row[27:33]
    twin = None
    if tq is not None:
        twin = TwinRecord(int(tq), int(tqa), int(tf), float(tp))
    fill = None
    if fid is not None:
        fill = LiveFillRecord(
            int(fid), float(fts), int(fqty), float(fprice), int(fquote), int(ffee)
        )
    return SwapRecord(
        client_order_id=str(cid),
        ts=float(ts),
        side=side,
        mint=str(mint),
        symbol=str(symbol),
        decimals=int(decimals),
        in_amount=int(in_amount),
        strategy=str(strategy),
        reason=str(reason),
        signature=str(sig),
        route=str(route),
        quoted_out=int(quoted),
        min_out=int(min_out),
        sol_usd=float(sol_usd),
        decided_wall=float(decided),
        signed_wall=float(signed),
        twin=twin,
        twin_note=str(note),
        status=str(status),
        outcome=str(outcome),
        settled_wall=None if settled is None else float(settled),
        slot=None if slot is None else int(slot),
        fee_lamports=None if fee_lamports is None else int(fee_lamports),
        sol_spent_lamports=None if spent is None else int(spent),
        fill=fill,
    )


def read_swaps(conn: sqlite3.Connection, last: int | None = None) -> list[SwapRecord]:
    """Returns the live swaps, oldest first: the newest `last` of them (every one for None).

    Args:
        conn: A connection to the ledger.
        last: How many of the newest swaps; None for all.
    """
    if schema_version(conn) < SWAPS_SINCE_SCHEMA:
        return []
    limit = -1 if last is None else max(0, last)  # SQLite: a negative LIMIT is no limit
    rows = conn.execute(_SWAPS, (limit,)).fetchall()
    return [_record(row) for row in reversed(rows)]


def count_swaps(conn: sqlite3.Connection) -> dict[str, int]:
    """Returns how many swaps the ledger holds in each status (only the statuses it holds)."""
    if schema_version(conn) < SWAPS_SINCE_SCHEMA:
        return {}
    return {str(status): int(n) for status, n in conn.execute(_COUNTS)}
