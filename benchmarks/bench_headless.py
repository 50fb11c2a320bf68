"""Benchmarks headless throughput: token-ticks per second through strategy, risk, fills, ledger.

Runs the real engine on a virtual clock (`--speed max`) against the embedded simulated market
and a real ledger file, exactly as `soltrader-tui run --headless --speed max` does, minus
process start-up. Prints each run and the median.

    python benchmarks/bench_headless.py [--runs 5] [--hours 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import usd_to_micro
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, fixed so runs are comparable


def one_run(hours: float, seed: int, folder: Path) -> tuple[float, int, int]:
    """Returns (seconds, token_ticks, fills) for one run on a fresh ledger."""
    config = Config()
    ledger = Ledger.open(
        folder / f"bench-{time.monotonic_ns()}.sqlite",
        starting_cash_micro=usd_to_micro(config.paper.starting_cash_usd),
        mode="paper",
        version=__version__,
    )
    sim = config.market.sim
    market = SimMarket(
        seed,
        START,
        tick_seconds=config.market.tick_seconds,
        rug_after_s=sim.rug_after_minutes * 60,
        listing_after_s=sim.listing_after_minutes * 60,
    )
    feed = SimFeed(market)
    counted = CountingFeed(feed)
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=counted,
        clock=VirtualClock(START),
        version=__version__,
        duration_s=hours * 3600,
    )
    t0 = time.perf_counter()
    asyncio.run(engine.run())
    elapsed = time.perf_counter() - t0
    fills = engine.portfolio.fill_count
    ledger.close()
    return elapsed, counted.token_ticks, fills


class CountingFeed:
    """Counts the token-ticks the engine processed, without changing what it sees."""

    def __init__(self, inner: SimFeed) -> None:
        self.inner = inner
        self.source = inner.source
        self.api_note = inner.api_note
        self.token_ticks = 0
        self.quote = inner.quote
        self.history = inner.history
        self.token = inner.token
        self.usage = inner.usage
        self.take_usage_minutes = inner.take_usage_minutes
        self.take_notices = inner.take_notices
        self.take_refused_prices = inner.take_refused_prices
        self.listed_ts = inner.listed_ts
        self.aclose = inner.aclose

    async def poll(self, ts: float):  # type: ignore[no-untyped-def]
        ticks = await self.inner.poll(ts)
        self.token_ticks += len(ticks)
        return ticks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            secs, ticks, fills = one_run(args.hours, args.seed, Path(tmp))
            rates.append(ticks / secs)
            print(
                f"run {i + 1}: {ticks:,} token-ticks in {secs:.3f} s = {ticks / secs:,.0f}/s, "
                f"{fills} fills"
            )
    print(f"median: {statistics.median(rates):,.0f} token-ticks/s over {args.runs} runs")
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
