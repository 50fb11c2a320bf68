"""Tests of entry sizing: orders shrink to fit the amount limits, or are denied below a minimum."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.execution.paper import swap_fee_micro
from soltrader_tui.risk import (
    Denial,
    DenialRule,
    EntrySize,
    RiskBook,
    check_entry,
    entry_cost_micro,
    size_entry,
)
from tests.risk import BONK, make_book, make_request, risk_config, usd

FEE_BPS = 25.0
NETWORK_FEE = 1_000
AMOUNT_RULES = {
    DenialRule.MAX_POSITION_USD,
    DenialRule.MAX_POSITION_PCT,
    DenialRule.MAX_TOKEN_EXPOSURE,
    DenialRule.MAX_TOTAL_EXPOSURE,
    DenialRule.INSUFFICIENT_CASH,
}


def size(book: RiskBook, config: RiskConfig | None = None) -> EntrySize | Denial:
    """Sizes a BONK entry with the default paper fees."""
    return size_entry(
        BONK,
        "BONK",
        book,
        config or RiskConfig(),
        swap_fee_bps=FEE_BPS,
        network_fee_micro=NETWORK_FEE,
    )


class TestFeesAsCharged:
    """The cost the checks see is what the paper executor will charge."""

    @given(in_micro=st.integers(1, 10**12), bps=st.floats(0, 1000))
    def test_matches_paper_executor(self, in_micro: int, bps: float) -> None:
        expected = in_micro + swap_fee_micro(in_micro, bps) + NETWORK_FEE
        assert entry_cost_micro(in_micro, bps, NETWORK_FEE) == expected


class TestShrinking:
    """A small account trades smaller orders instead of none; the limit that shrank it is named."""

    def test_fits_unchanged(self) -> None:
        sized = size(make_book())
        assert sized == EntrySize(usd(50), usd(50) + 125_000 + NETWORK_FEE, None)

    def test_percent_of_equity_shrinks_it(self) -> None:
        sized = size(make_book(cash_usd=100))
        assert isinstance(sized, EntrySize)
        assert sized.shrunk_by is DenialRule.MAX_POSITION_PCT
        assert sized.cost_micro <= usd(20)
        assert entry_cost_micro(sized.in_micro + 1, FEE_BPS, NETWORK_FEE) > usd(20)

    def test_total_exposure_room_is_used(self) -> None:
        sized = size(make_book(cash_usd=870, held_usd={"WIF": 65, "SOL": 65}))
        assert isinstance(sized, EntrySize)
        assert sized.shrunk_by is DenialRule.MAX_TOTAL_EXPOSURE
        assert usd(19.9) < sized.cost_micro <= usd(20)

    def test_room_is_used_to_the_micro(self) -> None:
        # $20 of room: in + ceil(in · 25 / 10,000) + 1,000 <= 20,000,000 gives
        # in = 19,949,127 (fee 49,873: exactly $20); one micro more costs 20,000,001.
        sized = size(make_book(cash_usd=870, held_usd={"WIF": 65, "SOL": 65}))
        assert sized == EntrySize(19_949_127, 20_000_000, DenialRule.MAX_TOTAL_EXPOSURE)

    def test_room_of_exactly_the_minimum_is_traded(self) -> None:
        # $5 of room: in = 4,986,533 costs 4,986,533 + 12,467 + 1,000 = exactly $5.00.
        sized = size(make_book(cash_usd=500, held_usd={"WIF": 72.5, "SOL": 72.5}))
        assert sized == EntrySize(4_986_533, 5_000_000, DenialRule.MAX_TOTAL_EXPOSURE)

    def test_a_limit_equal_to_the_order_does_not_shrink_it(self) -> None:
        # $50 + 125,000 swap fee + 1,000 network = $50.126, exactly the per-position limit.
        sized = size(make_book(), risk_config(max_position_usd=50.126))
        assert sized == EntrySize(usd(50), 50_126_000, None)

    def test_what_is_held_in_the_token_counts(self) -> None:
        sized = size(make_book(held_usd={"BONK": 70}))  # $100 per token: $30 of room
        assert isinstance(sized, EntrySize)
        assert sized.shrunk_by is DenialRule.MAX_TOKEN_EXPOSURE
        assert sized.cost_micro == usd(30)

    def test_fees_can_jump_over_the_minimum(self) -> None:
        # No swap costs exactly 4,995,055 micro with 25 bps and $0.001 (4,981,600 costs
        # 4,995,054, one micro more costs 4,995,056): a room and minimum of exactly that
        # leaves an order a micro short of the minimum.
        assert entry_cost_micro(4_981_600, FEE_BPS, NETWORK_FEE) == 4_995_054
        assert entry_cost_micro(4_981_601, FEE_BPS, NETWORK_FEE) == 4_995_056
        config = risk_config(min_order_usd=4.995055, max_total_exposure_usd=120 + 4.995055)
        sized = size(make_book(held_usd={"WIF": 60, "SOL": 60}), config)
        assert isinstance(sized, Denial)
        assert sized.rule is DenialRule.MAX_TOTAL_EXPOSURE
        assert sized.message.startswith("BONK: after fees the max_total_exposure limit leaves $")

    def test_fees_alone_fill_the_room(self) -> None:
        # $6 of room and a $5.999999 network fee: a one-micro swap would cost $6.000001.
        book = make_book(held_usd={"WIF": 72, "SOL": 72})
        sized = size_entry(
            BONK, "BONK", book, RiskConfig(), swap_fee_bps=FEE_BPS, network_fee_micro=5_999_999
        )
        assert isinstance(sized, Denial)
        assert sized.rule is DenialRule.MAX_TOTAL_EXPOSURE
        assert sized.message.startswith("BONK: after fees the max_total_exposure limit leaves $")

    def test_large_amounts_in_the_message(self) -> None:
        config = risk_config(
            order_usd=20_000,
            min_order_usd=20_000,
            max_position_usd=50_000,
            max_position_pct=100,
            max_token_exposure_usd=50_000,
            max_total_exposure_usd=10_000,
        )
        assert size(make_book(cash_usd=100_000), config) == Denial(
            DenialRule.MAX_TOTAL_EXPOSURE,
            "BONK: the max_total_exposure limit leaves room for $10,000.00, below the "
            "$20,000.00 minimum order",
        )

    def test_cash_shrinks_it(self) -> None:
        sized = size(
            make_book(cash_usd=12, held_usd={"WIF": 60}), risk_config(max_position_pct=100)
        )
        assert isinstance(sized, EntrySize)
        assert sized.shrunk_by is DenialRule.INSUFFICIENT_CASH
        assert sized.cost_micro <= usd(12)

    def test_too_little_room_is_denied_by_that_limit(self) -> None:
        sized = size(make_book(cash_usd=500, held_usd={"WIF": 73, "SOL": 73}))
        assert sized == Denial(
            DenialRule.MAX_TOTAL_EXPOSURE,
            "BONK: the max_total_exposure limit leaves room for $4.00, below the $5.00 "
            "minimum order",
        )

    def test_no_room_at_all(self) -> None:
        sized = size(
            make_book(cash_usd=0, held_usd={"WIF": 100}), risk_config(max_position_pct=100)
        )
        assert isinstance(sized, Denial)
        assert sized.rule is DenialRule.INSUFFICIENT_CASH
        assert "room for $0.00" in sized.message


def smallest_entry_cost(minimum: int, bps: float) -> int:
    """The cost with fees of the smallest swap whose cost reaches `minimum` micro-USDC."""
    in_micro = max(1, int((minimum - NETWORK_FEE) / (1 + bps / 1e4)) - 2)
    while in_micro > 1 and entry_cost_micro(in_micro - 1, bps, NETWORK_FEE) >= minimum:
        in_micro -= 1
    while entry_cost_micro(in_micro, bps, NETWORK_FEE) < minimum:
        in_micro += 1
    return entry_cost_micro(in_micro, bps, NETWORK_FEE)


class TestSizedEntriesPass:
    """An order size_entry allows never trips a size, exposure or cash limit in check_entry,
    and one it denies could not have been placed at the minimum either."""

    @given(
        cash=st.integers(0, usd(2_000)),
        held=st.lists(st.integers(0, usd(200)), max_size=2),
        order_usd=st.floats(5, 500),
        pct=st.floats(1, 100),
        total=st.floats(1, 1_000),
        bps=st.floats(0, 500),
    )
    def test_passes(
        self, cash: int, held: list[int], order_usd: float, pct: float, total: float, bps: float
    ) -> None:
        config = risk_config(
            order_usd=order_usd, max_position_pct=pct, max_total_exposure_usd=total
        )
        book = RiskBook(cash, {f"other{n}": value for n, value in enumerate(held)})
        sized = size_entry(
            BONK, "BONK", book, config, swap_fee_bps=bps, network_fee_micro=NETWORK_FEE
        )
        if isinstance(sized, Denial):
            assert sized.rule in AMOUNT_RULES
            assert "below the $5.00 minimum order" in sized.message
            # Justified: the cheapest order worth making would break an amount limit.
            cheapest = replace(make_request(), cost_micro=smallest_entry_cost(usd(5), bps))
            denial = check_entry(cheapest, book, config)
            assert denial is not None and denial.rule in AMOUNT_RULES
        else:
            request = replace(make_request(), cost_micro=sized.cost_micro)
            assert check_entry(request, book, config) is None
            assert sized.cost_micro == entry_cost_micro(sized.in_micro, bps, NETWORK_FEE)
            assert sized.in_micro <= usd(order_usd)

    @given(
        cash=st.integers(usd(60), usd(2_000)),
        held=st.lists(st.integers(0, usd(40)), max_size=2),
        order_usd=st.floats(5, 500),
        pct=st.floats(12, 100),
        bps=st.floats(0, 500),
    )
    def test_room_for_the_minimum_is_always_sized(
        self, cash: int, held: list[int], order_usd: float, pct: float, bps: float
    ) -> None:
        # Every cap leaves at least $7.20 (12 % of $60 equity; $150 - $80 total; $100 per
        # token and per position): more than a $5 order costs with 5 % fees and $0.001.
        config = risk_config(order_usd=order_usd, max_position_pct=pct)
        book = RiskBook(cash, {f"other{n}": value for n, value in enumerate(held)})
        sized = size_entry(
            BONK, "BONK", book, config, swap_fee_bps=bps, network_fee_micro=NETWORK_FEE
        )
        assert isinstance(sized, EntrySize), sized
        assert (
            check_entry(replace(make_request(), cost_micro=sized.cost_micro), book, config) is None
        )
        assert usd(5) <= sized.cost_micro
        assert sized.in_micro <= usd(order_usd)
        # As large as the limits allow: one micro more would cost more than order_usd or a cap.
        if sized.shrunk_by is not None:
            bigger = entry_cost_micro(sized.in_micro + 1, bps, NETWORK_FEE)
            denial = check_entry(replace(make_request(), cost_micro=bigger), book, config)
            assert denial is not None and denial.rule in AMOUNT_RULES
