"""Benchmarks `soltrader-tui backtest` and `soltrader-tui optimize` as a user runs them.

    python benchmarks/bench_backtest.py [--runs 5]             # the whole backtest command
    python benchmarks/bench_backtest.py --optimize [--trials 200 --jobs 2]

The backtest is the EMA cross (12/26) over binance_SOL_USDT_5m_2025-01-01_2025-06-18.csv
(48,524 candles) with the common backtester convention (fixed $100 stake, 10 bps per side, 5%
stop, no impact, one position, no other limits), the whole command from process start to exit,
a new ledger each run. One untimed run first fills Python's bytecode cache and the candle
cache (the parsed file, kept in the data folder), as every run after a user's first has them;
`--cold` times runs that parse the file each time. The command runs without
PYTHONDONTWRITEBYTECODE (which the sandbox sets), or there would be no bytecode cache to fill:
every run would compile the package again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SOL_5M = DATA / "binance_SOL_USDT_5m_2025-01-01_2025-06-18.csv"
CONVENTION = ["--stake-usd", "100", "--fee-bps", "10", "--stop-loss-pct", "5", "--no-risk"]


def command(*args: str | Path) -> list[str]:
    exe = Path(sys.executable).with_name("soltrader-tui")
    return [str(exe), *map(str, args)]


def timed(argv: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, timeout=900, env=env)
    return time.perf_counter() - t0


def bench_backtest(runs: int, cold: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "config.yaml").write_text("storage:\n  data_dir: data\n", encoding="utf-8")
        times = []
        for n in range(runs + 1):
            if cold:
                for cached in (folder / "data" / "cache").rglob("*.bin"):
                    cached.unlink()
            argv = command(
                "backtest", "--strategy", "ema_cross", "--data", SOL_5M, "--impact", "none",
                "--db", folder / f"bt-{n}.sqlite", *CONVENTION,
            )  # fmt: skip
            seconds = timed(argv, folder)
            if n:  # the first run fills the caches
                times.append(seconds)
                print(f"run {n}: {seconds:.3f} s")
        print(f"median of {runs}: {statistics.median(times):.3f} s ({'cold' if cold else 'warm'})")


def bench_optimize(trials: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "config.yaml").write_text("storage:\n  data_dir: data\n", encoding="utf-8")
        argv = command(
            "optimize", "--strategy", "ema_cross", "--trials", str(trials), "--jobs", str(jobs),
            "--data", SOL_5M, "--sampler-seed", "1",
        )  # fmt: skip
        seconds = timed(argv, folder)
        print(f"optimize --trials {trials} --jobs {jobs}: {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="parse the file on every run")
    parser.add_argument("--optimize", action="store_true", help="time optimize instead")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print("command: python benchmarks/bench_backtest.py " + " ".join(sys.argv[1:]))
    if args.optimize:
        bench_optimize(args.trials, args.jobs)
    else:
        bench_backtest(args.runs, args.cold)


if __name__ == "__main__":
    main()
