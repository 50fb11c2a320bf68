"""Tests of the circuit breakers: each trips once, the daily one resets at UTC midnight."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import RiskConfig
from soltrader_tui.risk import (
    BreakerCleared,
    BreakerEvent,
    BreakerRule,
    Breakers,
    BreakerTripped,
    utc_day,
)
from tests.risk import MIDNIGHT, MINUTE, NOW, risk_config, usd

HOUR = 3600.0


def feed(breakers: Breakers, points: list[tuple[float, float]]) -> list[BreakerEvent]:
    """Feeds (ts, equity in USD) points; returns the events, in order."""
    events = []
    for ts, equity in points:
        event = breakers.on_equity(usd(equity), ts)
        if event is not None:
            events.append(event)
    return events


class TestDailyLossLimit:
    """Down daily_loss_limit_usd since the UTC day's start: entries pause until 00:00 UTC."""

    def test_trips_once_and_pauses_until_midnight(self) -> None:
        breakers = Breakers(RiskConfig())
        events = feed(breakers, [(NOW, 500), (NOW + 60, 490), (NOW + 120, 475), (NOW + 180, 460)])
        assert events == [
            BreakerTripped(
                BreakerRule.DAILY_LOSS,
                "pause_entries",
                "down $25.00 today (equity $475.00, day start $500.00), limit $25.00; "
                "entries paused until 00:00 UTC",
                NOW + 120,
                MIDNIGHT,
            )
        ]
        assert breakers.day_pnl_micro == usd(-40)

    def test_counts_unrealized_moves_both_ways(self) -> None:
        breakers = Breakers(RiskConfig())
        # A rise and a fall back within the day is no loss; equity under the start is.
        assert feed(breakers, [(NOW, 500), (NOW + 60, 540), (NOW + 120, 480)]) == []
        assert breakers.day_pnl_micro == usd(-20)

    async def test_resets_at_utc_midnight_on_the_virtual_clock(self) -> None:
        clock = VirtualClock(MIDNIGHT - HOUR)
        breakers = Breakers(RiskConfig())
        events: list[BreakerEvent] = []
        for equity in (500, 470, 465):
            events += feed(breakers, [(clock.now(), equity)])
            await clock.sleep_until(clock.now() + 20 * MINUTE)
        assert clock.now() == MIDNIGHT
        events += feed(breakers, [(clock.now(), 465)])
        assert [type(e) for e in events] == [BreakerTripped, BreakerCleared]
        assert isinstance(events[1], BreakerCleared)
        assert events[1].ts == MIDNIGHT
        assert "$465.00" in events[1].reason
        assert breakers.day_pnl_micro == 0
        # The new day counts from $465: another $25 down trips again, once.
        events = feed(breakers, [(MIDNIGHT + HOUR, 441), (MIDNIGHT + 2 * HOUR, 440)])
        assert [e.rule for e in events] == [BreakerRule.DAILY_LOSS]
        assert isinstance(events[0], BreakerTripped)
        assert events[0].until_ts == MIDNIGHT + 86_400

    def test_last_second_of_the_day_is_the_same_day(self) -> None:
        breakers = Breakers(RiskConfig())
        events = feed(breakers, [(NOW, 500), (NOW + 60, 470), (MIDNIGHT - 0.001, 470)])
        assert len(events) == 1
        assert utc_day(MIDNIGHT - 0.001) + 1 == utc_day(MIDNIGHT)

    def test_clock_step_back_does_not_reopen_a_day(self) -> None:
        breakers = Breakers(RiskConfig())
        feed(breakers, [(MIDNIGHT + 10, 500)])
        assert feed(breakers, [(MIDNIGHT - 10, 470), (MIDNIGHT + 20, 470)])[0].rule is (
            BreakerRule.DAILY_LOSS
        )


class TestMaxDrawdown:
    """max_drawdown_pct below the equity peak: flatten everything and HALT, asked for once."""

    def test_trips_once_and_asks_for_halt(self) -> None:
        breakers = Breakers(risk_config(daily_loss_limit_usd=1000))
        events = feed(
            breakers,
            [(NOW, 500), (NOW + 60, 600), (NOW + 120, 490), (NOW + 180, 480), (NOW + 240, 400)],
        )
        assert events == [
            BreakerTripped(
                BreakerRule.MAX_DRAWDOWN,
                "halt",
                "equity $480.00 is 20.0 % below its peak $600.00, limit 20 %",
                NOW + 180,
                None,
            )
        ]
        assert breakers.drawdown_pct == 100 * (600 - 400) / 600

    def test_halt_wins_over_the_daily_pause(self) -> None:
        breakers = Breakers(RiskConfig())
        events = feed(breakers, [(NOW, 500), (NOW + 60, 390), (NOW + 120, 390)])
        assert [(e.rule, getattr(e, "action", None)) for e in events] == [
            (BreakerRule.MAX_DRAWDOWN, "halt"),
            (BreakerRule.DAILY_LOSS, "pause_entries"),
        ]

    def test_resume_rearms_from_the_current_equity(self) -> None:
        breakers = Breakers(risk_config(daily_loss_limit_usd=1000))
        feed(breakers, [(NOW, 500), (NOW + 60, 400)])
        breakers.rearm(usd(400))
        assert feed(breakers, [(NOW + 120, 400), (NOW + 180, 330)]) == []
        assert [e.rule for e in feed(breakers, [(NOW + 240, 320)])] == [BreakerRule.MAX_DRAWDOWN]


class TestConsecutiveLosses:
    """max_consecutive_losses losing round trips in a row pause entries until a resume."""

    def test_trips_once_on_the_nth_loss(self) -> None:
        breakers = Breakers(RiskConfig())
        results = [breakers.on_round_trip(usd(-2), NOW + n) for n in range(6)]
        assert results[:3] == [None, None, None]
        assert results[3] == BreakerTripped(
            BreakerRule.CONSECUTIVE_LOSSES,
            "pause_entries",
            "4 losing round trips in a row, limit 4",
            NOW + 3,
            None,
        )
        assert results[4:] == [None, None]

    def test_a_win_resets_the_streak(self) -> None:
        breakers = Breakers(RiskConfig())
        for realized in (-1, -1, -1, 3, -1, -1, -1):
            assert breakers.on_round_trip(usd(realized), NOW) is None
        assert breakers.losses_in_a_row == 3

    def test_breakeven_is_a_loss(self) -> None:
        breakers = Breakers(risk_config(max_consecutive_losses=2))
        assert breakers.on_round_trip(0, NOW) is None
        tripped = breakers.on_round_trip(0, NOW + 1)
        assert tripped is not None and tripped.rule is BreakerRule.CONSECUTIVE_LOSSES

    def test_resume_starts_the_count_again(self) -> None:
        breakers = Breakers(risk_config(max_consecutive_losses=2))
        breakers.on_round_trip(-1, NOW)
        assert breakers.on_round_trip(-1, NOW + 1) is not None
        breakers.rearm(None)
        assert breakers.on_round_trip(-1, NOW + 2) is None
        assert breakers.on_round_trip(-1, NOW + 3) is not None


class TestRestore:
    """After a restart the breakers continue from the day's start and the peak in the ledger."""

    def test_daily_start_from_history(self) -> None:
        breakers = Breakers(RiskConfig())
        breakers.restore(
            day_start_equity_micro=usd(500),
            day_start_ts=NOW - HOUR,
            peak_equity_micro=usd(520),
            losses_in_a_row=3,
        )
        events = feed(breakers, [(NOW, 474)])
        assert [e.rule for e in events] == [BreakerRule.DAILY_LOSS]
        tripped = breakers.on_round_trip(-1, NOW)
        assert tripped is not None and tripped.rule is BreakerRule.CONSECUTIVE_LOSSES

    def test_restored_on_an_earlier_day_rolls_over(self) -> None:
        breakers = Breakers(RiskConfig())
        breakers.restore(
            day_start_equity_micro=usd(600),
            day_start_ts=NOW - 86_400,
            peak_equity_micro=usd(600),
            losses_in_a_row=0,
        )
        assert feed(breakers, [(NOW, 560), (NOW + 60, 550)]) == []
        assert breakers.day_pnl_micro == usd(-10)


class TestAtMostOncePerArm:
    """Whatever the equity path, each breaker trips at most once per arming (and day)."""

    @given(
        path=st.lists(st.floats(1, 1_000), min_size=1, max_size=200),
        step_min=st.floats(0, 120),
    )
    def test_trips_are_not_repeated(self, path: list[float], step_min: float) -> None:
        breakers = Breakers(RiskConfig())
        events = feed(breakers, [(NOW + n * step_min * MINUTE, e) for n, e in enumerate(path)])
        drawdowns = [e for e in events if e.rule is BreakerRule.MAX_DRAWDOWN]
        assert len(drawdowns) <= 1
        peak = path[0]
        for n, equity in enumerate(path):
            peak = max(peak, equity)
            if (peak - equity) / peak >= 0.2 + 1e-9:
                assert drawdowns, f"a {100 * (peak - equity) / peak:.1f} % drawdown at {n}"
                break
        daily = [
            e for e in events if isinstance(e, BreakerTripped) and e.rule is BreakerRule.DAILY_LOSS
        ]
        days = [utc_day(e.ts) for e in daily]
        assert len(days) == len(set(days))


class TestExactEdges:
    """What a restart or a resume carries over, and the figures at the edges, exactly."""

    def test_restored_peak_counts_for_the_drawdown(self) -> None:
        breakers = Breakers(RiskConfig())
        breakers.restore(
            day_start_equity_micro=usd(800),
            day_start_ts=NOW,
            peak_equity_micro=usd(1_000),
            losses_in_a_row=0,
        )
        assert breakers.day_pnl_micro is None  # no equity point yet: unknown, not 0
        event = breakers.on_equity(usd(790), NOW)
        assert event == BreakerTripped(
            BreakerRule.MAX_DRAWDOWN,
            "halt",
            "equity $790.00 is 21.0 % below its peak $1,000.00, limit 20 %",
            NOW,
            None,
        )

    def test_restored_without_the_day_start_counts_from_the_first_point(self) -> None:
        breakers = Breakers(RiskConfig())
        breakers.restore(
            day_start_equity_micro=None, day_start_ts=NOW, peak_equity_micro=None, losses_in_a_row=0
        )
        assert breakers.on_equity(usd(500), NOW) is None
        assert breakers.day_pnl_micro == 0
        event = breakers.on_equity(usd(475), NOW + MINUTE)
        assert isinstance(event, BreakerTripped) and event.rule is BreakerRule.DAILY_LOSS

    def test_a_one_micro_win_ends_the_streak(self) -> None:
        breakers = Breakers(risk_config(max_consecutive_losses=2))
        assert breakers.on_round_trip(-1, NOW) is None
        assert breakers.on_round_trip(1, NOW) is None
        assert breakers.losses_in_a_row == 0

    def test_resume_restarts_the_peak_and_the_day_from_its_equity(self) -> None:
        breakers = Breakers(RiskConfig())
        feed(breakers, [(NOW, 1_000), (NOW + 60, 970)])  # down $30: daily limit tripped
        breakers.rearm(usd(960))
        assert (breakers.drawdown_pct, breakers.day_pnl_micro) == (0.0, 0)
        # A fresh full limit from $960 trips the daily breaker again; 20 % below it halts.
        assert feed(breakers, [(NOW + 120, 935)])[0].rule is BreakerRule.DAILY_LOSS
        assert feed(breakers, [(NOW + 180, 768)])[0].rule is BreakerRule.MAX_DRAWDOWN

    def test_new_day_clears_the_daily_pause_by_name(self) -> None:
        breakers = Breakers(RiskConfig())
        feed(breakers, [(NOW, 500), (NOW + 60, 470)])
        assert feed(breakers, [(MIDNIGHT, 470)]) == [
            BreakerCleared(
                BreakerRule.DAILY_LOSS,
                "new UTC day: the daily loss limit counts again from $470.00",
                MIDNIGHT,
            )
        ]

    def test_large_figures_in_messages(self) -> None:
        breakers = Breakers(RiskConfig())
        events = feed(breakers, [(NOW, 10_000_000), (NOW + 60, 7_900_000)])
        assert isinstance(events[0], BreakerTripped)
        assert events[0].reason == (
            "equity $7,900,000.00 is 21.0 % below its peak $10,000,000.00, limit 20 %"
        )
