"""Tests the simulator's past: the same for a seed, runs into the start, and leaves the session's
own prices exactly as they were without it."""

from __future__ import annotations

import itertools
import math

import pytest

from soltrader_tui.market.sim import SimMarket
from soltrader_tui.market.sim_history import MAX_HISTORY_TICKS, history_step

START = 1_767_225_600.0
TICK = 0.25
SPAN = 27 * 300.0
"""The default EMA cross's warm-up: 27 five-minute candles."""


def market(seed: int = 3, **kwargs: float) -> SimMarket:
    return SimMarket(seed, START, tick_seconds=TICK, **kwargs)


def session_prices(m: SimMarket, minutes: float) -> list[tuple[str, float, float]]:
    """Every tick of every token for `minutes`, one poll per second."""
    seen = []
    for k in range(int(minutes * 60)):
        m.advance(START + k)
        seen += [(t.token.symbol, t.ts, t.price_usd) for t in m.ticks()]
    return seen


class TestSamePast:
    """A seed has one past; another seed has another."""

    def test_same_seed_same_past(self) -> None:
        assert market(3).history(START, SPAN) == market(3).history(START, SPAN)

    def test_other_seed_other_past(self) -> None:
        a = [t.price_usd for t in market(3).history(START, SPAN)]
        b = [t.price_usd for t in market(4).history(START, SPAN)]
        assert len(a) == len(b) and a != b


class TestSessionUnchanged:
    """Drawing the past moves no RNG of the session: its prices are the same tick for tick."""

    def test_session_prices_equal_with_and_without_history(self) -> None:
        plain = market(9)
        warmed = market(9)
        warmed.history(START, SPAN)
        assert session_prices(warmed, 10) == session_prices(plain, 10)


class TestShape:
    """The past covers the span, ends one step before the start, in time order, every token at
    every instant, and within the tick budget."""

    def test_covers_the_span_in_order(self) -> None:
        m = market()
        ticks = m.history(START, SPAN)
        step = history_step(SPAN, TICK, len(m.tokens()))
        times = sorted({t.ts for t in ticks})
        assert [t.ts for t in ticks] == sorted(t.ts for t in ticks)
        assert times[0] <= START - SPAN and times[-1] == START - step
        assert all(b - a == pytest.approx(step) for a, b in itertools.pairwise(times))
        assert step / TICK == round(step / TICK), "whole ticks of the market"
        assert {t.token.symbol for t in ticks} == {t.symbol for t in m.tokens()}
        assert len(ticks) <= MAX_HISTORY_TICKS + len(m.tokens())

    def test_runs_into_the_start_price(self) -> None:
        m = market()
        last = {t.token.mint: t for t in m.history(START, SPAN)}
        for now in m.ticks():
            before = last[now.token.mint]
            # One step of a few seconds: far less than a percent for every character.
            assert abs(math.log(before.price_usd / now.price_usd)) < 0.02, now.token.symbol
            assert before.liquidity_usd == pytest.approx(
                now.liquidity_usd * math.sqrt(before.price_usd / now.price_usd)
            )

    def test_a_late_listing_has_no_past(self) -> None:
        m = market(listing_after_s=0.0)
        assert "NEWB" in {t.symbol for t in m.tokens()}
        assert "NEWB" not in {t.token.symbol for t in m.history(START, SPAN)}

    def test_a_resumed_market_runs_into_its_resumed_prices(self) -> None:
        m = market()
        solx = next(t for t in m.tokens() if t.symbol == "SOLX")
        m.resume({solx.mint: (171.5, None)})
        last = [t for t in m.history(START, SPAN) if t.token.mint == solx.mint][-1]
        assert abs(math.log(last.price_usd / 171.5)) < 0.02

    def test_an_earlier_end_cuts_the_past(self) -> None:
        ticks = market().history(START - 600, SPAN)
        assert ticks and max(t.ts for t in ticks) < START - 600

    def test_no_span_no_past(self) -> None:
        assert market().history(START, 0.0) == []
