"""Tests the `alerts` line of `health`: each target's last delivery, from a real ledger."""

from __future__ import annotations

import time
from pathlib import Path

from soltrader_tui.ledger.alert_rows import AlertRow, DeliveryRow
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.monitor.health import assess
from soltrader_tui.monitor.health_alerts import alert_delivery
from soltrader_tui.monitor.health_reads import read_recent
from soltrader_tui.monitor.ledger_view import read_status

MAIL = "mailtos://bot:****@example.com"
HOOK = "json://127.0.0.1:9/hook"


def test_no_alert_yet_is_fine() -> None:
    assert alert_delivery((), 1000.0) == (False, "no alert delivered yet")


def test_a_failed_last_delivery_degrades_and_says_where_and_why() -> None:
    now = 10_000.0
    rows = (
        DeliveryRow(1, MAIL, "failed", 4, "connection\nrefused", now - 120),
        DeliveryRow(1, HOOK, "sent", 1, "", now - 60),
    )
    degraded, detail = alert_delivery(rows, now)
    assert degraded
    assert detail == (
        f"{MAIL}: failed 2 min ago after 4 attempts: connection refused; 1 other targets delivered"
    )


def test_delivered_everywhere_is_fine() -> None:
    degraded, detail = alert_delivery((DeliveryRow(1, HOOK, "sent", 1, "", 950.0),), 1000.0)
    assert not degraded and detail == f"{HOOK}: sent 50.0 s ago"


def test_health_reads_the_newest_delivery_of_each_target(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
    now = time.time()
    (alert_id,) = ledger.flush(alerts=[AlertRow(now - 300, "state", "critical", "HALTED", "b")])
    ledger.flush(
        deliveries=[
            DeliveryRow(alert_id, MAIL, "failed", 4, "timed out", now - 290),
            DeliveryRow(alert_id, MAIL, "sent", 1, "", now - 100),  # a later one went through
            DeliveryRow(alert_id, HOOK, "failed", 4, "refused", now - 80),
        ]
    )
    ledger.close()
    report = read_status(db, now_wall=now)
    health = assess(report, read_recent(db, report, now_wall=now), now)
    (alerts,) = [c for c in health.checks if c.name == "alerts"]
    assert alerts.level == "degraded"
    assert alerts.detail.startswith(f"{HOOK}: failed") and "1 other targets delivered" in (
        alerts.detail
    )
