"""Provides what `soltrader-tui stop` prints: the positions it flattened, read from the ledger.

The engine answers a stop with its new state; what it sold is read back from the ledger after
that answer, so only sales the ledger has committed are shown.
"""

from __future__ import annotations

from pathlib import Path

from soltrader_tui import format as fmt
from soltrader_tui.ledger.connect import open_reader
from soltrader_tui.ledger.reads import read_fills, read_recent_fills
from soltrader_tui.monitor.views import fill_view
from soltrader_tui.snapshot import FillView

STOP_REASON = "emergency_stop"
"""The reason the engine records on the sells of an emergency stop."""


def last_fill_id(db: Path) -> int:
    """The newest fill's id (0 for none): the fills after it are the stop's.

    Raises:
        LedgerError: the file is missing, not a ledger, damaged, or newer.
    """
    conn = open_reader(db)
    try:
        newest = read_recent_fills(conn, 1)
    finally:
        conn.close()
    return newest[0].id if newest else 0


def sold_lines(db: Path, after_id: int) -> list[str]:
    """One line per position the stop sold (fills after `after_id`): quantity and proceeds.

    Raises:
        LedgerError: the ledger cannot be read.
    """
    conn = open_reader(db)
    try:
        sold = [
            fill_view(s.fill, s.reason, s.realized_micro)
            for s in read_fills(conn, after_id=after_id)
            if s.fill.side == "sell" and s.reason == STOP_REASON
        ]
    finally:
        conn.close()
    if not sold:
        return ["sold nothing: no position was open"]
    return [_line(f) for f in sold] + [
        f"total proceeds {fmt.usd(sum(f.quote_usd - f.fee_usd for f in sold))} "
        f"from {len(sold)} position{'s' if len(sold) != 1 else ''}"
    ]


def _line(f: FillView) -> str:
    realized = (
        "" if f.realized_pnl_usd is None else f", realized {fmt.signed_usd(f.realized_pnl_usd)}"
    )
    return (
        f"sold {f.symbol}: {fmt.qty(f.qty_whole)} at {fmt.price(f.price_usd)}, proceeds "
        f"{fmt.usd(f.quote_usd - f.fee_usd)} after {fmt.usd(f.fee_usd)} fees{realized}"
    )
