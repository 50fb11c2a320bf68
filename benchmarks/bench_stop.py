"""Benchmarks the emergency stop: time from the request to all 10 positions closed in the ledger.

Two paths, 10 runs each, a fresh ledger holding 10 open positions every run:
- key: what `ctrl+e`, `y` does in the dashboard: `Engine.command("stop")` on an engine running
  on the wall clock in this process; stopped when the ledger holds the 10 sells.
- cli: a headless engine in a subprocess; the request is written to the ledger as
  `soltrader-tui stop` writes it, and the clock stops when the engine's answer is committed.
  The whole `soltrader-tui stop` command (Python start-up included) is timed separately.

    python benchmarks/bench_stop.py [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from soltrader_tui.clock import WallClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import Fill, Order
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger, requests
from soltrader_tui.ledger.lock import engine_running
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket

POSITIONS = 10
CONFIG = {"market": {"sim": {"extra_tokens": POSITIONS}}, "risk": {"max_open_positions": 20}}
CONFIG_YAML = "market:\n  sim:\n    extra_tokens: 10\nrisk:\n  max_open_positions: 20\n"


def seed_positions(db: Path) -> None:
    """Writes 10 open positions (SOLX, RVRT, CALM, SIM01..SIM07) into a new ledger."""
    ledger = Ledger.open(db, starting_cash_micro=5_000_000_000, mode="paper", version="bench")
    market = SimMarket(7, time.time(), extra_tokens=POSITIONS)
    tokens = [t for t in market.tokens() if t.symbol not in ("MEME", "NEWB")][:POSITIONS]
    for n, token in enumerate(tokens):
        quote = market.quote(token.mint, "buy", 50_000_000)
        assert quote is not None
        ts = time.time() - 60
        oid = f"seed-{n}"
        price = 50.0 / token.to_whole(quote.out_amount)
        ledger.record_fill(
            Order(oid, token, "buy", 50_000_000, "momentum", "seed", ts),
            Fill(
                oid,
                ts,
                token,
                "buy",
                quote.out_amount,
                price,
                50_000_000,
                126_000,
                "momentum",
                "paper",
            ),
            realized_micro=None,
        )
    ledger.close()


def sells(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM fills WHERE side='sell'").fetchone()[0])
    finally:
        conn.close()


async def key_once(db: Path) -> float:
    config = Config.model_validate(CONFIG)
    ledger = Ledger.open(db, starting_cash_micro=0, mode="paper", version="bench")
    market = SimMarket(
        7, time.time(), tick_seconds=config.market.tick_seconds, extra_tokens=POSITIONS
    )
    engine = Engine(
        config=config, ledger=ledger, feed=SimFeed(market), clock=WallClock(), version="bench"
    )
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(1.0)  # mid-session, waiting for its next tick like the dashboard's engine
    t0 = time.perf_counter()
    engine.command("stop", "bench")
    while engine.portfolio.positions:
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - t0
    engine.request_stop()
    await task
    ledger.close()
    assert sells(db) == POSITIONS
    return elapsed


def cli_once(folder: Path, n: int, *, whole_command: bool) -> float:
    db = folder / f"cli-{n}-{whole_command}.sqlite"
    seed_positions(db)
    config = folder / "bench-config.yaml"
    config.write_text(CONFIG_YAML)
    exe = [sys.executable, "-m", "soltrader_tui"]
    engine = subprocess.Popen(
        [*exe, "run", "--headless", "--config", str(config), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not engine_running(db):
            if time.monotonic() > deadline:
                raise RuntimeError("engine did not start")
            time.sleep(0.05)
        time.sleep(0.5)
        t0 = time.perf_counter()
        if whole_command:
            subprocess.run([*exe, "stop", "--db", str(db)], check=True, capture_output=True)
        else:
            request_id = requests.submit(db, "stop", "bench")
            while requests.result(db, request_id) is None:
                time.sleep(0.001)
        elapsed = time.perf_counter() - t0
    finally:
        engine.terminate()
        engine.wait(timeout=30)
    assert sells(db) == POSITIONS, sells(db)
    return elapsed


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def report(name: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(
        f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95(ms):.1f} ms "
        f"over {len(ms)} runs ({', '.join(f'{v:.0f}' for v in ms)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key = []
        for n in range(args.runs):
            db = folder / f"key-{n}.sqlite"
            seed_positions(db)
            key.append(asyncio.run(key_once(db)))
        report("key (in-process command)", key)
        report(
            "cli (request written -> answer committed)",
            [cli_once(folder, n, whole_command=False) for n in range(args.runs)],
        )
        report(
            "cli (whole `soltrader-tui stop` command)",
            [cli_once(folder, n, whole_command=True) for n in range(args.runs)],
        )
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
