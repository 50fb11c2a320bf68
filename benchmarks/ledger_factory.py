"""Provides make_big_ledger: a ledger of N fills (buy/sell round trips on the simulated tokens).

Built with executemany straight into the tables, in one transaction, so a 100,000-fill ledger
takes seconds to make; the rows are the same shape the engine writes.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import iso
from soltrader_tui.market.sim import SimMarket


def make_big_ledger(path: Path, fills: int, *, start_ts: float | None = None) -> None:
    """Writes `fills` fills (alternating buys and sells of the same size) into a new ledger."""
    t0 = time.time() - fills * 10 if start_ts is None else start_ts
    Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version=__version__).close()
    tokens = [t for t in SimMarket(7, t0).tokens() if t.symbol != "MEME"]
    order_rows, fill_rows = [], []
    for n in range(fills):
        token = tokens[(n // 2) % len(tokens)]
        side = "buy" if n % 2 == 0 else "sell"
        ts = t0 + n * 10
        qty = 10**token.decimals
        quote = 50_000_000 + (n % 7 - 3) * 100_000 * (1 if side == "sell" else 0)
        oid = f"big-{n:07d}"
        order_rows.append(
            (
                oid,
                iso(ts),
                token.mint,
                token.symbol,
                side,
                quote if side == "buy" else qty,
                "momentum",
                "bench",
                "filled",
                "",
                "paper",
            )
        )
        fill_rows.append(
            (
                iso(ts),
                oid,
                token.mint,
                token.symbol,
                token.decimals,
                side,
                qty,
                quote / 1e6,
                quote,
                126_000,
                "momentum",
                "paper",
                ts,
                "bench",
            )
        )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO orders (client_order_id, ts, mint, symbol, side, in_amount, strategy, reason,"
        " status, detail, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        order_rows,
    )
    conn.executemany(
        "INSERT INTO fills (ts, order_id, mint, symbol, decimals, side, qty, price, quote_amount,"
        " fee, strategy, mode, ts_epoch, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        fill_rows,
    )
    conn.execute("COMMIT")
    conn.close()
