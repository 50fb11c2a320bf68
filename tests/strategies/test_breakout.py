"""Tests the breakout: its Donchian deque, hand-worked candles, both filters, pandas on real SOL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import BreakoutConfig
from soltrader_tui.domain import Candle, MarketTick, Signal, Token
from soltrader_tui.market.recorded import load_all
from soltrader_tui.market.series import CandleSeries
from soltrader_tui.strategies import Breakout, ScoreReading
from soltrader_tui.strategies.sliding import SlidingExtreme

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SOL_5M = DATA / "binance_SOL_USDT_5m_2025-01-01_2025-06-18.csv"
TOKEN = Token("MintBRK11111111111111111111111111111111111", "BRK", 6)
T0 = 1_735_689_600.0  # 2025-01-01 00:00 UTC, on every timeframe's grid

Row = tuple[float, float, float, float]
"""A candle's (high, low, close, volume)."""

ROWS: list[Row] = [
    (10.5, 9.5, 10.0, 100.0),
    (10.8, 9.8, 10.2, 100.0),
    (10.6, 9.6, 10.1, 100.0),
    (11.2, 10.0, 11.0, 120.0),
    (11.8, 10.9, 11.6, 400.0),
    (12.0, 11.3, 11.5, 200.0),
    (11.6, 10.2, 10.4, 150.0),
]
"""Seven 5m candles, worked by hand with entry_candles 3, exit_candles 2, volume_factor 1.5
(the volume average is an EMA of span 3: α = 1/2):

    candle  high / low (3 before)  exit low (2 before)  avg volume  r = v / (1.5 · avg)
    2       10.8 / 9.5 (0–1 only)  —                    100         0.667
    3       10.8 / 9.5             9.8                  100         0.8    (a)
    4       11.2 / 9.6             9.6                  110         2.424  (b)
    5       11.8 / 9.6             10.0                 255         0.523  (c)
    6       12.0 / 10.0            10.9                 227.5       0.440  (d)

(a) close 11.0 > 10.8, but r < 1: no buy. (b) close 11.6 > 11.2 and r ≥ 1: buy.
(c) held, close 11.5 > 10.0: kept. (d) close 10.4 < 10.9: sell.

Scores, 0.5 · position + 0.5 · r / (1 + r):
    2: position (10.1 − 9.5) / 1.3 = 0.4615, r / (1 + r) = 0.4:    0.2308 + 0.2    = 0.4308
    3: position 1 (above the high),         r / (1 + r) = 0.4444: 0.5 + 0.2222    = 0.7222
    4: position 1,                          r / (1 + r) = 0.7080: 0.5 + 0.3540    = 0.8540
    6: position (10.4 − 10) / 2 = 0.2,     r / (1 + r) = 0.3053: 0.1 + 0.1527    = 0.2527
"""
HAND = BreakoutConfig(enabled=True, entry_candles=3, exit_candles=2, volume_factor=1.5)


def candle(i: int, row: Row, liquidity: float = 0.0) -> Candle:
    high, low, close, volume = row
    return Candle(T0 + i * 300.0, 300.0, close, high, low, close, volume, liquidity)


def run(
    strategy: Breakout, rows: list[Row], *, holding: bool | None = None, start: int = 0
) -> list[tuple[int, Signal]]:
    """Feeds candles; holds after a buy until a sell unless `holding` is fixed."""
    held = bool(holding)
    out = []
    for i, row in enumerate(rows):
        signal = strategy.on_candle(TOKEN, candle(start + i, row), held)
        if signal is not None:
            out.append((start + i, signal))
            if holding is None:
                held = signal.side == "buy"
    return out


class TestDonchianDeque:
    """The sliding max and min agree with a brute-force scan of the window, O(1) amortised."""

    @given(
        size=st.integers(1, 12),
        steps=st.lists(
            st.tuples(st.integers(1, 6), st.floats(-1e6, 1e6), st.integers(0, 3)), max_size=120
        ),
        highest=st.booleans(),
    )
    def test_matches_brute_force(
        self, size: int, steps: list[tuple[int, float, int]], highest: bool
    ) -> None:
        window = SlidingExtreme(size, highest=highest)
        pushed: list[tuple[int, float]] = []
        key = 0
        pick = max if highest else min
        for step, value, look_ahead in steps:
            key += step
            window.push(key, value)
            pushed.append((key, value))
            # Queried at the key just pushed, then up to three keys later (a missing candle).
            for last in (key, key + look_ahead):
                inside = [v for k, v in pushed if last - size < k <= last]
                assert window.extreme(last) == (pick(inside) if inside else None)
            key += look_ahead

    def test_keeps_only_the_values_that_can_still_win(self) -> None:
        # A falling run keeps every value (each may be the max once the larger ones leave);
        # a rising value clears them all.
        window = SlidingExtreme(1000, highest=True)
        for k in range(500):
            window.push(k, 1000.0 - k)
        window.push(500, 5000.0)
        assert window.extreme(500) == 5000.0
        assert window.extreme(1499) == 5000.0
        assert window.extreme(1500) is None

    def test_size_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="size must be at least 1"):
            SlidingExtreme(0, highest=False)


class TestHandComputed:
    """The seven candles above, worked out by hand."""

    def test_buys_a_confirmed_breakout_and_sells_below_the_exit_channel(self) -> None:
        signals = run(Breakout(HAND), ROWS)
        assert [(i, s.side) for i, s in signals] == [(4, "buy"), (6, "sell")]
        buy, sell = signals[0][1], signals[1][1]
        assert buy.strategy == "breakout"
        assert buy.score == pytest.approx(0.8540, abs=5e-5)
        assert buy.reason == "close $11.60 > 3-candle high $11.20, volume 3.6× avg → 0.85"
        assert sell.reason == "close $10.40 < 2-candle low $10.90"
        assert sell.score == pytest.approx(0.2527, abs=5e-5)

    def test_scores_are_the_candle_decisions(self) -> None:
        strategy = Breakout(HAND)
        expected = {2: 0.4308, 3: 0.7222, 4: 0.8540, 6: 0.2527}
        for i, row in enumerate(ROWS):
            strategy.on_candle(TOKEN, candle(i, row), False)
            if i in expected:
                assert strategy.score(TOKEN.mint).score == pytest.approx(expected[i], abs=5e-5)
        assert strategy.score(TOKEN.mint).reason == (
            "close $10.40 vs 3-candle high $12.00, volume 0.7× avg → 0.25"
        )

    def test_thin_volume_breakout_is_not_bought(self) -> None:
        strategy = Breakout(HAND)
        assert run(strategy, ROWS[:4]) == []
        assert strategy.score(TOKEN.mint) == ScoreReading(
            pytest.approx(0.7222, abs=5e-5),  # type: ignore[arg-type]
            "close $11.00 vs 3-candle high $10.80, volume 1.2× avg → 0.72",
        )

    def test_a_held_token_is_not_bought(self) -> None:
        # Held throughout: no buy at candle 4, and the sell at candle 6 stands.
        signals = run(Breakout(HAND), ROWS, holding=True)
        assert [(i, s.side) for i, s in signals] == [(6, "sell")]

    def test_disabled_scores_but_never_signals(self) -> None:
        strategy = Breakout(HAND.model_copy(update={"enabled": False}))
        assert run(strategy, ROWS) == []
        assert strategy.score(TOKEN.mint).score == pytest.approx(0.2527, abs=5e-5)

    def test_declares_its_threshold_and_timeframe(self) -> None:
        strategy = Breakout(BreakoutConfig(timeframe="1h"))
        assert strategy.entry_threshold == 0.75
        assert strategy.timeframe_s == 3600

    def test_flat_channel(self) -> None:
        # Three candles at exactly 10: the channel has no width; a close on it is half-way.
        strategy = Breakout(HAND)
        run(strategy, [(10.0, 10.0, 10.0, 100.0)] * 3)
        # r = 100 / 150 = 0.667 → 0.4; 0.5 · 0.5 + 0.5 · 0.4 = 0.45.
        assert strategy.score(TOKEN.mint).score == pytest.approx(0.45)


class TestWarmUp:
    """No score until the channel has N candles, no signal before the (N + 1)-th."""

    def test_reason_counts_candles(self) -> None:
        strategy = Breakout(HAND)
        assert strategy.score(TOKEN.mint) == ScoreReading(None, "no candles yet")
        run(strategy, ROWS[:2])
        assert strategy.score(TOKEN.mint) == ScoreReading(None, "warming up 2/3 5m candles")

    def test_breakout_during_warm_up_is_not_bought(self) -> None:
        # Candle 2 closes far above candles 0–1 on ten times the volume, but only two candles
        # came before it.
        rows = [ROWS[0], ROWS[1], (20.0, 10.0, 19.0, 1000.0)]
        assert run(Breakout(HAND), rows) == []

    def test_gap_longer_than_the_channel_starts_over(self) -> None:
        strategy = Breakout(HAND)
        run(strategy, ROWS[:4])
        # Candle 8: four periods after candle 3 (> 3), so candle 3 has left every channel.
        assert run(strategy, [ROWS[4]], start=8) == []
        assert strategy.score(TOKEN.mint) == ScoreReading(None, "warming up 1/3 5m candles")

    def test_gap_within_the_channel_keeps_the_state(self) -> None:
        # Candle 6 comes two periods after 4 (5 is missing): its exit channel is candle 4 alone
        # (low 10.9), and 10.6 is below it.
        strategy = Breakout(HAND)
        run(strategy, ROWS[:5], holding=True)
        signals = run(strategy, [(11.0, 10.5, 10.6, 100.0)], holding=True, start=6)
        assert [s.reason for _, s in signals] == ["close $10.60 < 2-candle low $10.90"]

    def test_an_empty_exit_channel_sells_nothing(self) -> None:
        # Candle 7, three periods after 4: the exit channel (candles 5 and 6) holds no candle.
        strategy = Breakout(HAND)
        run(strategy, ROWS[:5], holding=True)
        assert run(strategy, [(11.0, 10.5, 10.6, 100.0)], holding=True, start=7) == []
        assert strategy.score(TOKEN.mint).score is not None

    def test_old_candle_and_bad_prices_are_ignored(self) -> None:
        strategy = Breakout(HAND)
        run(strategy, ROWS[:4])
        before = strategy.score(TOKEN.mint)
        assert strategy.on_candle(TOKEN, candle(2, (50.0, 1.0, 40.0, 9e9)), False) is None
        bad = Candle(T0 + 4 * 300.0, 300.0, 1.0, 1.0, 1.0, float("nan"), 1.0)
        assert strategy.on_candle(TOKEN, bad, False) is None
        assert strategy.on_tick(MarketTick(TOKEN, T0 + 1500.0, -1.0, 1e5), False) is None
        assert strategy.score(TOKEN.mint) == before

    def test_forget(self) -> None:
        strategy = Breakout(HAND)
        run(strategy, ROWS)
        strategy.forget(TOKEN.mint)
        assert strategy.score(TOKEN.mint) == ScoreReading(None, "no candles yet")


LIQ = HAND.model_copy(update={"min_liquidity_usd": 10_000.0})


def tick_run(candles: list[tuple[float, float, float]]) -> tuple[Breakout, list[tuple[int, str]]]:
    """Feeds two ticks per 5m candle, (open, close, pool depth), then the next candle's open.

    Returns the strategy and (candle index of the deciding tick, signal reason) pairs.
    """
    strategy = Breakout(LIQ)
    out = []
    ticks = [(i, 0.0, o, liq) for i, (o, _, liq) in enumerate(candles)]
    ticks += [(i, 150.0, c, liq) for i, (_, c, liq) in enumerate(candles)]
    last_close, last_liq = candles[-1][1], candles[-1][2]
    ticks.append((len(candles), 0.0, last_close, last_liq))
    for i, offset, price, liq in sorted(ticks):
        signal = strategy.on_tick(MarketTick(TOKEN, T0 + i * 300.0 + offset, price, liq), False)
        if signal is not None:
            out.append((i, signal.reason))
    return strategy, out


CALM = [(1.00, 1.02, 20_000.0), (1.02, 1.01, 20_000.0), (1.01, 1.03, 20_000.0)]
"""Three candles from ticks, highs 1.02, 1.02, 1.03, in a steady $20k pool (avg $20k)."""


class TestFromTicks:
    """Candles built from ticks carry no volume, so the pool's depth confirms a breakout."""

    def test_deeper_pool_confirms(self) -> None:
        # Candle 3 closes at 1.08 > 1.03 in a $22k pool: r = min(22k / 10k, 22k / 20k) = 1.1.
        # Decided on candle 4's first tick; 0.5 + 0.5 · 1.1 / 2.1 = 0.7619.
        _, signals = tick_run([*CALM, (1.03, 1.08, 22_000.0)])
        assert signals == [
            (4, "close $1.080 > 3-candle high $1.030, pool $22,000 (1.10× avg) → 0.76")
        ]

    def test_draining_pool_does_not(self) -> None:
        # The same breakout while the pool drops to $15k (a rug in progress): r = 0.75.
        _, signals = tick_run([*CALM, (1.03, 1.08, 15_000.0)])
        assert signals == []

    def test_pool_below_the_floor_does_not(self) -> None:
        # Steady $8k, then $8.8k: r = min(0.88, 1.1) = 0.88.
        thin = [(o, c, 8_000.0) for o, c, _ in CALM]
        _, signals = tick_run([*thin, (1.03, 1.08, 8_800.0)])
        assert signals == []

    def test_score_previews_the_forming_candle(self) -> None:
        # After candle 4's first tick: channel of candles 1–3 is 1.01–1.08, the price 1.08 is
        # at its top (1); the pool average took candle 3 in: 20k + (22k − 20k) / 2 = 21k, so
        # r = min(2.2, 22 / 21) = 1.0476 and the score 0.5 + 0.5 · 1.0476 / 2.0476 = 0.7558.
        strategy, _ = tick_run([*CALM, (1.03, 1.08, 22_000.0)])
        score, reason = strategy.score(TOKEN.mint)
        assert score == pytest.approx(0.7558, abs=5e-5)
        assert reason == "price $1.080 vs 3-candle high $1.080, pool $22,000 (1.05× avg) → 0.76"

    def test_nothing_to_confirm_with(self) -> None:
        # Candles with neither volume nor pool depth: no filter can pass.
        rows = [(h, lo, c, 0.0) for h, lo, c, _ in ROWS]
        strategy = Breakout(HAND)
        assert run(strategy, rows) == []
        assert "no volume or liquidity to confirm" in strategy.score(TOKEN.mint).reason


def pandas_signals(series: CandleSeries, n: int, m: int, factor: float) -> list[tuple[int, str]]:
    """The module's rules on pandas' rolling max/min and EMA (an independent computation)."""
    frame = pd.DataFrame({"h": series.high, "l": series.low, "c": series.close, "v": series.volume})
    high = frame["h"].rolling(n).max().shift(1)
    exit_low = frame["l"].rolling(m).min().shift(1)
    avg = frame["v"].ewm(span=n, adjust=False).mean().shift(1)
    out = []
    holding = False
    for i in range(n, len(frame)):
        close = frame["c"][i]
        if holding and close < exit_low[i]:
            out.append((i, "sell"))
            holding = False
        elif not holding and close > high[i] and frame["v"][i] / (factor * avg[i]) >= 1.0:
            out.append((i, "buy"))
            holding = True
    return out


class TestAgainstPandas:
    """On real SOL 5m candles, Breakout signals exactly where pandas' rolling channels say."""

    @pytest.fixture(scope="class")
    def sol(self) -> CandleSeries:
        (series,) = load_all([SOL_5M])
        assert isinstance(series, CandleSeries)
        return series.between(series.ts[0], series.ts[0] + 3000 * 300)

    @pytest.mark.parametrize(("n", "m", "factor"), [(20, 10, 1.5), (55, 20, 1.0), (5, 5, 2.5)])
    def test_same_signals(self, sol: CandleSeries, n: int, m: int, factor: float) -> None:
        config = BreakoutConfig(enabled=True, entry_candles=n, exit_candles=m, volume_factor=factor)
        strategy = Breakout(config)
        holding = False
        ours = []
        for i in range(len(sol)):
            signal = strategy.on_candle(sol.token, sol.candle(i), holding)
            if signal is not None:
                ours.append((i, signal.side))
                holding = signal.side == "buy"
        expected = pandas_signals(sol, n, m, factor)
        assert len(expected) > 20
        assert ours == expected


@given(
    rows=st.lists(
        st.tuples(
            st.floats(1e-6, 1e6), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1e9)
        ),
        min_size=1,
        max_size=60,
    ),
    liquidity=st.floats(0.0, 1e8),
)
def test_score_stays_in_the_unit_interval(
    rows: list[tuple[float, float, float, float]], liquidity: float
) -> None:
    strategy = Breakout(HAND)
    for i, (high, low_share, close_share, volume) in enumerate(rows):
        low = high * low_share if low_share > 0 else high
        close = low + (high - low) * close_share
        if close <= 0:
            continue
        c = Candle(T0 + i * 300.0, 300.0, close, high, low, close, volume, liquidity)
        strategy.on_candle(TOKEN, c, i % 2 == 0)
        strategy.on_tick(MarketTick(TOKEN, T0 + i * 300.0 + 310.0, close * 1.5, liquidity), False)
        score = strategy.score(TOKEN.mint).score
        assert score is None or 0.0 <= score <= 1.0
