"""`market.source: replay` drives a headless run from recorded files on a virtual clock."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Cli

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SOL_1M = DATA / "binance_SOLUSDT_1m_2025-01-01_2025-01-28.csv"


@pytest.mark.skipif(not SOL_1M.exists(), reason=f"recorded data not found at {DATA}")
class TestReplaySource:
    """A user replays recorded SOL candles; the run trades and the ledger says backtest."""

    def test_headless_replay(self, cli: Cli, tmp_path: Path) -> None:
        config = tmp_path / "replay.yaml"
        config.write_text(
            "market:\n"
            "  source: replay\n"
            "  tick_seconds: 15\n"
            f"  replay:\n    paths: [{SOL_1M.as_posix()}]\n"
            "risk:\n  min_liquidity_usd: 1000\n"
        )
        db = tmp_path / "replay.sqlite"
        proc = cli.run("run", "--headless", "--config", config, "--db", db, "--duration", "3d")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "session started: backtest on replay" in proc.stderr
        status = json.loads(cli.run("status", "--json", "--db", db).stdout)
        assert status["fills"] > 0
        modes = {m for (m,) in sqlite3.connect(db).execute("SELECT DISTINCT mode FROM fills")}
        assert modes == {"backtest"}
        first = sqlite3.connect(db).execute("SELECT min(ts) FROM fills").fetchone()[0]
        assert first.startswith("2025-01-0"), "fills carry the recording's market time"

    def test_bad_replay_file_is_named(self, cli: Cli, tmp_path: Path) -> None:
        bad = tmp_path / "binance_BAD_USDT_1m.csv"
        bad.write_text("timestamp,open,high,low,close,volume\n2025-01-01 00:00:00,1,2,0.5,abc,10\n")
        config = tmp_path / "replay.yaml"
        config.write_text(f"market:\n  source: replay\n  replay:\n    paths: [{bad.as_posix()}]\n")
        proc = cli.run("run", "--headless", "--config", config, "--db", tmp_path / "x.sqlite")
        assert proc.returncode == 2
        assert "binance_BAD_USDT_1m.csv:2" in proc.stderr and "close" in proc.stderr
        assert "Traceback" not in proc.stderr
