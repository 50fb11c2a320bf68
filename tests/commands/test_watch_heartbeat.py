"""`watch` alerts when the engine it watches stops writing its heartbeat, and when it is back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from soltrader_tui.commands.supervise_alerts import HeartbeatWatch
from soltrader_tui.commands.watch import AlertTurn, alerting_look
from soltrader_tui.ledger.rows import Heartbeat
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.monitor.watcher import LedgerWatcher


def beat(db: Path, age_s: float, *, running: bool = True) -> None:
    ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
    try:
        ledger.flush(heartbeat=Heartbeat(time.time() - age_s, None, 4242, "t", "paper", running))
    finally:
        ledger.close()


def test_a_stopped_heartbeat_alerts_once_and_its_return_once(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    sent: list[tuple[str, str, str]] = []
    check = HeartbeatWatch(db, 30.0, lambda *alert: sent.append(alert), who="watch")
    beat(db, 5)
    check()
    beat(db, 90)
    check()
    check()
    beat(db, 1)
    check()
    assert [(s, t) for s, t, _ in sent] == [
        ("critical", "Heartbeat missed: the engine is hung"),
        ("warning", "Heartbeat back"),
    ]
    assert sent[0][2].startswith("watch: the engine (pid 4242) wrote no heartbeat for 1m 30s")


def test_a_stopped_engine_is_no_hung_engine(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    sent: list[object] = []
    beat(db, 600, running=False)  # it stopped cleanly: `health` says so, no alert is due
    HeartbeatWatch(db, 30.0, lambda *alert: sent.append(alert))()
    assert sent == []


async def test_the_watcher_looks_after_each_read(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    beat(db, 1)
    watcher = LedgerWatcher(db, poll_s=0.05)
    looks: list[int] = []
    watcher.after_read = lambda: looks.append(os.getpid())
    task = asyncio.create_task(watcher.run())
    await asyncio.sleep(0.4)
    watcher.request_stop()
    await task
    assert len(looks) >= 2


HOLD = """
import sys
from pathlib import Path
from soltrader_tui.commands.watch import AlertTurn
turn = AlertTurn(Path(sys.argv[1]))
print("mine" if turn.mine() else "not mine", flush=True)
sys.stdin.readline()
"""
"""A `watch` in another process (a second browser tab under `serve`): takes the turn, holds it
until its stdin closes."""


class TestOneWatchAlerts:
    """Of the `watch`es open on one ledger (a browser tab each under `serve`), one looks at the
    heartbeat and alerts; the others stay quiet, and one takes over when it ends."""

    def test_a_second_watch_stays_quiet_until_the_first_ends(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        beat(db, 1)
        first = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert first.stdout is not None and first.stdout.readline().strip() == "mine"
            looked: list[str] = []
            turn = AlertTurn(db)
            alerting_look(turn, lambda: looked.append("second"))()
            assert looked == [] and not turn.mine()
        finally:
            assert first.stdin is not None
            first.stdin.close()  # the first watch ends
            first.wait(timeout=30)
        alerting_look(turn, lambda: looked.append("second"))()
        assert looked == ["second"], "the turn is free: the second watch alerts now"
        assert turn.mine()
        turn.release()

    def test_in_one_process_too(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        looked: list[str] = []
        a, b = AlertTurn(db), AlertTurn(db)
        look_a = alerting_look(a, lambda: looked.append("a"))
        look_b = alerting_look(b, lambda: looked.append("b"))
        look_a()
        look_b()
        assert looked == ["a"]
        a.release()
        alerting_look(b, lambda: looked.append("b"))()
        assert looked == ["a", "b"]
        b.release()
