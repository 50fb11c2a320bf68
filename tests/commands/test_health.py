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

CHECK_NAMES = ("engine", "heartbeat", "trading state", "prices", "api", "errors")


def health(cli: Cli, db: Path) -> tuple[int, dict[str, Any]]:
    """Runs `health --json`; returns its exit code and its object (checks keyed by name)."""
    proc = cli.run("health", "--json", "--db", db, timeout=60)
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
