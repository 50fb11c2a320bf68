"""Writes the README's picture of the dashboard, docs/dashboard.svg, from a real session.

A seeded paper session runs headless on the embedded simulated market (`soltrader-tui run
--headless --speed max`, in a throwaway folder with its own config and data folders, so no
config of yours is read and nothing of yours is written); then the dashboard opens on its
ledger, as `watch` does, and Textual saves what it shows as SVG. Every figure in the picture is
the ledger's, so running this again after a change keeps the picture true.

    python scripts/screenshot.py [--out docs/dashboard.svg] [--seed 3] [--duration 3h]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.config.model import Config
from soltrader_tui.monitor.watcher import LedgerWatcher
from soltrader_tui.tui.app import make_app

ROOT = Path(__file__).resolve().parents[1]
SIZE = (180, 46)
"""Columns and rows of the picture: the wide layout, every panel with room for its rows."""


def run_session(folder: Path, seed: int, duration: str) -> Path:
    """Runs the seeded headless session and returns its ledger."""
    ledger = folder / "session.sqlite"
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(folder / "config-home"),
        "XDG_DATA_HOME": str(folder / "data-home"),
    }
    argv = [sys.executable, "-m", "soltrader_tui", "run", "--headless", "--speed", "max"]
    argv += ["--seed", str(seed), "--duration", duration, "--db", str(ledger)]
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"screenshot: the session failed (exit {done.returncode}):\n{done.stderr}")
    return ledger


async def save_dashboard(ledger: Path, out: Path) -> None:
    """Opens the dashboard on `ledger` and saves what it shows to `out` as SVG."""
    config = Config()
    watcher = LedgerWatcher(ledger, risk=config.risk, recent_fills=config.tui.recent_fills)
    app = make_app(config, watcher, version=__version__)
    app.title = f"soltrader-tui {__version__}"
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 30
        while app.dashboard.snapshot.market_ts is None:  # the first read is the watcher's
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshot: the dashboard showed nothing of {ledger} in 30 s")
            await pilot.pause(0.05)
        await pilot.pause(0.5)  # the charts draw after the figures
        app.save_screenshot(filename=out.name, path=str(out.parent))
        await pilot.press("q")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.svg")
    parser.add_argument("--seed", type=int, default=3, help="simulated market seed (3)")
    parser.add_argument("--duration", default="3h", help="market time the session runs (3h)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="soltrader-screenshot-") as folder:
        ledger = run_session(Path(folder), args.seed, args.duration)
        asyncio.run(save_dashboard(ledger, out))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
