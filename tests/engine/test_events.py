"""Tests that each engine event renders the line the engine wrote before events were typed,
and is stored with the kind (and rule) the ledger's readers filter on."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from soltrader_tui.domain import TradingState
from soltrader_tui.engine import events
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import (
    AlertDeliveryFailed,
    BreakerTripped,
    CheckpointFailed,
    CheckpointTaken,
    CloseAnswered,
    EngineEvent,
    EngineFailed,
    ExitWaitingForPrice,
    FeedNoticed,
    FinalFlushFailed,
    MachineSlept,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    PortfolioChecked,
    PortfolioCheckFailed,
    PortfolioRebuilt,
    PriceFresh,
    PriceMoveBelieved,
    PriceRefused,
    PriceStale,
    ResourceLimit,
    RestoreNoted,
    RoundTripClosed,
    SessionStarted,
    SessionStopped,
    SignalRaised,
    StateCommandAnswered,
    StrategiesWarmed,
    StrategyToggled,
    StrategyToggleRestored,
    TradingStateChanged,
)

T0 = datetime(2026, 3, 2, 12, 0, 3, tzinfo=UTC).timestamp()
"""A market time whose clock reads 12:00:03 UTC."""

# (event, level, kind, rule, the exact line the engine wrote before events were typed)
CASES: list[tuple[EngineEvent, str, str, str | None, str]] = [
    (
        SessionStarted(T0, "paper", "sim", TradingState.PAUSED, 12_345_678_901, 2),
        "info",
        "engine",
        None,
        "session started: paper on sim, state PAUSED, cash $12,345.68, 2 open positions",
    ),
    (
        SessionStopped(T0, equity_micro=1_000_004_999, realized_micro=-12_345_000, round_trips=3),
        "info",
        "engine",
        None,
        "session stopped: equity $1,000.00, realized -12.35 USD, 3 round trips",
    ),
    (
        SessionStopped(T0, equity_micro=None, realized_micro=1_500_000, round_trips=0),
        "info",
        "engine",
        None,
        "session stopped: equity —, realized +1.50 USD, 0 round trips",
    ),
    (
        StrategiesWarmed(T0, "sim", 8100.0, 4, 11_784, 0.0612),
        "info",
        "engine",
        None,
        "strategies warmed on 2h 15m of sim history before the start: 4 tokens, 11,784 ticks, "
        "0.06 s; no trade on it",
    ),
    (
        StrategiesWarmed(T0, "replay", 300.0, 0, 0, 0.0),
        "info",
        "engine",
        None,
        "no past before the start from replay: strategies warm up on live prices (5m 00s needed)",
    ),
    (
        StrategiesWarmed(T0, "jupiter", 8100.0, 0, 0, 0.0, "TimeoutError: ohlcv"),
        "warning",
        "engine",
        None,
        "no past from jupiter (TimeoutError: ohlcv): strategies warm up on live prices "
        "(2h 15m needed)",
    ),
    (
        StrategyToggled(T0, "ema_cross", False, "dashboard"),
        "info",
        "strategy",
        None,
        "STRATEGY ema_cross DISABLED by dashboard: it still scores but opens no position; open "
        "positions keep their risk exits",
    ),
    (
        StrategyToggled(T0, "momentum", True, "watch (pid 42)"),
        "info",
        "strategy",
        None,
        "STRATEGY momentum ENABLED by watch (pid 42): it may open positions",
    ),
    (
        StrategyToggleRestored(T0, "ema_cross", False, kept=True),
        "info",
        "strategy",
        None,
        "strategy ema_cross stays DISABLED as toggled before, though the config says enabled "
        "(press s to change it)",
    ),
    (
        StrategyToggleRestored(T0, "ema_cross", True, kept=False),
        "info",
        "strategy",
        None,
        "strategy ema_cross follows the config again (ENABLED): the config changed since it was "
        "toggled",
    ),
    (
        EngineFailed(T0, "ValueError: boom"),
        "error",
        "engine",
        None,
        "engine failed: ValueError: boom",
    ),
    (
        FinalFlushFailed(T0, "disk full"),
        "error",
        "engine",
        None,
        "final flush failed: disk full",
    ),
    (
        RestoreNoted(T0, "the saved replay was unreadable"),
        "warning",
        "engine",
        None,
        "the saved replay was unreadable",
    ),
    (
        PortfolioCheckFailed(T0, "database is locked"),
        "warning",
        "engine",
        None,
        "could not check the saved portfolio: database is locked",
    ),
    (
        PortfolioChecked(T0, 42),
        "info",
        "engine",
        None,
        "saved portfolio checked: equal to a full replay of the ledger's fills through fill 42",
    ),
    (
        PortfolioRebuilt(T0, ("cash", "positions")),
        "error",
        "engine",
        None,
        "the saved portfolio differed from a full replay of the ledger in cash, positions: "
        "rebuilt from the fills, which are the truth; the figures on screen are now the "
        "ledger's",
    ),
    (
        FeedNoticed(T0, notice_level="warning", text="jupiter: rate limited, backing off 30 s"),
        "warning",
        "feed",
        None,
        "jupiter: rate limited, backing off 30 s",
    ),
    (
        SignalRaised(T0, "buy", "BONK", "momentum", 0.8349, "breakout above 20-bar high"),
        "info",
        "signal",
        None,
        "SIGNAL BUY BONK by momentum (score 0.83): breakout above 20-bar high",
    ),
    (
        OrderDenied(T0, "BONK", denied_by="max_positions", reason="3 positions open"),
        "info",
        "denied",
        "max_positions",
        "DENIED BUY BONK: max_positions: 3 positions open",
    ),
    (
        OrderRejected(T0, "sell", "WIF", order_reason="stop_loss", reason="no route"),
        "warning",
        "rejected",
        None,
        "REJECTED SELL WIF (stop_loss): no route",
    ),
    (
        OrderFilled(
            T0,
            side="buy",
            qty=1_234_567.891234,
            symbol="BONK",
            price_usd=0.0000312,
            quote_micro=38_519_000,
            fee_micro=96_298,
            order_reason="momentum",
            realized_micro=None,
        ),
        "info",
        "fill",
        None,
        "FILL BUY 1,234,567.8912 BONK @ $0.0000312000 for $38.52 (fee $0.0963) [momentum]",
    ),
    (
        OrderFilled(
            T0,
            side="sell",
            qty=2.5,
            symbol="SOL",
            price_usd=1234.5678,
            quote_micro=3_086_419_500,
            fee_micro=7_716_049,
            order_reason="stop_loss",
            realized_micro=-104_560_001,
        ),
        "info",
        "fill",
        None,
        "FILL SELL 2.5000 SOL @ $1,234.57 for $3,086.42 (fee $7.7160) [stop_loss], "
        "realized -104.56 USD",
    ),
    (
        RoundTripClosed(T0, "WIF", won=True, realized_micro=5_005_000, wins=2, round_trips=3),
        "info",
        "round_trip",
        None,
        "ROUND TRIP WIF closed: WIN +5.00 USD; win rate 2/3",
    ),
    (
        RoundTripClosed(T0, "WIF", won=False, realized_micro=-7_250_000, wins=2, round_trips=4),
        "info",
        "round_trip",
        None,
        "ROUND TRIP WIF closed: LOSS -7.25 USD; win rate 2/4",
    ),
    (
        BreakerTripped(T0, breaker="daily_loss", reason="down 5.2% today"),
        "warning",
        "breaker",
        None,
        "BREAKER daily_loss: down 5.2% today",
    ),
    (
        TradingStateChanged(T0, TradingState.ACTIVE, TradingState.HALTED, "halt by operator"),
        "warning",
        "state",
        None,
        "STATE ACTIVE -> HALTED: halt by operator",
    ),
    (
        TradingStateChanged(T0, TradingState.PAUSED, TradingState.ACTIVE, "resume by tui"),
        "info",
        "state",
        None,
        "STATE PAUSED -> ACTIVE: resume by tui",
    ),
    (
        StateCommandAnswered(T0, "pause", "cli", "already paused"),
        "info",
        "state",
        None,
        "PAUSE by cli: already paused",
    ),
    (
        CloseAnswered(T0, "WIF", "dashboard", "not sold: no trusted price or quote now"),
        "warning",
        "state",
        None,
        "CLOSE WIF by dashboard: not sold: no trusted price or quote now",
    ),
    (
        CheckpointTaken(T0, "2026-03-02T120003Z", "halt"),
        "info",
        "checkpoint",
        None,
        "CHECKPOINT 2026-03-02T120003Z (halt)",
    ),
    (
        CheckpointFailed(T0, "no space left on device"),
        "warning",
        "checkpoint",
        None,
        "checkpoint failed: no space left on device",
    ),
    (
        PriceMoveBelieved(T0, "WIF", 2.01, 1.0),
        "warning",
        "price",
        None,
        "PRICE MOVE WIF to 2.01 from 1 believed: a swap quote agrees",
    ),
    (
        PriceMoveBelieved(T0, "WIF", 1e308, None),
        "warning",
        "price",
        None,
        "PRICE MOVE WIF to 1e+308 believed: a swap quote agrees",
    ),
    (
        PriceStale(T0 + 1234.4, "WIF", last_ts=T0),
        "warning",
        "stale",
        None,
        "STALE WIF: no fresh price accepted since 12:00:03 (1,234 s ago); no entries until one is",
    ),
    (
        MachineSlept(T0, asleep_s=7_980.4, open_positions=2),
        "warning",
        "sleep",
        None,
        "asleep 2 h 13 min with 2 positions open; stops were not watched",
    ),
    (
        MachineSlept(T0, asleep_s=45, open_positions=1),
        "warning",
        "sleep",
        None,
        "asleep 45 s with 1 position open; stops were not watched",
    ),
    (
        MachineSlept(T0, asleep_s=3_600, open_positions=0),
        "warning",
        "sleep",
        None,
        "asleep 1 h with no position open; prices are re-read before any trade",
    ),
    (
        ResourceLimit(T0, what="rss_mb", value=1_530.2, limit=1_024),
        "warning",
        "resource",
        None,
        "RESOURCE rss_mb 1,530 is above its limit 1,024",
    ),
    (
        ResourceLimit(T0, what="disk_free_mb", value=120, limit=500),
        "warning",
        "resource",
        None,
        "RESOURCE disk_free_mb 120 is below its limit 500",
    ),
    (
        PriceFresh(T0, "WIF"),
        "info",
        "stale",
        None,
        "FRESH WIF: prices are current again",
    ),
    (
        ExitWaitingForPrice(T0 + 90.6, "BONK", last_ts=T0),
        "warning",
        "stale",
        None,
        "stop-loss for BONK needs a price: last accepted is 91 s old (12:00:03); exits wait "
        "for a trusted price",
    ),
    (
        ExitWaitingForPrice(T0, "BONK", last_ts=None),
        "warning",
        "stale",
        None,
        "stop-loss for BONK needs a price: no price has been accepted; exits wait for a "
        "trusted price",
    ),
    (
        PriceRefused(T0, refused_by="jump", text="REFUSED WIF price 9.9: jumped 900%"),
        "warning",
        "refused",
        "jump",
        "REFUSED WIF price 9.9: jumped 900%",
    ),
    (
        AlertDeliveryFailed(T0, "mailto://bot:****@example.com", 4, "connection refused"),
        "warning",
        "alert",
        None,
        "ALERT NOT DELIVERED to mailto://bot:****@example.com after 4 attempts: connection refused",
    ),
]


@pytest.mark.parametrize(
    ("event", "level", "kind", "rule", "line"),
    CASES,
    ids=[f"{type(case[0]).__name__}-{i}" for i, case in enumerate(CASES)],
)
def test_event_renders_the_line_and_is_stored_with_its_kind(
    event: EngineEvent, level: str, kind: str, rule: str | None, line: str
) -> None:
    assert event.message == line
    assert (event.level, event.kind, event.rule) == (level, kind, rule)
    row = DecisionLog(keep=5).prepare(event)
    assert (row.ts, row.level, row.kind, row.rule, row.message) == (
        event.ts,
        level,
        kind,
        rule,
        line,
    )


def test_every_event_class_has_a_case() -> None:
    covered = {type(case[0]) for case in CASES}
    declared = {
        cls
        for _, cls in inspect.getmembers(events, inspect.isclass)
        if issubclass(cls, EngineEvent) and cls is not EngineEvent
    }
    assert len(declared) == 31
    assert covered == declared


def test_events_are_frozen() -> None:
    event = PriceFresh(T0, "WIF")
    with pytest.raises(AttributeError):
        event.symbol = "BONK"  # type: ignore[misc]


def test_record_clamps_time_and_shows_at_once_prepare_shows_only_when_published() -> None:
    log = DecisionLog(keep=5)
    log.record(PriceFresh(T0 + 10, "WIF"))
    # Decided later about an earlier price: stamped no earlier than the line before.
    log.record(PriceStale(T0 + 5, "BONK", last_ts=T0))
    assert [row.ts for row in log.take_pending()] == [T0 + 10, T0 + 10]
    # The age is the event's own (decided at T0 + 5), not the clamped stamp's.
    assert log.recent()[-1].message.endswith("(5 s ago); no entries until one is")
    row = log.prepare(CheckpointTaken(T0 + 1, "cp", "halt"))
    assert row.ts == T0 + 10
    assert len(log.recent()) == 2 and log.take_pending() == []  # nothing shown before commit
    log.publish((row,))
    assert log.recent()[-1].message == "CHECKPOINT cp (halt)"
