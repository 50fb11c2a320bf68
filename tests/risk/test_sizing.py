"""Tests of entry sizing: orders shrink to fit the amount limits, or are denied below a minimum."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config import RiskConfig
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


class TestSizedEntriesPass:
    """An order size_entry allows never trips a size, exposure or cash limit in check_entry."""

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
            return
        request = make_request(cost_usd=sized.cost_micro / 1e6)
        assert check_entry(request, book, config) is None
        assert sized.cost_micro == entry_cost_micro(sized.in_micro, bps, NETWORK_FEE)
        assert sized.in_micro <= usd(order_usd)
