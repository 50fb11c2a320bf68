"""Whole-process tests of `run --headless` and `status`: the ledger is the one truth."""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from soltrader_tui.monitor.ledger_view import read_status
from tests.conftest import Cli
from tests.e2e.recompute import recompute


def _status(cli: Cli, db: Path) -> dict[str, object]:
    proc = cli.run("status", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


class TestHeadlessRun:
    """A user runs two hours of market headless; every figure status shows matches the fills."""

    def test_status_equals_independent_recomputation(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "run.sqlite"
        proc = cli.run(
            "run", "--headless", "--seed", "3", "--speed", "max", "--duration", "2h", "--db", db
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        log = proc.stderr
        assert "FILL BUY" in log and "FILL SELL" in log, log[-3000:]
        assert "realized" in log and "SIGNAL" in log

        status = _status(cli, db)
        truth = recompute(db)
        assert truth.fills >= 4 and truth.round_trips >= 2, "the run must actually trade"
        assert status["fills"] == truth.fills
        assert status["cash_usd"] == pytest.approx(truth.cash_micro / 1e6, abs=1e-6)
        assert status["realized_pnl_usd"] == pytest.approx(truth.realized_micro / 1e6, abs=1e-6)
        assert (status["round_trips"], status["wins"], status["losses"]) == (
            truth.round_trips,
            truth.wins,
            truth.losses,
        )
        assert status["win_rate"] == pytest.approx(truth.wins / truth.round_trips)
        assert status["equity_usd"] == pytest.approx(truth.equity_usd, abs=1e-5)
        assert status["unrealized_pnl_usd"] == pytest.approx(truth.unrealized_usd, abs=1e-5)
        held = {p["mint"]: p["qty"] for p in status["open_positions"]}  # type: ignore[union-attr]
        assert held == truth.holdings
        last_state = (
            sqlite3.connect(db)
            .execute("SELECT state, reason FROM trading_state ORDER BY id DESC LIMIT 1")
            .fetchone()
        )
        assert status["mode"] == "paper"
        assert (status["trading_state"], status["trading_state_reason"]) == tuple(last_state)
        assert status["engine_running"] is False
        from soltrader_tui import __version__

        assert status["version"] == __version__

    def test_same_seed_same_run(self, cli: Cli, tmp_path: Path) -> None:
        results = []
        for name in ("a", "b"):
            db = tmp_path / f"{name}.sqlite"
            proc = cli.run(
                "run",
                "--headless",
                "--seed",
                "11",
                "--speed",
                "max",
                "--duration",
                "30m",
                "--db",
                db,
            )
            assert proc.returncode == 0, proc.stderr[-2000:]
            status = _status(cli, db)
            results.append((status["fills"], status["cash_usd"], status["realized_pnl_usd"]))
        assert results[0] == results[1]


class TestStatusBesideRunningEngine:
    """`status` polled at 10 Hz through a whole run never sees a locked database."""

    def test_poll_status_at_10hz(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "live.sqlite"
        proc = cli.start(
            "run", "--headless", "--seed", "5", "--speed", "120", "--duration", "15m", "--db", db
        )
        polls, errors, fills_seen = 0, [], []
        deadline = time.monotonic() + 60
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if db.exists():
                    try:
                        report = read_status(db)
                        fills_seen.append(report.snapshot.fills)
                        polls += 1
                    except Exception as exc:  # any failure is the bug this test exists for
                        if "no session has written" not in str(exc):
                            errors.append(repr(exc))
                time.sleep(0.1)
            cli_status = _status(cli, db)
        finally:
            proc.wait(timeout=60)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        assert errors == []
        assert polls >= 30
        assert fills_seen == sorted(fills_seen), "fill count must never go down"
        assert cli_status["fills"] >= fills_seen[0]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
class TestCtrlC:
    """Ctrl+C stops a headless run cleanly with everything committed."""

    def test_interrupt_commits_and_exits_zero(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "int.sqlite"
        proc = cli.start("run", "--headless", "--seed", "3", "--speed", "60", "--db", db)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not db.exists():
            time.sleep(0.1)
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err[-2000:]
        assert "session stopped" in err
        status = _status(cli, db)
        assert status["engine_running"] is False
        assert status["fills"] == recompute(db).fills


class TestBadInput:
    """Malformed flags and files get a clear message and exit 2, touching nothing."""

    @pytest.mark.parametrize(
        ("flag", "value", "needle"),
        [
            ("--duration", "2x", "invalid duration"),
            ("--duration", "0", "must be more than 0"),
            ("--speed", "fast", "invalid speed"),
            ("--speed", "0", "must be more than 0"),
            ("--seed", "-1", "must be 0 or more"),
            ("--seed", "abc", "invalid seed"),
        ],
    )
    def test_bad_flag(self, cli: Cli, flag: str, value: str, needle: str) -> None:
        proc = cli.run("run", "--headless", flag, value)
        assert proc.returncode == 2
        assert needle in proc.stderr and flag in proc.stderr

    @pytest.mark.parametrize(
        "content",
        [b"this is not a database at all\n" * 40, b"SQLite format 3\x00" + b"\xff" * 4000],
    )
    def test_bad_db_untouched(self, cli: Cli, tmp_path: Path, content: bytes) -> None:
        db = tmp_path / "junk.sqlite"
        db.write_bytes(content)
        for args in (("run", "--headless", "--duration", "1m", "--speed", "max"), ("status",)):
            proc = cli.run(*args, "--db", db)
            assert proc.returncode == 2, proc.stderr
            assert str(db) in proc.stderr
            assert "Traceback" not in proc.stderr
        assert db.read_bytes() == content
        assert not Path(f"{db}-wal").exists()


class TestRestartShowsSameNumbers:
    """After a restart the simulated market continues from the ledger's last prices."""

    def test_market_resumes_from_last_marks(self, cli: Cli, tmp_path: Path) -> None:
        from soltrader_tui.engine.runtime import RunOptions, open_session
        from soltrader_tui.market.feed import SimFeed

        db = tmp_path / "again.sqlite"
        proc = cli.run(
            "run", "--headless", "--seed", "3", "--speed", "max", "--duration", "3h", "--db", db
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        before = read_status(db)
        marks = dict(sqlite3.connect(db).execute("SELECT mint, price FROM marks").fetchall())
        config = tmp_path / "c.yaml"
        config.write_text(f"storage:\n  data_dir: {tmp_path.as_posix()}\n")
        session = open_session(RunOptions(config=config, db=db, seed=3, speed=float("inf")))
        try:
            feed = session.market.feed
            assert isinstance(feed, SimFeed)
            now = {t.token.mint: t.price_usd for t in feed.market.ticks()}
            assert {m: round(p, 9) for m, p in now.items() if m in marks} == {
                m: round(p, 9) for m, p in marks.items() if m in now
            }
            snap = session.engine.snapshot()
            assert snap.equity_usd == before.snapshot.equity_usd
        finally:
            session.close()
