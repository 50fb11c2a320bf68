"""Benchmarks the default session's CPU: the served simulator polled at 4 Hz over loopback.

Runs the real engine on the wall clock against the embedded market server with 50 tokens
(the five characters plus 45 extras), through the metered client and the parsers, for
`--seconds`, and reports this process's CPU time over wall time (one core = 100%). The server
runs in this process too, so its work is included.

    python benchmarks/bench_default_session.py [--seconds 30] [--tokens 50]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import psutil

from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sources import build_market


async def session(seconds: float, tokens: int, folder: Path) -> tuple[float, float, int, int]:
    config = Config.model_validate({"market": {"sim": {"extra_tokens": tokens - 5}}})
    setup = build_market(config, config_dir=None, seed=7, speed=None, duration_s=seconds)
    assert setup.server is not None
    ledger = Ledger.open(
        folder / "bench.sqlite", starting_cash_micro=500_000_000, mode="paper", version="bench"
    )
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=setup.feed,
        clock=setup.clock,
        version="bench",
        duration_s=setup.duration_s,
    )
    proc = psutil.Process()
    cpu0, wall0 = proc.cpu_times(), time.perf_counter()
    await engine.run()
    cpu1, wall1 = proc.cpu_times(), time.perf_counter()
    requests = setup.server.request_count()
    seen = len(engine.snapshot().scores)
    setup.close()
    ledger.close()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return cpu, wall1 - wall0, requests, seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--tokens", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cpu, wall, requests, seen = asyncio.run(session(args.seconds, args.tokens, Path(tmp)))
    print(
        f"{wall:.1f} s wall, {cpu:.2f} s CPU = {100 * cpu / wall:.1f}% of one core; "
        f"{requests} requests served ({requests / wall:.1f}/s); {seen} tokens scored"
    )
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
