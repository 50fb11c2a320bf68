"""Tests `soltrader-tui optimize`: better than the configured parameters in sample, checked on the
holdout, and one study shared by worker processes (a SQLite file here, PostgreSQL across
"machines")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from soltrader_tui.market import samples
from tests.conftest import Cli
from tests.postgres import postgres_server, server_bin

SOL_1H = samples.FOLDER / "binance_SOL_USDT_1h_2025-05-19_2025-06-18.csv"
SOL_5M_BIG = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / ("binance_SOL_USDT_5m_2025-01-01_2025-06-18.csv")
)


def study_trials(storage: str, name: str) -> list[optuna.trial.FrozenTrial]:
    study = optuna.load_study(study_name=name, storage=storage)
    return study.get_trials(deepcopy=False)


def assert_counted_once(trials: list[optuna.trial.FrozenTrial], budget: int) -> None:
    """Trials 0..budget-1 finished exactly once each; any extra one is an over-budget refusal."""
    finished = sorted(t.number for t in trials if t.state is TrialState.COMPLETE)
    assert finished == list(range(budget))
    extra = [t for t in trials if t.state is not TrialState.COMPLETE]
    assert all(t.user_attrs.get("over_budget") and t.number >= budget for t in extra)


class TestOptimize:
    def test_beats_the_configured_parameters_in_sample_and_reports_the_holdout(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        out, storage = tmp_path / "o.json", f"sqlite:///{(tmp_path / 's.db').as_posix()}"
        proc = cli.run(
            "optimize", "--strategy", "ema_cross", "--trials", "16", "--jobs", "2",
            "--data", SOL_1H, "--storage", storage, "--study", "one", "--json", out,
            "--sampler-seed", "3",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        result = json.loads(out.read_text(encoding="utf-8"))
        assert result["trials"] == 16
        assert result["best_in_sample"] > result["configured_in_sample"]
        assert isinstance(result["best_holdout"], float)
        assert "best, holdout" in proc.stdout and "configured, holdout" in proc.stdout
        trials = study_trials(storage, "one")
        assert_counted_once(trials, 16)
        assert trials[0].params == {"fast_span": 12, "slow_span": 26}, "the configured first"

    def test_an_unreachable_storage_is_one_clear_line(self, cli: Cli, tmp_path: Path) -> None:
        proc = cli.run(
            "optimize", "--strategy", "ema_cross", "--trials", "2", "--data", SOL_1H,
            "--storage", "postgresql+psycopg://nobody@127.0.0.1:1/none",
        )  # fmt: skip
        assert proc.returncode == 2
        assert "--storage postgresql+psycopg://nobody@127.0.0.1:1/none: cannot open it" in (
            proc.stderr
        )
        assert "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    bin_dir = server_bin()
    if bin_dir is None:
        message = "PostgreSQL is not installed (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it")
        pytest.skip(message)
    # Not under pytest's temporary folder: that one is private to root, and the server runs as
    # the postgres user when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="soltrader-pg-"))
    try:
        with postgres_server(folder, bin_dir) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_two_workers_share_one_study_on_postgresql(cli: Cli, postgres: str) -> None:
    """Two processes started apart, as on two machines, fill one study: each trial once."""
    budget = 24
    argv = cli.argv(
        "optimize", "--strategy", "ema_cross", "--trials", budget, "--storage", postgres,
        "--study", "shared", "--data", SOL_5M_BIG, "--from", "2025-03-01", "--to", "2025-04-01",
    )  # fmt: skip
    workers = [
        subprocess.Popen(
            argv,
            cwd=cli.cwd,
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [w.communicate(timeout=240) for w in workers]
    for worker, (_, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
    trials = study_trials(postgres, "shared")
    assert_counted_once(trials, budget)
    pids = {t.user_attrs["worker"] for t in trials if t.state is TrialState.COMPLETE}
    assert len(pids) == 2, "both workers ran trials of the one study"
