"""The engine's `/metrics` and `/health` endpoints over real HTTP on 127.0.0.1: the figures are
`status --json`'s, in Prometheus' own format, and a token, once configured, is required."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from soltrader_tui.config.model import Config, MonitorConfig
from soltrader_tui.engine.runtime import RunOptions, Session, open_session
from soltrader_tui.monitor.endpoints import EndpointError, EndpointServer, resolve_token
from soltrader_tui.monitor.health import Limits, health_json
from soltrader_tui.monitor.health_reads import check_ledger
from tests.conftest import Cli

TOKEN_ENV = "SOLTRADER_TEST_ENDPOINT_TOKEN"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def write_config(tmp_path: Path, monitor: str) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"storage:\n  data_dir: {data.as_posix()}\nmonitor:\n  http_port: 0\n{monitor}",
        encoding="utf-8",
    )
    return config


def get(url: str, token: str | None = None) -> tuple[int, str, dict[str, str]]:
    """GETs `url`; returns the status, the body and the headers (lower-case names)."""
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return (
                answer.status,
                answer.read().decode(),
                {k.lower(): v for k, v in answer.headers.items()},
            )
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), {k.lower(): v for k, v in exc.headers.items()}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition text, parsed by prometheus-client's own parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        assert family.name.startswith("soltrader_"), family.name
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def ran(tmp_path: Path, monitor: str = "", hours: float = 3.0) -> Session:
    """A `--speed max` session of `hours` on the simulated market, with its endpoints on."""
    session = open_session(
        RunOptions(
            config=write_config(tmp_path, monitor), speed=float("inf"), duration_s=hours * 3600
        )
    )
    try:
        asyncio.run(session.engine.run())
    except BaseException:
        session.close()
        raise
    return session


class TestMetricsEqualStatus:
    """What a Prometheus scrape reads is what `status --json` says, figure for figure."""

    def test_metrics_after_a_real_run_equal_status_json(self, tmp_path: Path, cli: Cli) -> None:
        session = ran(tmp_path)
        try:
            assert session.endpoints is not None
            url = session.endpoints.url
            assert url.startswith("http://127.0.0.1:")
            code, text, headers = get(url + "/metrics")
            assert code == 200
            assert headers["content-type"].startswith("text/plain; version=0.0.4")
            m = samples(text)
            proc = cli.run("status", "--json", "--db", session.paths.ledger, timeout=60)
            assert proc.returncode == 0, proc.stderr
            status: dict[str, Any] = json.loads(proc.stdout)
        finally:
            session.close()

        assert status["fills"] > 0 and status["round_trips"] > 0  # a run with something in it
        for name, key in (
            ("soltrader_equity_usd", "equity_usd"),
            ("soltrader_cash_usd", "cash_usd"),
            ("soltrader_realized_pnl_usd", "realized_pnl_usd"),
            ("soltrader_unrealized_pnl_usd", "unrealized_pnl_usd"),
            ("soltrader_win_rate_ratio", "win_rate"),
        ):
            assert m[(name, ())] == pytest.approx(status[key], abs=1e-6), name
        assert m[("soltrader_fills_total", ())] == status["fills"]
        assert m[("soltrader_round_trips_total", ())] == status["round_trips"]
        assert m[("soltrader_round_trip_wins_total", ())] == status["wins"]
        assert m[("soltrader_open_positions", ())] == len(status["open_positions"])
        states = {dict(k[1])["state"]: v for k, v in m.items() if k[0] == "soltrader_trading_state"}
        assert states == {
            s: float(s == status["trading_state"]) for s in ("active", "paused", "halted")
        }
        denials = {
            dict(k[1])["rule"]: v for k, v in m.items() if k[0] == "soltrader_risk_denials_total"
        }
        assert denials == {rule: float(n) for rule, n in status["risk_rejections"].items()}
        calls = {
            dict(k[1])["provider"]: v for k, v in m.items() if k[0] == "soltrader_api_calls_total"
        }
        assert calls == {a["provider"]: float(a["calls"]) for a in status["api"]}
        assert m[("soltrader_engine_running", ())] == 0.0
        assert m[("soltrader_process_resident_memory_bytes", ())] > 1_000_000
        assert ("soltrader_process_cpu_ratio", ()) in m
        assert m[("soltrader_machine_sleeps_total", ())] == 0.0

    def test_health_is_the_commands_json(self, tmp_path: Path, cli: Cli) -> None:
        session = ran(tmp_path, hours=0.2)
        try:
            assert session.endpoints is not None
            code, text, _ = get(session.endpoints.url + "/health")
            proc = cli.run("health", "--json", "--db", session.paths.ledger, timeout=60)
            missing_code, _, _ = get(session.endpoints.url + "/nothing")
        finally:
            session.close()
        served, command = json.loads(text), json.loads(proc.stdout)
        # The session still holds the ledger: an engine is there, its run is over.
        assert (code, served["status"]) == (200, command["status"])
        assert served["exit_code"] == proc.returncode
        assert [c["name"] for c in served["checks"]] == [c["name"] for c in command["checks"]]
        assert [(c["name"], c["status"]) for c in served["checks"]] == [
            (c["name"], c["status"]) for c in command["checks"]
        ]
        assert served["checks"][0] == command["checks"][0]  # the engine, in the same words
        assert missing_code == 404

    def test_a_failing_ledger_answers_503(self, tmp_path: Path) -> None:
        notes = tmp_path / "notes.sqlite"
        notes.write_text("not a ledger", encoding="utf-8")

        def health() -> dict[str, Any]:
            report = check_ledger(
                notes, now_wall=time.time(), limits=Limits.of(Config()), newest_checkpoint_wall=None
            )
            return health_json(report)

        server = EndpointServer(bind="127.0.0.1", port=0, token=None, health=health)
        server.start()
        try:
            code, text, _ = get(server.url + "/health")
            early, _, _ = get(server.url + "/metrics")
        finally:
            server.close()
        assert code == 503
        assert json.loads(text)["status"] == "failing"
        assert early == 503  # no engine has published a snapshot


class TestGrafanaDashboard:
    """docs/grafana-dashboard.json plots only metrics the endpoint serves."""

    def test_every_metric_the_dashboard_queries_is_served(self, tmp_path: Path) -> None:
        session = ran(tmp_path)  # long enough for round trips: a win rate is known
        try:
            assert session.endpoints is not None
            _, text, _ = get(session.endpoints.url + "/metrics")
        finally:
            session.close()
        served = set()
        for family in text_string_to_metric_families(text):
            served |= {family.name, family.name + "_total"}
        dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text(encoding="utf-8"))
        queried = {
            name
            for panel in dashboard["panels"]
            for target in panel["targets"]
            for name in re.findall(r"soltrader_[a-z0-9_]+", target["expr"])
        }
        queried |= set(re.findall(r"soltrader_[a-z0-9_]+", json.dumps(dashboard["templating"])))
        assert len(queried) > 15
        assert queried - served == set()


class TestBearerToken:
    """With `monitor.token_env` set, a request without the token is refused (401)."""

    def test_requests_need_the_configured_token(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(TOKEN_ENV, "s3cret-token")
        session = ran(tmp_path, monitor=f"  token_env: {TOKEN_ENV}\n", hours=0.1)
        try:
            assert session.endpoints is not None
            url = session.endpoints.url
            bare = get(url + "/metrics")
            wrong = get(url + "/health", token="guess")
            right = get(url + "/metrics", token="s3cret-token")
        finally:
            session.close()
        assert bare[0] == 401
        assert bare[2]["www-authenticate"].startswith("Bearer")
        assert "soltrader_" not in bare[1]
        assert wrong[0] == 401
        assert right[0] == 200
        assert "soltrader_equity_usd" in right[1]

    def test_an_unset_token_variable_stops_the_start_with_its_name(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(TOKEN_ENV, raising=False)
        config = MonitorConfig(http_port=0, bind="0.0.0.0", token_env=TOKEN_ENV)
        with pytest.raises(EndpointError, match=TOKEN_ENV):
            resolve_token(config)


class TestPortTaken:
    """A port another program holds stops the start with the key and the address."""

    def test_a_taken_port_is_an_endpoint_error(self) -> None:
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            with pytest.raises(EndpointError, match=f"monitor.http_port {port} on 127.0.0.1"):
                EndpointServer(bind="127.0.0.1", port=port, token=None, health=dict)
