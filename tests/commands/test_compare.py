"""Tests `soltrader-tui compare` as a user runs it: one table, ONE choice or none, config lines."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from soltrader_tui.config.model import Config
from soltrader_tui.market import samples
from tests.conftest import Cli

SOL_1H = samples.FOLDER / "binance_SOL_USDT_1h_2025-05-19_2025-06-18.csv"
SOL_5M = samples.FOLDER / "binance_SOL_USDT_5m_2025-01-19.csv"


def test_every_strategy_on_every_data_set(cli: Cli, tmp_path: Path) -> None:
    config = cli.cwd / "config.yaml"
    config.write_text("research:\n  min_round_trips: 1\n", encoding="utf-8")
    out, lines = tmp_path / "c.json", tmp_path / "chosen.yaml"
    proc = cli.run(
        "compare", "--data", SOL_1H, SOL_5M, "--trials", "2", "--windows", "2",
        "--jobs", "2", "--json", out, "--snippet", lines, "--config", config,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout.splitlines()
    assert table[0].split()[:4] == ["#", "Strategy", "IS", "obj"]
    ranking = json.loads(out.read_text(encoding="utf-8"))
    names = [r["strategy"] for r in ranking["ranking"]]
    assert sorted(names) == sorted(Config().strategies.model_dump())
    assert all(r["windows"] == 4 for r in ranking["ranking"]), "2 windows × 2 data sets"
    chosen = ranking["recommended"]
    if chosen is None:
        assert "No strategy qualifies" in proc.stdout and not lines.exists()
    else:
        assert f"Recommended: {chosen}" in proc.stdout
        loaded = Config.model_validate(yaml.safe_load(lines.read_text(encoding="utf-8")))
        enabled = [n for n, s in loaded.strategies.model_dump().items() if s["enabled"]]
        assert enabled == [chosen]


def test_an_unknown_strategy_is_named(cli: Cli) -> None:
    proc = cli.run("compare", "--data", SOL_1H, "--strategies", "ema_cross,nope")
    assert proc.returncode == 2
    assert "--strategies: no strategy named 'nope'" in proc.stderr


def test_too_little_data_for_the_windows_says_so(cli: Cli, tmp_path: Path) -> None:
    short = tmp_path / "binance_SOL_USDT_5m_short.csv"
    rows = SOL_5M.read_text(encoding="utf-8").splitlines()[:4]  # the header and 3 candles
    short.write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = cli.run("compare", "--data", short, "--strategies", "momentum")
    assert proc.returncode == 2
    assert "3 candles cannot make 4 walk-forward windows" in proc.stderr
