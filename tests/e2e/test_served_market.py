"""The default session reads the simulator over loopback HTTP; every request is counted."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sources import build_market
from soltrader_tui.monitor.ledger_view import read_status
from tests.e2e.recompute import recompute

OUTAGE_S = float(os.environ.get("OUTAGE_S", "60"))


async def run_session(db: Path, config: Config, seconds: float) -> tuple[Engine, int]:
    setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=seconds)
    assert setup.server is not None, "the wall-clock sim session must be served over HTTP"
    ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="test")
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=setup.feed,
        clock=setup.clock,
        version="test",
        duration_s=setup.duration_s,
    )
    try:
        await engine.run()
    finally:
        served = setup.server.request_count()
        setup.close()
        ledger.close()
    return engine, served


class TestServedMarket:
    """The API panel's figures are the server's own request count, from the ledger."""

    async def test_usage_in_ledger_equals_server_count(self, tmp_path: Path) -> None:
        db = tmp_path / "served.sqlite"
        engine, served = await run_session(db, Config(), seconds=6)
        report = read_status(db)
        calls = {a.provider: a.calls for a in report.snapshot.api}
        assert calls.get("jupiter", 0) >= 15, calls  # prices at 4 Hz for 6 s
        assert sum(calls.values()) == served
        assert engine.snapshot().api, "the live snapshot shows usage too"
        assert engine.snapshot().api_note == ""


class TestOutage:
    """An outage mid-session: the engine keeps running, says so once, and recovers."""

    async def test_outage_leaves_engine_running_and_ledger_consistent(self, tmp_path: Path) -> None:
        db = tmp_path / "outage.sqlite"
        config = Config.model_validate(
            {
                "market": {
                    "stale_after_s": 2,
                    "sim": {"faults": {"outages": [{"start_s": 3, "duration_s": OUTAGE_S}]}},
                }
            }
        )
        engine, served = await run_session(db, config, seconds=OUTAGE_S + 16)
        assert engine.snapshot().error is None
        events = [m for (m,) in sqlite3.connect(db).execute("SELECT message FROM events")]
        assert sum("circuit open" in m for m in events) == 1, "said once, not every tick"
        assert any("answers again" in m for m in events)
        assert any(m.startswith("STALE") for m in events)
        assert any(m.startswith("FRESH") for m in events)
        report = read_status(db)
        truth = recompute(db)
        assert report.snapshot.fills == truth.fills
        assert round(report.snapshot.cash_usd, 6) == round(truth.cash_micro / 1e6, 6)
        api = {a.provider: a for a in report.snapshot.api}
        assert api["jupiter"].errors > 0
        assert sum(a.calls for a in api.values()) == served
