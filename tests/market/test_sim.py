"""Tests the simulated market: determinism, listing, rug, long runs, quotes and regimes."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from soltrader_tui.domain import MarketTick
from soltrader_tui.market.sim import CATALOGUE, UNLISTED, SimMarket, sim_mint

START = 1_750_000_000.0
FIFTY_USD = 50_000_000
SOLX, RVRT, MEME, NEWB, CALM = (sim_mint(s) for s in ("SOLX", "RVRT", "MEME", "NEWB", "CALM"))


def make_market(
    seed: int = 7,
    *,
    tick_seconds: float = 1.0,
    rug_after_s: float = 4500.0,
    listing_after_s: float = 1200.0,
) -> SimMarket:
    """A market starting at START with the default listing and rug times unless given."""
    return SimMarket(
        seed,
        START,
        tick_seconds=tick_seconds,
        rug_after_s=rug_after_s,
        listing_after_s=listing_after_s,
    )


def prices(market: SimMarket) -> dict[str, float]:
    """Price per symbol of every listed token."""
    return {tick.token.symbol: tick.price_usd for tick in market.ticks()}


def tick_of(market: SimMarket, mint: str) -> MarketTick:
    """The current tick of one listed token."""
    return next(tick for tick in market.ticks() if tick.token.mint == mint)


def path(market: SimMarket, mint: str, until_s: float, every_s: float = 60.0) -> list[float]:
    """Prices of one token sampled every `every_s` market seconds up to `until_s`."""
    out = []
    for k in range(1, int(until_s / every_s) + 1):
        market.advance(START + k * every_s)
        out.append(tick_of(market, mint).price_usd)
    return out


def sample_vol(series: list[float]) -> float:
    """Root mean square of the log returns of a price series."""
    returns = [math.log(b / a) for a, b in itertools.pairwise(series)]
    return math.sqrt(sum(r * r for r in returns) / len(returns))


class TestDeterminism:
    """The same seed replays the same market, however the engine batches its ticks."""

    def test_same_seed_same_prices(self) -> None:
        a, b = make_market(3), make_market(3)
        a.advance(START + 7200)
        b.advance(START + 7200)
        assert a.ticks() == b.ticks()

    def test_different_seeds_differ(self) -> None:
        a, b = make_market(3), make_market(4)
        a.advance(START + 600)
        b.advance(START + 600)
        for symbol in ("SOLX", "RVRT", "MEME", "CALM"):
            assert prices(a)[symbol] != prices(b)[symbol]

    @settings(max_examples=15, deadline=None)
    @given(st.lists(st.floats(min_value=0.0, max_value=900.0), min_size=1, max_size=40))
    def test_batching_does_not_change_the_path(self, gaps: list[float]) -> None:
        whole, batched = make_market(11, tick_seconds=2.0), make_market(11, tick_seconds=2.0)
        target = START
        for gap in gaps:
            target += gap
            batched.advance(target)
        whole.advance(target)
        assert batched.step_count == whole.step_count
        assert batched.now == whole.now
        assert batched.ticks() == whole.ticks()

    def test_a_token_path_ignores_the_other_tokens_events(self) -> None:
        plain = make_market(5, listing_after_s=math.inf, rug_after_s=math.inf)
        busy = make_market(5, listing_after_s=0.0, rug_after_s=600.0)
        assert path(plain, SOLX, 3600) == path(busy, SOLX, 3600)

    def test_mints_come_from_the_symbol_only(self) -> None:
        a, b = make_market(1, listing_after_s=0.0), make_market(2, listing_after_s=0.0)
        mints = [t.mint for t in a.tokens()]
        assert mints == [t.mint for t in b.tokens()]
        assert len(set(mints)) == len(CATALOGUE)
        for mint in mints:
            assert str(Pubkey.from_string(mint)) == mint


class TestTime:
    """Market time advances in whole ticks and every tick carries it."""

    def test_initial_ticks_are_at_the_start_and_start_prices(self) -> None:
        market = make_market()
        assert market.now == START
        assert market.step_count == 0
        ticks = market.ticks()
        assert [t.ts for t in ticks] == [START] * 4
        assert prices(market)["SOLX"] == pytest.approx(150.0, rel=1e-9)

    def test_advance_lands_on_the_first_whole_tick_at_or_after_the_target(self) -> None:
        market = make_market(tick_seconds=2.5)
        market.advance(START + 11.0)
        assert market.step_count == 5
        assert market.now == START + 12.5
        assert {t.ts for t in market.ticks()} == {START + 12.5}

    def test_advancing_to_the_past_does_nothing(self) -> None:
        market = make_market()
        market.advance(START + 60)
        before = market.ticks()
        market.advance(START + 30)
        assert market.step_count == 60
        assert market.ticks() == before

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"tick_seconds": 0.0},
            {"tick_seconds": math.inf},
            {"rug_after_s": -1.0},
            {"listing_after_s": -1.0},
        ],
    )
    def test_rejects_impossible_settings(self, kwargs: dict[str, float]) -> None:
        with pytest.raises(ValueError, match="must"):
            SimMarket(7, START, **kwargs)


class TestListing:
    """The new token is invisible and untradable until its listing, then trades in a thin pool."""

    def test_absent_before_listing(self) -> None:
        market = make_market(listing_after_s=1200.0)
        market.advance(START + 1199)
        assert NEWB not in {t.mint for t in market.tokens()}
        assert NEWB not in {t.token.mint for t in market.ticks()}
        assert market.quote(NEWB, "buy", FIFTY_USD) is None
        assert not market.is_listed(NEWB)
        assert market.regime(NEWB) == UNLISTED
        newb = market.token(NEWB)
        assert newb is not None
        assert newb.symbol == "NEWB"

    def test_present_after_listing_with_a_launch(self) -> None:
        market = make_market(listing_after_s=1200.0)
        market.advance(START + 1200)
        assert [t.symbol for t in market.tokens()] == ["SOLX", "RVRT", "MEME", "NEWB", "CALM"]
        assert market.is_listed(NEWB)
        assert market.regime(NEWB) == "launch"
        tick = tick_of(market, NEWB)
        assert tick.ts == START + 1200
        assert tick.liquidity_usd < 10_000
        quote = market.quote(NEWB, "buy", FIFTY_USD)
        assert quote is not None
        assert quote.price_impact_bps > 100

    def test_listing_at_zero_lists_from_the_start(self) -> None:
        market = make_market(listing_after_s=0.0)
        assert market.is_listed(NEWB)
        assert len(market.ticks()) == 5

    def test_launch_pumps_then_dumps(self) -> None:
        pumps, dumps = [], []
        for seed in range(1, 9):
            listed, end_of_launch, end_of_dump = self._launch_prices(seed)
            pumps.append(math.log(end_of_launch / listed))
            dumps.append(math.log(end_of_dump / end_of_launch))
        # Each launch is random; on average it pumps and the dump gives it back.
        assert sum(pumps) / len(pumps) > 0.1
        assert sum(dumps) / len(dumps) < -0.1
        assert sum(p > 0 for p in pumps) >= 6

    @staticmethod
    def _launch_prices(seed: int) -> tuple[float, float, float]:
        """NEWB's price at listing, when its launch regime ends and when its dump ends."""
        market = make_market(seed, listing_after_s=0.0)
        listed = tick_of(market, NEWB).price_usd
        end_of_launch = None
        for step in range(1, 6 * 360):
            market.advance(START + 10 * step)
            regime = market.regime(NEWB)
            if regime != "launch" and end_of_launch is None:
                end_of_launch = tick_of(market, NEWB).price_usd
            if regime not in ("launch", "dump"):
                assert end_of_launch is not None
                return listed, end_of_launch, tick_of(market, NEWB).price_usd
        raise AssertionError(f"seed {seed}: NEWB never left its launch and dump")


class TestRug:
    """The memecoin is rugged on time: liquidity pulled, price crashed, and it stays dead."""

    def test_rug_pulls_liquidity_and_crashes_the_price(self) -> None:
        market = make_market(rug_after_s=4500.0)
        market.advance(START + 4499)
        before = tick_of(market, MEME)
        assert market.regime(MEME) != "rugged"
        market.advance(START + 4500)
        after = tick_of(market, MEME)
        assert after.liquidity_usd <= 0.10 * before.liquidity_usd
        assert after.price_usd <= 0.2 * before.price_usd
        assert market.regime(MEME) == "rugged"

    def test_rugged_token_stays_dead_and_tradable(self) -> None:
        market = make_market(rug_after_s=600.0)
        market.advance(START + 599)
        before = tick_of(market, MEME).price_usd
        after = path(market, MEME, 8 * 3600)[10:]
        assert max(after) < 0.3 * before
        assert market.regime(MEME) == "rugged"
        quote = market.quote(MEME, "buy", FIFTY_USD)
        assert quote is not None
        assert quote.price_impact_bps > 1000


class TestLongRun:
    """A day of one-second ticks keeps every price and pool sane."""

    def test_day_of_ticks_stays_positive_and_finite(self) -> None:
        market = make_market(9)
        rvrt_low, rvrt_high = math.inf, 0.0
        for step in range(1, 86_401):
            market.advance(START + step)
            for tick in market.ticks():
                assert 0.0 < tick.price_usd < math.inf
                assert 0.0 < tick.liquidity_usd < math.inf
                if tick.token.mint == RVRT:
                    rvrt_low = min(rvrt_low, tick.price_usd)
                    rvrt_high = max(rvrt_high, tick.price_usd)
        assert market.step_count == 86_400
        # The mean-reverting token never strays far from its anchor of $2.40.
        assert 1.8 < rvrt_low < rvrt_high < 3.2


class TestQuotes:
    """Quotes price a swap against the token's pool, never move it, and reflect its depth."""

    def test_thin_pools_cost_more_than_deep_ones(self) -> None:
        market = make_market()
        solx, meme = market.quote(SOLX, "buy", FIFTY_USD), market.quote(MEME, "buy", FIFTY_USD)
        assert solx is not None
        assert meme is not None
        assert solx.price_impact_bps < 1.0
        assert meme.price_impact_bps > 10.0
        assert meme.price_impact_bps > 100 * solx.price_impact_bps

    def test_buy_quote_matches_the_price(self) -> None:
        market = make_market()
        market.advance(START + 300)
        quote = market.quote(SOLX, "buy", FIFTY_USD)
        assert quote is not None
        assert (quote.token.symbol, quote.side, quote.in_amount) == ("SOLX", "buy", FIFTY_USD)
        expected = 50.0 / tick_of(market, SOLX).price_usd * 10**9
        assert quote.out_amount == pytest.approx(expected, rel=1e-4)

    def test_quotes_do_not_move_the_market(self) -> None:
        market = make_market()
        market.advance(START + 60)
        ticks = market.ticks()
        first = market.quote(MEME, "buy", FIFTY_USD)
        assert first is not None
        sell = market.quote(MEME, "sell", first.out_amount)
        assert sell is not None
        assert sell.out_amount < FIFTY_USD
        assert market.quote(MEME, "buy", FIFTY_USD) == first
        assert market.ticks() == ticks

    def test_unknown_mint_and_bad_input(self) -> None:
        market = make_market()
        assert market.quote(sim_mint("NOPE"), "buy", FIFTY_USD) is None
        assert market.token(sim_mint("NOPE")) is None
        with pytest.raises(KeyError, match="not a token"):
            market.regime(sim_mint("NOPE"))
        with pytest.raises(ValueError, match="side"):
            market.quote(SOLX, "hold", FIFTY_USD)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="negative"):
            market.quote(SOLX, "sell", -1)


class TestRegimes:
    """Each token switches regimes over a session and keeps its own character."""

    def test_every_token_visits_several_regimes(self) -> None:
        market = make_market(listing_after_s=0.0, rug_after_s=math.inf)
        seen: dict[str, set[str]] = {t.mint: set() for t in market.tokens()}
        for minute in range(1, 12 * 60 + 1):
            market.advance(START + 60 * minute)
            for mint, regimes in seen.items():
                regimes.add(market.regime(mint))
        names = {"calm", "trend_up", "trend_down", "volatile", "launch", "dump"}
        for regimes in seen.values():
            assert len(regimes) >= 3
            assert regimes <= names

    def test_characters_are_distinct(self) -> None:
        market = make_market(listing_after_s=0.0, rug_after_s=math.inf)
        series: dict[str, list[float]] = {t.symbol: [] for t in market.tokens()}
        for minute in range(1, 6 * 60 + 1):
            market.advance(START + 60 * minute)
            for tick in market.ticks():
                series[tick.token.symbol].append(tick.price_usd)
        vol = {symbol: sample_vol(s) for symbol, s in series.items()}
        assert vol["CALM"] < vol["SOLX"] < vol["RVRT"] < vol["MEME"]
        assert vol["SOLX"] < 0.004
        assert vol["MEME"] > 0.005

    def test_character_does_not_depend_on_tick_size(self) -> None:
        def ten_minute_vols(tick_seconds: float) -> dict[str, float]:
            pooled: dict[str, float] = {}
            for seed in (1, 2, 3):
                market = make_market(
                    seed, tick_seconds=tick_seconds, listing_after_s=0.0, rug_after_s=math.inf
                )
                series: dict[str, list[float]] = {t.symbol: [] for t in market.tokens()}
                for k in range(1, 6 * 6 + 1):
                    market.advance(START + 600 * k)
                    for tick in market.ticks():
                        series[tick.token.symbol].append(tick.price_usd)
                for symbol, s in series.items():
                    pooled[symbol] = pooled.get(symbol, 0.0) + sample_vol(s) / 3
            return pooled

        fine, coarse = ten_minute_vols(1.0), ten_minute_vols(6.0)
        for symbol in ("SOLX", "RVRT", "MEME"):
            assert 0.7 < coarse[symbol] / fine[symbol] < 1.4, symbol


class TestResumeAfterARestart:
    """A restarted market starts where the ledger's last marks left it: price and pool depth,
    and a memecoin rugged in an earlier session is not rugged a second time."""

    def test_price_and_depth_come_back(self) -> None:
        first = make_market(rug_after_s=600.0)
        first.advance(START + 3600)
        marks = {t.token.mint: (t.price_usd, t.liquidity_usd) for t in first.ticks()}
        again = make_market(rug_after_s=600.0)
        again.resume(marks)
        for tick in again.ticks():
            price, depth = marks[tick.token.mint]
            assert tick.price_usd == pytest.approx(price, rel=1e-6)
            assert tick.liquidity_usd == pytest.approx(depth, rel=1e-3)

    def test_a_rugged_memecoin_stays_rugged_and_is_not_rugged_again(self) -> None:
        first = make_market(rug_after_s=600.0)
        first.advance(START + 3600)
        assert first.regime(MEME) == "rugged"
        last = tick_of(first, MEME)
        again = make_market(rug_after_s=600.0)
        again.resume({MEME: (last.price_usd, last.liquidity_usd)})
        assert again.regime(MEME) == "rugged"
        again.advance(START + 1200)  # past the new session's rug time
        assert tick_of(again, MEME).liquidity_usd > 0.5 * last.liquidity_usd

    def test_a_memecoin_not_yet_rugged_still_rugs(self) -> None:
        first = make_market(rug_after_s=6000.0)
        first.advance(START + 300)
        last = tick_of(first, MEME)
        again = make_market(rug_after_s=600.0)
        again.resume({MEME: (last.price_usd, last.liquidity_usd)})
        again.advance(START + 601)
        assert again.regime(MEME) == "rugged"
        assert tick_of(again, MEME).liquidity_usd < 0.1 * last.liquidity_usd
