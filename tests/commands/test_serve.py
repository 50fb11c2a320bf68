"""`soltrader-tui serve`: the `watch` dashboard in a web browser, the figures `status` reads,
and, once a token is set, nothing at all for a request that does not know it."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from soltrader_tui import format as fmt
from tests.browser import CHROMIUM, Browser
from tests.conftest import Cli

TOKEN = "Tok-3f9a-serve-test"


@dataclass
class Served:
    """A running `serve`, its address and what it has written."""

    proc: subprocess.Popen[bytes]
    url: str
    out: Path
    err: Path

    def logs(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def get(self, path: str, **headers: str) -> http.client.HTTPResponse:
        """One GET, redirects not followed (the gate's 303 is part of what is tested)."""
        parts = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response


def start_serve(cli: Cli, db: Path, *extra: str, env: dict[str, str] | None = None) -> Served:
    """Starts `serve --port 0` and waits (bounded) for the address it prints."""
    out, err = cli.cwd / f"serve-{len(cli.started)}.out", cli.cwd / f"serve-{len(cli.started)}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            cli.argv("serve", "--db", db, "--port", "0", *extra),
            cwd=cli.cwd,
            env={**cli.env, **(env or {})},
            stdout=stdout,
            stderr=stderr,
        )
    cli.started.append(proc)  # type: ignore[arg-type]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if found := re.search(r"at (http://\S+/) ", out.read_text()):
            return Served(proc, found.group(1), out, err)
        assert proc.poll() is None, err.read_text()
        time.sleep(0.05)
    raise AssertionError(f"serve printed no address in 30 s: {err.read_text()}")


def stop_serve(served: Served) -> None:
    if sys.platform == "win32":
        served.proc.terminate()
    else:
        served.proc.send_signal(signal.SIGINT)  # Ctrl+C: the sessions are closed on the way out
    served.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def ledger(home: Cli) -> tuple[Path, dict[str, Any]]:
    """A ledger a real headless paper session wrote (2 s of wall time: positions, fills and
    round trips), and what `status --json` reads from it."""
    db = home.cwd / "session.sqlite"
    ran = home.run("run", "--headless", "--speed", "max", "--seed", "3", "--duration", "3h",
                   "--db", db)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    status = home.run("status", "--json", "--db", db)
    assert status.returncode == 0, status.stderr
    return db, json.loads(status.stdout)


@pytest.fixture
def served(home: Cli, ledger: tuple[Path, dict[str, Any]]) -> Iterator[Served]:
    """`serve` bound to 127.0.0.1 with a token from the environment."""
    running = start_serve(home, ledger[0], env={"SOLTRADER_SERVE_TOKEN": TOKEN})
    try:
        yield running
    finally:
        stop_serve(running)
        home.kill_leftovers()


class TestTheTokenGate:
    """With a token, a request that does not prove it gets a refusal and nothing else."""

    def test_requests_without_the_token_are_refused(self, served: Served) -> None:
        assert served.get("/").status == 401  # the login page
        assert served.get("/ws").status == 401  # no dashboard session
        assert served.get("/static/js/textual.js").status == 401
        assert served.get("/?token=wrong").status == 403
        assert served.get("/ws", Cookie="soltrader_serve=forged").status == 401

    def test_the_token_once_then_the_cookie(self, served: Served) -> None:
        admitted = served.get(f"/?token={TOKEN}&fontsize=14")
        assert admitted.status == 303
        assert admitted.headers["Location"] == "/?fontsize=14"  # the token leaves the address
        cookie = admitted.headers["Set-Cookie"].split(";")[0]
        assert TOKEN not in cookie
        assert served.get("/", Cookie=cookie).status == 200
        assert served.get("/static/js/textual.js", Cookie=cookie).status == 200

    def test_the_token_is_never_logged(self, served: Served) -> None:
        served.get(f"/?token={TOKEN}")
        served.get("/?token=wrong")
        time.sleep(0.2)  # the access log line is written after the answer
        logs = served.logs()
        assert '"GET /" 303' in logs and '"GET /" 403' in logs
        assert TOKEN not in logs and "token=" not in logs


class TestBinding:
    """127.0.0.1 by default; any other address only with a token."""

    def test_another_host_without_a_token_is_refused(self, cli: Cli, tmp_path: Path) -> None:
        proc = cli.run("serve", "--host", "0.0.0.0", "--db", tmp_path / "none.sqlite")
        assert proc.returncode == 2
        assert "--host 0.0.0.0 lets other machines in, so it needs a token" in proc.stderr
        assert "SOLTRADER_SERVE_TOKEN" in proc.stderr

    def test_without_a_token_it_listens_on_this_machine_only(
        self, cli: Cli, ledger: tuple[Path, dict[str, Any]]
    ) -> None:
        served = start_serve(cli, ledger[0])
        try:
            assert served.url.startswith("http://127.0.0.1:")
            assert served.get("/").status == 200
            assert served.get("/", Origin=served.url.rstrip("/")).status == 200
            # Another site's page (its websocket could press the stop key), and a name an
            # attacker points at 127.0.0.1 (DNS rebinding), are refused.
            assert served.get("/ws", Origin="http://evil.example").status == 403
            assert served.get("/", Host="evil.example").status == 403
        finally:
            stop_serve(served)


def figure(screen: str, label: str) -> str:
    """A portfolio figure as the page shows it: the text right of its label, in its box."""
    found = re.search(rf"│ {re.escape(label)} +(.+?) │", screen)
    assert found, f"{label!r} not on the page:\n{screen}"
    return found.group(1)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (.ci/run installs Debian's)")
class TestInABrowser:
    """A real headless Chromium logs in with the token and shows the dashboard, whose figures
    are the ones `status --json` reads from the same ledger."""

    def test_dashboard_figures_equal_status(
        self, served: Served, ledger: tuple[Path, dict[str, Any]], tmp_path: Path
    ) -> None:
        _, status = ledger
        browser = Browser(tmp_path / "profile")
        try:
            browser.open(served.url)
            deadline = time.monotonic() + 30
            while not browser.evaluate("!!document.getElementById('token')"):
                assert time.monotonic() < deadline, "the login page never came"
                time.sleep(0.1)
            browser.evaluate(
                f"document.getElementById('token').value = {json.dumps(TOKEN)};"
                "document.forms[0].submit()"
            )
            screen = browser.screen_until("Equity", "Open positions", "Recent fills")
        finally:
            browser.close()
        assert figure(screen, "Equity") == fmt.usd(status["equity_usd"])
        assert figure(screen, "Cash") == fmt.usd(status["cash_usd"])
        # Beside it the fees paid today ("fees today $x", or "fees $x" in a narrow column).
        realized, fees = (
            fmt.signed_usd(status["realized_pnl_usd"]),
            fmt.usd(status["fees_today_usd"]),
        )
        assert figure(screen, "Realized P&L") in (
            f"{realized} · fees today {fees}",
            f"{realized} · fees {fees}",
        )
        assert figure(screen, "Fills") == fmt.count(status["fills"])
        assert figure(screen, "Round trips") == (
            f"{status['round_trips']} ({status['wins']}W/{status['losses']}L)"
        )
        assert f"Open positions ({len(status['open_positions'])})" in screen
        assert status["trading_state"].upper() in screen.splitlines()[0]
        assert TOKEN not in served.logs()
