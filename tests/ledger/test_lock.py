"""Tests the engine lock: one engine per ledger, and a probe by `status` never refuses a start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from soltrader_tui.ledger.lock import EngineLock, LedgerBusy, engine_running, lock_path
from tests.commands.test_stop import wait_for_engine
from tests.conftest import Cli

PROBE = (
    "import sys, time\nfrom filelock import FileLock\n"
    "with FileLock(sys.argv[1], timeout=0):\n    print('held', flush=True)\n    time.sleep(0.3)\n"
)
"""Holds the lock the way `engine_running` does, only longer: a slow `status` probe."""


class TestEngineLock:
    """The lock says who holds a ledger, and lets only one engine have it."""

    def test_second_engine_is_refused_naming_the_first(self, tmp_path: Path) -> None:
        ledger = tmp_path / "l.sqlite"
        first = EngineLock(ledger)
        first.acquire("soltrader-tui run --headless")
        assert engine_running(ledger)
        with pytest.raises(LedgerBusy, match="run --headless"):
            EngineLock(ledger).acquire("soltrader-tui dashboard")
        first.release()
        assert not engine_running(ledger)

    def test_a_start_during_a_probe_is_not_refused(self, tmp_path: Path) -> None:
        """`status`/`health`/`watch` take the lock for an instant to see if an engine runs; a
        start (say, a restart under `supervise`) that meets that instant waits it out."""
        ledger = tmp_path / "l.sqlite"
        probe = subprocess.Popen(
            [sys.executable, "-c", PROBE, str(lock_path(ledger))], stdout=subprocess.PIPE, text=True
        )
        assert probe.stdout is not None and probe.stdout.readline().strip() == "held"
        engine = EngineLock(ledger)
        engine.acquire("soltrader-tui run --headless")  # waits out the probe's 0.3 s
        assert engine.held
        engine.release()
        assert probe.wait(timeout=30) == 0


class TestOneLockPerFile:
    """Every name of one ledger file meets the same lock: a second engine is refused whether it
    is started on a hard link, a symlink or a relative path to the first one's file."""

    @pytest.fixture(autouse=True)
    def _own_lock_dir(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))

    def _names(self, tmp_path: Path, kind: str) -> tuple[Path, Path]:
        first = tmp_path / "a" / "two.db"
        first.parent.mkdir()
        first.write_bytes(b"")
        other_dir = tmp_path / "b"
        other_dir.mkdir()
        second = other_dir / "hard.db"
        if kind == "hard link":
            os.link(first, second)
        elif kind == "symlink":
            second.symlink_to(first)
        else:
            os.chdir(other_dir)
            second = Path("..") / "a" / "two.db"
        return first, second

    @pytest.mark.parametrize("kind", ["hard link", "symlink", "relative path"])
    def test_second_name_is_refused_naming_the_pid(
        self, tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        first, second = self._names(tmp_path, kind)
        holder = EngineLock(first)
        holder.acquire("soltrader-tui run --headless")
        try:
            assert engine_running(second), "a probe through the other name sees the engine"
            with pytest.raises(LedgerBusy, match=f"process {os.getpid()} on .*run --headless"):
                EngineLock(second).acquire("soltrader-tui dashboard")
        finally:
            holder.release()
        after = EngineLock(second)
        after.acquire("soltrader-tui dashboard")
        assert after.held and not EngineLock(first)._lock.is_locked
        with pytest.raises(LedgerBusy):
            EngineLock(first).acquire("soltrader-tui run")
        after.release()

    def test_a_new_ledger_is_created_so_a_link_to_it_meets_the_lock(self, tmp_path: Path) -> None:
        new = tmp_path / "new.db"
        holder = EngineLock(new)
        holder.acquire("soltrader-tui run")
        try:
            assert new.exists() and new.stat().st_size == 0
            os.link(new, tmp_path / "linked.db")
            with pytest.raises(LedgerBusy):
                EngineLock(tmp_path / "linked.db").acquire("soltrader-tui run")
        finally:
            holder.release()


class TestSecondEngineProcess:
    """Two real engine processes on one file through a hard link and a symlink."""

    @pytest.mark.parametrize("kind", ["hard link", "symlink"])
    def test_second_engine_refused_naming_the_pid(
        self, cli: Cli, tmp_path: Path, kind: str
    ) -> None:
        db = tmp_path / "two.db"
        other = tmp_path / "elsewhere"
        other.mkdir()
        alias = other / "hard.db"
        engine = cli.start("run", "--headless", "--seed", "3", "--db", db)
        try:
            wait_for_engine(cli, db)
            if kind == "hard link":
                os.link(db, alias)
            else:
                alias.symlink_to(db)
            second = cli.run(
                "run", "--headless", "--speed", "max", "--duration", "1m", "--db", alias
            )
            assert second.returncode == 2, second.stderr[-2000:]
            assert "another engine is running" in second.stderr
            assert f"process {engine.pid} " in second.stderr
            assert "Traceback" not in second.stderr
        finally:
            engine.send_signal(signal.SIGINT)
            engine.wait(timeout=60)
