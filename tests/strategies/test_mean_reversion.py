"""Tests mean reversion: hand-computed z-scores and signals, warm-up, gaps and per-token state."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import MeanReversionConfig
from soltrader_tui.domain import MarketTick, Signal, Token
from soltrader_tui.strategies import MeanReversion, ScoreReading

T0 = 1_700_000_000.0
TOKEN = Token("MintMRV11111111111111111111111111111111111", "MRV", 6)
OTHER = Token("MintMRV22222222222222222222222222222222222", "MRW", 6)
QUARTER = 1.0 / math.log(4.0 / 3.0)
"""A window over which a 1 s step keeps 3/4 of the old average (alpha = 1/4), by hand:
mean ← 0.25 · price + 0.75 · mean and var ← 0.25 · d² + 0.75 · var. 3.476 s, so the warm-up
ends at the fifth tick (4 s seen)."""

HAND = MeanReversionConfig(enabled=True, window_s=QUARTER, entry_z=1.5, turn_z=0.5, exit_z=0.0)
DIP = [100.0, 101.0, 100.0, 101.0, 100.0, 101.0, 100.0, 92.0, 90.0, 91.5, 93.0, 96.0, 99.0, 101.0]
"""One tick a second: a calm ±1% zig-zag, a crash to 92 and 90, then the way back.

Worked by hand (d = ln(price / mean before the tick), σ = √var before the tick, z = d / σ,
score = 0.5 + 0.5 · tanh(−z / 2)):

    tick price  mean before  d          var before  σ        z        score
    0    100    —            —          —           —        —        (first instant)
    1    101    100          +0.009950  —           —        —        (d² seeds var)
    2    100    100.25       −0.002497  9.9009e-5   0.00995  −0.25    (warming: 2 s seen)
    4    100    100.3906     −0.003899  7.3171e-5   0.008554 −0.4558  0.6120  first score
    6    100    100.4697     −0.004686  5.6346e-5   0.007506 −0.6243  0.6512
    7    92     100.3523     −0.086898  4.7750e-5   0.006910 −12.58   1.0000  arms, low 92
    8    90     98.2642      −0.087850  1.9236e-3   0.043859 −2.003   0.8811  low 90
    9    91.5   96.1982      −0.050071  3.3722e-3   0.058070 −0.8623  0.7031  (a)
    10   93     95.0236      −0.021526  3.1559e-3   0.056177 −0.3832  0.5946  (b) buy
    11   96     94.5177      +0.015561  2.4828e-3   0.049827 +0.3123  0.4226  z ≥ 0: sell

(a) ln(91.5 / 90) = 0.0165 < turn_z · σ = 0.0290: no turn yet.
(b) ln(93 / 90) = 0.0328 ≥ turn_z · σ = 0.0281: the turn.
"""


def tick(i: float, price: float, token: Token = TOKEN) -> MarketTick:
    return MarketTick(token, T0 + i, price, 100_000.0)


def run(
    strategy: MeanReversion, prices: list[float], holding: bool | None = None, start: float = 0
) -> list[tuple[int, Signal]]:
    """Feeds one price a second; holds after a buy until a sell unless `holding` is fixed."""
    held = bool(holding)
    out = []
    for i, price in enumerate(prices):
        signal = strategy.on_tick(tick(start + i, price), held)
        if signal is not None:
            out.append((i, signal))
            if holding is None:
                held = signal.side == "buy"
    return out


class TestHandComputed:
    """The dip above, worked out by hand: scores, the arm, the turn, the sell."""

    def test_scores_follow_the_z_score(self) -> None:
        strategy = MeanReversion(HAND)
        expected = {4: 0.6120, 6: 0.6512, 7: 1.0000, 8: 0.8811, 9: 0.7031, 10: 0.5946}
        for i, price in enumerate(DIP[:11]):
            strategy.on_tick(tick(i, price), False)
            if i in expected:
                score = strategy.score(TOKEN.mint).score
                assert score == pytest.approx(expected[i], abs=5e-5), i

    def test_buys_on_the_turn_and_sells_at_the_mean(self) -> None:
        signals = run(MeanReversion(HAND), DIP)
        assert [(i, s.side) for i, s in signals] == [(10, "buy"), (11, "sell")]
        buy, sell = signals[0][1], signals[1][1]
        assert buy.strategy == "mean_reversion"
        assert buy.score == pytest.approx(0.5946, abs=5e-5)
        assert buy.reason == (
            "price -1.61% vs 3.47606s mean, z -0.4, +3.33% off its low $90.00 after z ≤ −1.5"
        )
        assert sell.reason == "price +1.17% vs 3.47606s mean, z +0.3 ≥ 0"

    def test_armed_while_the_price_still_falls(self) -> None:
        strategy = MeanReversion(HAND)
        assert run(strategy, DIP[:10]) == []
        # 90 · exp(0.5 σ) with σ = √var after tick 9 = 0.05618: $92.56.
        reading = strategy.score(TOKEN.mint)
        assert reading.reason == (
            "price -3.71% vs 3.47606s mean, z -0.9 → 0.70, armed: low $90.00, buys from $92.56"
        )

    def test_a_jump_straight_back_disarms_without_a_buy(self) -> None:
        # Tick 8 at 101: d = ln(101 / 98.2642) = +0.02746, z = +0.63 ≥ exit_z: disarmed.
        strategy = MeanReversion(HAND)
        assert run(strategy, [*DIP[:8], 101.0, 100.0, 101.0]) == []
        assert "armed" not in strategy.score(TOKEN.mint).reason

    def test_a_held_token_is_not_bought_and_is_sold_while_back(self) -> None:
        signals = run(MeanReversion(HAND), DIP, holding=True)
        # z ≥ 0 at tick 5 (+0.92; tick 3's +0.93 is still in the warm-up) and from tick 11 on.
        expected = [(5, "sell"), (11, "sell"), (12, "sell"), (13, "sell")]
        assert [(i, s.side) for i, s in signals] == expected

    def test_entry_threshold_is_the_score_at_minus_entry_z(self) -> None:
        assert MeanReversion(MeanReversionConfig()).entry_threshold == pytest.approx(
            0.5 + 0.5 * math.tanh(1.0)
        )
        assert MeanReversion(HAND).timeframe_s is None

    def test_disabled_scores_the_same_but_never_signals(self) -> None:
        enabled, disabled = (
            MeanReversion(HAND),
            MeanReversion(HAND.model_copy(update={"enabled": False})),
        )
        assert run(disabled, DIP) == []
        run(enabled, DIP)
        assert disabled.score(TOKEN.mint) == enabled.score(TOKEN.mint)

    def test_repeated_ticks_change_nothing(self) -> None:
        # A replay polled faster than its samples hands the same tick over and over.
        strategy = MeanReversion(HAND)
        held = False
        signals = []
        for i, price in enumerate(DIP):
            for _ in range(3):
                signal = strategy.on_tick(tick(i, price), held)
                if signal is not None:
                    signals.append((i, signal.side))
                    held = signal.side == "buy"
        assert signals == [(10, "buy"), (11, "sell")]


class TestWarmUp:
    """A token shows "warming up" until its window of prices has been seen."""

    def test_unknown_token(self) -> None:
        assert MeanReversion(HAND).score(TOKEN.mint) == ScoreReading(None, "no prices yet")

    def test_reason_counts_the_seconds(self) -> None:
        strategy = MeanReversion(MeanReversionConfig())
        for i in range(121):
            strategy.on_tick(tick(i, 1.0 + 0.01 * (i % 2)), False)
        assert strategy.score(TOKEN.mint) == ScoreReading(None, "warming up 120/600 s")

    def test_first_score_after_the_window(self) -> None:
        strategy = MeanReversion(HAND)
        for i, price in enumerate(DIP[:5]):
            strategy.on_tick(tick(i, price), False)
            assert (strategy.score(TOKEN.mint).score is None) is (i < 4)

    def test_gap_longer_than_the_window_starts_over(self) -> None:
        strategy = MeanReversion(HAND)
        run(strategy, DIP[:7])
        # 4 s later (> 3.476 s): the crash to 92 is a first price, not a −12.6σ fall.
        assert run(strategy, [92.0, 90.0, 93.0, 96.0], start=10) == []
        assert strategy.score(TOKEN.mint) == ScoreReading(None, "warming up 3/3.47606 s")

    def test_gap_within_the_window_keeps_the_state(self) -> None:
        strategy = MeanReversion(HAND)
        run(strategy, DIP[:7])
        strategy.on_tick(tick(6 + 3.4, 100.0), False)
        assert strategy.score(TOKEN.mint).score is not None

    def test_stale_and_bad_ticks_are_ignored(self) -> None:
        strategy = MeanReversion(HAND)
        run(strategy, DIP[:9])
        reading = strategy.score(TOKEN.mint)
        for bad in (0.0, -1.0, math.nan, math.inf):
            assert strategy.on_tick(tick(9, bad), True) is None
        assert strategy.on_tick(tick(2, 150.0), True) is None  # older than the latest
        assert strategy.score(TOKEN.mint) == reading

    def test_forget_and_other_tokens(self) -> None:
        strategy = MeanReversion(HAND)
        run(strategy, DIP[:9])
        for i, price in enumerate(DIP[:9]):
            strategy.on_tick(tick(i, price * 2.0, OTHER), False)
        # Prices twice as high give the same z-scores: the other token changed nothing here.
        assert strategy.score(OTHER.mint).score == strategy.score(TOKEN.mint).score
        strategy.forget(OTHER.mint)
        strategy.forget(OTHER.mint)  # unknown now: no error
        assert strategy.score(OTHER.mint) == ScoreReading(None, "no prices yet")
        assert strategy.score(TOKEN.mint).score is not None


class TestDefaults:
    """With the shipped settings, a sharp dip in a calm token is bought once and sold once."""

    def test_sharp_dip_and_recovery(self) -> None:
        strategy = MeanReversion(MeanReversionConfig(enabled=True))
        calm = [1.0 + (0.001 if i % 2 else -0.001) for i in range(700)]
        crash = [1.0 - 0.006 * k for k in range(1, 11)]  # −6% over ten seconds
        rebound = [0.94 + 0.0005 * k for k in range(1, 400)]  # back up over six minutes
        signals = run(strategy, calm + crash + rebound)
        assert [s.side for _, s in signals] == ["buy", "sell"]
        (bought, buy), (sold, _) = signals
        assert 710 < bought < sold
        assert re.fullmatch(
            r"price -\d\.\d\d% vs 600s mean, z -\d+\.\d, .*after z ≤ −2", buy.reason
        )


@given(
    moves=st.lists(
        st.tuples(st.floats(0.0, 900.0), st.floats(-0.5, 0.5), st.booleans()), max_size=80
    ),
    start=st.floats(1e-8, 1e4),
)
def test_score_stays_in_the_unit_interval(
    moves: list[tuple[float, float, bool]], start: float
) -> None:
    strategy = MeanReversion(MeanReversionConfig(enabled=True, window_s=300.0))
    ts, price = T0, start
    for dt, log_return, holding in moves:
        ts += dt
        price *= math.exp(log_return)
        signal = strategy.on_tick(MarketTick(TOKEN, ts, price, 1e5), holding)
        score = strategy.score(TOKEN.mint).score
        assert score is None or 0.0 <= score <= 1.0
        if signal is not None:
            assert signal.side == ("sell" if holding else "buy")
            assert 0.0 <= signal.score <= 1.0
