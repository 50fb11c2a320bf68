"""`soltrader-tui health` against a real headless engine in another process: the exit code a
scheduled task or an uptime monitor acts on."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.conftest import Cli

CHECK_NAMES = (
    "engine",
    "heartbeat",
    "trading state",
    "prices",
    "api",
    "errors",
    "resources",
    "storage",
    "alerts",
)


def health(cli: Cli, db: Path, config: Path | None = None) -> tuple[int, dict[str, Any]]:
    """Runs `health --json`; returns its exit code and its object (checks keyed by name)."""
    more = () if config is None else ("--config", config)
    proc = cli.run("health", "--json", "--db", db, *more, timeout=60)
    obj = json.loads(proc.stdout)
    assert obj["exit_code"] == proc.returncode, proc.stderr
    obj["by_name"] = {c["name"]: c for c in obj["checks"]}
    return proc.returncode, obj


def drain(proc: subprocess.Popen[str]) -> None:
    """Reads the engine's output as it comes, so a full pipe never blocks (and stalls) it."""
    for stream in (proc.stdout, proc.stderr):
        assert stream is not None
        threading.Thread(target=stream.read, daemon=True).start()


def wait_until_beating(cli: Cli, db: Path, timeout: float = 45) -> tuple[int, dict[str, Any]]:
    """Polls `health` until the engine holds the ledger and has flushed a heartbeat."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            code, obj = health(cli, db)
            checks = obj["by_name"]
            if (
                checks.get("engine", {}).get("status") == "ok"
                and "last flush" in checks["heartbeat"]["detail"]
            ):
                return code, obj
        time.sleep(0.2)
    raise AssertionError(f"the engine never reported a heartbeat within {timeout:g} s")


class TestHealthOfARealEngine:
    """A monitor sees failing with no engine, ok while one runs, degraded once it is stopped
    (HALTED: safe, but not trading) and failing again once the process is killed."""

    def test_lifecycle_of_an_engine(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "health.sqlite"
        code, obj = health(cli, db)
        assert (code, obj["status"]) == (2, "failing")
        assert "no ledger at" in obj["by_name"]["ledger"]["detail"]

        engine = cli.start("run", "--headless", "--speed", "100", "--db", db)
        drain(engine)
        try:
            code, obj = wait_until_beating(cli, db)
            assert code in (0, 1), obj["checks"]
            assert tuple(c["name"] for c in obj["checks"]) == CHECK_NAMES
            assert obj["by_name"]["heartbeat"]["status"] == "ok"
            assert obj["by_name"]["trading state"]["status"] == "ok"

            text = cli.run("health", "--db", db, timeout=60)
            assert text.stdout.splitlines()[0] in (
                f"OK  {db.resolve()}",
                f"DEGRADED  {db.resolve()}",
            )

            stop = cli.run("stop", "--db", db, timeout=60)
            assert stop.returncode == 0, stop.stderr
            code, obj = health(cli, db)
            assert (code, obj["status"]) == (1, "degraded"), obj["checks"]
            halted = obj["by_name"]["trading state"]
            assert halted["status"] == "degraded"
            assert halted["detail"].startswith("HALTED")
            assert obj["by_name"]["engine"]["status"] == "ok"

            engine.kill()
            engine.wait(timeout=30)
            code, obj = health(cli, db)
            assert (code, obj["status"]) == (2, "failing")
            dead = obj["by_name"]["engine"]
            assert dead["status"] == "failing"
            assert "did not shut down cleanly" in dead["detail"]
        finally:
            if engine.poll() is None:
                engine.kill()
                engine.wait(timeout=30)

    def test_not_a_ledger_exits_2_with_the_status_message(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "notes.sqlite"
        db.write_text("not a ledger", encoding="utf-8")
        checked = cli.run("health", "--db", db, timeout=60)
        status = cli.run("status", "--db", db, timeout=60)
        assert checked.returncode == 2
        assert checked.stderr == status.stderr
        assert "not an SQLite database" in checked.stderr
        assert db.read_text(encoding="utf-8") == "not a ledger"


def config_file(folder: Path, name: str, text: str) -> Path:
    """Writes a config file for `health --config` (the ledger is given with `--db`)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class TestResourceAndStorageChecks:
    """The process, its disk and its alerts are judged too: ok within the limits, degraded past
    a `monitor` limit, failing once the disk is below what a session needs to start."""

    def test_exit_0_1_2_by_the_limits_the_config_sets(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "res.sqlite"
        # No disk limit for the ok case: a small test machine's disk is not what it tests.
        relaxed = config_file(tmp_path, "relaxed.yaml", "monitor:\n  disk_free_mb: 0\n")
        tight = config_file(tmp_path, "tight.yaml", "monitor:\n  rss_mb: 1\n  disk_free_mb: 0\n")
        full = config_file(tmp_path, "full.yaml", "storage:\n  min_free_mb: 1000000000000\n")
        engine = cli.start("run", "--headless", "--speed", "100", "--db", db)
        drain(engine)
        try:
            wait_until_beating(cli, db)
            deadline = time.monotonic() + 30
            while True:  # the first sample is flushed within a second or two of the start
                code, obj = health(cli, db, relaxed)
                if "RSS" in obj["by_name"]["resources"]["detail"] or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert (code, obj["status"]) == (0, "ok"), obj["checks"]
            assert tuple(c["name"] for c in obj["checks"]) == CHECK_NAMES
            resources = obj["by_name"]["resources"]["detail"]
            assert "MB, CPU" in resources and "loop lag" in resources
            storage = obj["by_name"]["storage"]["detail"]
            assert storage.startswith("disk free ") and "WAL" in storage
            assert obj["by_name"]["alerts"] == {
                "name": "alerts",
                "status": "ok",
                "detail": "no alert delivered yet",
            }

            proc = cli.run("health", "--json", "--db", db, "--config", tight, timeout=60)
            obj = json.loads(proc.stdout)
            by_name = {c["name"]: c for c in obj["checks"]}
            assert (proc.returncode, obj["status"]) == (1, "degraded"), obj["checks"]
            assert by_name["resources"]["status"] == "degraded"
            assert "memory above its limit of 1 MB" in by_name["resources"]["detail"]

            proc = cli.run("health", "--json", "--db", db, "--config", full, timeout=60)
            obj = json.loads(proc.stdout)
            by_name = {c["name"]: c for c in obj["checks"]}
            assert (proc.returncode, obj["status"]) == (2, "failing"), obj["checks"]
            assert by_name["storage"]["status"] == "failing"
            assert "below storage.min_free_mb" in by_name["storage"]["detail"]
            assert by_name["engine"]["status"] == "ok"
        finally:
            engine.kill()
            engine.wait(timeout=30)
