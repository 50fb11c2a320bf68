"""Tests alert delivery against real servers on loopback: an email reaches an SMTP server with
its subject and body, a webhook reaches an HTTP server, fifty repeats arrive as one message
with their count, and a dead mail server neither slows the engine nor goes unnoticed."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soltrader_tui.alerts.sender import AlertSender
from soltrader_tui.alerts.targets import make_targets
from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import AlertsConfig, AlertTarget, Config
from soltrader_tui.engine.alerting import AlertDesk
from soltrader_tui.engine.engine import Engine
from soltrader_tui.engine.events import BreakerTripped, EngineEvent
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.alert_rows import AlertRow, last_delivery_per_target, recent_alerts
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket
from tests.alerts.smtp import DeadSmtp, SmtpServer
from tests.loopback import LoopbackServer, Reply

START = 1_767_225_600.0
SECRET = "s3cr3t-Pa$$/word"
SECRET_ENV = "SOLTRADER_TEST_SMTP_PASSWORD"


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="test")


def alerts_config(*urls: str, cooldown_s: float = 300.0, secret: bool = True) -> AlertsConfig:
    return AlertsConfig(
        targets=[
            AlertTarget(url=u, password_env=SECRET_ENV if "{password}" in u else None) for u in urls
        ],
        cooldown_s=cooldown_s,
        retries=1,
    )


def sender_for(config: AlertsConfig) -> AlertSender:
    return AlertSender(
        make_targets(config.targets),
        queue_size=config.queue_size,
        retries=config.retries,
        backoff_s=0.2,
        environ={SECRET_ENV: SECRET},
        signature="soltrader-tui test on the test machine",
    )


def halting_engine(ledger: Ledger, alerts: AlertsConfig | None, hours: float = 0.05) -> Engine:
    """An engine on the simulated market told to stop at once: its first tick HALTS."""
    config = Config() if alerts is None else Config(alerts=alerts)
    market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=SimFeed(market),
        clock=VirtualClock(START),
        version="test",
        duration_s=hours * 3600,
        alert_sender=None if alerts is None else sender_for(alerts),
    )
    engine.command("stop", "test")
    return engine


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


class TestEmail:
    """A halt reaches the operator's inbox, recorded in the ledger before it was sent."""

    async def test_halt_arrives_with_its_subject_and_body(
        self, tmp_path: Path, smtp: SmtpServer
    ) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        await halting_engine(ledger, alerts_config(smtp.url())).run()
        ledger.close()
        [mail] = smtp.wait_for(1)
        assert mail.subject == "Trading HALTED"
        assert "STATE ACTIVE -> HALTED" in mail.text
        assert "stop by test" in mail.text
        assert mail.text.rstrip().endswith("soltrader-tui test on the test machine")
        assert smtp.logins == [("bot", SECRET)]
        [(alert_id, rule, severity, title)] = rows(
            db, "SELECT id, rule, severity, title FROM alerts"
        )
        assert (rule, severity, title) == ("state", "critical", "Trading HALTED")
        [(target, status, attempts, delivered)] = rows(
            db, "SELECT target, status, attempts, alert_id FROM alert_deliveries"
        )
        assert (status, attempts, delivered) == ("sent", 1, alert_id)
        assert target == "mailto://bot:****@example.com"
        assert SECRET not in str(target)


class TestWebhook:
    """Any apprise URL works: a json:// webhook gets the alert as JSON."""

    async def test_json_webhook_receives_the_alert(self, tmp_path: Path) -> None:
        with LoopbackServer() as server:
            server.route("/hook", lambda _req: Reply.json({"ok": True}))
            url = f"json://127.0.0.1:{server.port}/hook"
            ledger = open_ledger(tmp_path / "l.sqlite")
            await halting_engine(ledger, alerts_config(url)).run()
            ledger.close()
            [request] = server.requests("/hook")
        payload = json.loads(request.body)
        assert payload["title"] == "Trading HALTED"
        assert "STATE ACTIVE -> HALTED" in payload["message"]
        assert payload["type"] == "failure"  # apprise's word for our critical


class TestCooldown:
    """A rule firing fifty times within its cooldown is one message with the count."""

    def test_fifty_repeats_are_one_message(self, tmp_path: Path) -> None:
        wall = [1_000.0]
        with LoopbackServer() as server:
            server.route("/hook", lambda _req: Reply.json({"ok": True}))
            config = alerts_config(f"json://127.0.0.1:{server.port}/hook", cooldown_s=60)
            ledger = open_ledger(tmp_path / "l.sqlite")
            seen: list[EngineEvent] = []
            desk = AlertDesk(
                config,
                live=False,
                sender=sender_for(config),
                record=seen.append,
                summary=str,
                wall=lambda: wall[0],
            )
            for i in range(51):
                wall[0] += 0.5
                desk.observe(BreakerTripped(START + i, "daily_loss_limit", f"down {i} USD"))
            self._flush(ledger, desk)
            wall[0] += 60
            self._flush(ledger, desk)
            desk.close(10)
            ledger.close()
            bodies = [json.loads(r.body) for r in server.requests("/hook")]
        assert [b["title"] for b in bodies] == [
            "Breaker tripped: daily_loss_limit",
            "Breaker tripped: daily_loss_limit (x50)",
        ]
        assert bodies[1]["message"].startswith("50 more times in the last")
        assert "down 50 USD" in bodies[1]["message"]
        assert seen == []  # nothing failed
        alerts = recent_alerts(sqlite3.connect(tmp_path / "l.sqlite"))
        assert [a.count for a in alerts] == [50, 1]

    @staticmethod
    def _flush(ledger: Ledger, desk: AlertDesk) -> None:
        rows_ = desk.take(None)
        desk.committed(rows_, ledger.flush(alerts=rows_))


def loop_seconds(engine: Engine) -> list[float]:
    """Collects the wall time of each snapshot the engine publishes (the last one is its
    closing line, before the sender is drained)."""
    times: list[float] = []
    engine.on_snapshot = lambda _snapshot: times.append(time.perf_counter())
    return times


class TestDeadServer:
    """A mail server that never answers costs the engine nothing, and shows as failed."""

    async def test_tick_loop_as_fast_as_without_alerts(self, tmp_path: Path) -> None:
        timings = {}
        with DeadSmtp() as dead:
            for name, alerts in (("without", None), ("with", alerts_config(dead.url()))):
                db = tmp_path / f"{name}.sqlite"
                ledger = open_ledger(db)
                engine = halting_engine(ledger, alerts, hours=1.0)
                times = loop_seconds(engine)
                began = time.perf_counter()
                await engine.run()
                timings[name] = times[-1] - began
                ledger.close()
        assert timings["with"] <= timings["without"] * 1.5 + 0.25, timings
        db = tmp_path / "with.sqlite"
        [(status, attempts, error)] = rows(
            db, "SELECT status, attempts, error FROM alert_deliveries"
        )
        assert (status, attempts) == ("failed", 2)
        assert error
        [line] = rows(db, "SELECT message FROM events WHERE kind = 'alert'")
        assert str(line[0]).startswith("ALERT NOT DELIVERED to mailto://bot:****@example.com ")
        conn = sqlite3.connect(db)
        [(label, last)] = last_delivery_per_target(conn).items()
        conn.close()
        assert label == "mailto://bot:****@example.com" and last.status == "failed"


class TestDailySummaryOfTheEngine:
    """The daily summary carries the session's committed figures."""

    async def test_summary_body(self, tmp_path: Path) -> None:
        hour = datetime.now(UTC).hour
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        await halting_engine(ledger, AlertsConfig(daily_summary_utc_hour=hour)).run()
        ledger.close()
        if datetime.now(UTC).hour != hour:
            pytest.skip("the UTC hour changed during the run")
        [(title, body)] = rows(db, "SELECT title, body FROM alerts WHERE rule = 'daily_summary'")
        assert str(title).startswith("Daily summary ")
        lines = str(body).splitlines()
        assert lines[0].startswith("equity ")
        assert lines[2] == "round trips 0 (0 won), win rate —"
        assert lines[3] == "trading state HALTED"
        assert lines[5].startswith("API usage: ")


class TestLabels:
    """A target is named by its URL with the secret masked, never with the secret."""

    def test_labels(self) -> None:
        targets = make_targets(
            [
                AlertTarget(url="tgram://{password}/123456789", password_env="T"),
                AlertTarget(url="tgram://123456:AAHtokenpart/123456789"),
                AlertTarget(url="tgram://{password}/123456789?format=text", password_env="T"),
            ]
        )
        labels = [t.label for t in targets]
        assert labels[0] == "tgram://****/123456789"
        assert "AAHtokenpart" not in labels[1] and labels[1].startswith("tgram://")
        assert labels[2] == "tgram://****/123456789 #2"


class TestQueue:
    """A full queue drops the oldest alert, records it, and says so once there is room."""

    def test_drop_oldest_then_a_counted_notice(self) -> None:
        with LoopbackServer() as server:
            server.route("/hook", lambda _req: Reply.json({"ok": True}, delay_s=0.3))
            config = alerts_config(f"json://127.0.0.1:{server.port}/hook")
            sender = AlertSender(make_targets(config.targets), queue_size=2, retries=0)
            for n in range(5):
                sender.submit(n + 1, AlertRow(START, "breaker", "critical", f"alert {n}", "b"))
            sender.close(10)
            titles = [json.loads(r.body)["title"] for r in server.requests("/hook")]
        results = sender.take_results()
        dropped = sorted(r.alert_id or 0 for r in results if r.status == "dropped")
        assert sender.dropped == len(dropped) >= 1
        assert all(r.target == "(queue)" for r in results if r.status == "dropped")
        sent = [t for t in titles if t.startswith("alert ")]
        assert len(sent) + len(dropped) == 5
        assert titles[-1] == f"{len(dropped)} alerts dropped: the queue was full (see the ledger)"
        assert "alert 4" in sent  # the newest is kept; the oldest go
