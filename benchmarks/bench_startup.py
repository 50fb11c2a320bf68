"""Benchmarks start-up: seconds from launching `soltrader-tui` to a dashboard showing live figures.

Launches the real console script in a real terminal (tmux, 120x40), polls the screen every
20 ms and stops the clock when the dashboard shows the engine running with a market time.
Needs tmux (Linux/macOS); the product itself does not.

    python benchmarks/bench_startup.py [--runs 5] [--fills 100000]

With --fills, every run starts on a copy of a ledger already holding that many fills.

Python's bytecode cache is on, as on a user's machine (the variable PYTHONDONTWRITEBYTECODE, set
in some sandboxes, is removed for the launched command), and one untimed run first fills it:
the times are those of every start after the first. `--no-bytecode-cache` times starts that
compile every module of the package again (the first start after an install).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READY = "● running"


def one_run(folder: Path, n: int, template: Path | None, *, cache: bool) -> float:
    session = f"bench-startup-{n}"
    exe = Path(sys.executable).with_name("soltrader-tui")
    env = "env -u PYTHONDONTWRITEBYTECODE" if cache else "env PYTHONDONTWRITEBYTECODE=1"
    db = folder / f"startup-{n}.sqlite"
    if template is not None:
        shutil.copyfile(template, db)
    t0 = time.perf_counter()
    subprocess.run(
        [
            *("tmux", "new-session", "-d", "-x", "120", "-y", "40", "-s", session),
            f"{env} {exe} --db {db}",
        ],
        check=True,
        cwd=folder,
    )
    try:
        while time.perf_counter() - t0 < 30:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            if READY in screen and "market —" not in screen and "market " in screen:
                return time.perf_counter() - t0
            time.sleep(0.02)
        raise RuntimeError("the dashboard did not become ready within 30 s:\n" + screen)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=False)
        time.sleep(1.0)
        subprocess.run(
            ["tmux", "kill-session", "-t", session], check=False, stderr=subprocess.DEVNULL
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fills", type=int, default=0, help="fills already in the ledger")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="compile the package at every start"
    )
    args = parser.parse_args()
    cache = not args.no_bytecode_cache
    if shutil.which("tmux") is None:
        print("tmux is needed for this benchmark")
        return 2
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        template = None
        if args.fills:
            sys.path.insert(0, str(Path(__file__).parent))
            from ledger_factory import make_big_ledger

            template = Path(tmp) / "template.sqlite"
            make_big_ledger(template, args.fills)
        if cache:
            one_run(Path(tmp), -1, template, cache=True)  # fills the bytecode cache, untimed
        for n in range(args.runs):
            secs = one_run(Path(tmp), n, template, cache=cache)
            times.append(secs)
            print(f"run {n + 1}: dashboard live after {secs:.2f} s")
    print(f"median: {statistics.median(times):.2f} s over {args.runs} runs")
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
