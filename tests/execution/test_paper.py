"""Tests of paper fills: the pool's quote for the order's size, plus the configured fees."""

from __future__ import annotations

import pytest

from soltrader_tui.config.model import PaperConfig
from soltrader_tui.domain import MICRO, Fill, Side, SwapQuote
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


class TestExactFigures:
    """Every micro-USDC of a fill, derived by hand from the pool's curve and the config's fees.

    MEME opens at $0.0042 in a $16,000 pool of a 6-decimal token, so its reserves at the
    start are 8,000,000,000 micro-USDC (half the liquidity) against
    round(8e9 · 10**6 / (0.0042 · 10**6)) = 1,904,761,904,762 base units. A constant-product
    pool pays `out = reserve_out · in // (reserve_in + in)`. Fees are 25 bps of the USDC
    amount, rounded up to a micro, plus the $0.001 (1,000 micro) network fee, on every fill.
    """

    USDC_RESERVE = 8_000_000_000
    TOKEN_RESERVE = 1_904_761_904_762

    async def test_sell_pays_swap_and_network_fees_on_the_quote(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        sold = 5_000_000_000  # 5,000 MEME
        # 8e9 · 5e9 // (1,904,761,904,762 + 5e9) = 4e19 // 1,909,761,904,762
        assert self.USDC_RESERVE * sold // (self.TOKEN_RESERVE + sold) == 20_945_019
        fill = await executor(market).execute(make_order(side="sell", in_amount=sold, token=token))
        assert not isinstance(fill, Rejected)
        assert fill.qty == sold
        assert fill.quote_amount == 20_945_019
        # 25 bps of 20,945,019 is 52,362.5475, rounded up to 52,363; plus 1,000 network.
        assert fill.fee == 52_363 + 1_000
        assert fill.price_usd == pytest.approx(20.945019 / 5_000)

    async def test_buy_gets_the_curve_amount_and_pays_both_fees(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        paid = 50_000_000  # $50
        # 1,904,761,904,762 · 5e7 // (8e9 + 5e7)
        assert self.TOKEN_RESERVE * paid // (self.USDC_RESERVE + paid) == 11_830_819_284
        fill = await executor(market).execute(make_order(side="buy", in_amount=paid, token=token))
        assert not isinstance(fill, Rejected)
        assert fill.qty == 11_830_819_284
        assert fill.quote_amount == paid
        assert fill.fee == 125_000 + 1_000  # 25 bps of $50 exactly, plus the network fee
        assert fill.price_usd == pytest.approx(50 / 11_830.819284)

    async def test_fees_follow_the_config(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        sell = make_order(side="sell", in_amount=5_000_000_000, token=token)
        fill = await executor(market, bps=100, network=0.25).execute(sell)
        assert not isinstance(fill, Rejected)
        # 1 % of 20,945,019 is 209,450.19, rounded up; $0.25 is 250,000 micro.
        assert fill.fee == 209_451 + 250_000

    async def test_sale_worth_less_than_its_fees_is_rejected(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        # 100 MEME fetch 8e9 · 1e8 // (1,904,761,904,762 + 1e8) = 419,977 micro ($0.42);
        # a sale whose fees reach that is refused, one a micro short of it is not.
        order = make_order(side="sell", in_amount=100_000_000, token=token)
        rejected = await executor(market, network=0.5).execute(order)
        assert isinstance(rejected, Rejected)
        assert rejected.reason == "MEME sale would return $0.419977, less than the fees"
        fill = await executor(market, bps=0, network=0.419976).execute(order)
        assert not isinstance(fill, Rejected) and fill.fee == 419_976
        at_quote = await executor(market, bps=0, network=0.419977).execute(order)
        assert isinstance(at_quote, Rejected)

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


class TestWholeFill:
    """A fill carries the order's identity and the executor's mode, not just its amounts."""

    async def test_every_field(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        order = make_order(
            side="sell",
            in_amount=5_000_000_000,
            token=token,
            strategy="breakout",
            ts=START + 5,
            client_order_id="sell-7",
        )
        fill = await PaperExecutor(SimFeed(market), PaperConfig(), "backtest").execute(order)
        assert fill == Fill(
            order_id="sell-7",
            ts=START + 5,
            token=token,
            side="sell",
            qty=5_000_000_000,
            price_usd=20_945_019 / MICRO / 5_000,
            quote_amount=20_945_019,
            fee=52_363 + 1_000,
            strategy="breakout",
            mode="backtest",
        )


class TestQuoteReuse:
    """A quote taken for exactly this order is used; one for another size is not."""

    async def test_a_matching_quote_is_used_as_given(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        # A quote the executor could not have taken itself: the pool never pays this much.
        given = SwapQuote(token, "buy", 50_000_000, 12_000_000_000, 61.9)
        order = make_order(side="buy", in_amount=50_000_000, token=token)
        fill = await executor(market).execute(order, given)
        assert not isinstance(fill, Rejected) and fill.qty == 12_000_000_000

    async def test_a_quote_for_another_size_is_ignored(self) -> None:
        market = SimMarket(1, START)
        token = market.token(MEME)
        assert token is not None
        stale = SwapQuote(token, "buy", 40_000_000, 12_000_000_000, 61.9)
        order = make_order(side="buy", in_amount=50_000_000, token=token)
        fill = await executor(market).execute(order, stale)
        assert not isinstance(fill, Rejected) and fill.qty == 11_830_819_284  # the pool's own


class TestNothingBack:
    """A swap the pool pays nothing for is rejected; one it pays a single unit for fills.

    CALM's pool holds 1,500,000 USDC against 1,500,000 tokens of 6 decimals, so
    1.5e12 · x // (1.5e12 + x) is 0 for x = 1 and 1 for x = 2.
    """

    CALM = sim_mint("CALM")

    async def test_buy_of_one_micro_gets_nothing_and_is_rejected(self) -> None:
        market = SimMarket(1, START)
        token = market.token(self.CALM)
        assert token is not None
        result = await executor(market).execute(make_order(side="buy", in_amount=1, token=token))
        assert result == Rejected("CALM pool returns nothing for this size (impact 0 bps)")

    async def test_sell_of_one_unit_gets_nothing_and_is_rejected(self) -> None:
        market = SimMarket(1, START)
        token = market.token(self.CALM)
        assert token is not None
        result = await executor(market).execute(make_order(side="sell", in_amount=1, token=token))
        assert isinstance(result, Rejected) and "returns nothing" in result.reason

    @pytest.mark.parametrize("side", ["buy", "sell"])
    async def test_a_single_unit_back_fills(self, side: Side) -> None:
        market = SimMarket(1, START)
        token = market.token(self.CALM)
        assert token is not None
        order = make_order(side=side, in_amount=2, token=token)
        fill = await executor(market, bps=0, network=0).execute(order)
        assert not isinstance(fill, Rejected)
        assert (fill.qty, fill.quote_amount, fill.fee) == (
            (1, 2, 0) if side == "buy" else (2, 1, 0)
        )
