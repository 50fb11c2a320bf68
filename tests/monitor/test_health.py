"""`soltrader-tui health`: the assessment, its reads of a real ledger, and the command body."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.commands.health import ASCII_MARKS, health, render_text
from soltrader_tui.commands.status import status
from soltrader_tui.domain import TradingState
from soltrader_tui.ledger import Ledger, open_reader
from soltrader_tui.ledger.lock import EngineLock
from soltrader_tui.ledger.rows import EventRow, Heartbeat, UsageMinute, iso
from soltrader_tui.ledger.usage_reads import minute_key
from soltrader_tui.monitor.health import (
    API_ERROR_SHARE,
    API_MIN_ERRORS,
    DETAIL_QUOTE_CHARS,
    EXIT_CODES,
    HEARTBEAT_DEGRADED_S,
    HEARTBEAT_FAILING_S,
    RECENT_WINDOW_S,
    Check,
    EngineOwner,
    HealthReport,
    Level,
    RecentActivity,
    RecentProviderUsage,
    assess,
    engine_now,
    health_json,
    provider_level,
)
from soltrader_tui.monitor.health_reads import (
    read_api_usage,
    read_owner,
    read_recent,
    read_recent_errors,
)
from soltrader_tui.monitor.ledger_view import StatusReport, read_status
from soltrader_tui.net.usage import minute_text
from soltrader_tui.snapshot import EngineSnapshot, LogLine, ScoreView

NOW = 1_800_000_000.0
LEDGER = Path("ledger.sqlite")
LEVELS: tuple[Level, ...] = ("ok", "degraded", "failing")
CHECK_NAMES = (
    "engine",
    "heartbeat",
    "trading state",
    "prices",
    "api",
    "errors",
    "resources",
    "storage",
    "alerts",
)
ALL_OK: dict[str, Level] = dict.fromkeys(CHECK_NAMES, "ok")


def make_snapshot(**overrides: object) -> EngineSnapshot:
    """A running, ACTIVE paper engine with no positions; `overrides` replace fields."""
    base = EngineSnapshot(
        version="test",
        mode="paper",
        trading_state=TradingState.ACTIVE,
        state_reason="new ledger",
        market_ts=NOW,
        starting_cash_usd=500.0,
        cash_usd=500.0,
        equity_usd=500.0,
        realized_pnl_usd=0.0,
        unrealized_pnl_usd=0.0,
        total_return=0.0,
        win_rate=None,
        round_trips=0,
        wins=0,
        losses=0,
        fills=0,
        max_drawdown_pct=None,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def make_report(
    *,
    age: float | None = 0.5,
    pid: int = 4242,
    beat_running: bool = True,
    market_ts: float | None = NOW,
    **snapshot: object,
) -> StatusReport:
    """A status report whose heartbeat is `age` wall seconds old (None: no heartbeat)."""
    beat = (
        None if age is None else Heartbeat(NOW - age, market_ts, pid, "test", "paper", beat_running)
    )
    return StatusReport(make_snapshot(**snapshot), beat, age, LEDGER)


def check(report: StatusReport, name: str, recent: RecentActivity | None = None) -> Check:
    result = assess(report, recent or RecentActivity(), NOW)
    return next(c for c in result.checks if c.name == name)


def usage(
    calls: int = 100, errors: int = 0, rate_limited: int = 0, recent_429: int = 0
) -> RecentProviderUsage:
    return RecentProviderUsage("jupiter", calls, errors, rate_limited, recent_429)


class TestOverall:
    """The first line and the exit code are the worst of the checks."""

    @given(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=8))
    def test_level_and_exit_code_are_the_worst_check(self, levels: list[Level]) -> None:
        checks = tuple(Check(f"c{i}", lv, "") for i, lv in enumerate(levels))
        result = HealthReport(LEDGER, NOW, checks)
        assert result.exit_code == max(EXIT_CODES[lv] for lv in levels)
        assert result.level == LEVELS[result.exit_code]

    def test_a_healthy_running_engine_is_ok_on_every_check(self) -> None:
        result = assess(make_report(), RecentActivity(api=(usage(),)), NOW)
        assert {c.name: c.level for c in result.checks} == ALL_OK
        assert tuple(c.name for c in result.checks) == CHECK_NAMES
        assert result.exit_code == 0


class TestEngineCheck:
    """With no engine holding the ledger nothing trades or watches exits: failing."""

    def test_running_engine_is_ok_and_named(self) -> None:
        c = check(make_report(pid=77), "engine")
        assert (c.level, "pid 77" in c.detail) == ("ok", True)

    def test_starting_engine_is_named_by_the_lock_owner(self) -> None:
        """The heartbeat left by an earlier session (pid 1) is not the new engine's (pid 2)."""
        c = check(make_report(pid=1), "engine", RecentActivity(owner=EngineOwner(2, NOW)))
        assert (c.level, c.detail) == ("ok", "an engine holds the ledger (pid 2, starting)")

    def test_killed_engine_is_failing_and_said_to_have_died(self) -> None:
        c = check(make_report(running=False, age=600.0, beat_running=True), "engine")
        assert c.level == "failing"
        assert "did not shut down cleanly" in c.detail
        assert "10 min ago" in c.detail

    def test_cleanly_stopped_engine_is_failing_too(self) -> None:
        c = check(make_report(running=False, age=5.0, beat_running=False), "engine")
        assert c.level == "failing"
        assert "stopped 5.0 s ago" in c.detail

    def test_ledger_that_never_ran_an_engine_is_failing(self) -> None:
        c = check(make_report(running=False, age=None), "engine")
        assert c.level == "failing"
        assert c.detail.startswith("no engine holds the ledger")


class TestHeartbeatCheck:
    """A running engine flushes every second; a silent one is degraded, then hung (failing)."""

    @given(st.floats(min_value=0, max_value=10_000, allow_nan=False))
    def test_level_follows_the_age_thresholds(self, age: float) -> None:
        c = check(make_report(age=age), "heartbeat")
        expected = (
            "failing"
            if age > HEARTBEAT_FAILING_S
            else "degraded"
            if age > HEARTBEAT_DEGRADED_S
            else "ok"
        )
        assert c.level == expected
        assert "ago" in c.detail

    def test_hung_engine_is_called_hung(self) -> None:
        c = check(make_report(age=HEARTBEAT_FAILING_S + 1), "heartbeat")
        assert c.level == "failing"
        assert "hung" in c.detail

    @given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
    def test_no_engine_expects_no_heartbeat(self, age: float) -> None:
        assert check(make_report(running=False, age=age), "heartbeat").level == "ok"

    def test_starting_engine_is_judged_by_when_it_took_the_lock(self) -> None:
        """An old heartbeat of an earlier session (another pid) is not this engine's."""
        report = make_report(age=3600.0, pid=1)
        just_started = RecentActivity(owner=EngineOwner(2, NOW - 2))
        assert check(report, "heartbeat", just_started).level == "ok"
        stuck = RecentActivity(owner=EngineOwner(2, NOW - 2 * HEARTBEAT_FAILING_S))
        c = check(report, "heartbeat", stuck)
        assert c.level == "failing"
        assert "no heartbeat yet" in c.detail

    def test_same_pid_owner_uses_the_heartbeat(self) -> None:
        report = make_report(age=HEARTBEAT_FAILING_S + 5, pid=9)
        owner = RecentActivity(owner=EngineOwner(9, NOW))
        assert check(report, "heartbeat", owner).level == "failing"

    def test_running_engine_without_any_heartbeat_is_degraded(self) -> None:
        assert check(make_report(age=None), "heartbeat").level == "degraded"


class TestTradingStateCheck:
    """ACTIVE is fine; PAUSED and HALTED are safe but need the user, who is told why."""

    @pytest.mark.parametrize(
        ("state", "level"),
        [
            (TradingState.ACTIVE, "ok"),
            (TradingState.PAUSED, "degraded"),
            (TradingState.HALTED, "degraded"),
        ],
    )
    def test_level_and_reason(self, state: TradingState, level: Level) -> None:
        c = check(
            make_report(trading_state=state, state_reason="daily loss limit hit"), "trading state"
        )
        assert c.level == level
        assert c.detail.startswith(state.value.upper())
        assert "daily loss limit hit" in c.detail

    def test_halted_says_how_to_trade_again(self) -> None:
        c = check(make_report(trading_state=TradingState.HALTED, state_reason="x"), "trading state")
        assert "soltrader-tui resume" in c.detail


def score(symbol: str, reason: str, strategy: str = "momentum") -> ScoreView:
    return ScoreView(strategy, f"mint-{symbol}", symbol, 0.5, reason, 1.0, None)


class TestPricesCheck:
    """Tokens whose price went stale are named; no entries happen in them meanwhile."""

    def test_stale_symbols_are_named_once_and_sorted(self) -> None:
        scores = (
            score("WIF", "STALE price: rsi 41"),
            score("BONK", "STALE price: warming up"),
            score("WIF", "STALE price: breakout", strategy="breakout"),
            score("SOL", "rsi 55"),
        )
        c = check(make_report(scores=scores), "prices")
        assert c.level == "degraded"
        assert "BONK, WIF:" in c.detail
        assert "SOL" not in c.detail

    def test_fresh_prices_are_ok_and_counted(self) -> None:
        c = check(make_report(scores=(score("SOL", "rsi 55"), score("WIF", "ok"))), "prices")
        assert (c.level, c.detail) == ("ok", "2 tokens priced, none stale")

    def test_no_scores_yet_is_ok(self) -> None:
        assert check(make_report(scores=()), "prices").level == "ok"


class TestApiCheck:
    """Failed calls above a share, or any recent 429, degrade; no calls at all is fine."""

    @given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 5))
    def test_provider_rule(self, calls: int, errors: int, recent_429: int) -> None:
        # As the ledger holds them: a 429 is a failed call, and a failed call is a call.
        recent_429 = min(recent_429, errors)
        u = usage(
            calls=max(calls, errors), errors=errors, rate_limited=recent_429, recent_429=recent_429
        )
        bad = recent_429 > 0 or (errors >= API_MIN_ERRORS and errors > API_ERROR_SHARE * u.calls)
        assert provider_level(u) == ("degraded" if bad else "ok")
        assert check(make_report(), "api", RecentActivity(api=(u,))).level == provider_level(u)

    def test_failing_share_is_quoted_with_its_figures(self) -> None:
        c = check(make_report(), "api", RecentActivity(api=(usage(calls=20, errors=10),)))
        assert c.level == "degraded"
        assert "jupiter: 10 of 20 calls failed (50%)" in c.detail

    def test_a_recent_429_degrades_even_among_many_calls(self) -> None:
        recent = RecentActivity(api=(usage(calls=1000, errors=1, rate_limited=1, recent_429=1),))
        c = check(make_report(), "api", recent)
        assert c.level == "degraded"
        assert "429" in c.detail

    def test_one_failure_in_a_quiet_window_is_ok(self) -> None:
        c = check(make_report(), "api", RecentActivity(api=(usage(calls=2, errors=2),)))
        assert c.level == "ok"

    def test_in_process_market_without_calls_is_ok(self) -> None:
        note = "in-process simulated market: no API calls are made"
        c = check(make_report(api_note=note), "api", RecentActivity())
        assert (c.level, c.detail) == ("ok", "no API calls in the last 5 min")


class TestErrorsCheck:
    """Errors logged in the last minutes degrade, quoting the newest on one line."""

    def test_errors_quote_the_newest(self) -> None:
        newest = LogLine(7, NOW, "error", "market poll failed:\nConnectError: refused")
        c = check(make_report(), "errors", RecentActivity(errors=3, newest_error=newest))
        assert c.level == "degraded"
        assert (
            c.detail
            == "3 logged in the last 5 min; newest: market poll failed: ConnectError: refused"
        )

    @given(st.text(min_size=0, max_size=1000))
    def test_quote_is_one_bounded_line(self, message: str) -> None:
        newest = LogLine(1, NOW, "error", message)
        c = check(make_report(), "errors", RecentActivity(errors=1, newest_error=newest))
        quote = c.detail.split("newest: ", 1)[1]
        assert "\n" not in c.detail and "\r" not in c.detail
        assert len(quote) <= DETAIL_QUOTE_CHARS

    def test_no_errors_is_ok(self) -> None:
        assert check(make_report(), "errors").level == "ok"


class TestEngineClock:
    """Log lines carry market time: recent means recent on the engine's clock."""

    def test_wall_clock_session_anchors_at_wall_time(self) -> None:
        assert engine_now(make_report(age=2.0, market_ts=NOW - 2.0), NOW) == pytest.approx(NOW)

    def test_accelerated_session_anchors_at_its_market_time(self) -> None:
        ahead = NOW + 86_400
        assert engine_now(make_report(age=1.0, market_ts=ahead), NOW) == pytest.approx(ahead + 1)

    def test_no_heartbeat_falls_back_to_wall_time(self) -> None:
        assert engine_now(make_report(age=None), NOW) == NOW


class TestOutput:
    """`--json` is one ASCII object; the text starts with the level and the ledger."""

    def test_json_object(self) -> None:
        result = assess(make_report(trading_state=TradingState.HALTED), RecentActivity(), NOW)
        obj = health_json(result)
        assert set(obj) == {"status", "exit_code", "ledger", "checked_at", "version", "checks"}
        assert (obj["status"], obj["exit_code"], obj["ledger"]) == ("degraded", 1, str(LEDGER))
        assert obj["checked_at"] == "2027-01-15T08:00:00.000Z"
        assert {"name": "trading state", "status": "degraded"}.items() <= obj["checks"][2].items()
        json.dumps(obj).encode("ascii")

    def test_text_summary(self) -> None:
        result = assess(make_report(running=False, age=30.0), RecentActivity(), NOW)
        lines = render_text(result).splitlines()
        assert lines[0] == f"FAILING  {LEDGER}"
        assert lines[2].startswith("  ✖ engine ")
        assert lines[3].startswith("  ✔ heartbeat ")
        ascii_lines = render_text(result, marks=ASCII_MARKS).splitlines()
        assert ascii_lines[2].startswith("  x engine ")


# -- reads of a real ledger ----------------------------------------------------------------


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(
        tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="test"
    )
    yield opened
    opened.close()


class TestReads:
    """The reads count only the recent window, whatever the ledger holds before it."""

    def test_minute_key_matches_what_the_client_writes(self) -> None:
        for ts in (0.0, NOW, NOW + 59.999, NOW + 60):
            assert minute_key(ts) == minute_text(int(ts // 60))

    def test_recent_errors_count_only_the_window(self, ledger: Ledger) -> None:
        since = NOW - RECENT_WINDOW_S
        events = [
            EventRow(since - 3600, "error", "engine", "an hour ago: the scan stops here"),
            EventRow(since - 30, "error", "engine", "old, within the scan slack"),
            EventRow(since + 1, "error", "engine", "first recent"),
            EventRow(since + 2, "warning", "stale", "not an error"),
            EventRow(since - 5, "info", "stale", "a line about an older price"),
            EventRow(NOW, "error", "engine", "newest error"),
            EventRow(NOW + 1, "info", "engine", "after it"),
        ]
        # Written as a ledger from before issue 19 may hold them: a line stamped with an older
        # price's time (the ledger now refuses that, so they go in with plain SQL).
        raw = sqlite3.connect(ledger.path, isolation_level=None)
        raw.executemany(
            "INSERT INTO events (ts, level, kind, message) VALUES (?, ?, ?, ?)",
            [(iso(e.ts), e.level, e.kind, e.message) for e in events],
        )
        raw.close()
        conn = open_reader(ledger.path)
        try:
            count, newest = read_recent_errors(conn, since=since)
        finally:
            conn.close()
        assert count == 2
        assert newest is not None
        assert newest.message == "newest error"
        assert newest.ts == pytest.approx(NOW)

    def test_api_usage_sums_the_last_minutes_per_provider(self, ledger: Ledger) -> None:
        def row(
            provider: str, minutes_ago: int, calls: int, errors: int, limited: int
        ) -> UsageMinute:
            return UsageMinute(
                provider, minute_key(NOW - 60 * minutes_ago), calls, errors, limited, None, None
            )

        ledger.flush(
            usage=[
                row("jupiter", 0, 10, 1, 0),
                row("jupiter", 3, 20, 4, 2),
                row("jupiter", 5, 999, 999, 999),  # outside the five minutes
                row("rpc", 1, 5, 1, 1),
            ]
        )
        conn = open_reader(ledger.path)
        try:
            got = read_api_usage(conn, NOW)
        finally:
            conn.close()
        assert got == (
            RecentProviderUsage("jupiter", 30, 5, 2, 0),
            RecentProviderUsage("rpc", 5, 1, 1, 1),
        )

    def test_owner_is_the_process_holding_the_lock(self, ledger: Ledger) -> None:
        lock = EngineLock(ledger.path)
        lock.acquire("test")
        try:
            owner = read_owner(ledger.path)
        finally:
            lock.release()
        assert owner is not None
        assert owner.pid == os.getpid()
        assert owner.since_wall is not None
        assert read_owner(ledger.path) is None

    def test_read_recent_beside_a_held_lock(self, ledger: Ledger) -> None:
        """A whole read while this process plays the engine: its heartbeat is its own."""
        ledger.flush(
            heartbeat=Heartbeat(NOW - 1, NOW - 1, os.getpid(), "test", "paper", True),
            events=[EventRow(NOW - 10, "error", "engine", "market poll failed")],
        )
        lock = EngineLock(ledger.path)
        lock.acquire("test")
        try:
            report = read_status(ledger.path, now_wall=NOW)
            recent = read_recent(ledger.path, report, now_wall=NOW)
        finally:
            lock.release()
        result = assess(report, recent, NOW)
        assert {c.name: c.level for c in result.checks} == {**ALL_OK, "errors": "degraded"}
        assert result.exit_code == 1


class TestCommandBody:
    """An unreadable ledger gives status's message and exit 2; --json still prints its object."""

    def args(self, db: Path, *, as_json: bool) -> argparse.Namespace:
        return argparse.Namespace(json=as_json, db=db, config=None)

    def test_missing_ledger(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        db = tmp_path / "none.sqlite"
        assert status(self.args(db, as_json=False)) == 2
        status_err = capsys.readouterr().err
        assert health(self.args(db, as_json=True)) == 2
        out, err = capsys.readouterr()
        assert err == status_err
        obj = json.loads(out)
        assert (obj["status"], obj["exit_code"]) == ("failing", 2)
        assert obj["checks"] == [
            {"name": "ledger", "status": "failing", "detail": err.split(": ", 1)[1].strip()}
        ]

    def test_ledger_without_engine_prints_text(
        self, ledger: Ledger, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert health(self.args(ledger.path, as_json=False)) == 2
        out = capsys.readouterr().out
        assert out.splitlines()[0] == f"FAILING  {ledger.path.resolve()}"
        assert "no engine holds the ledger" in out
