"""`supervise` restarts a killed engine and stops with it on purpose."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from soltrader_tui.commands.supervisor import Backoff
from soltrader_tui.ledger.lock import owner_path
from tests.conftest import Cli
from tests.loopback import LoopbackServer, Reply


def owner_pid(db: Path) -> int | None:
    try:
        return int(json.loads(owner_path(db).read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


class TestBackoff:
    """Quick repeated crashes wait longer, up to a ceiling."""

    def test_delays(self) -> None:
        b = Backoff(first_s=1, max_s=8)
        assert [b.delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl+C delivery to the test differs")
class TestSupervise:
    """The owner's automated restart: a crash costs a second, not the session."""

    def test_killed_engine_is_restarted(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "sup.sqlite"
        sup = cli.start("supervise", "--seed", "3", "--speed", "20", "--db", db)
        try:
            wait_for(lambda: owner_pid(db) is not None)
            first = owner_pid(db)
            assert first is not None
            psutil.Process(first).kill()
            wait_for(lambda: owner_pid(db) not in (None, first))
            second = owner_pid(db)
            assert second is not None and psutil.pid_exists(second)
        finally:
            sup.send_signal(signal.SIGINT)
            _, err = sup.communicate(timeout=30)
        assert sup.returncode == 0, err[-2000:]
        assert "engine died" in err and "restart 1" in err
        assert not psutil.pid_exists(second) or psutil.Process(second).status() == "zombie"

    def test_a_crash_is_an_alert(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "sup.sqlite"
        with LoopbackServer() as hook:
            hook.route("/hook", lambda _req: Reply.json({"ok": True}))
            config = tmp_path / "config.yaml"
            config.write_text(
                f'alerts:\n  targets:\n    - url: "json://127.0.0.1:{hook.port}/hook"\n',
                encoding="utf-8",
            )
            sup = cli.start(
                "supervise", "--seed", "3", "--speed", "20", "--db", db, "--config", config
            )
            try:
                wait_for(lambda: owner_pid(db) is not None)
                first = owner_pid(db)
                assert first is not None
                psutil.Process(first).kill()
                wait_for(lambda: hook.count("/hook") >= 1)
            finally:
                sup.send_signal(signal.SIGINT)
                _, err = sup.communicate(timeout=30)
            [request] = hook.requests("/hook")
        assert sup.returncode == 0, err[-2000:]
        payload = json.loads(request.body)
        assert payload["title"] == "Engine crashed (exit -9), restarting"
        assert "engine died (exit -9)" in payload["message"]

    def test_a_hung_engine_is_an_alert(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "sup.sqlite"
        with LoopbackServer() as hook:
            hook.route("/hook", lambda _req: Reply.json({"ok": True}))
            config = tmp_path / "config.yaml"
            config.write_text(
                "alerts:\n  heartbeat_missed_s: 2\n  targets:\n"
                f'    - url: "json://127.0.0.1:{hook.port}/hook"\n',
                encoding="utf-8",
            )
            sup = cli.start(
                "supervise", "--seed", "3", "--speed", "20", "--db", db, "--config", config
            )
            try:
                wait_for(lambda: owner_pid(db) is not None)
                engine = psutil.Process(owner_pid(db))
                time.sleep(1.5)  # a heartbeat or two
                engine.suspend()  # alive, writing nothing: hung
                wait_for(lambda: hook.count("/hook") >= 1)
                engine.resume()
                wait_for(
                    lambda: any(
                        json.loads(r.body)["title"] == "Heartbeat back"
                        for r in hook.requests("/hook")
                    )
                )
            finally:
                sup.send_signal(signal.SIGINT)
                _, err = sup.communicate(timeout=30)
            titles = [json.loads(r.body)["title"] for r in hook.requests("/hook")]
        assert sup.returncode == 0, err[-2000:]
        # The engine, woken, may also say its loop lagged (it did: it was suspended); that is
        # its own alert, not the supervisor's, and comes when its sampler runs.
        heartbeat = [t for t in titles if t != "Resource beyond its limit: loop_lag_ms"]
        assert heartbeat == ["Heartbeat missed: the engine is hung", "Heartbeat back"]
        assert "wrote no heartbeat for" in err
