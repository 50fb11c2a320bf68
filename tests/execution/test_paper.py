"""Tests of paper fills: the pool's quote for the order's size, plus the configured fees."""

from __future__ import annotations

import pytest

from soltrader_tui.config import PaperConfig
from soltrader_tui.execution.paper import PaperExecutor, Rejected, swap_fee_micro
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket, sim_mint
from tests.factories import make_order

START = 1_767_225_600.0
MEME = sim_mint("MEME")


def executor(market: SimMarket, bps: float = 25.0, network: float = 0.001) -> PaperExecutor:
    return PaperExecutor(
        SimFeed(market), PaperConfig(swap_fee_bps=bps, network_fee_usd=network), "paper"
    )


class TestPaperFills:
    """A paper fill gets the price a real swap of that size would get, and pays fees."""

    async def test_buy_fills_at_quote_with_fees(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        quote = market.quote(MEME, "buy", 50_000_000)
        assert quote is not None
        fill = await executor(market).execute(
            make_order(side="buy", in_amount=50_000_000, token=token)
        )
        assert not isinstance(fill, Rejected)
        assert fill.qty == quote.out_amount
        assert fill.quote_amount == 50_000_000
        assert fill.fee == 125_000 + 1_000  # 25 bps of $50 plus $0.001 network
        assert fill.price_usd == pytest.approx(50.0 / token.to_whole(fill.qty))

    async def test_bigger_orders_get_worse_prices(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        ex = executor(market)
        small = await ex.execute(make_order(side="buy", in_amount=10_000_000, token=token))
        large = await ex.execute(make_order(side="buy", in_amount=2_000_000_000, token=token))
        assert not isinstance(small, Rejected) and not isinstance(large, Rejected)
        assert large.price_usd > small.price_usd * 1.05

    async def test_sell_receives_quote_minus_fees_and_is_deterministic(self) -> None:
        fills = []
        for _ in range(2):
            market = SimMarket(9, START)
            market.advance(START + 600)
            token = market.token(MEME)
            assert token is not None
            fills.append(
                await executor(market).execute(
                    make_order(
                        side="sell", in_amount=5_000_000_000, token=token, client_order_id="s1"
                    )
                )
            )
        assert fills[0] == fills[1]
        assert not isinstance(fills[0], Rejected)
        assert fills[0].qty == 5_000_000_000 and fills[0].fee > 0

    async def test_unlisted_token_is_rejected(self) -> None:
        market = SimMarket(1, START, listing_after_s=3600)
        token = market.token(sim_mint("NEWB"))
        assert token is not None
        result = await executor(market).execute(make_order(side="buy", token=token))
        assert isinstance(result, Rejected) and "NEWB" in result.reason

    @pytest.mark.parametrize(
        ("amount", "bps", "fee"), [(1, 25, 1), (10_000, 25, 25), (10_001, 25, 26), (0, 25, 0)]
    )
    def test_swap_fee_rounds_up(self, amount: int, bps: float, fee: int) -> None:
        assert swap_fee_micro(amount, bps) == fee
