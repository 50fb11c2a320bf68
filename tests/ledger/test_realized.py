"""Tests the schema-3 backfill's average-cost walk: it realizes what `Portfolio` realizes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from soltrader_tui.domain import Fill
from soltrader_tui.ledger.realized import AverageCost, FillsDoNotAddUp
from soltrader_tui.portfolio.portfolio import Portfolio
from tests.factories import fill_sequences, make_fill


class TestEqualsPortfolio:
    @settings(max_examples=300, deadline=None)
    @given(fills=fill_sequences(max_fills=60))
    def test_each_fill_realizes_what_the_portfolio_says(self, fills: list[Fill]) -> None:
        book, portfolio = AverageCost(), Portfolio(500_000_000)
        assert [book.realized(f) for f in fills] == [
            portfolio.apply(f).realized_micro for f in fills
        ]

    def test_a_partial_sell_takes_its_cost_pro_rata_rounded_down(self) -> None:
        book = AverageCost()
        assert book.realized(make_fill(side="buy", qty=3, quote_amount=10, fee=0)) is None
        # 10 × 1 // 3 = 3 of cost leaves with one unit of three: 7 - 1 - 3.
        assert book.realized(make_fill(side="sell", qty=1, quote_amount=7, fee=1)) == 3
        # The last two units carry the remaining 7 of cost: 20 - 2 - 7.
        assert book.realized(make_fill(side="sell", qty=2, quote_amount=20, fee=2)) == 11


class TestFillsThatDoNotAddUp:
    def test_a_sell_with_nothing_held_names_the_fill(self) -> None:
        with pytest.raises(FillsDoNotAddUp, match=r"'orphan' \(sell BONK\): no open position"):
            AverageCost().realized(make_fill(side="sell", order_id="orphan"))

    def test_a_sell_of_more_than_is_held_names_the_fill_and_changes_nothing(self) -> None:
        book = AverageCost()
        book.realized(make_fill(side="buy", qty=5, quote_amount=50, fee=0))
        with pytest.raises(FillsDoNotAddUp, match=r"'over' .*sells 6 base units but only 5"):
            book.realized(make_fill(side="sell", qty=6, order_id="over"))
        assert book.realized(make_fill(side="sell", qty=5, quote_amount=60, fee=0)) == 10

    def test_a_fill_without_quantity_is_refused(self) -> None:
        with pytest.raises(FillsDoNotAddUp, match=r"'empty' .*qty must be positive, got 0"):
            AverageCost().realized(make_fill(side="buy", qty=0, order_id="empty"))
