"""Tests `soltrader-tui backtest` as a user runs it: report, JSON, SVG, and the ledger's truth."""

from __future__ import annotations

import gc
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from soltrader_tui.backtest.report import EXIT_REASONS
from soltrader_tui.cli import main
from soltrader_tui.market import samples
from tests.conftest import Cli
from tests.e2e.recompute import recompute

SOL_5M = samples.FOLDER / "binance_SOL_USDT_5m_2025-01-19.csv"
TRUMP_5M = samples.FOLDER / "binance_TRUMP_USDT_5m_2025-01-19.csv"
CONVENTION = ("--stake-usd", "100", "--fee-bps", "10", "--stop-loss-pct", "1.5", "--no-risk")


def write_config(cli: Cli) -> Path:
    path = cli.cwd / "config.yaml"
    path.write_text(
        "strategies:\n  ema_cross:\n    fast_span: 5\n    slow_span: 20\n", encoding="utf-8"
    )
    return path


class TestBacktestCommand:
    def test_report_json_svg_and_a_ledger_status_agrees_with(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        db, out = tmp_path / "bt.sqlite", tmp_path / "bt.json"
        config = write_config(cli)
        proc = cli.run(
            "backtest", "--strategy", "ema_cross", "--data", SOL_5M, "--db", db,
            "--json", out, "--config", config, *CONVENTION,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        report = proc.stdout
        labels = ["Round trips", "Win rate", "Max drawdown", "Sharpe", "Sortino"]
        labels += ["Profit factor", "Expectancy", "Exposure", "Fees paid", "Equity curve"]
        assert [label for label in labels if label not in report] == [], report
        document = json.loads(out.read_text(encoding="utf-8"))
        trips = document["round_trips"]
        assert len(trips) >= 5
        assert {t["exit_reason"] for t in trips} <= set(EXIT_REASONS)
        assert all(t["entry_ts"].endswith("Z") and t["exit_ts"] > t["entry_ts"] for t in trips)
        fields = {"entry_ts", "exit_ts", "entry_price", "exit_price", "qty", "pnl_usd"}
        assert set(trips[0]) >= fields | {"exit_reason"}
        svg = ET.parse(out.with_suffix(".svg")).getroot()
        assert (
            svg.tag.endswith("svg") and svg.find("{http://www.w3.org/2000/svg}polyline") is not None
        )

        status = json.loads(cli.run("status", "--json", "--db", db).stdout)
        truth = recompute(db)
        figures = document["figures"]
        assert status["mode"] == "backtest"
        assert status["fills"] == truth.fills == 2 * len(trips)
        assert status["round_trips"] == truth.round_trips == figures["round_trips"] == len(trips)
        assert status["wins"] == truth.wins == figures["wins"]
        assert status["realized_pnl_usd"] == pytest.approx(truth.realized_micro / 1e6, abs=1e-6)
        assert figures["total_pnl_usd"] == pytest.approx(truth.realized_micro / 1e6, abs=1e-6)
        assert sum(t["pnl_usd"] for t in trips) == pytest.approx(truth.realized_micro / 1e6)
        assert status["equity_usd"] == pytest.approx(truth.equity_usd, abs=1e-6)
        assert status["max_drawdown_pct"] == pytest.approx(figures["max_drawdown_pct"], abs=0.01)
        assert status["engine_running"] is False

    def test_several_tokens_with_the_risk_limits(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "two.sqlite"
        proc = cli.run(
            "backtest", "--strategy", "ema_cross", "--data", SOL_5M, TRUMP_5M, "--db", db,
            "--config", write_config(cli),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "on SOL, TRUMP" in proc.stdout
        truth = recompute(db)
        assert truth.fills > 0 and truth.holdings == {}, "the data's end closes every position"


class TestRefusals:
    """Bad input: one line naming what is wrong, exit 2, and no ledger written."""

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--strategy", "nope", "--data", str(SOL_5M)), "no strategy named 'nope'"),
            (("--strategy", "ema_cross", "--data", "missing.csv"), "--data: no such file"),
            (
                ("--strategy", "ema_cross", "--data", str(SOL_5M), "--from", "2030-01-01"),
                "no candles between --from and --to",
            ),
            (
                ("--strategy", "ema_cross", "--data", str(SOL_5M), "--fee-bps", "-3"),
                "swap_fee_bps",
            ),
        ],
    )
    def test_refused(self, cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
        db = tmp_path / "x.sqlite"
        proc = cli.run("backtest", *args, "--db", db)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert not db.exists()

    def test_an_existing_ledger_is_not_overwritten(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "kept.sqlite"
        db.write_bytes(b"precious")
        proc = cli.run("backtest", "--strategy", "ema_cross", "--data", SOL_5M, "--db", db)
        assert proc.returncode == 2
        assert "exists: a backtest writes a new ledger" in proc.stderr
        assert db.read_bytes() == b"precious"

    def test_a_bad_time_names_the_flag(self, cli: Cli) -> None:
        proc = cli.run("backtest", "--strategy", "ema_cross", "--data", SOL_5M, "--to", "soon")
        assert proc.returncode == 2
        assert "--to" in proc.stderr and "invalid time 'soon'" in proc.stderr


def test_pumpfun_tracks_backtest_as_one_minute_candles(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "pump.sqlite"
    tracks = samples.FOLDER / "pumpfun_bonding_curve_tracks_2025-06-06_sample.csv"
    proc = cli.run("backtest", "--strategy", "fresh_memecoin", "--data", tracks, "--db", db)
    assert proc.returncode == 0, proc.stderr
    assert " tokens (" in proc.stdout.splitlines()[0]
    assert recompute(db).holdings == {}


def test_the_collector_paused_for_a_backtest_is_running_again_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`main` called in a process that goes on (as here) leaves Python's cycle collector on,
    with what was alive at the command's end frozen (the exit need not collect it)."""
    monkeypatch.chdir(tmp_path)  # the default data folder, where the candle cache goes
    db = tmp_path / "in-process.sqlite"
    try:
        code = main(["backtest", "--strategy", "ema_cross", "--data", str(SOL_5M), "--db", str(db)])
        assert code == 0 and "Round trips" in capsys.readouterr().out
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
