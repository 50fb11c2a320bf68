"""Benchmarks the ledger part of a start on a large ledger, in-process (no terminal involved).

On a copy of a ledger of N fills made by `ledger_factory` (events, equity points and the saved
replay included), times: opening it with the integrity check, the engine's restore from the
saved replay, and the full replay a start did before there was a saved one.

    python benchmarks/bench_restore.py [--fills 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from soltrader_tui.ledger import Ledger
from soltrader_tui.portfolio.resume import restore


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from ledger_factory import make_big_ledger

    times: dict[str, list[float]] = {"open + quick_check": [], "restore": [], "full replay": []}
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite"
        make_big_ledger(template, args.fills)
        size_mb = template.stat().st_size / 1e6
        for n in range(args.runs):
            db = Path(tmp) / f"run-{n}.sqlite"
            shutil.copyfile(template, db)
            t0 = time.perf_counter()
            ledger = Ledger.open(db, starting_cash_micro=1, mode="paper", version="bench")
            t1 = time.perf_counter()
            saved = restore(ledger)
            t2 = time.perf_counter()
            full = restore(ledger, use_saved=False)
            t3 = time.perf_counter()
            assert saved.saved is not None and saved.portfolio.state() == full.portfolio.state()
            ledger.close()
            times["open + quick_check"].append(t1 - t0)
            times["restore"].append(t2 - t1)
            times["full replay"].append(t3 - t2)
    print(f"ledger of {args.fills:,} fills, {size_mb:.0f} MB; medians of {args.runs} runs:")
    for name, values in times.items():
        print(f"  {name:<20} {statistics.median(values) * 1000:8.1f} ms")
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
