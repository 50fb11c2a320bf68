"""`market.source: replay` drives a headless run from recorded files on a virtual clock."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.market import samples
from tests.conftest import Cli

SOL_1M = samples.FOLDER / "binance_SOLUSDT_1m_2025-01-19.csv"


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
        assert first.startswith("2025-01-19"), "fills carry the recording's market time"

    @pytest.mark.parametrize(
        ("paths", "symbols"),
        [
            ("[]", {"SOL", "TRUMP"}),  # the documented default: the shipped samples
            ("[pumpfun_bonding_curve_tracks_2025-06-06_sample.csv]", None),  # one, by name
        ],
        ids=["default", "by-name"],
    )
    def test_shipped_samples_replay(
        self, cli: Cli, tmp_path: Path, paths: str, symbols: set[str] | None
    ) -> None:
        """A fresh install replays with no data of its own: the README's example config."""
        config = tmp_path / "replay.yaml"
        config.write_text(
            "market:\n"
            "  source: replay\n"
            "  tick_seconds: 15\n"
            f"  replay:\n    paths: {paths}\n"
            "risk:\n  min_liquidity_usd: 1000\n"
        )
        db = tmp_path / "replay.sqlite"
        proc = cli.run("run", "--headless", "--config", config, "--db", db, "--duration", "12h")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "session started: backtest on replay" in proc.stderr
        marks = sqlite3.connect(db).execute("SELECT symbol FROM marks").fetchall()
        seen = {symbol for (symbol,) in marks}
        if symbols is None:  # pump.fun tracks: tokens are named by their mints' first letters
            assert seen and all(len(symbol) == 6 for symbol in seen)
        else:
            assert seen == symbols

    def test_unknown_file_names_the_samples(self, cli: Cli, tmp_path: Path) -> None:
        config = tmp_path / "replay.yaml"
        config.write_text("market:\n  source: replay\n  replay:\n    paths: [nope.csv]\n")
        proc = cli.run("run", "--headless", "--config", config, "--db", tmp_path / "x.sqlite")
        assert proc.returncode == 2
        assert f"no such file {tmp_path / 'nope.csv'}" in proc.stderr
        assert "binance_SOLUSDT_1m_2025-01-19.csv" in proc.stderr

    def test_bad_replay_file_is_named(self, cli: Cli, tmp_path: Path) -> None:
        bad = tmp_path / "binance_BAD_USDT_1m.csv"
        bad.write_text("timestamp,open,high,low,close,volume\n2025-01-01 00:00:00,1,2,0.5,abc,10\n")
        config = tmp_path / "replay.yaml"
        config.write_text(f"market:\n  source: replay\n  replay:\n    paths: [{bad.as_posix()}]\n")
        proc = cli.run("run", "--headless", "--config", config, "--db", tmp_path / "x.sqlite")
        assert proc.returncode == 2
        assert "binance_BAD_USDT_1m.csv:2" in proc.stderr and "close" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_readme_replay_example_runs(cli: Cli) -> None:
    """The README's replay config, copied as a user would, replays the shipped samples."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    (cli.cwd / "replay.yaml").write_text(example)
    proc = cli.run("run", "--headless", "--config", "replay.yaml", "--speed", "max")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "session started: backtest on replay" in proc.stderr
    status = json.loads(cli.run("status", "--json", "--db", cli.cwd / "replay.sqlite").stdout)
    assert status["fills"] > 0


class TestReplayStart:
    """`market.replay.start` starts the session later; the data before it warms the strategies."""

    def test_a_later_start_warms_on_the_data_before_it(self, cli: Cli, tmp_path: Path) -> None:
        config = tmp_path / "config.yaml"
        config.write_text(
            "market:\n  source: replay\n  tick_seconds: 15\n  replay:\n"
            "    paths: [binance_SOL_USDT_5m_2025-01-19.csv]\n    start: 2025-01-19T12:00\n",
            encoding="utf-8",
        )
        proc = cli.run(
            "run", "--headless", "--config", config, "--db", tmp_path / "r.sqlite",
            "--duration", "10m",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "2025-01-19 12:00:00 INFO    session started" in proc.stderr
        assert "of replay history before the start" in proc.stderr

    def test_a_start_outside_the_data_is_named(self, cli: Cli, tmp_path: Path) -> None:
        config = tmp_path / "config.yaml"
        config.write_text(
            "market:\n  source: replay\n  tick_seconds: 15\n  replay:\n"
            "    paths: [binance_SOL_USDT_5m_2025-01-19.csv]\n    start: 2025-02-01\n",
            encoding="utf-8",
        )
        proc = cli.run("run", "--headless", "--config", config, "--db", tmp_path / "r.sqlite")
        assert proc.returncode == 2
        assert "market.replay.start: 2025-02-01 is outside the data (2025-01-19T00:00" in (
            proc.stderr
        )
