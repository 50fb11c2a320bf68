"""A full disk under a real engine process: exit 3 with one message, nothing printed that the
ledger lacks, a start on a nearly full disk refused the same way, and `supervise` waiting for
space instead of restarting into it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from soltrader_tui.commands.supervisor import Backoff, SpaceWatch, supervise
from soltrader_tui.errors import EXIT_LEDGER_WRITE_FAILED
from tests.conftest import Cli

MESSAGE = re.compile(
    r"^soltrader-tui: the ledger's disk is full: .* free on (?P<folder>\S+?)[;( ].*"
    r"free space and restart, the engine continues where it stopped",
    re.MULTILINE,
)


def fill_lines(stderr: str) -> list[str]:
    """The FILL lines a headless engine printed, without their timestamp and level."""
    return [line.split("INFO    ", 1)[1] for line in stderr.splitlines() if "INFO    FILL " in line]


def ledger_fill_lines(db: Path) -> list[str]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT message FROM events WHERE kind = 'fill'")]
    finally:
        conn.close()


def write_config(path: Path, data_dir: Path, min_free_mb: float) -> Path:
    path.write_text(f"storage:\n  data_dir: {data_dir.as_posix()}\n  min_free_mb: {min_free_mb}\n")
    return path


@contextlib.contextmanager
def small_disk(mount_point: Path, size: str = "3m") -> Iterator[Path]:
    """A tmpfs of `size` at `mount_point`; skips the test where it cannot be mounted."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"this machine cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


class TestStartMargin:
    """A start on a disk with less than storage.min_free_mb free is refused up front."""

    def test_refused_with_exit_3(self, cli: Cli, tmp_path: Path) -> None:
        config = write_config(tmp_path / "config.yaml", tmp_path / "data", 10**9)
        proc = cli.run(
            "run", "--headless", "--speed", "max", "--duration", "1m", "--config", config
        )
        assert proc.returncode == EXIT_LEDGER_WRITE_FAILED, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        found = MESSAGE.search(proc.stderr)
        assert found, proc.stderr
        assert found["folder"] == str((tmp_path / "data").resolve())
        assert "storage.min_free_mb = 1e+09 MB" in proc.stderr
        assert not (tmp_path / "data" / "soltrader.sqlite").exists(), "nothing was written"

    @pytest.mark.skipif(sys.platform == "win32", reason="Ctrl+C delivery to the test differs")
    def test_supervise_waits_for_space_instead_of_restarting(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The engine exits 3; the supervisor polls the free space (here it never comes back,
        and the bound ends the wait) and starts no second engine into the full disk."""
        config = write_config(tmp_path / "config.yaml", tmp_path / "data", 10**9)
        lines: list[str] = []
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
        code = supervise(
            ["--config", str(config), "--speed", "max", "--duration", "60"],
            log=lines.append,
            backoff=Backoff(first_s=0.1, max_s=0.1),
            max_restarts=2,  # a supervisor restarting into the full disk ends, not hangs
            space=SpaceWatch(tmp_path / "data" / "soltrader.sqlite", 10**9, 0.1, 1.0),
        )
        assert code == EXIT_LEDGER_WRITE_FAILED
        assert sum("started engine" in line for line in lines) == 1, lines
        [waiting] = [line for line in lines if "waiting for free space" in line]
        assert "storage.min_free_mb" in waiting and str(tmp_path / "data") in waiting
        assert any("giving up" in line for line in lines), lines


class TestDiskFillsUnderARealEngine:
    """The ledger's disk fills mid-run (a 3 MB tmpfs): clean halt, no FILL line the ledger
    lacks, a restart refused the same way, and `supervise` restarting once space is freed."""

    def test_full_disk_halt_restart_and_supervise(self, cli: Cli, tmp_path: Path) -> None:
        with small_disk(tmp_path / "disk") as disk:
            data = disk / "data"
            data.mkdir()
            ballast = disk / "ballast"
            ballast.write_bytes(b"\0" * 1_600_000)  # leaves the ledger about 1.4 MB
            config = write_config(tmp_path / "config.yaml", data, 0.5)
            run = ("run", "--headless", "--speed", "max", "--duration", "30d", "--config", config)
            proc = cli.run(*run, timeout=300)
            assert proc.returncode == EXIT_LEDGER_WRITE_FAILED, proc.stderr[-3000:]
            assert "Traceback" not in proc.stderr and "Logging error" not in proc.stderr
            assert MESSAGE.search(proc.stderr), proc.stderr[-2000:]
            assert proc.stderr.rstrip().splitlines()[-1].startswith("soltrader-tui: the ledger")
            db = data / "soltrader.sqlite"
            printed, held = fill_lines(proc.stderr), ledger_fill_lines(db)
            assert printed, "the engine must trade before the disk fills for this to mean much"
            assert printed == held, "every FILL printed is in the ledger, and only those"
            assert "session stopped" not in proc.stderr

            again = cli.run(*run, timeout=120)
            assert again.returncode == EXIT_LEDGER_WRITE_FAILED, again.stderr[-2000:]
            assert "Traceback" not in again.stderr and MESSAGE.search(again.stderr)
            assert ledger_fill_lines(db) == held, "every committed fill intact"

            # The supervisor's stderr goes to a file off the full disk: its log file lies on
            # that disk, and whether a line still fits there is a race with the engine's writes.
            sup_err = tmp_path / "supervise.err"
            with sup_err.open("w", encoding="utf-8") as err_file:
                sup = subprocess.Popen(
                    cli.argv("supervise", "--speed", "max", "--duration", "60", "--config", config),
                    cwd=cli.cwd,
                    env=cli.env,
                    stdout=subprocess.DEVNULL,
                    stderr=err_file,
                    text=True,
                )
                cli.started.append(sup)
                try:
                    deadline = time.monotonic() + 90
                    while "waiting for free space" not in sup_err.read_text(encoding="utf-8"):
                        assert time.monotonic() < deadline, "the supervisor never waited for space"
                        assert sup.poll() is None, sup_err.read_text(encoding="utf-8")[-2000:]
                        time.sleep(0.2)
                    ballast.unlink()
                    sup.wait(timeout=120)
                finally:
                    if sup.poll() is None:
                        sup.send_signal(signal.SIGINT)
                        sup.wait(timeout=30)
            err = sup_err.read_text(encoding="utf-8")
            assert sup.returncode == 0, err[-3000:]
            assert err.count("started engine") == 2, err[-3000:]
            assert "MB free on" in err and "session stopped" in err
            assert ledger_fill_lines(db)[: len(held)] == held
