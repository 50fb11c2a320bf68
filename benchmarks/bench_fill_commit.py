"""Benchmarks fill commit latency against the floor: one bare fsync'd WAL commit of one row.

Both are measured in the same run, on the same disk, in the same folder; the ratio is what
the ledger adds on top of the commit SQLite must do anyway.

    python benchmarks/bench_fill_commit.py [--n 300] [--runs 5] [--dir PATH]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.domain import Fill, Order, Token
from soltrader_tui.ledger.rows import EventRow
from soltrader_tui.ledger.store import Ledger

TOKEN = Token("MEMEmint1111111111111111111111111111111111", "MEME", 6)


def bare_commit_latencies(folder: Path, n: int) -> list[float]:
    """Times `INSERT one row; COMMIT` with synchronous=FULL in WAL mode."""
    conn = sqlite3.connect(folder / f"bare-{time.monotonic_ns()}.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", (f"row {i}",))
        conn.execute("COMMIT")
        out.append(time.perf_counter() - t0)
    conn.close()
    return out


def fill_commit_latencies(folder: Path, n: int) -> list[float]:
    """Times Ledger.record_fill: order + fill + its log lines, one durable transaction."""
    ledger = Ledger.open(
        folder / f"ledger-{time.monotonic_ns()}.sqlite",
        starting_cash_micro=500_000_000,
        mode="paper",
        version=__version__,
    )
    out = []
    for i in range(n):
        ts = 1_767_225_600.0 + i
        side = "buy" if i % 2 == 0 else "sell"
        order = Order(f"bench-{i:07d}", TOKEN, side, 50_000_000, "momentum", "bench", ts)
        fill = Fill(
            f"bench-{i:07d}",
            ts,
            TOKEN,
            side,
            1_000_000,
            50.0,
            50_000_000,
            130_000,
            "momentum",
            "paper",
        )
        events = [EventRow(ts, "info", "fill", f"FILL {side} 1 MEME @ $50 [{i}]")]
        t0 = time.perf_counter()
        ledger.record_fill(order, fill, events, realized_micro=None)
        out.append(time.perf_counter() - t0)
    ledger.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure")
    args = parser.parse_args()
    bare_medians, fill_medians = [], []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for i in range(args.runs):
            bare = statistics.median(bare_commit_latencies(Path(tmp), args.n))
            fill = statistics.median(fill_commit_latencies(Path(tmp), args.n))
            bare_medians.append(bare)
            fill_medians.append(fill)
            print(
                f"run {i + 1}: bare commit {bare * 1e6:,.0f} µs, fill commit {fill * 1e6:,.0f} µs,"
                f" ratio {fill / bare:.2f}"
            )
    bare_m, fill_m = statistics.median(bare_medians), statistics.median(fill_medians)
    print(
        f"median of {args.runs} runs: bare {bare_m * 1e6:,.0f} µs, fill {fill_m * 1e6:,.0f} µs, "
        f"ratio {fill_m / bare_m:.2f}"
    )
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
