"""Tests the portfolio: exact cash and P&L, round trips, win rate and marks."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.domain import MICRO, Fill
from soltrader_tui.portfolio.portfolio import (
    MAX_MICRO,
    RECENT_TRIPS_MAX,
    Portfolio,
    PortfolioError,
    PortfolioState,
    RoundTrip,
)
from tests.factories import BONK, SOL, WIF, fill_sequences, make_fill, make_token

START = 100 * MICRO


class TestWorkedExample:
    """The user buys BONK twice, sells part, then the rest: figures match a hand calculation."""

    # BONK has 5 decimals, so 1_000_000 base units are 10 whole tokens.
    BUY_1 = make_fill("buy", qty=1_000_000, quote_amount=10_000_000, fee=30_000, ts=100.0)
    BUY_2 = make_fill("buy", qty=2_000_000, quote_amount=24_000_000, fee=60_000, ts=200.0)
    SELL_PART = make_fill("sell", qty=1_000_000, quote_amount=15_000_000, fee=40_000, ts=300.0)
    SELL_REST = make_fill("sell", qty=2_000_000, quote_amount=18_000_000, fee=50_000, ts=400.0)

    def test_buys_add_quantity_and_cost_with_fees(self) -> None:
        portfolio = Portfolio.replay(START, [self.BUY_1, self.BUY_2])
        position = portfolio.positions[BONK.mint]
        assert position.qty == 3_000_000
        # 10.03 + 24.06 USDC, fees included.
        assert position.cost_micro == 34_090_000
        assert position.avg_cost_usd == pytest.approx(34.09 / 30)
        assert position.opened_ts == 100.0
        assert portfolio.cash_micro == START - 10_030_000 - 24_060_000 == 65_910_000
        assert portfolio.realized_micro == 0

    def test_buy_reports_no_realized_pnl(self) -> None:
        effect = Portfolio(START).apply(self.BUY_1)
        assert effect.realized_micro is None
        assert effect.closed is None

    def test_partial_sell_realizes_against_average_cost(self) -> None:
        portfolio = Portfolio.replay(START, [self.BUY_1, self.BUY_2])
        effect = portfolio.apply(self.SELL_PART)
        # A third of the cost leaves: 34_090_000 // 3 = 11_363_333.
        # Realized = (15.00 - 0.04) - 11.363333 USDC.
        assert effect.realized_micro == 14_960_000 - 11_363_333 == 3_596_667
        assert effect.closed is None
        position = portfolio.positions[BONK.mint]
        assert position.qty == 2_000_000
        assert position.cost_micro == 34_090_000 - 11_363_333 == 22_726_667
        assert position.trip_realized_micro == 3_596_667
        assert portfolio.cash_micro == 65_910_000 + 14_960_000
        assert portfolio.round_trips == 0

    def test_full_sell_closes_a_losing_round_trip(self) -> None:
        portfolio = Portfolio.replay(START, [self.BUY_1, self.BUY_2, self.SELL_PART])
        effect = portfolio.apply(self.SELL_REST)
        # The whole remaining cost leaves, so no residue stays behind.
        assert effect.realized_micro == 17_950_000 - 22_726_667 == -4_776_667
        # Paid 34.09, got back 14.96 + 17.95 = 32.91: the trip lost 1.18 USDC.
        assert effect.closed == RoundTrip(
            mint=BONK.mint,
            symbol="BONK",
            strategy="momentum",
            opened_ts=100.0,
            closed_ts=400.0,
            realized_micro=-1_180_000,
        )
        assert not effect.closed.won
        assert BONK.mint not in portfolio.positions
        assert portfolio.cash_micro == 98_820_000
        assert portfolio.realized_micro == -1_180_000
        assert (portfolio.round_trips, portfolio.wins, portfolio.losses) == (1, 0, 1)
        assert portfolio.win_rate == 0.0

    def test_second_winning_trip_makes_win_rate_half(self) -> None:
        portfolio = Portfolio.replay(
            START, [self.BUY_1, self.BUY_2, self.SELL_PART, self.SELL_REST]
        )
        portfolio.apply(make_fill("buy", qty=500, quote_amount=10 * MICRO, fee=0, ts=500.0))
        effect = portfolio.apply(
            make_fill("sell", qty=500, quote_amount=12 * MICRO, fee=0, ts=600.0)
        )
        assert effect.closed is not None
        assert effect.closed.won
        assert effect.closed.realized_micro == 2 * MICRO
        assert (portfolio.round_trips, portfolio.wins, portfolio.losses) == (2, 1, 1)
        assert portfolio.win_rate == 0.5
        assert portfolio.realized_micro == 2 * MICRO - 1_180_000
        assert [trip.won for trip in portfolio.recent_trips] == [False, True]


class TestStrategyAttribution:
    """Each strategy's panel row shows the results of the positions its buys opened."""

    def test_sell_by_another_strategy_is_credited_to_the_opener(self) -> None:
        portfolio = Portfolio.replay(
            START,
            [
                make_fill("buy", qty=100, quote_amount=5 * MICRO, fee=0, strategy="momentum"),
                make_fill("buy", qty=100, quote_amount=5 * MICRO, fee=0, strategy="breakout"),
                make_fill("sell", qty=50, quote_amount=3 * MICRO, fee=0, strategy="risk"),
                make_fill("sell", qty=150, quote_amount=9 * MICRO, fee=0, strategy="risk"),
            ],
        )
        assert set(portfolio.strategy_stats) == {"momentum"}
        stats = portfolio.strategy_stats["momentum"]
        assert (stats.round_trips, stats.wins, stats.realized_micro) == (1, 1, 2 * MICRO)
        assert stats.win_rate == 1.0

    def test_strategy_with_only_open_positions_is_listed_without_win_rate(self) -> None:
        portfolio = Portfolio.replay(START, [make_fill("buy", strategy="breakout")])
        stats = portfolio.strategy_stats["breakout"]
        assert (stats.round_trips, stats.wins, stats.realized_micro) == (0, 0, 0)
        assert stats.win_rate is None

    def test_breakeven_trip_counts_as_a_loss(self) -> None:
        portfolio = Portfolio.replay(
            START,
            [
                make_fill("buy", qty=10, quote_amount=MICRO, fee=1),
                make_fill("sell", qty=10, quote_amount=MICRO + 1, fee=0),
            ],
        )
        assert portfolio.realized_micro == 0
        assert (portfolio.wins, portfolio.losses) == (0, 1)


class TestWinRateUnknown:
    """Before any position closes, the win rate shows as "—" (None), not 0%."""

    def test_fresh_portfolio(self) -> None:
        portfolio = Portfolio(START)
        assert portfolio.win_rate is None
        assert (portfolio.round_trips, portfolio.wins, portfolio.losses) == (0, 0, 0)
        assert portfolio.strategy_stats == {}

    def test_open_positions_only(self) -> None:
        portfolio = Portfolio.replay(START, [make_fill("buy"), make_fill("sell", qty=1)])
        assert portfolio.win_rate is None
        assert portfolio.fill_count == 2


class TestMarks:
    """Equity and unrealized P&L use the latest marks, and show "—" when one is missing."""

    def test_equity_is_none_when_a_mark_is_missing(self) -> None:
        portfolio = Portfolio.replay(START, [make_fill(token=BONK), make_fill(token=WIF)])
        marks = {BONK.mint: 1.0}
        assert portfolio.equity_micro(marks) is None
        assert portfolio.unrealized_micro(marks) is None
        assert portfolio.exposure_micro(marks) is None

    @pytest.mark.parametrize("bad_mark", [math.nan, math.inf])
    def test_non_finite_mark_counts_as_missing(self, bad_mark: float) -> None:
        portfolio = Portfolio.replay(START, [make_fill(token=BONK)])
        assert portfolio.equity_micro({BONK.mint: bad_mark}) is None

    def test_flat_portfolio_equity_is_cash_without_marks(self) -> None:
        portfolio = Portfolio.replay(START, [make_fill("buy"), make_fill("sell", qty=1_000_000)])
        assert portfolio.positions == {}
        assert portfolio.equity_micro({}) == portfolio.cash_micro
        assert portfolio.unrealized_micro({}) == 0

    def test_equity_and_unrealized_from_marks(self) -> None:
        # 2 SOL (9 decimals) for 300 USDC + 0.5 fee; 30 WIF (6 decimals) for 60 USDC.
        portfolio = Portfolio.replay(
            1_000 * MICRO,
            [
                make_fill(token=SOL, qty=2 * 10**9, quote_amount=300 * MICRO, fee=500_000),
                make_fill(token=WIF, qty=30 * 10**6, quote_amount=60 * MICRO, fee=0),
            ],
        )
        marks = {SOL.mint: 160.0, WIF.mint: 1.5}
        assert portfolio.cash_micro == 639_500_000
        assert portfolio.exposure_micro(marks) == (320 + 45) * MICRO
        assert portfolio.equity_micro(marks) == 639_500_000 + 365 * MICRO
        assert portfolio.unrealized_micro(marks) == 365 * MICRO - 360_500_000
        assert portfolio.positions[SOL.mint].avg_cost_usd == pytest.approx(150.25)

    @pytest.mark.parametrize(("lamports", "micro"), [(1_400, 1), (1_600, 2), (2_000, 2)])
    def test_each_position_rounds_to_the_nearest_micro(self, lamports: int, micro: int) -> None:
        portfolio = Portfolio.replay(START, [make_fill(token=SOL, qty=lamports)])
        assert portfolio.positions[SOL.mint].value_micro(1.0) == micro
        assert portfolio.equity_micro({SOL.mint: 1.0}) == portfolio.cash_micro + micro

    @pytest.mark.parametrize("mark", [1e308, math.inf, -math.inf, math.nan, 1e13, -1e13])
    def test_an_absurd_mark_gives_no_figure_and_no_overflow(self, mark: float) -> None:
        # 2 SOL at 1e13 USD is 2e19 micro-USDC: past the ledger's integers, so "not known".
        portfolio = Portfolio.replay(START, [make_fill(token=SOL, qty=2 * 10**9)])
        assert portfolio.positions[SOL.mint].value_micro(mark) is None
        assert portfolio.equity_micro({SOL.mint: mark}) is None
        assert portfolio.unrealized_micro({SOL.mint: mark}) is None

    def test_the_largest_recordable_value_still_counts(self) -> None:
        portfolio = Portfolio.replay(START, [make_fill(token=SOL, qty=10**9)])
        assert portfolio.positions[SOL.mint].value_micro(9e12) == 9 * 10**18


def _bad_fills() -> list[tuple[Fill, str]]:
    return [
        (make_fill("sell", qty=1_000_001), "sells 1000001 base units but only 1000000 are held"),
        (make_fill("sell", token=WIF), "no open position in"),
        (make_fill("buy", qty=0), "qty must be positive, got 0"),
        (make_fill("sell", qty=-5), "qty must be positive, got -5"),
        (make_fill("buy", quote_amount=0), "quote_amount must be positive, got 0"),
        (make_fill("sell", qty=1, quote_amount=-1), "quote_amount must be positive, got -1"),
        (make_fill("buy", fee=-1), "fee must not be negative, got -1"),
        (make_fill("buy", token=make_token("BONK", 9)), "has 9 decimals, but the open position"),
    ]


class TestInvalidFills:
    """A bad fill is refused with a message naming the fill and leaves everything as it was."""

    @pytest.mark.parametrize(("fill", "message"), _bad_fills())
    def test_refused_with_clear_message_and_state_unchanged(self, fill: Fill, message: str) -> None:
        portfolio = Portfolio.replay(START, [make_fill("buy", qty=1_000_000, token=BONK)])
        before = portfolio.state()
        with pytest.raises(PortfolioError, match=message) as raised:
            portfolio.apply(fill)
        assert repr(fill.order_id) in str(raised.value)
        assert portfolio.state() == before

    def test_portfolio_error_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="starting cash must not be negative"):
            Portfolio(-1)

    def test_replay_stops_at_the_bad_fill(self) -> None:
        with pytest.raises(PortfolioError, match="no open position"):
            Portfolio.replay(START, [make_fill("sell")])


class TestRecentTrips:
    """The recent-trips list stays bounded however long the session runs; counts keep going."""

    def test_only_the_newest_trips_are_kept(self) -> None:
        portfolio = Portfolio(START)
        total = RECENT_TRIPS_MAX + 50
        for n in range(total):
            portfolio.apply(make_fill("buy", qty=10, quote_amount=MICRO, fee=0, ts=float(n)))
            portfolio.apply(make_fill("sell", qty=10, quote_amount=MICRO + n, fee=0, ts=n + 0.5))
        assert portfolio.round_trips == total
        assert len(portfolio.recent_trips) == RECENT_TRIPS_MAX
        assert portfolio.recent_trips[0].opened_ts == 50.0
        assert portfolio.recent_trips[-1].realized_micro == total - 1
        # Trip 0 broke even; every later trip made n micro-USDC.
        assert (portfolio.wins, portfolio.losses) == (total - 1, 1)


class TestInvariantsOverRandomFills:
    """Whatever the fills, cash and P&L stay exact and the counts add up."""

    @given(fill_sequences())
    def test_accounting_identities_hold_after_every_fill(self, fills: list[Fill]) -> None:
        portfolio = Portfolio(START)
        cash_flows = 0
        closed_realized = 0
        for fill in fills:
            effect = portfolio.apply(fill)
            cash_flows += fill.cash_delta
            if effect.closed is not None:
                closed_realized += effect.closed.realized_micro
            open_cost = sum(p.cost_micro for p in portfolio.positions.values())
            open_trip = sum(p.trip_realized_micro for p in portfolio.positions.values())
            assert portfolio.cash_micro == START + cash_flows
            assert portfolio.cash_micro + open_cost == START + portfolio.realized_micro
            assert portfolio.realized_micro == closed_realized + open_trip
            assert all(p.qty > 0 and p.cost_micro > 0 for p in portfolio.positions.values())
        assert portfolio.fill_count == len(fills)

    @given(fill_sequences())
    def test_counts_and_strategy_stats_add_up(self, fills: list[Fill]) -> None:
        portfolio = Portfolio.replay(START, fills)
        stats = portfolio.strategy_stats.values()
        assert portfolio.wins + portfolio.losses == portfolio.round_trips
        assert sum(s.round_trips for s in stats) == portfolio.round_trips
        assert sum(s.wins for s in stats) == portfolio.wins
        assert sum(s.realized_micro for s in stats) == portfolio.realized_micro
        assert len(portfolio.recent_trips) == min(portfolio.round_trips, RECENT_TRIPS_MAX)

    @given(fill_sequences())
    def test_replay_reproduces_the_live_state(self, fills: list[Fill]) -> None:
        live = Portfolio(START)
        for fill in fills:
            live.apply(fill)
            # The risk engine's trailing high-water mark is not part of the fill state.
            for position in live.positions.values():
                position.high_water_usd = 1.0
        assert Portfolio.replay(START, fills).state() == live.state()

    @given(fill_sequences(), st.floats(0.0, 1e6, allow_nan=False))
    def test_equity_is_cash_plus_cost_plus_unrealized(self, fills: list[Fill], mark: float) -> None:
        portfolio = Portfolio.replay(START, fills)
        marks = {token.mint: mark for token in (SOL, BONK, WIF)}
        equity = portfolio.equity_micro(marks)
        unrealized = portfolio.unrealized_micro(marks)
        positions = portfolio.positions.values()
        held = sum(p.qty * mark * MICRO / 10**p.token.decimals for p in positions)
        # Past the ledger's integers the figure is not known: None, never an overflow.
        if held > MAX_MICRO * 1.000_001:
            assert equity is None and unrealized is None
        if equity is None or unrealized is None:
            assert held > MAX_MICRO * 0.999_999
            return
        assert equity is not None
        assert unrealized is not None
        open_cost = sum(p.cost_micro for p in portfolio.positions.values())
        assert equity == portfolio.cash_micro + open_cost + unrealized


class TestExactState:
    """`state()`, which replays and resumes are compared by, carries every figure."""

    def test_state_of_a_known_history(self) -> None:
        fills = [
            # 10 BONK for $10 + $0.025, sold for $12 − $0.03: realized 11.97 − 10.025 = 1.945.
            make_fill("buy", 1_000_000, 10_000_000, 25_000, BONK, ts=1.0, order_id="b1"),
            make_fill("sell", 1_000_000, 12_000_000, 30_000, BONK, ts=2.0, order_id="s1"),
            # 2 WIF for $5, no fee, by another strategy, still open.
            make_fill("buy", 2_000_000, 5_000_000, 0, WIF, ts=3.0, strategy="breakout"),
        ]
        state = Portfolio.replay(500_000_000, fills).state()
        assert state == PortfolioState(
            starting_cash_micro=500_000_000,
            cash_micro=500_000_000 - 10_025_000 + 11_970_000 - 5_000_000,
            realized_micro=1_945_000,
            fill_count=3,
            round_trips=1,
            wins=1,
            positions=((WIF.mint, 2_000_000, 5_000_000, 3.0, "breakout", 0),),
            strategies=(("breakout", 0, 0, 0), ("momentum", 1, 1, 1_945_000)),
            recent_trips=(RoundTrip(BONK.mint, "BONK", "momentum", 1.0, 2.0, 1_945_000),),
        )

    def test_an_empty_account_is_allowed(self) -> None:
        assert Portfolio(0).cash_micro == 0

    def test_a_fill_of_no_side_is_refused_by_name(self) -> None:
        bad = replace(make_fill(order_id="x1"), side="hold")  # type: ignore[arg-type]
        with pytest.raises(PortfolioError) as raised:
            Portfolio(0).apply(bad)
        assert (
            str(raised.value) == "fill 'x1' (hold BONK): side must be 'buy' or 'sell', got 'hold'"
        )
