"""Tests the momentum strategy: its scores, warm-up, signals and per-token state."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import MomentumConfig
from soltrader_tui.domain import MarketTick, Signal, Token
from soltrader_tui.strategies import Momentum, ScoreReading

T0 = 1_700_000_000.0
CONFIG = MomentumConfig()
"""Defaults: fast 60 s, slow 300 s, entry 0.75, exit 0.35."""
MINT_A = "MintAAA1111111111111111111111111111111111111"
MINT_B = "MintBBB2222222222222222222222222222222222222"


def make_tick(ts: float, price: float, mint: str = MINT_A) -> MarketTick:
    """A tick of a small test token."""
    return MarketTick(Token(mint, mint[4:7], 6), ts, price, 250_000.0)


def zigzag(
    start: float, seconds: int, price: float = 1.0, drift: float = 0.0, wiggle: float = 0.002
) -> list[tuple[float, float]]:
    """One tick a second: a log-price trend of `drift` per second with a ±`wiggle` zig-zag."""
    return [
        (start + i, price * math.exp(drift * i + (wiggle if i % 2 else -wiggle)))
        for i in range(seconds)
    ]


@dataclass(frozen=True, slots=True)
class Step:
    """What one tick did: the score before and after it, and the signal it produced."""

    ts: float
    before: float | None
    after: float | None
    signal: Signal | None


def feed(
    strategy: Momentum, path: list[tuple[float, float]], holding: bool = False, mint: str = MINT_A
) -> list[Step]:
    """Feeds a price path to the strategy and records every step."""
    steps = []
    for ts, price in path:
        before = strategy.score(mint).score
        signal = strategy.on_tick(make_tick(ts, price, mint), holding)
        steps.append(Step(ts, before, strategy.score(mint).score, signal))
    return steps


def signals(steps: list[Step]) -> list[Signal]:
    return [s.signal for s in steps if s.signal is not None]


def warmed_up(config: MomentumConfig = CONFIG, wiggle: float = 0.002) -> Momentum:
    """A strategy that has seen 330 s of a flat, zig-zagging token A (score near 0.5)."""
    strategy = Momentum(config)
    feed(strategy, zigzag(T0, 331, wiggle=wiggle))
    return strategy


AFTER_WARMUP = T0 + 331
"""First timestamp after `warmed_up`'s path."""


class TestScore:
    """The screen shows each token's score in [0, 1] with a one-line reason."""

    def test_unknown_token_has_no_score(self) -> None:
        assert Momentum(CONFIG).score(MINT_A) == ScoreReading(None, "no prices yet")

    def test_flat_token_scores_near_neutral(self) -> None:
        score, reason = warmed_up().score(MINT_A)
        assert score is not None
        assert abs(score - 0.5) < 0.05
        assert re.fullmatch(r"fast/slow [+-]\d+\.\d\d% over 60s/300s, -?\d+\.\dσ → 0\.\d\d", reason)

    def test_rising_token_scores_above_neutral_with_its_trend(self) -> None:
        strategy = warmed_up()
        feed(strategy, zigzag(AFTER_WARMUP, 200, drift=0.001))
        score, reason = strategy.score(MINT_A)
        assert score is not None
        assert score > 0.75
        match = re.fullmatch(
            r"fast/slow \+(\d+\.\d+)% over 60s/300s, (\d+\.\d)σ → (0\.\d\d)", reason
        )
        assert match is not None
        assert float(match.group(1)) > 1.0
        assert float(match.group(2)) > 1.83  # the trend σ that scores 0.75
        assert match.group(3) == f"{score:.2f}"

    def test_falling_token_scores_below_neutral(self) -> None:
        strategy = warmed_up()
        feed(strategy, zigzag(AFTER_WARMUP, 200, drift=-0.001))
        score, reason = strategy.score(MINT_A)
        assert score is not None
        assert score < 0.25
        assert reason.startswith("fast/slow -")

    def test_same_move_counts_more_on_a_calm_token(self) -> None:
        calm = warmed_up(wiggle=0.001)
        wild = warmed_up(wiggle=0.01)
        for strategy in (calm, wild):
            strategy.on_tick(make_tick(AFTER_WARMUP, 1.02), holding=False)
        calm_score = calm.score(MINT_A).score
        wild_score = wild.score(MINT_A).score
        assert calm_score is not None
        assert wild_score is not None
        assert calm_score > wild_score > 0.5

    @given(
        moves=st.lists(
            st.tuples(st.floats(0.0, 400.0), st.floats(-0.5, 0.5), st.booleans()),
            max_size=80,
        ),
        start=st.floats(1e-8, 1e4),
    )
    def test_score_is_always_in_range_or_warming_up(
        self, moves: list[tuple[float, float, bool]], start: float
    ) -> None:
        strategy = Momentum(CONFIG)
        ts, price = T0, start
        for dt, log_return, holding in moves:
            ts += dt
            price *= math.exp(log_return)
            signal = strategy.on_tick(make_tick(ts, price), holding)
            score = strategy.score(MINT_A).score
            assert score is None or 0.0 <= score <= 1.0
            if signal is not None:
                assert signal.side == ("sell" if holding else "buy")
                assert signal.score == score

    def test_bad_prices_are_ignored(self) -> None:
        strategy = warmed_up()
        reading = strategy.score(MINT_A)
        for bad in (0.0, -1.0, math.nan, math.inf):
            assert strategy.on_tick(make_tick(AFTER_WARMUP, bad), holding=True) is None
        assert strategy.score(MINT_A) == reading

    def test_stale_tick_is_ignored(self) -> None:
        strategy = warmed_up()
        reading = strategy.score(MINT_A)
        assert strategy.on_tick(make_tick(T0 + 100, 5.0), holding=False) is None
        assert strategy.score(MINT_A) == reading


class TestWarmUp:
    """A token shows "warming up" until the slow window of its prices has been seen."""

    def test_no_score_until_slow_window_seen(self) -> None:
        strategy = Momentum(CONFIG)
        steps = feed(strategy, zigzag(T0, 301))
        assert all(s.after is None for s in steps[:300])
        assert steps[300].after is not None

    def test_reason_counts_the_seconds(self) -> None:
        strategy = Momentum(CONFIG)
        feed(strategy, zigzag(T0, 121))
        assert strategy.score(MINT_A) == ScoreReading(None, "warming 120 s / 300 s")

    def test_no_signals_while_warming_up(self) -> None:
        rising = feed(Momentum(CONFIG), zigzag(T0, 300, drift=0.002), holding=False)
        falling = feed(Momentum(CONFIG), zigzag(T0, 300, drift=-0.002), holding=True)
        assert all(s.after is None for s in rising + falling)
        assert signals(rising + falling) == []

    def test_first_score_after_warm_up_is_not_a_crossing(self) -> None:
        # The token rose all through its warm-up: its first score is high, but nothing
        # crossed the threshold while we watched, so no buy.
        steps = feed(Momentum(CONFIG), zigzag(T0, 320, drift=0.002))
        assert steps[300].after is not None
        assert steps[300].after > 0.75
        assert signals(steps) == []

    def test_gap_longer_than_slow_window_restarts_warm_up(self) -> None:
        strategy = warmed_up()
        resumed = AFTER_WARMUP + 400
        steps = feed(strategy, zigzag(resumed, 200, drift=0.002), holding=True)
        assert strategy.score(MINT_A) == ScoreReading(None, "warming 199 s / 300 s")
        assert signals(steps) == []

    def test_gap_within_slow_window_keeps_the_state(self) -> None:
        strategy = warmed_up()
        strategy.on_tick(make_tick(AFTER_WARMUP + 299, 1.0), holding=False)
        assert strategy.score(MINT_A).score is not None

    def test_forget_drops_the_token(self) -> None:
        strategy = warmed_up()
        strategy.forget(MINT_A)
        strategy.forget(MINT_B)  # unknown: no error
        assert strategy.score(MINT_A) == ScoreReading(None, "no prices yet")


class TestSignals:
    """Buys fire once as momentum builds; a held token is sold while momentum is gone."""

    def test_rising_token_is_bought_once_at_the_crossing(self) -> None:
        strategy = warmed_up()
        steps = feed(strategy, zigzag(AFTER_WARMUP, 200, drift=0.001), holding=False)
        crossings = [
            s
            for s in steps
            if s.before is not None and s.after is not None and s.before < 0.75 <= s.after
        ]
        bought = [s for s in steps if s.signal is not None]
        assert len(bought) == 1
        assert crossings == bought
        signal = bought[0].signal
        assert signal is not None
        assert (signal.side, signal.strategy, signal.token.mint) == ("buy", "momentum", MINT_A)
        assert signal.score == bought[0].after
        assert re.fullmatch(
            r"fast/slow \+\d+\.\d+% \(\d+\.\dσ\), score 0\.\d\d ≥ 0\.75", signal.reason
        )

    def test_no_buy_while_holding(self) -> None:
        strategy = warmed_up()
        steps = feed(strategy, zigzag(AFTER_WARMUP, 200, drift=0.001), holding=True)
        assert max(s.after or 0.0 for s in steps) > 0.75
        assert signals(steps) == []

    def test_held_token_is_sold_on_every_tick_below_exit(self) -> None:
        strategy = warmed_up()
        steps = feed(strategy, zigzag(AFTER_WARMUP, 120, drift=-0.001), holding=True)
        below = [s for s in steps if s.after is not None and s.after < 0.35]
        assert below
        assert [s for s in steps if s.signal is not None] == below
        for step in below:
            assert step.signal is not None
            assert step.signal.side == "sell"
            assert re.fullmatch(
                r"fast/slow -\d+\.\d+% \(-\d+\.\dσ\), score 0\.\d\d < 0\.35", step.signal.reason
            )

    def test_falling_token_not_held_gives_no_signal(self) -> None:
        strategy = warmed_up()
        steps = feed(strategy, zigzag(AFTER_WARMUP, 120, drift=-0.001), holding=False)
        assert min(s.after or 1.0 for s in steps) < 0.35
        assert signals(steps) == []

    def test_disabled_strategy_scores_but_never_signals(self) -> None:
        strategy = warmed_up(MomentumConfig(enabled=False))
        assert strategy.enabled is False
        up = feed(strategy, zigzag(AFTER_WARMUP, 200, drift=0.001), holding=False)
        down = feed(strategy, zigzag(AFTER_WARMUP + 200, 200, drift=-0.002), holding=True)
        scores = [s.after for s in up + down]
        assert max(x or 0.0 for x in scores) > 0.75
        assert min(x or 1.0 for x in scores) < 0.35
        assert signals(up + down) == []

    def test_thresholds_come_from_the_config(self) -> None:
        config = MomentumConfig(entry_threshold=0.6, exit_threshold=0.45)
        strategy = warmed_up(config)
        steps = feed(strategy, zigzag(AFTER_WARMUP, 200, drift=0.001), holding=False)
        bought = [s for s in steps if s.signal is not None]
        assert len(bought) == 1
        assert bought[0].before is not None
        assert bought[0].after is not None
        assert bought[0].before < 0.6 <= bought[0].after


class TestTokens:
    """Each token is scored on its own prices only."""

    @given(other=st.lists(st.tuples(st.floats(0.0, 500.0), st.floats(1e-6, 1e6)), max_size=40))
    def test_other_tokens_ticks_do_not_change_a_score(
        self, other: list[tuple[float, float]]
    ) -> None:
        path_a = zigzag(T0, 400, drift=0.0005)
        alone = Momentum(CONFIG)
        feed(alone, path_a)
        mixed = Momentum(CONFIG)
        ts_b = T0
        for i, (ts, price) in enumerate(path_a):
            if i < len(other):
                ts_b += other[i][0]
                mixed.on_tick(make_tick(ts_b, other[i][1], MINT_B), holding=True)
            mixed.on_tick(make_tick(ts, price), holding=False)
        assert mixed.score(MINT_A) == alone.score(MINT_A)

    def test_forgetting_one_token_keeps_the_other(self) -> None:
        strategy = warmed_up()
        feed(strategy, zigzag(T0, 331), mint=MINT_B)
        strategy.forget(MINT_B)
        assert strategy.score(MINT_A).score is not None
        assert strategy.score(MINT_B).score is None
