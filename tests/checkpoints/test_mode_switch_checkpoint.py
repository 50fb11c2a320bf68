"""A session whose mode differs from the previous session's on the same ledger checkpoints first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.checkpoints.report import LEDGER_FILE
from soltrader_tui.checkpoints.store import CheckpointInfo, list_checkpoints
from soltrader_tui.ledger import Ledger
from soltrader_tui.market import samples
from soltrader_tui.monitor.ledger_view import read_status
from tests.conftest import Cli

SOL_1M = samples.FOLDER / "binance_SOLUSDT_1m_2025-01-19.csv"
PAPER = ("run", "--headless", "--speed", "max", "--duration", "30m")
BACKTEST = ("run", "--headless", "--duration", "1d")


def write_configs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A paper config and a replay (backtest) config sharing one data folder.

    Returns:
        The paper config, the replay config and the data folder.
    """
    data = tmp_path / "data"
    storage = f"storage:\n  data_dir: {data.as_posix()}\n"
    paper = tmp_path / "paper.yaml"
    paper.write_text(storage)
    replay = tmp_path / "replay.yaml"
    replay.write_text(
        storage + "market:\n"
        "  source: replay\n"
        "  tick_seconds: 15\n"
        f"  replay:\n    paths: [{SOL_1M.as_posix()}]\n"
        "risk:\n  min_liquidity_usd: 1000\n"
    )
    return paper, replay, data


def run_ok(cli: Cli, config: Path, flags: tuple[str, ...]) -> str:
    proc = cli.run(*flags, "--config", config)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stderr


def fill_modes(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT mode, count(*) FROM fills GROUP BY mode").fetchall())
    finally:
        conn.close()


def switches(data: Path) -> list[CheckpointInfo]:
    """The mode-switch checkpoints in the data folder, oldest first."""
    found = list_checkpoints(data / "checkpoints")
    return [c for c in reversed(found) if c.reason.startswith("before switch")]


class TestModeSwitchCheckpoint:
    """Replaying on a paper ledger (and back) first checkpoints the ledger as it was."""

    def test_backtest_then_paper_then_backtest_refused(self, cli: Cli, tmp_path: Path) -> None:
        paper, replay, data = write_configs(tmp_path)
        db = data / "soltrader.sqlite"
        run_ok(cli, replay, BACKTEST)
        backtest_fills = fill_modes(db)
        assert set(backtest_fills) == {"backtest"} and switches(data) == []

        stderr = run_ok(cli, paper, PAPER)
        [to_paper] = switches(data)
        assert to_paper.reason == "before switch to paper mode"
        assert to_paper.name.endswith("-before-switch-to-paper-mode")
        assert f"CHECKPOINT {to_paper.name} taken before switch to paper mode" in stderr
        assert "previous session on this ledger ran in backtest mode" in stderr
        assert "paper" in fill_modes(db), "the paper session traded on the ledger after the copy"
        assert fill_modes(to_paper.path / LEDGER_FILE) == backtest_fills, "the ledger as it was"
        log = (data / "logs" / "soltrader.log").read_text(encoding="utf-8")
        assert f"CHECKPOINT {to_paper.name}" in log

        # The recorded data is older than the paper session's market time: replaying it into this
        # ledger would write the past (issue 19), so it is refused, before any checkpoint.
        before = fill_modes(db)
        proc = cli.run(*BACKTEST, "--config", replay)
        assert proc.returncode == 2
        assert "would write the past" in proc.stderr and "--db NEW.sqlite" in proc.stderr
        assert switches(data) == [to_paper], "a session that does not start takes no checkpoint"
        assert fill_modes(db) == before

    @pytest.mark.parametrize("which", ["paper", "backtest"])
    def test_new_ledger_takes_none(self, cli: Cli, tmp_path: Path, which: str) -> None:
        paper, replay, data = write_configs(tmp_path)
        config, flags = (paper, PAPER) if which == "paper" else (replay, BACKTEST)
        run_ok(cli, config, flags)
        if which == "paper":  # a replay cannot run twice into one ledger: its data is the past
            run_ok(cli, config, flags)
        assert list_checkpoints(data / "checkpoints") == []
        beat = read_status(data / "soltrader.sqlite").heartbeat
        assert beat is not None and beat.mode == which


class TestPreviousSessionMode:
    """The previous session's mode comes from the heartbeat, which every session writes."""

    def test_a_ledger_no_session_ran_on_has_none(self, tmp_path: Path) -> None:
        db = tmp_path / "fresh.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        try:
            assert ledger.heartbeat() is None
        finally:
            ledger.close()
