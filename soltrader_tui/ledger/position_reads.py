"""Provides the reads behind the dashboard's position detail and equity charts: why a position
was opened, and the ledger's equity curve thinned to a few hundred points."""

from __future__ import annotations

import sqlite3


def read_entry_reason(conn: sqlite3.Connection, mint: str, opened_ts: float) -> str:
    """Returns what the strategy said when it opened the position in `mint` at `opened_ts`.

    The first buy of the position is the one that opened it; its order's `detail` holds the
    strategy's reason (a filled order has no other use for it). "" when the ledger has none (an
    order written before reasons were kept).
    """
    row = conn.execute(
        "SELECT o.detail FROM fills f JOIN orders o ON o.client_order_id = f.order_id "
        "WHERE f.mint = ? AND f.side = 'buy' AND f.ts_epoch >= ? ORDER BY f.id LIMIT 1",
        (mint, opened_ts),
    ).fetchone()
    return "" if row is None else str(row[0])


def read_equity_sample(conn: sqlite3.Connection, most: int) -> list[int]:
    """Returns about `most` equity points (micro-USDC) spread evenly over the whole curve, oldest
    first, always ending with the newest one.

    Points are inserted in time order, so every k-th row id is every k-th point; the filter
    runs in SQLite, so a long ledger is not read into Python for a chart.
    """
    count = int(conn.execute("SELECT count(*) FROM equity").fetchone()[0])
    if count == 0:
        return []
    stride = max(1, -(-count // max(1, most)))
    rows = conn.execute(
        "SELECT equity_micro FROM equity WHERE rowid % ? = 0 "
        "OR ts_epoch = (SELECT max(ts_epoch) FROM equity) ORDER BY ts_epoch",
        (stride,),
    ).fetchall()
    return [int(r[0]) for r in rows]
