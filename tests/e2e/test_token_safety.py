"""Whole-process: the default paper session denies the unsafe simulated tokens, counted per rule."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from soltrader_tui.config.model import Config
from soltrader_tui.market.sim import sim_mint
from soltrader_tui.market.sources import build_market
from soltrader_tui.solana.safety import ChainSafetySource
from tests.conftest import Cli


class TestDefaultPaperSession:
    """A user runs two hours of the default market: the memecoin (live freeze authority) and
    RVRT (live mint authority) signal, are denied by their rules, and are never bought."""

    def test_unsafe_tokens_denied_per_rule_and_never_bought(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "run.sqlite"
        proc = cli.run(
            "run", "--headless", "--seed", "3", "--speed", "max", "--duration", "2h", "--db", db
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "DENIED BUY MEME: freeze_authority: MEME freeze authority" in proc.stderr
        assert "DENIED BUY RVRT: mint_authority: RVRT mint authority" in proc.stderr
        status = cli.run("status", "--json", "--db", db)
        assert status.returncode == 0, status.stderr
        denials = json.loads(status.stdout)["risk_rejections"]
        assert denials["freeze_authority"] >= 1 and denials["mint_authority"] >= 1
        rows = sqlite3.connect(db).execute("SELECT mint FROM fills WHERE side = 'buy'")
        bought = {mint for (mint,) in rows}
        assert bought, "the session must trade the safe tokens for this test to mean anything"
        assert not bought & {sim_mint("MEME"), sim_mint("RVRT")}


class TestWhereFactsComeFrom:
    """The simulator has chain facts; a replay has none (the rules do not apply); the live
    market has no chain reader yet, so its facts are unknown (denied, never passed)."""

    def test_each_source(self) -> None:
        sim = build_market(Config(), config_dir=None, seed=1, speed=float("inf"), duration_s=1)
        replay = build_market(
            Config.model_validate({"market": {"source": "replay"}}),
            config_dir=None,
            seed=1,
            speed=None,
            duration_s=1,
        )
        assert isinstance(sim.safety, ChainSafetySource)
        assert replay.safety is None
