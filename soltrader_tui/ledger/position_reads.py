"""Provides the reads behind the dashboard's position detail and equity charts: why a position
was opened, and the ledger's equity curve thinned to a few hundred points, exactly as the
dashboard's chart thins it while points arrive (so `watch` draws what the engine draws)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


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


def thinning_stride(size: int, count: int) -> int:
    """The stride an equity chart of `size` keeps after `count` points: the smallest power of
    two that leaves fewer than `2 * size` of them (`portfolio.equity_series.EquitySeries`)."""
    stride = 1
    while -(-count // stride) >= 2 * size:
        stride *= 2
    return stride


@dataclass(frozen=True, slots=True)
class ThinnedEquity:
    """An equity curve as a chart of `size` keeps it: every stride-th point and the newest."""

    count: int
    """Points on the curve."""
    kept: list[int]
    """Micro-USDC of the points at multiples of the stride, oldest first."""
    last: int | None
    """Micro-USDC of the newest point; None when there is none."""


def read_equity_thinned(
    conn: sqlite3.Connection, size: int, from_ts: float | None = None
) -> ThinnedEquity:
    """Returns the equity curve (the points at or after `from_ts`, if given) thinned as a chart
    of `size` keeps it, in SQLite, so a long ledger is not read into Python for a chart."""
    low = float("-inf") if from_ts is None else from_ts
    row = conn.execute("SELECT count(*) FROM equity WHERE ts_epoch >= ?", (low,)).fetchone()
    count = int(row[0])
    if count == 0:
        return ThinnedEquity(0, [], None)
    stride = thinning_stride(size, count)
    rows = conn.execute(
        "SELECT i, equity_micro FROM (SELECT equity_micro, "
        "ROW_NUMBER() OVER (ORDER BY ts_epoch) - 1 AS i FROM equity WHERE ts_epoch >= ?) "
        "WHERE i % ? = 0 OR i = ? ORDER BY i",
        (low, stride, count - 1),
    ).fetchall()
    kept = [int(r[1]) for r in rows if r[0] % stride == 0]
    return ThinnedEquity(count, kept, int(rows[-1][1]))
