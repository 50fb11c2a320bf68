"""Shared fixtures: an isolated user environment for whole-process tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# For the mutation run (docs/testing.md), not CI: mutmut runs each test many times in one
# process, and the same examples every time make its verdicts reproducible.
settings.register_profile(
    "mutation",
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.differing_executors],
)


class Cli:
    """Runs `python -m soltrader_tui` in a folder with its own user config/data dirs."""

    def __init__(self, home: Path) -> None:
        self.cwd = home / "cwd"
        self.cwd.mkdir()
        self.env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(home / "xdg-config"),
            "XDG_DATA_HOME": str(home / "xdg-data"),
            "PYTHONUNBUFFERED": "1",
        }
        self.started: list[subprocess.Popen[str]] = []

    def argv(self, *args: str | Path) -> list[str]:
        return [sys.executable, "-m", "soltrader_tui", *map(str, args)]

    def run(self, *args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str | Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            self.argv(*args),
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(proc)
        return proc

    def kill_leftovers(self) -> None:
        """Kills what a test started and left running (a failed assertion skips its own
        clean-up), so no engine outlives its test."""
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path)
    yield runner
    runner.kill_leftovers()


def lines_with(text: str, needles: Sequence[str]) -> list[str]:
    """Returns the lines of `text` that contain any of `needles`."""
    return [line for line in text.splitlines() if any(n in line for n in needles)]
