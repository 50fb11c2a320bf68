"""Tests ReplayFeed: intra-candle ticks, gaps, quotes, pump.fun pricing and the engine on it."""

from __future__ import annotations

import functools
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import MICRO, Candle, MarketTick
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market import samples
from soltrader_tui.market.amm import Pool
from soltrader_tui.market.feed import MarketFeed
from soltrader_tui.market.recorded import load
from soltrader_tui.market.replay import (
    LIQUIDITY_FLOOR_USD,
    LIQUIDITY_PER_DAILY_QUOTE_VOLUME,
    PUMPFUN_CURVE_K,
    PUMPFUN_SOL_USD,
    ReplayFeed,
    candle_path,
    pumpfun_price_sol,
)
from soltrader_tui.market.series import CandleSeries, RecordedSeries, TrackSeries, replay_token
from soltrader_tui.portfolio.portfolio import Portfolio
from tests.factories import record_buy

START = 1_735_689_600  # 2025-01-01 00:00 UTC
FIFTY_USD = 50 * MICRO
# The recordings shipped with the package (soltrader_tui/market/samples), so no test here
# depends on data outside the project.
SOL_1M = "binance_SOLUSDT_1m_2025-01-19.csv"
SOL_1H_JUNE = "binance_SOL_USDT_1h_2025-05-19_2025-06-18.csv"
FREQTRADE = "binance_SOL_USDT_1h_2020-12.json"
TRACKS = "pumpfun_bonding_curve_tracks_2025-06-06_sample.csv"
LONG_TRACKS = ("75Gbgw", "2qzM9k")


def utc(text: str) -> float:
    """Unix seconds of a naive UTC ISO time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@functools.cache
def recorded(name: str) -> tuple[RecordedSeries, ...]:
    """A shipped sample, loaded once per test session."""
    return tuple(load(samples.FOLDER / name))


def candles(
    rows: list[tuple[float, float, float, float]],
    *,
    interval: int = 60,
    opens: list[int] | None = None,
    volume: float = 1_000.0,
    symbol: str = "TST",
) -> CandleSeries:
    """A candle series of (open, high, low, close) rows, one interval apart unless `opens`."""
    ts = opens or [START + interval * i for i in range(len(rows))]
    o, h, low, c = (tuple(col) for col in zip(*rows, strict=True))
    return CandleSeries(
        replay_token(symbol), interval, "test", tuple(ts), o, h, low, c, (volume,) * len(rows)
    )


def prices(feed: ReplayFeed, ts: float) -> list[float]:
    return [tick.price_usd for tick in feed.ticks_at(ts)]


class TestIntraCandlePath:
    """Each candle is seen as open, nearer extreme, other extreme, close, 1/4 interval apart."""

    @pytest.mark.parametrize(
        ("ohlc", "path"),
        [
            ((10.0, 12.0, 9.5, 11.0), (10.0, 9.5, 12.0, 11.0)),  # low nearer
            ((10.0, 10.5, 8.0, 9.0), (10.0, 10.5, 8.0, 9.0)),  # high nearer
            ((10.0, 11.0, 9.0, 10.0), (10.0, 9.0, 11.0, 10.0)),  # tie: low first
        ],
    )
    def test_order(self, ohlc: tuple[float, float, float, float], path: tuple[float, ...]) -> None:
        assert candle_path(*ohlc) == path

    @given(st.lists(st.floats(0.01, 1e4), min_size=4, max_size=4))
    def test_path_properties(self, values: list[float]) -> None:
        o, c = values[0], values[3]
        h, low = max(values), min(values)
        path = candle_path(o, h, low, c)
        assert path[0] == o and path[3] == c
        assert sorted(path[1:3]) == [low, h]
        assert abs(path[1] - o) <= abs(path[2] - o)
        if o - low == h - o:
            assert path[1] == low

    def test_ticks_inside_a_candle(self) -> None:
        feed = ReplayFeed([candles([(10.0, 12.0, 9.5, 11.0), (11.0, 11.0, 11.0, 11.0)])], 1.0)
        offsets = (0, 14.9, 15, 30, 44, 45, 59.9)
        seen = [(t.ts - START, t.price_usd) for s in offsets for t in feed.ticks_at(START + s)]
        assert seen == [
            (0, 10.0),
            (0, 10.0),
            (15, 9.5),
            (30, 12.0),
            (30, 12.0),
            (45, 11.0),
            (45, 11.0),
        ]
        assert prices(feed, START + 60) == [11.0]

    def test_spacing_follows_the_interval(self) -> None:
        feed = ReplayFeed([candles([(1.0, 2.0, 0.5, 1.5)], interval=300)], 60.0)
        assert feed.point_spacing_s == 75.0
        seen = [t.ts - START for s in (74, 75, 150, 225) for t in feed.ticks_at(START + s)]
        assert seen == [0, 75, 150, 225]


class TestGaps:
    """No tick is ever given for time the recording does not cover: nothing trades in a gap."""

    def test_synthetic_gap(self) -> None:
        flat = (1.0, 1.0, 1.0, 1.0)
        rows = [flat, (1.0, 1.0, 1.0, 2.0), (3.0, 3.0, 3.0, 3.0)]
        series = candles(rows, opens=[START, START + 60, START + 240])
        feed = ReplayFeed([series], 15.0)
        assert prices(feed, START + 119.9) == [2.0]
        assert prices(feed, START + 120) == prices(feed, START + 239.9) == []
        assert prices(feed, START + 240) == [3.0]
        assert prices(feed, START - 1) == prices(feed, START + 300) == []

    async def test_freqtrade_gaps(self) -> None:
        (series,) = recorded(FREQTRADE)
        assert isinstance(series, CandleSeries)
        feed = ReplayFeed([series], 60.0)
        token = series.token
        assert len(series.gaps()) == 2  # 2020-12-21 and 2020-12-25
        for first_missing, next_open in series.gaps():
            last_close = series.close[series.ts.index(first_missing - 3600)]
            assert [t.price_usd for t in await feed.poll(first_missing - 1)] == [last_close]
            for ts in (first_missing, (first_missing + next_open) / 2, next_open - 1):
                assert await feed.poll(ts) == []
                assert await feed.quote(token, "buy", FIFTY_USD) is None
            after = await feed.poll(next_open)
            assert [t.price_usd for t in after] == [series.open[series.ts.index(next_open)]]
            assert await feed.quote(token, "buy", FIFTY_USD) is not None


class TestQuotes:
    """Quotes come from a constant-product pool at the tick's price and a volume-based depth."""

    async def test_candle_quote_matches_the_pool(self) -> None:
        series = candles([(2.0, 2.2, 1.9, 2.1), (2.1, 2.3, 2.0, 2.2)], volume=50_000.0)
        feed = ReplayFeed([series], 15.0)
        (tick,) = await feed.poll(START + 60)
        mean = (2.0 + 2.2 + 1.9 + 2.1) / 4  # the previous candle's, known at this open
        daily = 50_000.0 * mean * 1440
        assert tick.liquidity_usd == pytest.approx(LIQUIDITY_PER_DAILY_QUOTE_VOLUME * daily)
        quote = await feed.quote(series.token, "buy", FIFTY_USD)
        assert quote is not None
        pool = Pool.from_price(2.1, tick.liquidity_usd, 6)
        assert (quote.out_amount, quote.price_impact_bps) == pool.quote_buy(FIFTY_USD)
        sell = await feed.quote(series.token, "sell", quote.out_amount)
        assert sell is not None and 0 < sell.out_amount < FIFTY_USD

    async def test_quiet_candle_gets_the_floor(self) -> None:
        feed = ReplayFeed([candles([(2.0, 2.0, 2.0, 2.0)], volume=0.0)], 15.0)
        (tick,) = await feed.poll(START)
        assert tick.liquidity_usd == LIQUIDITY_FLOOR_USD

    async def test_no_quote_before_a_poll_or_for_strangers(self) -> None:
        series = candles([(2.0, 2.0, 2.0, 2.0)])
        feed = ReplayFeed([series], 15.0)
        assert await feed.quote(series.token, "buy", FIFTY_USD) is None
        await feed.poll(START)
        assert await feed.quote(replay_token("OTHER"), "buy", FIFTY_USD) is None
        with pytest.raises(ValueError, match="side"):
            await feed.quote(series.token, "hold", 1)  # type: ignore[arg-type]


class TestPumpfunPricing:
    """pump.fun tokens are priced and quoted on their bonding curve, from `sol_in_pool`."""

    async def test_price_and_curve_quote(self) -> None:
        tracks = recorded(TRACKS)
        feed = ReplayFeed(tracks, 1.0)
        track = tracks[0]
        assert isinstance(track, TrackSeries)
        ts = track.ts[5]
        by_mint = {t.token.mint: t for t in await feed.poll(ts)}
        tick = by_mint[track.token.mint]
        s = track.sol_in_pool[5]
        assert tick.ts == ts
        assert tick.price_usd == pytest.approx(s * s / 32_190_000_000 * PUMPFUN_SOL_USD)
        assert tick.liquidity_usd == pytest.approx(2 * s * PUMPFUN_SOL_USD)
        quote = await feed.quote(track.token, "buy", FIFTY_USD)
        assert quote is not None
        # The curve itself: tokens out = K/S − K/(S + ΔS), ΔS the SOL paid in.
        d_sol = 50 / PUMPFUN_SOL_USD
        curve_out = (PUMPFUN_CURVE_K / s - PUMPFUN_CURVE_K / (s + d_sol)) * 1e6
        assert quote.out_amount == pytest.approx(curve_out, rel=1e-9)

    def test_sol_price_from_candles(self) -> None:
        (sol,) = recorded(SOL_1H_JUNE)
        assert isinstance(sol, CandleSeries)
        feed = ReplayFeed(recorded(TRACKS), 1.0, sol_usd=sol)
        sol_feed = ReplayFeed([sol], 60.0)
        for ts in (utc("2025-06-06T16:40:00"), utc("2025-06-06T17:31:07")):
            (sol_tick,) = sol_feed.ticks_at(ts)
            tick = feed.ticks_at(ts)[0]
            (track,) = [t for t in recorded(TRACKS) if t.token == tick.token]
            assert isinstance(track, TrackSeries)
            s = track.sol_in_pool[track.ts.index(tick.ts)]
            assert tick.price_usd == pytest.approx(pumpfun_price_sol(s) * sol_tick.price_usd)

    def test_recording_outage_is_a_gap(self) -> None:
        """The tracker stopped for ten minutes at 17:48: no token has a tick in that hole."""
        feed = ReplayFeed(recorded(TRACKS), 1.0)
        assert len(feed.ticks_at(utc("2025-06-06T17:00:00"))) == 2  # of the sample's 46 mints
        assert feed.ticks_at(utc("2025-06-06T17:54:00")) == []
        assert len(feed.ticks_at(utc("2025-06-06T18:15:00"))) > 0
        assert feed.ticks_at(feed.end_ts + 121) == []


class TestFeedShape:
    """The feed tells its source, span and tokens, and refuses settings that would mislead."""

    def test_identity_and_span(self) -> None:
        a = candles([(1.0, 1.0, 1.0, 1.0)] * 3, symbol="AAA")
        b = candles([(2.0, 2.0, 2.0, 2.0)] * 2, symbol="BBB", opens=[START + 600, START + 660])
        feed: MarketFeed = ReplayFeed([a, b], 15.0)
        assert isinstance(feed, ReplayFeed)
        assert (feed.source, feed.api_note) == (
            "replay",
            "replaying recorded files: no API calls are made",
        )
        assert (feed.start_ts, feed.end_ts) == (START, START + 660 + 45)
        assert feed.tokens() == [a.token, b.token]
        assert feed.token(b.token.mint) == b.token and feed.token("nope") is None

    def test_step_too_long_for_the_candles(self) -> None:
        with pytest.raises(ValueError, match="ticks every 15 s inside its candles"):
            ReplayFeed([candles([(1.0, 1.0, 1.0, 1.0)])], 20.0)

    def test_overlapping_series_of_one_token(self) -> None:
        a = candles([(1.0, 1.0, 1.0, 1.0)] * 3)
        with pytest.raises(ValueError, match="TST is in both"):
            ReplayFeed([a, a.between(START + 60, START + 120)], 15.0)

    def test_one_token_over_two_periods(self) -> None:
        """SOL 2020–2022 and SOL 2025 are one token, replayed from whichever file covers ts."""
        (old,), (new,) = recorded(FREQTRADE), recorded(SOL_1H_JUNE)
        feed = ReplayFeed([new, old], 60.0)
        assert isinstance(old, CandleSeries) and isinstance(new, CandleSeries)
        assert len(feed.tokens()) == 1
        assert prices(feed, old.ts[0]) == [old.open[0]]
        assert prices(feed, new.ts[0]) == [new.open[0]]
        assert prices(feed, utc("2023-06-01T00:00:00")) == []

    def test_sol_price_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="sol_usd must be positive"):
            ReplayFeed([candles([(1.0, 1.0, 1.0, 1.0)])], 15.0, sol_usd=0.0)

    def test_empty_slice(self) -> None:
        with pytest.raises(ValueError, match="no data"):
            ReplayFeed([candles([(1.0, 1.0, 1.0, 1.0)]).between(0, 1)], 15.0)


class TestDeterminism:
    """The same files give the same ticks at the same times, whatever was asked before."""

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.tuples(st.booleans(), st.floats(0.0, 1.0)), min_size=1, max_size=30))
    def test_answer_depends_on_time_only(self, draws: list[tuple[bool, float]]) -> None:
        # The sample's two long-lived tracks: ticks all through their span, no outage inside.
        tracks = tuple(t for t in recorded(TRACKS) if t.token.mint.startswith(LONG_TRACKS))
        candles_ = recorded(FREQTRADE)
        first = ReplayFeed(candles_ + tracks, 60.0)
        second = ReplayFeed(candles_ + tracks, 60.0)
        spans = [(f.start_ts, f.end_ts) for f in (ReplayFeed(candles_, 60), ReplayFeed(tracks, 1))]
        # Times in either file's span (the years between them have no data at all).
        times = [spans[k][0] + f * (spans[k][1] - spans[k][0]) for k, f in draws]
        in_order: dict[float, list[MarketTick]] = {t: second.ticks_at(t) for t in sorted(times)}
        assert [first.ticks_at(ts) for ts in times] == [in_order[ts] for ts in times]
        assert any(in_order.values()), "some of the times must have ticks"


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="backtest", version="test")


def replay_engine(ledger: Ledger, feed: ReplayFeed, config: Config) -> Engine:
    return Engine(
        config=config,
        ledger=ledger,
        feed=feed,
        clock=VirtualClock(feed.start_ts),
        version="test",
        mode="backtest",
        duration_s=feed.end_ts - feed.start_ts,
    )


class TestEngineOnReplay:
    """The engine trades a recorded market on a virtual clock; its ledger tells the same story."""

    async def test_trades_and_ledger_replays(self, tmp_path: Path) -> None:
        (sol,) = recorded(SOL_1M)
        assert isinstance(sol, CandleSeries)
        feed = ReplayFeed([sol], 15.0)  # 2025-01-19, SOL's all-time-high day
        config = Config.model_validate({"market": {"tick_seconds": 15.0}})
        ledger = open_ledger(tmp_path / "l.sqlite")
        engine = replay_engine(ledger, feed, config)
        await engine.run()
        fills = [s.fill for s in ledger.fills()]
        assert engine.portfolio.round_trips > 0, "the slice must trade for this to mean much"
        assert all(utc("2025-01-19T00:00") <= f.ts <= feed.end_ts for f in fills)
        replayed = Portfolio.replay(ledger.starting_cash_micro, fills)
        assert replayed.state() == engine.portfolio.state()
        ledger.close()

    @pytest.mark.parametrize(
        ("high", "low", "reason", "fires_after"),
        [
            (1.30, 0.85, "stop_loss", 15),  # the low is nearer the open: it comes first
            (1.25, 0.75, "stop_loss", 15),  # a tie: the low first, the pessimistic order
            (1.25, 0.70, "take_profit", 15),  # the high is nearer: take-profit first
            (1.05, 0.85, "stop_loss", 30),  # high first, then the low breaks the stop
        ],
    )
    async def test_exit_inside_a_candle(
        self, tmp_path: Path, high: float, low: float, reason: str, fires_after: int
    ) -> None:
        """A stop the candle crossed fires at its intra-candle tick, though it closed flat."""
        path = tmp_path / "binance_STOP_USDT_1m_test.csv"
        path.write_text(
            "timestamp,open,high,low,close,volume\n"
            "2025-01-01 00:00:00,1.0,1.0,1.0,1.0,100000\n"
            f"2025-01-01 00:01:00,1.0,{high},{low},1.0,100000\n"
        )
        feed = ReplayFeed(load(path), 15.0)
        token = feed.tokens()[0]
        ledger = open_ledger(tmp_path / "l.sqlite")
        record_buy(ledger, token, ts=START - 60)
        config = Config.model_validate(
            {
                "strategies": {"momentum": {"enabled": False}},
                "risk": {"stop_loss_pct": 10, "take_profit_pct": 20},
                "market": {"tick_seconds": 15.0},
            }
        )
        await replay_engine(ledger, feed, config).run()
        ledger.close()
        rows = (
            sqlite3.connect(tmp_path / "l.sqlite")
            .execute("SELECT side, reason, ts_epoch, price FROM fills ORDER BY id")
            .fetchall()
        )
        assert [(side, why) for side, why, _, _ in rows] == [("buy", "test"), ("sell", reason)]
        assert rows[1][2] == START + 60 + fires_after
        level = low if reason == "stop_loss" else high
        assert rows[1][3] == pytest.approx(level, rel=0.01)


class TestTrackCandles:
    """pump.fun tracks cut into 1-minute candles for a backtest."""

    def test_minutes_of_samples_become_candles_with_the_curves_depth(self) -> None:
        from soltrader_tui.market.replay import pumpfun_price_sol, track_candles

        token = replay_token("PUMP")
        t0 = 1_749_227_700.0  # on a minute
        track = TrackSeries(
            token, "t.csv", (t0 + 1, t0 + 20, t0 + 59, t0 + 185), (30.0, 33.0, 31.0, 40.0)
        )
        series = track_candles(track, sol_usd=100.0)
        price = [pumpfun_price_sol(s) * 100.0 for s in (30.0, 33.0, 31.0, 40.0)]
        assert series.interval_s == 60 and series.ts == (int(t0), int(t0) + 180)
        assert (series.open[0], series.high[0], series.low[0], series.close[0]) == (
            price[0], price[1], price[0], price[2],
        )  # fmt: skip
        assert series.liquidity == (2 * 31.0 * 100.0, 2 * 40.0 * 100.0)
        assert series.gaps() == [(int(t0) + 60, int(t0) + 180)]


class TestHistory:
    """Before a session that starts later than the data, the replay's past is its own ticks:
    exactly those its polls would have played, and none at or after the start."""

    async def test_past_is_the_played_ticks(self) -> None:
        series = candles([(10.0 + i, 12.0 + i, 9.0 + i, 11.0 + i) for i in range(10)])
        feed = ReplayFeed([series], 15.0)
        end = START + 6 * 60 + 30  # mid-candle: its open and nearer extreme are already past
        past = await feed.history(end, 4 * 60)
        played = sorted(
            {tick for ts in range(START, int(end), 15) if (tick := feed.ticks_at(ts)[0]).ts < end},
            key=lambda tick: tick.ts,
        )
        assert past == [tick for tick in played if tick.ts >= end - 4 * 60]
        assert past[-1].ts == START + 6 * 60 + 15 and past[0].ts == end - 4 * 60

    async def test_no_past_at_the_datas_start(self) -> None:
        feed = ReplayFeed([candles([(1.0, 1.0, 1.0, 1.0)] * 3)], 15.0)
        assert await feed.history(feed.start_ts, 3600) == []

    async def test_tracks_and_candles_together_in_time_order(self) -> None:
        (sol,) = recorded(SOL_1H_JUNE)
        assert isinstance(sol, CandleSeries)
        tracks = recorded(TRACKS)
        feed = ReplayFeed([*tracks, sol], 1.0)
        end = utc("2025-06-06T17:30:00")
        past = await feed.history(end, 3600)
        assert [t.ts for t in past] == sorted(t.ts for t in past)
        assert all(end - 3600 <= t.ts < end for t in past)
        symbols = {t.token.symbol for t in past}
        assert "SOL" in symbols and len(symbols) > 1
        for tick in past[:: max(1, len(past) // 20)]:
            assert tick in feed.ticks_at(tick.ts), "each is what a poll at its time returns"


def test_the_liquidity_column_is_the_model_candle_by_candle() -> None:
    from soltrader_tui.market.replay import candle_liquidity_usd, liquidity_column

    (series,) = recorded(SOL_1H_JUNE)
    assert isinstance(series, CandleSeries)
    column = liquidity_column(series)
    assert column == pytest.approx([candle_liquidity_usd(series, i) for i in range(len(series))])


def test_depth_candles_are_the_series_candles_with_the_modelled_depth() -> None:
    from soltrader_tui.market.replay import depth_candles, liquidity_column

    (series,) = recorded(SOL_1H_JUNE)
    assert isinstance(series, CandleSeries)
    made, depth = depth_candles(series), liquidity_column(series)
    expected = [series.candle(i)._replace(liquidity_usd=depth[i]) for i in range(len(series))]
    assert made == expected
    assert all(type(c) is Candle and type(c.ts) is float for c in made)
