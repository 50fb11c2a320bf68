"""Tests the alert rules: which events are alerts at which severity, the duration rules (a
stale price, an open circuit) told once past their limit, and the daily summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from soltrader_tui.config.model import AlertsConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.engine.alert_rules import DurationWatch, alert_for
from soltrader_tui.engine.alerting import AlertDesk
from soltrader_tui.engine.events import (
    AlertDeliveryFailed,
    BreakerTripped,
    EngineEvent,
    EngineFailed,
    FeedNoticed,
    MachineSlept,
    OrderFilled,
    PortfolioRebuilt,
    PriceFresh,
    PriceStale,
    ResourceLimit,
    SignalRaised,
    TradingStateChanged,
)

T0 = 1_800_000_000.0
A, P, H = TradingState.ACTIVE, TradingState.PAUSED, TradingState.HALTED
FILL = OrderFilled(T0, "buy", 1.0, "BONK", 0.00003, 50_000_000, 126_000, "signal", None)


@pytest.mark.parametrize(
    ("event", "rule", "severity", "title"),
    [
        (EngineFailed(T0, "boom"), "engine_failed", "critical", "Engine failed"),
        (TradingStateChanged(T0, A, H, "stop by cli"), "state", "critical", "Trading HALTED"),
        (TradingStateChanged(T0, A, P, "pause"), "state", "warning", "Trading PAUSED"),
        (TradingStateChanged(T0, P, A, "resume"), "state", "info", "Trading ACTIVE again"),
        (
            BreakerTripped(T0, "max_drawdown", "down 20 %"),
            "breaker",
            "critical",
            "Breaker tripped: max_drawdown",
        ),
        (PortfolioRebuilt(T0, ("cash",)), "ledger_check", "warning", "Ledger check failed"),
        (
            MachineSlept(T0, 3600, 2),
            "machine_slept",
            "warning",
            "Machine slept 1h 00m with positions open",
        ),
        (
            ResourceLimit(T0, "disk free MB", 10, 50),
            "resource",
            "warning",
            "Resource beyond its limit: disk free MB",
        ),
    ],
)
def test_event_is_an_alert(event: EngineEvent, rule: str, severity: str, title: str) -> None:
    draft = alert_for(event, live=False)
    assert draft is not None
    assert (draft.rule, draft.severity, draft.title) == (rule, severity, title)
    assert draft.body == event.message


@pytest.mark.parametrize(
    "event",
    [
        SignalRaised(T0, "buy", "BONK", "momentum", 0.8, "up"),
        MachineSlept(T0, 3600, 0),
        AlertDeliveryFailed(T0, "hook", 4, "refused"),  # never an alert about alerts: no loop
        FILL,
    ],
)
def test_event_is_no_alert(event: EngineEvent) -> None:
    assert alert_for(event, live=False) is None


def test_every_live_fill_is_an_alert() -> None:
    draft = alert_for(FILL, live=True)
    assert draft is not None and (draft.rule, draft.title) == ("fill", "Fill: BUY BONK")


class TestDurations:
    """A stale price or an open circuit is told once, when it outlasts its limit."""

    def test_stale_price_past_its_limit(self) -> None:
        watch = DurationWatch(stale_s=300, circuit_s=300)
        watch.note(PriceStale(T0 + 30, "BONK", T0))
        assert watch.due(T0 + 299) == []
        [draft] = watch.due(T0 + 300)
        assert (draft.key, draft.title) == ("stale:BONK", "Prices stale: BONK for 5m 00s")
        assert watch.due(T0 + 900) == []  # once per episode
        watch.note(PriceFresh(T0 + 901, "BONK"))
        watch.note(PriceStale(T0 + 1000, "BONK", T0 + 950))
        assert len(watch.due(T0 + 1250)) == 1

    def test_circuit_open_past_its_limit_and_closed_before(self) -> None:
        watch = DurationWatch(stale_s=300, circuit_s=120)
        watch.note(FeedNoticed(T0, "error", "jupiter circuit open: polling paused, ..."))
        watch.note(FeedNoticed(T0, "error", "dexscreener circuit open: polling paused"))
        watch.note(FeedNoticed(T0 + 60, "info", "dexscreener answers again: polling resumed"))
        [draft] = watch.due(T0 + 120)
        assert draft.title == "Provider down: jupiter circuit open for 2m 00s"
        assert draft.severity == "warning"


class TestDailySummary:
    """Once a day, in the configured UTC hour, the day's figures."""

    def test_sent_once_in_its_hour(self) -> None:
        wall = [datetime(2027, 1, 15, 7, 59, tzinfo=UTC).timestamp()]
        desk = AlertDesk(
            AlertsConfig(daily_summary_utc_hour=8),
            live=False,
            sender=None,
            record=lambda _e: None,
            summary=lambda: "equity 500.00 USD",
            wall=lambda: wall[0],
        )
        assert desk.take(None) == []
        wall[0] += 60
        [summary] = desk.take(None)
        assert (summary.rule, summary.title) == ("daily_summary", "Daily summary 2027-01-15")
        assert summary.body == "equity 500.00 USD"
        wall[0] += 600
        assert desk.take(None) == []
        wall[0] += 86_400
        assert [r.title for r in desk.take(None)] == ["Daily summary 2027-01-16"]

    def test_a_restart_does_not_send_the_days_again(self) -> None:
        now = datetime(2027, 1, 15, 8, 30, tzinfo=UTC).timestamp()
        desk = AlertDesk(
            AlertsConfig(daily_summary_utc_hour=8),
            live=False,
            sender=None,
            record=lambda _e: None,
            summary=str,
            last_summary_ts=now - 1200,
            wall=lambda: now,
        )
        assert desk.take(None) == []
