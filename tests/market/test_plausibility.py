"""The plausibility screen: no absurd price reaches a strategy, an exit or a mark."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soltrader_tui.config.model import PlausibilityConfig
from soltrader_tui.domain import SwapQuote
from soltrader_tui.market.plausibility import (
    LOG_EVERY_S,
    Accepted,
    PriceScreen,
    Refusal,
    Rule,
    judge,
    quote_price_usd,
    quote_refusal,
)
from tests.factories import make_tick, make_token

LIMITS = PlausibilityConfig()
T0 = 1_700_000_000.0
TOKEN = make_token("ACCB", decimals=6)


def rule_of(price: float, **kwargs: object) -> Rule | None:
    args: dict[str, object] = {"last": None, "now": T0, "decimals": 6, **kwargs}
    refusal = judge(price, LIMITS, **args)  # type: ignore[arg-type]
    return None if refusal is None else refusal.rule


class TestJudge:
    """Each kind of absurd value is refused under its own rule; sane prices pass."""

    @pytest.mark.parametrize(
        ("price", "rule"),
        [
            (math.nan, Rule.UNREADABLE),
            (math.inf, Rule.UNREADABLE),
            (-math.inf, Rule.UNREADABLE),
            (0.0, Rule.NOT_POSITIVE),
            (-1.0, Rule.NOT_POSITIVE),
            (1e308, Rule.OUT_OF_RANGE),
            (1e-300, Rule.OUT_OF_RANGE),
            (LIMITS.max_price_usd * 1.0001, Rule.OUT_OF_RANGE),
            (LIMITS.min_price_usd * 0.999, Rule.OUT_OF_RANGE),
        ],
    )
    def test_absurd_values(self, price: float, rule: Rule) -> None:
        assert rule_of(price) is rule

    @pytest.mark.parametrize("price", [2.01, 0.0000312, LIMITS.max_price_usd, LIMITS.min_price_usd])
    def test_sane_values_pass(self, price: float) -> None:
        assert rule_of(price) is None

    def test_held_value_past_int64_is_an_overflow(self) -> None:
        # 1e13 whole tokens held at $1e6 is 1e25 micro-USDC: no integer column holds it.
        assert rule_of(1e6, held_qty=10**19, decimals=6) is Rule.AMOUNT_OVERFLOW
        assert rule_of(1e6, held_qty=10**12, decimals=6) is None

    def test_entry_amount_past_u64_is_an_overflow(self) -> None:
        # $100 at 1e-11 USD with 9 decimals buys 1e22 base units; a token account holds 1.8e19.
        assert rule_of(1e-11, order_micro=100_000_000, decimals=9) is Rule.AMOUNT_OVERFLOW
        assert rule_of(1e-6, order_micro=100_000_000, decimals=9) is None

    def test_jump_within_the_window(self) -> None:
        last = Accepted(2.0, T0 - 10)
        assert rule_of(2.0 * 10.5, last=last) is Rule.JUMP
        assert rule_of(2.0 / 10.5, last=last) is Rule.JUMP
        assert rule_of(2.0 * 9.9, last=last) is None
        assert rule_of(2.0 / 9.9, last=last) is None

    def test_a_reference_older_than_the_window_is_none(self) -> None:
        assert rule_of(50.0, last=Accepted(2.0, T0 - LIMITS.window_s - 1)) is None
        assert rule_of(50.0, last=Accepted(2.0, T0 - LIMITS.window_s)) is Rule.JUMP

    def test_the_refusal_names_value_and_limit(self) -> None:
        refusal = judge(1e308, LIMITS, last=None, now=T0, decimals=6)
        assert refusal is not None
        assert refusal.value == "1e+308"
        assert "10000000" in refusal.reason or "1e+07" in refusal.reason


def quote(side: str, usdc_micro: int, qty: int, impact_bps: float = 0.0) -> SwapQuote:
    if side == "buy":
        return SwapQuote(TOKEN, "buy", usdc_micro, qty, impact_bps)
    return SwapQuote(TOKEN, "sell", qty, usdc_micro, impact_bps)


class TestQuoteCheck:
    """A trade is refused when its quote disagrees with the price that decided it."""

    def test_quote_price_takes_out_the_impact(self) -> None:
        # Selling 10 tokens for $18 with 10 % impact: the pool price was $2.
        assert quote_price_usd(quote("sell", 18_000_000, 10_000_000, 1000)) == pytest.approx(2.0)
        # Paying $22 for 10 tokens with 10 % impact: the pool price was $1.98.
        assert quote_price_usd(quote("buy", 22_000_000, 10_000_000, 1000)) == pytest.approx(1.98)

    def test_take_profit_on_an_absurd_tick_is_refused(self) -> None:
        refusal = quote_refusal(2_500.0, quote("sell", 20_000_000, 10_000_000), LIMITS)
        assert refusal is not None and refusal.rule is Rule.QUOTE_DEVIATION

    def test_band_edges(self) -> None:
        sell = quote("sell", 20_000_000, 10_000_000)  # $2.00
        assert quote_refusal(2.0 * 1.249, sell, LIMITS) is None
        assert quote_refusal(2.0 * 1.251, sell, LIMITS) is not None
        assert quote_refusal(2.0 / 1.249, sell, LIMITS) is None
        assert quote_refusal(2.0 / 1.251, sell, LIMITS) is not None


class TestRefusalLog:
    """One line per token and rule per minute; every refusal counted."""

    def test_rate_limited_and_counted(self) -> None:
        screen = PriceScreen(LIMITS, stale_after_s=30, order_micro=0)
        refusal = Refusal(Rule.OUT_OF_RANGE, "1e+308", "is outside")
        lines = [screen.log.refuse("m", "ACCB", refusal, T0 + i) for i in range(5)]
        assert lines[0] is not None and "PRICE REFUSED ACCB 1e+308 [out_of_range]" in lines[0]
        assert lines[1:] == [None] * 4
        other = screen.log.refuse("m", "ACCB", Refusal(Rule.NOT_POSITIVE, "0", "x"), T0 + 5)
        assert other is not None  # another rule has its own minute
        later = screen.log.refuse("m", "ACCB", refusal, T0 + LOG_EVERY_S)
        assert later is not None and "4 more refused" in later
        assert screen.log.counts == {"out_of_range": 6, "not_positive": 1}


class TestScreen:
    """A refused price is replaced by the last accepted one, which goes stale with age."""

    def test_refused_prices_keep_the_last_good_one_and_go_stale(self) -> None:
        screen = PriceScreen(LIMITS, stale_after_s=30, order_micro=0)
        good = make_tick(TOKEN, ts=T0, price_usd=2.0)
        assert screen.screen(good, T0)[0] is good
        for i, bad in enumerate([1e308, 0.0, 1e-300], start=1):
            tick, refusal = screen.screen(make_tick(TOKEN, ts=T0 + i, price_usd=bad), T0 + i)
            assert refusal is not None
            assert tick is not None and tick.price_usd == 2.0
            assert not tick.stale
        late, _ = screen.screen(make_tick(TOKEN, ts=T0 + 31, price_usd=1e308), T0 + 31)
        assert late is not None and late.stale and late.price_usd == 2.0

    def test_the_same_observation_is_judged_once(self) -> None:
        screen = PriceScreen(LIMITS, stale_after_s=30, order_micro=0)
        bad = make_tick(TOKEN, ts=T0, price_usd=-1.0)
        assert screen.screen(bad, T0)[1] is not None
        assert screen.screen(bad, T0 + 0.25) == (None, None)

    def test_forget_drops_a_price_a_quote_disproved(self) -> None:
        screen = PriceScreen(LIMITS, stale_after_s=30, order_micro=0)
        screen.screen(make_tick(TOKEN, ts=T0, price_usd=2000.0), T0)
        screen.forget(TOKEN.mint)
        assert screen.last_accepted(TOKEN.mint) is None
        assert screen.screen(make_tick(TOKEN, ts=T0 + 1, price_usd=2.0), T0 + 1)[1] is None


prices = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-3, max_value=1e3),
    st.sampled_from([0.0, -1.0, 1e308, 1e-300, 5e-324]),
)


class TestNoAcceptedPriceOutsideTheBand:
    """Whatever sequence arrives, every price the screen lets through is inside the band."""

    @settings(max_examples=300, deadline=None)
    @given(
        steps=st.lists(
            st.tuples(prices, st.floats(min_value=0.01, max_value=120.0)), min_size=1, max_size=40
        )
    )
    def test_accepted_prices_stay_in_the_band(self, steps: list[tuple[float, float]]) -> None:
        screen = PriceScreen(LIMITS, stale_after_s=30, order_micro=50_000_000)
        ts = T0
        previous: tuple[float, float] | None = None
        for price, gap in steps:
            ts += gap
            tick, refusal = screen.screen(make_tick(TOKEN, ts=ts, price_usd=price), ts)
            if refusal is not None:
                continue
            assert tick is not None and tick.price_usd == price
            assert math.isfinite(price)
            assert LIMITS.min_price_usd <= price <= LIMITS.max_price_usd
            assert TOKEN.to_base_units(50 / price) <= 2**64 - 1
            if previous is not None and ts - previous[1] <= LIMITS.window_s:
                assert max(price / previous[0], previous[0] / price) <= LIMITS.max_move_factor
            previous = (price, ts)
