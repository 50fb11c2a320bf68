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
from tests.e2e.live_market import live_config

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
            config = live_config(
                server.url,
                [t.mint for t in sim.tokens()],
                jupiter={"api_key_env": "TEST_JUPITER_KEY"},
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


class TestTokenSafetyOverRpc:
    """On the live source, token safety reads each mint over JSON-RPC through the metered
    client, and judges the bytes as the simulator's in-process ones are judged."""

    async def test_verdicts_come_from_the_rpc_node(self, tmp_path: Path) -> None:
        import time

        from soltrader_tui.snapshot import EngineSnapshot

        sim = SimMarket(3, time.time())
        with MarketServer(sim, Config().market.sim.faults) as server:
            # The market server answers getAccountInfo/getTokenLargestAccounts for its mints
            # at its root, as a node does: it is the RPC node here too.
            config = live_config(server.url, [t.mint for t in sim.tokens()], warm_up=False)
            setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=6)
            db = tmp_path / "live.sqlite"
            ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
            engine = Engine(
                config=config,
                ledger=ledger,
                feed=setup.feed,
                clock=setup.clock,
                version="t",
                duration_s=setup.duration_s,
                safety=setup.safety,
            )
            seen: list[EngineSnapshot] = []
            engine.on_snapshot = seen.append
            await engine.run()
            setup.close()
            ledger.close()
            posted = server.request_count()
        symbols = {t.mint: t.symbol for t in sim.tokens()}
        verdicts = {symbols[m]: v for m, v in seen[-1].safety}
        assert verdicts["MEME"] == "freeze auth"
        assert verdicts["RVRT"] == "mint auth"
        assert verdicts["SOLX"] == "safe"
        calls = {a.provider: a.calls for a in read_status(db).snapshot.api}
        # Two reads per token (its mint, its largest holders), metered like every provider.
        assert calls["solana_rpc"] >= 2 * len(verdicts)
        assert sum(calls.values()) == posted
