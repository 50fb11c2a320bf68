"""Soak: a day of market on the virtual clock with bounded memory.

Every in-memory history (log lines, recent fills, round trips, price windows, buffers) has a
bound, so after warm-up the process must not grow. SOAK_HOURS sets the market hours (24).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import psutil

from soltrader_tui.config.model import Config
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.snapshot import EngineSnapshot
from tests.factories import engine_on_sim

HOURS = float(os.environ.get("SOAK_HOURS", "24"))
START = 1_767_225_600.0
MB = 1024 * 1024


class TestSoak:
    """A long session's memory stays flat after warm-up, while the screen keeps updating."""

    async def test_rss_growth_after_warm_up(self, tmp_path: Path) -> None:
        config = Config.model_validate({"market": {"sim": {"extra_tokens": 5}}})
        ledger = Ledger.open(
            tmp_path / "soak.sqlite", starting_cash_micro=500_000_000, mode="paper", version="soak"
        )
        market = SimMarket(5, START, tick_seconds=config.market.tick_seconds, extra_tokens=5)
        engine = engine_on_sim(ledger, market, START, hours=HOURS, config=config, version="soak")
        process = psutil.Process()
        samples: list[tuple[float, int]] = []
        next_sample = [START]

        def on_snapshot(snapshot: EngineSnapshot) -> None:
            ts = snapshot.market_ts or START
            if ts >= next_sample[0]:
                gc.collect()
                samples.append(((ts - START) / 3600, process.memory_info().rss))
                next_sample[0] = ts + 1800

        engine.on_snapshot = on_snapshot
        await engine.run()
        ledger.close()
        assert engine.portfolio.fill_count > 20, "a soak must trade to mean anything"
        after_warm_up = [rss for hour, rss in samples if hour >= 2]
        assert len(after_warm_up) >= 4
        growth = max(after_warm_up) - after_warm_up[0]
        assert growth < 10 * MB, f"RSS grew {growth / MB:.1f} MB after warm-up: {samples}"
