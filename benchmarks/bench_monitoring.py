"""Benchmarks the engine tick overhead of monitoring: the same headless run with and without it.

"With": the engine as shipped (the sleep watch and loop-lag reading every step, the psutil
sampler thread every second, its row on every flush) plus the `/metrics` endpoint served on
127.0.0.1 (a snapshot published to it every flush). "Without": the same engine whose monitoring
part does nothing. Runs alternate, on fresh ledgers, in one process; prints each run, the
medians and the overhead.

    python benchmarks/bench_monitoring.py [--runs 5] [--hours 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_headless import START, CountingFeed

from soltrader_tui import __version__
from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import usd_to_micro
from soltrader_tui.engine.engine import Engine
from soltrader_tui.engine.monitoring import Monitoring
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.monitor.endpoints import EndpointServer
from soltrader_tui.snapshot import EngineSnapshot


class Unmonitored(Monitoring):
    """A monitoring part that watches nothing: the baseline."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def rebase(self) -> None:
        return None

    def note_lag(self, lag_s: float) -> None:
        return None

    def step(self, waited_s: float, ts: float) -> bool:
        return False

    def take_status(self, ts: float) -> str | None:
        return None

    def publish(self, snapshot: EngineSnapshot) -> None:
        return None


def one_run(hours: float, seed: int, folder: Path, *, monitored: bool) -> tuple[float, float, int]:
    """Returns (wall seconds, CPU seconds of the whole process, token_ticks) for one run."""
    config = Config.model_validate({"monitor": {"sample_every_s": 1}})
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
    counted = CountingFeed(SimFeed(market))
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=counted,  # type: ignore[arg-type]
        clock=VirtualClock(START),
        version=__version__,
        duration_s=hours * 3600,
    )
    server = None
    if monitored:
        server = EndpointServer(bind="127.0.0.1", port=0, token=None, health=dict)
        server.start()
        engine.monitoring.serve(server)
    else:
        base = engine.monitoring
        engine.monitoring = Unmonitored(
            config.monitor,
            clock=engine._clock,
            ledger=ledger.path,
            log=engine._log,
            prices=engine._prices,
            open_positions=lambda: 0,
        )
        engine._books._resources = None
        base.stop()
    t0, c0 = time.perf_counter(), time.process_time()
    asyncio.run(engine.run())
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    if server is not None:
        server.close()
    ledger.close()
    return elapsed, cpu, counted.token_ticks


def step_cost_s(steps: int = 200_000) -> float:
    """Seconds one loop step spends in the sleep watch and the lag reading (measured alone)."""
    engine = Engine(
        config=Config(),
        ledger=Ledger.open(
            Path(tempfile.mkdtemp()) / "step.sqlite",
            starting_cash_micro=1,
            mode="paper",
            version=__version__,
        ),
        feed=SimFeed(SimMarket(7, START, tick_seconds=0.25)),
        clock=VirtualClock(START),
        version=__version__,
    )
    watch = engine.monitoring
    t0 = time.perf_counter()
    for _ in range(steps):
        watch.step(0.0, START)
        watch.note_lag(0.0)
    return (time.perf_counter() - t0) / steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    walls: dict[bool, list[float]] = {True: [], False: []}
    cpus: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            for monitored in (False, True) if i % 2 == 0 else (True, False):
                secs, cpu, ticks = one_run(args.hours, args.seed, Path(tmp), monitored=monitored)
                walls[monitored].append(secs)
                cpus[monitored].append(cpu)
                label = "with" if monitored else "without"
                print(
                    f"run {i + 1} {label}: {ticks:,} token-ticks in {secs:.3f} s wall, "
                    f"{cpu:.3f} s CPU = {ticks / secs:,.0f}/s"
                )
    for name, runs in (("wall", walls), ("CPU", cpus)):
        without, with_ = statistics.median(runs[False]), statistics.median(runs[True])
        print(
            f"median {name} time: {without:.3f} s without, {with_:.3f} s with monitoring: "
            f"{(with_ / without - 1) * 100:+.2f} %"
        )
    steps = int(args.hours * 3600 / Config().market.tick_seconds)
    cost = step_cost_s()
    share = cost * steps / statistics.median(cpus[False]) * 100
    print(
        f"sleep watch + lag per step, alone: {cost * 1e6:.2f} µs x {steps:,} steps = "
        f"{cost * steps * 1000:.1f} ms, {share:.2f} % of a run's CPU time"
    )
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
