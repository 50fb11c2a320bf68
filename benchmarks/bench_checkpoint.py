"""Benchmarks checkpoint time: `take_checkpoint` on a ledger of 100,000 fills.

The ledger is built directly with `executemany` (not through the engine, which would take
hours of market): round trips over five tokens, one fill every 30 market seconds, with the
order row and two log lines per fill and an equity point per market minute, as the engine
writes them. Each run takes one checkpoint into a fresh folder; the backup alone (online
backup API + quick_check of the copy) is timed separately, so the rest is the CHECKPOINT.md
figures (a replay of every fill, as `status` does).

    python benchmarks/bench_checkpoint.py [--fills 100000] [--runs 5] [--dir PATH]
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
from soltrader_tui.checkpoints.report import backup_ledger
from soltrader_tui.checkpoints.store import take_checkpoint
from soltrader_tui.ledger.rows import iso
from soltrader_tui.ledger.store import Ledger

START = 1_767_225_600.0
TOKENS = [(f"Mint{i}" + "1" * 39, f"TOK{i}", 6) for i in range(5)]


Row = tuple[object, ...]


def fill_rows(n: int) -> tuple[list[Row], list[Row]]:
    """Returns (orders, fills): buys and sells of the same quantity, alternating tokens."""
    orders: list[Row] = []
    fills: list[Row] = []
    for i in range(n):
        ts = START + 30 * i
        mint, symbol, decimals = TOKENS[(i // 2) % len(TOKENS)]
        side = "buy" if i % 2 == 0 else "sell"
        quote = 50_000_000 if side == "buy" else 50_000_000 + (i % 7 - 3) * 400_000
        oid = f"bench-{i:07d}"
        orders.append(
            (oid, iso(ts), mint, symbol, side, quote, "momentum", "bench", "filled", "", "paper")
        )
        fills.append(
            (
                iso(ts),
                oid,
                mint,
                symbol,
                decimals,
                side,
                1_000_000,
                quote / 1e6,
                quote,
                125_000,
                "momentum",
                "paper",
                ts,
                "bench",
            )
        )
    return orders, fills


def build_ledger(path: Path, n: int) -> None:
    """Writes a ledger of `n` fills with the orders, log lines and equity points around them."""
    Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version=__version__).close()
    orders, fills = fill_rows(n)
    events = [
        (iso(START + 30 * i), level, kind, f"{kind} {i}: TOK{i % 5} at $50.00 for 50 USDC")
        for i in range(n)
        for level, kind in (("info", "signal"), ("info", "fill"))
    ]
    minutes = int(30 * n / 60)
    equity = [
        (START + 60 * m, iso(START + 60 * m), 500_000_000, 450_000_000) for m in range(minutes)
    ]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO orders (client_order_id, ts, mint, symbol, side, in_amount, strategy,"
        " reason, status, detail, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        orders,
    )
    conn.executemany(
        "INSERT INTO fills (ts, order_id, mint, symbol, decimals, side, qty, price, quote_amount,"
        " fee, strategy, mode, ts_epoch, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        fills,
    )
    conn.executemany("INSERT INTO events (ts, level, kind, message) VALUES (?, ?, ?, ?)", events)
    conn.executemany("INSERT INTO equity VALUES (?, ?, ?, ?)", equity)
    conn.execute("COMMIT")
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        ledger = Path(tmp) / "soltrader.sqlite"
        t0 = time.perf_counter()
        build_ledger(ledger, args.fills)
        size_mb = ledger.stat().st_size / 1e6
        print(
            f"built a ledger of {args.fills:,} fills ({size_mb:,.1f} MB) in "
            f"{time.perf_counter() - t0:,.1f} s"
        )
        totals, backups = [], []
        for i in range(args.runs):
            t0 = time.perf_counter()
            backup_ledger(ledger, Path(tmp) / f"backup-{i}.sqlite")
            backups.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            take_checkpoint(
                ledger, Path(tmp) / f"checkpoints-{i}", config_file=None, reason="bench", keep=10
            )
            totals.append(time.perf_counter() - t0)
            print(
                f"run {i + 1}: checkpoint {totals[-1]:.3f} s (backup + check {backups[-1]:.3f} s)"
            )
    print(
        f"median of {args.runs} runs: checkpoint {statistics.median(totals):.3f} s, "
        f"of which backup + quick_check {statistics.median(backups):.3f} s"
    )
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
