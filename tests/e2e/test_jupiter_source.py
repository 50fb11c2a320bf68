"""`market.source: jupiter` reads Jupiter- and DexScreener-shaped APIs at their base URLs.

The base URLs point at the embedded market server on 127.0.0.1, which answers in the public
APIs' shapes; no test traffic leaves the machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from soltrader_tui.checkpoints.store import take_checkpoint
from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.server import MarketServer
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.market.sources import build_market
from soltrader_tui.monitor.ledger_view import read_status

SECRET = "sk-test-0123456789abcdef"


class TestJupiterSource:
    """The live source's code path: prices, discovery, quotes, usage; the key stays secret."""

    async def test_prices_and_usage_and_key_never_stored(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import time

        monkeypatch.setenv("TEST_JUPITER_KEY", SECRET)
        sim = SimMarket(3, time.time())
        with MarketServer(sim, Config().market.sim.faults) as server:
            config = Config.model_validate(
                {
                    "market": {
                        "source": "jupiter",
                        "watchlist": [t.mint for t in sim.tokens()],
                        "jupiter": {
                            "base_url": server.url,
                            "api_key_env": "TEST_JUPITER_KEY",
                            "requests_per_second": 5,
                        },
                        "dexscreener": {"base_url": server.url},
                        "geckoterminal": {"base_url": server.url},
                    }
                }
            )
            setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=5)
            db = tmp_path / "live.sqlite"
            ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
            engine = Engine(
                config=config,
                ledger=ledger,
                feed=setup.feed,
                clock=setup.clock,
                version="t",
                duration_s=setup.duration_s,
            )
            await engine.run()
            setup.close()
            ledger.close()
            served = server.request_count()
        report = read_status(db)
        calls = {a.provider: a.calls for a in report.snapshot.api}
        assert calls.get("jupiter", 0) >= 5 and sum(calls.values()) == served
        assert {s.symbol for s in report.snapshot.scores} >= {"SOLX", "CALM"}
        info = take_checkpoint(db, tmp_path / "cp", config_file=None, reason="t", keep=2)
        for path in [db, *info.path.iterdir()]:
            assert SECRET.encode() not in path.read_bytes(), path
