"""`soltrader-tui journal` over a ledger made by real sessions: one killed with kill -9 after
an operator paused, resumed, disabled a strategy, asked to close a position not held and
stopped it from other processes; the next one started on a changed config and ended cleanly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from soltrader_tui.ledger.requests import EngineCommand, result, submit
from tests.commands.test_stop import wait_for_engine
from tests.conftest import Cli
from tests.loopback import LoopbackServer, Reply

NOT_HELD = "So11111111111111111111111111111111111111112"
"""A mint the simulated market does not trade (wrapped SOL): no session can hold it."""


@dataclass(frozen=True, slots=True)
class History:
    """A ledger two sessions wrote, and a runner of the command line on it."""

    cli: Cli
    db: Path
    hook: str


def answered(db: Path, request_id: int, timeout_s: float = 20) -> str:
    """Waits for the engine's answer to a control request."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = result(db, request_id)
        if answer is not None:
            return answer
        time.sleep(0.05)
    raise AssertionError(f"request {request_id} not answered in {timeout_s} s")


def config_file(folder: Path, name: str, hook: str, max_open: int) -> Path:
    path = folder / name
    path.write_text(
        f"risk:\n  max_open_positions: {max_open}\n"
        f"alerts:\n  cooldown_s: 0\n  targets:\n    - url: {hook}\n      min_severity: info\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    home = tmp_path_factory.mktemp("journal")
    cli = Cli(home)
    db = home / "bot.sqlite"
    with LoopbackServer() as server:
        server.route("/hook", lambda _req: Reply.json({"ok": True}))
        hook = f"json://127.0.0.1:{server.port}/hook"
        first = config_file(home, "first.yaml", hook, 3)
        engine = cli.start("run", "--headless", "--seed", "3", "--config", first, "--db", db)
        try:
            wait_for_engine(cli, db)
            commands: tuple[tuple[EngineCommand, str | None], ...] = (
                ("pause", None),
                ("resume", None),
                ("disable", "momentum"),
                ("close", NOT_HELD),
            )
            for command, target in commands:
                answered(db, submit(db, command, "watch", target))
            stop = cli.run("stop", "--db", db)
            assert stop.returncode == 0, stop.stderr
            time.sleep(1.5)  # the alerts' deliveries ride on the next bookkeeping flush
        finally:
            engine.kill()  # SIGKILL on POSIX: the session gets no chance to record its end
            engine.wait(timeout=30)
        second = config_file(home, "second.yaml", hook, 2)
        run = cli.run(
            "run", "--headless", "--speed", "max", "--duration", "10m", "--config", second,
            "--db", db,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        yield History(cli, db, hook)
        cli.kill_leftovers()


def journal(h: History, *args: str) -> list[str]:
    proc = h.cli.run("journal", "--db", h.db, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def one(lines: list[str], text: str) -> str:
    found = [line for line in lines if text in line]
    assert len(found) == 1, f"{text!r} in {len(found)} lines:\n" + "\n".join(lines)
    return found[0]


class TestTimeline:
    """The operator reads one timeline: sessions and how they ended, commands, states, the
    config keys that changed, alerts."""

    def test_sessions_and_how_they_ended(self, history: History) -> None:
        lines = journal(history)
        assert "session 1 started: 0.1.0, paper on sim" in one(lines, "session 1 started")
        assert "went without closing the session" in one(lines, "session 1 KILLED")
        one(lines, "session 2 started")
        one(lines, "session 2 ended cleanly")
        assert not [line for line in lines if "session 2 KILLED" in line]

    def test_operator_commands_and_state_changes(self, history: History) -> None:
        lines = journal(history)
        one(lines, "PAUSE requested by watch")
        one(lines, "RESUME requested by watch")
        toggle = one(lines, "DISABLE momentum requested by watch")
        assert "STRATEGY momentum DISABLED by watch" in toggle  # the answer, shown once
        one(lines, "strategy momentum stays DISABLED as toggled before")
        close = one(lines, f"CLOSE {NOT_HELD} requested by watch")
        assert close.endswith(": no open position in it (already closed?)"), close
        assert "PAUSED by watch" in "\n".join(lines)
        assert [line for line in lines if "  state " in line and "HALTED" in line]

    def test_config_change_names_each_key(self, history: History) -> None:
        line = one(journal(history), "config changed since session 1")
        assert "risk.max_open_positions 3 → 2" in line
        assert "strategies.momentum" not in line  # unchanged keys are not listed

    def test_alerts_say_where_they_went(self, history: History) -> None:
        alerts = [line for line in journal(history) if "  alert " in line]
        assert any("CRITICAL Trading HALTED" in line for line in alerts), alerts
        assert any("sent to json://127.0.0.1" in line for line in alerts), alerts

    def test_lines_are_aligned_and_in_time_order(self, history: History) -> None:
        lines = journal(history)
        times = [line[:19] for line in lines]
        assert times == sorted(times)
        width = max(len(line[21:].split(" ", 1)[0]) for line in lines)
        text_at = 21 + width + 2
        assert all(line[text_at - 2 : text_at] == "  " for line in lines), lines
        assert all(line[text_at] != " " for line in lines), lines


class TestJson:
    """`--json` prints one object per event and line, with its facts."""

    def test_every_line_is_an_object(self, history: History) -> None:
        objects = [json.loads(line) for line in journal(history, "--json")]
        kinds = {o["kind"] for o in objects}
        assert {"session", "config", "command", "state", "strategy", "alert"} <= kinds
        [change] = [o for o in objects if o["kind"] == "config"]
        assert {"key": "risk.max_open_positions", "old": 3, "new": 2} in change["changes"]
        killed = [o for o in objects if o.get("how") == "killed"]
        assert [o["session"] for o in killed] == [1]


class TestSince:
    """`--since` keeps what happened from then on; a bad value is refused naming the flag."""

    def test_iso_time_keeps_the_later_session(self, history: History) -> None:
        objects = [json.loads(line) for line in journal(history, "--json")]
        [second] = [o for o in objects if o.get("event") == "started" and o["session"] == 2]
        since = datetime.fromtimestamp(second["ts"] - 0.0005).isoformat()
        lines = journal(history, "--since", since)
        one(lines, "session 2 started")
        one(lines, "session 2 ended cleanly")
        assert not [line for line in lines if "session 1 started" in line or "PAUSE" in line]

    def test_span_covers_everything_just_written(self, history: History) -> None:
        assert journal(history, "--since", "1d") == journal(history)

    def test_nothing_since_a_later_time(self, history: History) -> None:
        proc = history.cli.run("journal", "--db", history.db, "--since", "2999-01-01")
        assert proc.returncode == 0
        assert proc.stdout == ""
        assert "nothing in the journal of" in proc.stderr and "--since" in proc.stderr

    @pytest.mark.parametrize("bad", ["2x", "yesterday", "3 hours"])
    def test_bad_value_names_the_flag(self, history: History, bad: str) -> None:
        proc = history.cli.run("journal", "--db", history.db, "--since", bad)
        assert proc.returncode == 2
        assert f"--since {bad!r}" in proc.stderr and "30m, 2h, 1d" in proc.stderr


class TestNoLedger:
    """A missing ledger is named, with what to do."""

    def test_missing_file(self, cli: Cli, tmp_path: Path) -> None:
        proc = cli.run("journal", "--db", tmp_path / "none.sqlite")
        assert proc.returncode != 0
        assert f"no ledger at {tmp_path / 'none.sqlite'}" in proc.stderr
