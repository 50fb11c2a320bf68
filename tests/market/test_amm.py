"""Tests the constant-product pool: exact quotes, impact, re-pricing and liquidity changes."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.market.amm import Pool

reserves = st.integers(min_value=10**6, max_value=10**16)
amounts = st.integers(min_value=0, max_value=10**17)
decimals = st.integers(min_value=0, max_value=12)


@st.composite
def pools(draw: st.DrawFn) -> Pool:
    """A pool with realistic (not dust-sized) reserves."""
    return Pool(draw(reserves), draw(reserves), draw(decimals))


def make_pool(
    price_usd: float = 150.0, liquidity_usd: float = 20_000_000.0, token_decimals: int = 9
) -> Pool:
    """A pool at a given price and total liquidity."""
    return Pool.from_price(price_usd, liquidity_usd, token_decimals)


class TestPricing:
    """The pool reports the spot price and liquidity the user expects in USD."""

    def test_price_is_usd_per_whole_token(self) -> None:
        pool = Pool(token_reserve=2 * 10**9, usdc_reserve=300 * 10**6, decimals=9)
        assert pool.price_usd() == 150.0
        assert pool.liquidity_usd() == 600.0
        assert pool.k == 2 * 10**9 * 300 * 10**6

    def test_from_price_matches_the_request(self) -> None:
        pool = make_pool(0.0042, 16_000.0, 6)
        assert pool.price_usd() == pytest.approx(0.0042, rel=1e-9)
        assert pool.liquidity_usd() == pytest.approx(16_000.0)

    @pytest.mark.parametrize(
        ("token_reserve", "usdc_reserve", "token_decimals"),
        [(0, 1, 6), (1, 0, 6), (-5, 10, 6), (1, 1, -1), (1, 1, 19)],
    )
    def test_rejects_impossible_pools(
        self, token_reserve: int, usdc_reserve: int, token_decimals: int
    ) -> None:
        with pytest.raises(ValueError, match=r"reserves|decimals"):
            Pool(token_reserve, usdc_reserve, token_decimals)


class TestQuotes:
    """Quotes are exact floor math that never drain the pool or create money."""

    @given(pools(), amounts)
    def test_out_never_reaches_the_reserve(self, pool: Pool, amount: int) -> None:
        tokens_out, _ = pool.quote_buy(amount)
        usdc_out, _ = pool.quote_sell(amount)
        assert 0 <= tokens_out < pool.token_reserve
        assert 0 <= usdc_out < pool.usdc_reserve

    @given(pools(), amounts)
    def test_out_is_the_floor_of_the_exact_curve(self, pool: Pool, amount: int) -> None:
        exact = Fraction(pool.token_reserve * amount, pool.usdc_reserve + amount)
        tokens_out, _ = pool.quote_buy(amount)
        assert tokens_out == math.floor(exact)

    @given(pools())
    def test_zero_in_gives_zero_out(self, pool: Pool) -> None:
        assert pool.quote_buy(0) == (0, 0.0)
        assert pool.quote_sell(0) == (0, 0.0)

    def test_negative_input_is_refused(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            make_pool().quote_buy(-1)
        with pytest.raises(ValueError, match="negative"):
            make_pool().quote_sell(-1)

    @given(pools(), amounts, amounts)
    def test_impact_is_positive_and_grows_with_size(self, pool: Pool, a: int, b: int) -> None:
        small, large = sorted((a, b))
        for quote in (pool.quote_buy, pool.quote_sell):
            _, impact_small = quote(small)
            _, impact_large = quote(large)
            assert 0.0 <= impact_small <= impact_large <= 10_000.0
            if small > 0:
                assert impact_small > 0.0

    @given(pools(), amounts)
    def test_buy_then_sell_never_returns_more(self, pool: Pool, usdc_in: int) -> None:
        tokens, _ = pool.quote_buy(usdc_in)
        back_unmoved, _ = pool.quote_sell(tokens)  # paper trading: the pool never moves
        pool.apply_buy(usdc_in)
        back_moved = pool.apply_sell(tokens)  # a real round trip through the pool
        assert back_unmoved <= usdc_in
        assert back_moved <= usdc_in

    @given(pools(), st.lists(st.tuples(st.booleans(), amounts), max_size=8))
    def test_k_never_decreases_on_swaps(self, pool: Pool, swaps: list[tuple[bool, int]]) -> None:
        for is_buy, amount in swaps:
            k_before = pool.k
            if is_buy:
                pool.apply_buy(amount)
            else:
                pool.apply_sell(amount)
            assert pool.k >= k_before
            assert pool.token_reserve > 0
            assert pool.usdc_reserve > 0

    def test_fifty_dollars_move_a_thin_pool_more_than_a_deep_one(self) -> None:
        _, deep = make_pool(150.0, 20_000_000.0, 9).quote_buy(50_000_000)
        _, thin = make_pool(0.0042, 16_000.0, 6).quote_buy(50_000_000)
        assert deep < 0.1
        assert thin > 50.0


class TestSetPrice:
    """An arbitrageur moves the pool to the fair price along its curve."""

    @given(
        st.integers(10**9, 10**15),
        st.integers(10**9, 10**15),
        decimals,
        st.floats(min_value=-3.0, max_value=3.0),
    )
    def test_hits_the_target_and_keeps_k(
        self, tokens: int, usdc: int, token_decimals: int, log10_move: float
    ) -> None:
        pool = Pool(tokens, usdc, token_decimals)
        k_before = pool.k
        target = pool.price_usd() * 10**log10_move
        pool.set_price(target)
        assert pool.price_usd() == pytest.approx(target, rel=1e-7)
        assert pool.k == pytest.approx(k_before, rel=1e-6)

    def test_crash_shrinks_the_usdc_side_by_the_square_root(self) -> None:
        pool = make_pool(1.0, 1_000_000.0, 6)
        pool.set_price(0.25)
        assert pool.liquidity_usd() == pytest.approx(500_000.0, rel=1e-9)

    @pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
    def test_rejects_impossible_prices(self, bad: float) -> None:
        with pytest.raises(ValueError, match="price_usd"):
            make_pool().set_price(bad)


class TestScaleLiquidity:
    """Liquidity can be added or pulled (a rug) without moving the price."""

    @given(pools(), st.floats(min_value=0.01, max_value=100.0))
    def test_price_stays_and_liquidity_scales(self, pool: Pool, factor: float) -> None:
        price, liquidity = pool.price_usd(), pool.liquidity_usd()
        pool.scale_liquidity(factor)
        assert pool.price_usd() == pytest.approx(price, rel=1e-3)
        assert pool.liquidity_usd() == pytest.approx(liquidity * factor, rel=1e-3)

    def test_rug_leaves_two_percent_and_raises_impact(self) -> None:
        pool = make_pool(0.0042, 16_000.0, 6)
        _, impact_before = pool.quote_buy(50_000_000)
        pool.scale_liquidity(0.02)
        _, impact_after = pool.quote_buy(50_000_000)
        assert pool.liquidity_usd() == pytest.approx(320.0)
        assert impact_after > 20 * impact_before

    @pytest.mark.parametrize("bad", [0.0, -0.5, math.inf, math.nan])
    def test_rejects_impossible_factors(self, bad: float) -> None:
        with pytest.raises(ValueError, match="factor"):
            make_pool().scale_liquidity(bad)


class TestExactEdges:
    """The smallest pools, inputs and prices, and the reserves a swap leaves, to the unit."""

    @pytest.mark.parametrize("token_decimals", [0, 18])
    def test_dust_pools_are_valid(self, token_decimals: int) -> None:
        pool = Pool(1, 1, token_decimals)
        assert (pool.token_reserve, pool.usdc_reserve, pool.decimals) == (1, 1, token_decimals)

    @pytest.mark.parametrize(
        ("call", "says"),
        [
            (lambda: Pool.from_price(0.0, 1_000.0, 6), "price_usd must be positive and finite"),
            (lambda: Pool.from_price(1.0, -1.0, 6), "liquidity_usd must be positive and finite"),
            (lambda: Pool(5, 5, 6).scale_liquidity(0.0), "factor must be positive and finite"),
        ],
    )
    def test_refusals_name_the_argument(self, call: Callable[[], object], says: str) -> None:
        with pytest.raises(ValueError, match=f"^{says}, got"):
            call()

    def test_from_price_never_builds_an_empty_side(self) -> None:
        # $1e-6 of liquidity: half a micro-USDC rounds to 0, and 1 micro buys 1e-6 tokens:
        # both sides are floored at one unit.
        assert Pool.from_price(1.0, 1e-6, 0) == Pool(1, 1, 0)
        # 1 micro-USDC at $1 a whole token of 0 decimals is 1e-6 tokens: rounds to 0, then 1.
        assert Pool.from_price(1.0, 2e-6, 0) == Pool(1, 1, 0)

    def test_one_unit_in_is_quoted(self) -> None:
        # 10**12 · 1 // (10**6 + 1) and 10**12 · 1 // (10**6 + 1): a single unit buys something.
        assert Pool(10**12, 10**6, 6).quote_buy(1) == (999_999, 10_000 / (10**6 + 1))
        assert Pool(10**6, 10**12, 6).quote_sell(1) == (999_999, 10_000 / (10**6 + 1))

    def test_a_buy_moves_the_reserves_by_what_was_swapped(self) -> None:
        pool = Pool(1_000_000, 4_000_000, 6)
        out = pool.apply_buy(1_000_000)
        # 1,000,000 · 1,000,000 // 5,000,000 = 200,000 tokens leave, the USDC comes in.
        assert (out, pool.token_reserve, pool.usdc_reserve) == (200_000, 800_000, 5_000_000)

    def test_a_sell_moves_the_reserves_by_what_was_swapped(self) -> None:
        pool = Pool(1_000_000, 4_000_000, 6)
        out = pool.apply_sell(1_000_000)
        # 4,000,000 · 1,000,000 // 2,000,000 = 2,000,000 micro-USDC leave, the tokens come in.
        assert (out, pool.token_reserve, pool.usdc_reserve) == (2_000_000, 2_000_000, 2_000_000)

    def test_set_price_floors_each_side_at_one_unit(self) -> None:
        up = Pool(1, 1, 0)
        up.set_price(1e6)  # sqrt(1 / 1e12) rounds to 0 tokens: kept at 1, USDC 1e12 · 1
        assert (up.token_reserve, up.usdc_reserve) == (1, 10**12)
        down = Pool(1, 1, 0)
        down.set_price(1e-12)  # 1,000 tokens at 1e-6 micro each: 0.001 rounds to 0, kept at 1
        assert (down.token_reserve, down.usdc_reserve) == (1_000, 1)

    def test_scale_liquidity_floors_each_side_at_one_unit(self) -> None:
        pool = Pool(1, 1, 0)
        pool.scale_liquidity(0.02)
        assert (pool.token_reserve, pool.usdc_reserve) == (1, 1)
