"""The dashboard started from the command line as a user starts it: in a real terminal (tmux).

Every other end-to-end test passes `--headless`; these type `soltrader-tui run`, plain
`soltrader-tui` and `soltrader-tui watch --db F` into a terminal, read the screen the way a
user sees it (`tmux capture-pane`), press `q`, and check the exit code and the ledger.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.skipif(
    sys.platform == "win32",
    reason="tmux does not run on Windows; the dashboard's own code path is covered by the "
    "run_test tests in tests/tui",
)

PASSED_ENV = ("PYTHONPATH", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "PYTHONUNBUFFERED")
"""Set in the terminal's session explicitly, whatever the tmux server already inherited."""
START_TIMEOUT_S = 90.0
"""Bound on a dashboard's first full screen (a cold start on a loaded two-core CI runner)."""
EXIT_TIMEOUT_S = 60.0


def soltrader_command() -> list[str]:
    """The `soltrader-tui` console script the install put beside this Python, as a user runs it."""
    script = Path(sys.executable).parent / "soltrader-tui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "soltrader_tui"]


class Terminal:
    """One command running in a tmux session on a server of its own (its own socket)."""

    def __init__(self, cli: Cli, exit_file: Path) -> None:
        self._cli = cli
        # A short folder of its own: a socket path is limited to about 100 bytes, and the
        # socket file is removed with it (tmux leaves it behind when its server exits).
        self._dir = Path(tempfile.mkdtemp(prefix="soltrader-tmux-"))
        self._socket = str(self._dir / "socket")
        self._exit_file = exit_file
        self._env = {k: v for k, v in cli.env.items() if k not in ("TMUX", "TMUX_PANE")}

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", self._socket, "-f", os.devnull, *args],
            cwd=self._cli.cwd,
            env=self._env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def start(self, args: Sequence[str | Path]) -> None:
        """Runs the command in a new 160×50 terminal; its exit code goes to the exit file."""
        command = shlex.join([*soltrader_command(), *map(str, args)])
        shell = f"{command}; echo $? > {shlex.quote(str(self._exit_file))}"
        passed = [f"-e{k}={self._env[k]}" for k in PASSED_ENV if k in self._env]
        started = self._tmux(
            "new-session", "-d", "-x", "160", "-y", "50", "-c", str(self._cli.cwd), *passed, shell
        )
        assert started.returncode == 0, started.stderr

    def screen(self) -> str:
        """What the terminal shows now ("" once the command has exited)."""
        captured = self._tmux("capture-pane", "-p")
        return captured.stdout if captured.returncode == 0 else ""

    def wait_for(self, shown: Callable[[str], bool], what: str) -> str:
        """Polls the screen until `shown` holds for it; fails after START_TIMEOUT_S."""
        deadline = time.monotonic() + START_TIMEOUT_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if shown(screen):
                return screen
            if self.exit_code() is not None:
                raise AssertionError(f"exited ({self.exit_code()}) before showing {what}")
            time.sleep(0.2)
        raise AssertionError(f"{what} not shown within {START_TIMEOUT_S} s; screen:\n{screen}")

    def press(self, key: str) -> None:
        pressed = self._tmux("send-keys", key)
        assert pressed.returncode == 0, pressed.stderr

    def exit_code(self) -> int | None:
        """The command's exit code once it has exited, else None."""
        try:
            text = self._exit_file.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text else None  # the shell creates the file, then writes it

    def wait_exit(self) -> int:
        deadline = time.monotonic() + EXIT_TIMEOUT_S
        while time.monotonic() < deadline:
            code = self.exit_code()
            if code is not None:
                return code
            time.sleep(0.1)
        raise AssertionError(f"still running {EXIT_TIMEOUT_S} s after q; screen:\n{self.screen()}")

    def close(self) -> None:
        """Ends the tmux server and whatever still runs in it (a failed test's dashboard)."""
        self._tmux("kill-server")
        shutil.rmtree(self._dir, ignore_errors=True)


@pytest.fixture
def terminal(cli: Cli, tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is required on CI (.ci/run installs it) to start the dashboard")
        pytest.skip("tmux is not installed: the dashboard is not started in a real terminal")
    term = Terminal(cli, tmp_path / "exit-code")
    yield term
    term.close()


def dashboard_shown(screen: str, state: str = "ACTIVE") -> bool:
    """The header, the portfolio with its equity, and the key bar are all on screen."""
    return (
        re.search(rf"soltrader-tui \S+\s+PAPER\s+{state}", screen) is not None
        and "Portfolio" in screen
        and re.search(r"Equity\s+\$\d", screen) is not None
        and "q Quit" in screen
    )


def events(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT message FROM events ORDER BY id")]
    finally:
        conn.close()


def status(cli: Cli, db: Path) -> dict[str, object]:
    proc = cli.run("status", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


class TestDashboardFromTheCommandLine:
    """`soltrader-tui` and `soltrader-tui run` open the dashboard; q stops the session cleanly."""

    @pytest.mark.parametrize("command", [("run",), ()], ids=["run", "no-command"])
    def test_start_see_the_portfolio_quit(
        self, cli: Cli, terminal: Terminal, command: tuple[str, ...]
    ) -> None:
        db = cli.cwd / "session.sqlite"
        terminal.start([*command, "--seed", "3", "--speed", "10", "--db", db])
        # The dashboard draws before the engine's first tick; q before it would (rightly) quit
        # with no session to record, so wait for the engine to say it runs.
        screen = terminal.wait_for(
            lambda s: dashboard_shown(s) and "● running" in s, "the dashboard of a running engine"
        )
        assert "$500.00" in screen  # the starting cash of a new ledger
        terminal.press("q")
        assert terminal.wait_exit() == 0
        messages = events(db)
        assert messages[0].startswith("session started: paper on sim")
        assert messages[-1].startswith("session stopped: equity $")
        after = status(cli, db)
        assert after["engine_running"] is False
        assert after["starting_cash_usd"] == 500.0


class TestWatchFromTheCommandLine:
    """`soltrader-tui watch --db F` shows what the ledger holds and leaves it as it was."""

    def test_watch_shows_the_ledger_and_quits(self, cli: Cli, terminal: Terminal) -> None:
        db = cli.cwd / "ran.sqlite"
        ran = cli.run(
            "run", "--headless", "--seed", "3", "--speed", "max", "--duration", "2h", "--db", db
        )
        assert ran.returncode == 0, ran.stderr
        before = status(cli, db)
        assert isinstance(before["fills"], int) and before["fills"] > 0
        fills, state = before["fills"], str(before["trading_state"]).upper()
        equity = f"${before['equity_usd']:,.2f}"
        terminal.start(["watch", "--db", db])
        screen = terminal.wait_for(
            lambda s: dashboard_shown(s, state) and re.search(rf"Fills\s+{fills}\b", s) is not None,
            f"the ledger's {fills} fills",
        )
        assert re.search(rf"Equity\s+{re.escape(equity)}", screen), screen
        terminal.press("q")
        assert terminal.wait_exit() == 0
        assert status(cli, db) | {"heartbeat_age_s": None} == before | {"heartbeat_age_s": None}
