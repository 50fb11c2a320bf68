"""Benchmarks memory over a long session: RSS every market hour of a virtual-clock run.

python benchmarks/bench_soak.py [--hours 24]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path

import psutil

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.snapshot import EngineSnapshot

START = 1_767_225_600.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args()
    config = Config.model_validate({"market": {"sim": {"extra_tokens": 5}}})
    process = psutil.Process()
    rows: list[tuple[float, float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.open(
            Path(tmp) / "soak.sqlite", starting_cash_micro=500_000_000, mode="paper", version="soak"
        )
        market = SimMarket(5, START, tick_seconds=config.market.tick_seconds, extra_tokens=5)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeed(market),
            clock=VirtualClock(START),
            version="soak",
            duration_s=args.hours * 3600,
        )
        next_hour = [0.0]

        def on_snapshot(snapshot: EngineSnapshot) -> None:
            hour = ((snapshot.market_ts or START) - START) / 3600
            if hour >= next_hour[0]:
                gc.collect()
                rows.append((hour, process.memory_info().rss / 2**20, snapshot.fills))
                next_hour[0] += 1

        engine.on_snapshot = on_snapshot
        t0 = time.perf_counter()
        asyncio.run(engine.run())
        wall = time.perf_counter() - t0
        ledger.close()
    for hour, rss, fills in rows:
        print(f"market hour {hour:5.1f}: RSS {rss:7.1f} MiB, {fills} fills")
    warm = [rss for hour, rss, _ in rows if hour >= 2]
    print(
        f"{args.hours:g} market hours in {wall:.1f} s wall; RSS growth after warm-up "
        f"(hour 2 on): {max(warm) - warm[0]:+.2f} MiB"
    )
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
