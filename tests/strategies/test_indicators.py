"""Tests the time-aware indicators that the strategy scores are built on."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.strategies.indicators import EmaGrowth, EmaUpShare, EmaVolatility, TimeEma

T0 = 1_700_000_000.0
"""A realistic unix time, so float resolution matches what the engine sees."""

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
prices = st.floats(min_value=1e-6, max_value=1e6)
steps = st.floats(min_value=0.0, max_value=600.0)
"""Seconds between two samples; 0 means the same instant."""
windows = st.floats(min_value=1.0, max_value=1000.0)


def feed_ema(ema: TimeEma, samples: list[tuple[float, float]], t: float = T0) -> float:
    """Feeds (step, value) pairs at increasing times; returns the last average."""
    out = math.nan
    for step, value in samples:
        t += step
        out = ema.update(t, value)
    return out


def end_time(steps: list[float], t: float = T0) -> float:
    """The timestamp after the steps, rounded as the feeding loops round it."""
    for step in steps:
        t += step
    return t


def close(a: float, b: float, scale: float = 1.0) -> bool:
    """Equal up to float rounding on numbers of magnitude `scale`."""
    return abs(a - b) <= 1e-9 * max(scale, abs(a), abs(b), 1e-300)


class TestTimeEma:
    """A moving average of prices that respects market time, however ticks are spaced."""

    def test_empty_average_has_no_value(self) -> None:
        ema = TimeEma(60.0)
        assert ema.value is None
        assert ema.seconds_seen == 0.0

    def test_first_sample_is_the_average(self) -> None:
        ema = TimeEma(60.0)
        assert ema.update(T0, 2.5) == 2.5
        assert ema.value == 2.5

    @pytest.mark.parametrize("window", [0.0, -1.0, math.inf, math.nan])
    def test_window_must_be_positive_and_finite(self, window: float) -> None:
        with pytest.raises(ValueError, match="window_s"):
            TimeEma(window)

    @given(value=values, window=windows, gaps=st.lists(steps, max_size=50))
    def test_average_of_a_constant_is_that_constant(
        self, value: float, window: float, gaps: list[float]
    ) -> None:
        ema = TimeEma(window)
        assert feed_ema(ema, [(0.0, value)] + [(g, value) for g in gaps]) == value

    @given(window=windows, samples=st.lists(st.tuples(steps, values), min_size=1, max_size=60))
    def test_average_stays_within_the_inputs(
        self, window: float, samples: list[tuple[float, float]]
    ) -> None:
        ema = TimeEma(window)
        lo = min(v for _, v in samples)
        hi = max(v for _, v in samples)
        t = T0
        for step, value in samples:
            t += step
            out = ema.update(t, value)
            assert lo - 1e-9 * abs(lo) - 1e-12 <= out <= hi + 1e-9 * abs(hi) + 1e-12

    @given(window=windows, gaps=st.lists(st.floats(0.01, 50.0), min_size=1, max_size=80))
    def test_step_is_absorbed_by_elapsed_time_not_tick_count(
        self, window: float, gaps: list[float]
    ) -> None:
        ema = TimeEma(window)
        ema.update(T0, 0.0)
        out = feed_ema(ema, [(g, 1.0) for g in gaps])
        elapsed = end_time(gaps) - T0
        assert close(out, 1.0 - math.exp(-elapsed / window))

    def test_step_converges_monotonically(self) -> None:
        ema = TimeEma(10.0)
        ema.update(T0, 100.0)
        outs = [ema.update(T0 + i, 200.0) for i in range(1, 200)]
        assert all(a < b for a, b in itertools.pairwise(outs))
        assert outs[9] == pytest.approx(200.0 - 100.0 * math.exp(-1.0))
        assert 200.0 - outs[-1] < 1e-6

    @given(
        window=windows,
        start=values,
        value=values,
        parts=st.lists(st.floats(0.001, 100.0), min_size=1, max_size=20),
    )
    def test_one_long_update_equals_many_short_ones(
        self, window: float, start: float, value: float, parts: list[float]
    ) -> None:
        split = TimeEma(window)
        split.update(T0, start)
        many = feed_ema(split, [(p, value) for p in parts])
        whole = TimeEma(window)
        whole.update(T0, start)
        one = whole.update(end_time(parts), value)
        assert close(many, one, scale=abs(start) + abs(value))

    def test_gap_of_many_windows_jumps_to_the_new_value(self) -> None:
        ema = TimeEma(60.0)
        ema.update(T0, 1.0)
        assert ema.update(T0 + 60.0 * 50, 3.0) == 3.0

    @given(window=windows, first=values, second=values, value=values, step=st.floats(0.01, 100.0))
    def test_same_instant_sample_replaces_the_previous_one(
        self, window: float, first: float, second: float, value: float, step: float
    ) -> None:
        batched = TimeEma(window)
        batched.update(T0, first)
        batched.update(T0 + step, second)
        out = batched.update(T0 + step, value)
        single = TimeEma(window)
        single.update(T0, first)
        assert out == single.update(T0 + step, value)

    def test_replacing_the_first_sample(self) -> None:
        ema = TimeEma(60.0)
        ema.update(T0, 1.0)
        assert ema.update(T0, 7.0) == 7.0
        assert ema.update(T0 + 60.0, 7.0) == 7.0

    def test_earlier_timestamp_counts_as_the_latest_instant(self) -> None:
        ema = TimeEma(60.0)
        ema.update(T0, 1.0)
        ema.update(T0 + 10.0, 2.0)
        late = ema.update(T0 + 5.0, 3.0)
        reference = TimeEma(60.0)
        reference.update(T0, 1.0)
        assert late == reference.update(T0 + 10.0, 3.0)
        assert ema.seconds_seen == 10.0

    def test_seconds_seen_spans_first_to_latest(self) -> None:
        ema = TimeEma(60.0)
        feed_ema(ema, [(0.0, 1.0), (2.5, 1.0), (0.0, 1.0), (100.0, 1.0)])
        assert ema.seconds_seen == pytest.approx(102.5)

    def test_previous_is_the_average_before_the_latest_instant(self) -> None:
        ema = TimeEma(60.0 / math.log(2.0))  # 60 s keeps half the old average
        ema.update(T0, 4.0)
        assert ema.previous is None
        ema.update(T0 + 60.0, 2.0)  # (4 + 2) / 2
        assert ema.previous == 4.0
        ema.update(T0 + 60.0, 8.0)  # the same instant: (4 + 8) / 2, still against 4
        assert ema.value == pytest.approx(6.0)
        assert ema.previous == 4.0
        ema.update(T0 + 120.0, 0.0)
        assert ema.previous == pytest.approx(6.0)


def feed_vol(vol: EmaVolatility, samples: list[tuple[float, float]], t: float = T0) -> float:
    """Feeds (step, price) pairs at increasing times; returns the last volatility."""
    out = math.nan
    for step, price in samples:
        t += step
        out = vol.update(t, price)
    return out


class TestEmaVolatility:
    """How wild a token is, per √second, so moves can be judged against its usual noise."""

    def test_no_volatility_before_two_instants(self) -> None:
        vol = EmaVolatility(300.0)
        assert vol.value is None
        assert vol.update(T0, 1.0) == 0.0
        assert vol.update(T0, 2.0) == 0.0
        assert vol.value is None
        assert vol.seconds_seen == 0.0

    @pytest.mark.parametrize("window", [0.0, -5.0, math.inf])
    def test_window_must_be_positive_and_finite(self, window: float) -> None:
        with pytest.raises(ValueError, match="window_s"):
            EmaVolatility(window)

    @given(price=prices, window=windows, gaps=st.lists(steps, min_size=1, max_size=50))
    def test_constant_price_has_zero_volatility(
        self, price: float, window: float, gaps: list[float]
    ) -> None:
        vol = EmaVolatility(window)
        vol.update(T0, price)
        assert feed_vol(vol, [(g, price) for g in gaps]) == 0.0
        if end_time(gaps) > T0:
            assert vol.value == 0.0

    @pytest.mark.parametrize(("dt", "move"), [(1.0, 0.01), (4.0, 0.02), (0.25, 0.005)])
    def test_volatility_is_per_square_root_second(self, dt: float, move: float) -> None:
        # A zig-zag of ±move every dt seconds: each sample r²/dt is the same, so the
        # estimate is exactly move/√dt — 0.01 per √s in all three cases.
        vol = EmaVolatility(60.0)
        vol.update(T0, 1.0)
        price = 1.0
        out = 0.0
        for i in range(1, 400):
            price *= math.exp(move if i % 2 else -move)
            out = vol.update(T0 + i * dt, price)
        assert out == pytest.approx(0.01, rel=1e-9)

    @given(
        window=windows,
        samples=st.lists(st.tuples(steps, prices), min_size=1, max_size=60),
    )
    def test_volatility_is_finite_and_not_negative(
        self, window: float, samples: list[tuple[float, float]]
    ) -> None:
        vol = EmaVolatility(window)
        t = T0
        for step, price in samples:
            t += step
            out = vol.update(t, price)
            assert 0.0 <= out < math.inf

    def test_gap_volatility_is_the_gap_move_per_square_root_second(self) -> None:
        vol = EmaVolatility(60.0)
        vol.update(T0, 1.0)
        vol.update(T0 + 1.0, 1.0)
        out = vol.update(T0 + 1.0 + 3600.0, math.exp(0.6))
        assert out == pytest.approx(0.6 / math.sqrt(3600.0), rel=1e-12)

    def test_estimate_fades_after_calm_returns(self) -> None:
        vol = EmaVolatility(30.0)
        vol.update(T0, 1.0)
        jumped = vol.update(T0 + 1.0, 1.1)
        calm = feed_vol(vol, [(1.0, 1.1)] * 90, t=T0 + 1.0)
        assert calm == pytest.approx(jumped * math.exp(-90.0 / 60.0), rel=1e-9)

    @given(window=windows, first=prices, second=prices, third=prices, step=st.floats(0.01, 100))
    def test_same_instant_price_replaces_the_previous_one(
        self, window: float, first: float, second: float, third: float, step: float
    ) -> None:
        batched = EmaVolatility(window)
        batched.update(T0, 1.0)
        batched.update(T0 + 1.0, first)
        batched.update(T0 + 1.0 + step, second)
        out = batched.update(T0 + 1.0 + step, third)
        single = EmaVolatility(window)
        single.update(T0, 1.0)
        single.update(T0 + 1.0, first)
        assert out == single.update(T0 + 1.0 + step, third)

    def test_first_return_seeds_the_estimate(self) -> None:
        vol = EmaVolatility(300.0)
        vol.update(T0, 1.0)
        vol.update(T0, 2.0)  # replaces the first price
        assert vol.update(T0 + 4.0, 2.0 * math.exp(0.02)) == pytest.approx(0.01)
        assert vol.seconds_seen == 4.0


HALF = 60.0 / math.log(2.0)
"""A window over which a 60 s move has alpha = 1/2: hand-checkable averages."""


class TestEmaGrowth:
    """The growth rate of a pool's depth per second, averaged over market time."""

    def test_starts_at_zero_and_the_first_move_does_not_seed_it(self) -> None:
        growth = EmaGrowth(HALF)
        assert growth.value is None
        assert growth.update(T0, 100.0) == 0.0
        # ln(2) / 60 s per second, half absorbed: ln(2) / 120.
        assert growth.update(T0 + 60.0, 200.0) == pytest.approx(math.log(2.0) / 120.0)

    def test_same_instant_value_replaces_the_move(self) -> None:
        growth = EmaGrowth(HALF)
        growth.update(T0, 100.0)
        growth.update(T0 + 60.0, 400.0)
        # Against 100 still, not against 400: ln(0.5) / 60, half absorbed.
        assert growth.update(T0 + 60.0, 50.0) == pytest.approx(-math.log(2.0) / 120.0)

    def test_constant_quantity_has_zero_growth(self) -> None:
        growth = EmaGrowth(30.0)
        for i in range(50):
            assert growth.update(T0 + i * 3.0, 7.5) == 0.0

    @given(quiet=st.lists(st.floats(0.001, 5.0), max_size=40), dt=st.floats(0.001, 5.0))
    def test_a_jump_counts_by_its_size_not_by_the_spacing(
        self, quiet: list[float], dt: float
    ) -> None:
        # Ticks much closer together than the window: a doubling leaves about ln(2) / window,
        # however long the jump took and however the quiet ticks before it were spaced.
        growth = EmaGrowth(3600.0)
        t = T0
        growth.update(t, 1.0)
        for step in quiet:
            t += step
            growth.update(t, 1.0)
        jumped = growth.update(t + dt, 2.0)
        assert jumped == pytest.approx(math.log(2.0) / 3600.0, rel=1e-3)


class TestEmaUpShare:
    """The share of moves that went up, each weighed by the time it covers."""

    def test_starts_at_one_half(self) -> None:
        share = EmaUpShare(HALF)
        assert share.value is None
        assert share.update(T0, 1.0) == 0.5

    def test_rise_fall_and_flat_are_one_zero_and_half(self) -> None:
        share = EmaUpShare(HALF)
        share.update(T0, 1.0)
        assert share.update(T0 + 60.0, 2.0) == 0.75  # 1 + (0.5 − 1) / 2
        assert share.update(T0 + 120.0, 1.0) == 0.375  # 0 + (0.75 − 0) / 2
        assert share.update(T0 + 180.0, 1.0) == 0.4375  # 0.5 + (0.375 − 0.5) / 2

    def test_same_instant_value_replaces_the_move(self) -> None:
        share = EmaUpShare(HALF)
        share.update(T0, 1.0)
        share.update(T0 + 60.0, 2.0)
        assert share.update(T0 + 60.0, 0.5) == 0.25  # a fall from 1.0 instead of a rise

    @given(moves=st.lists(st.tuples(steps, prices), max_size=60))
    def test_stays_within_zero_and_one(self, moves: list[tuple[float, float]]) -> None:
        share = EmaUpShare(30.0)
        t = T0
        for step, price in moves:
            t += step
            assert 0.0 <= share.update(t, price) <= 1.0
