"""Tests the engine lock: one engine per ledger, and a probe by `status` never refuses a start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from soltrader_tui.ledger.lock import EngineLock, LedgerBusy, engine_running, lock_path

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
