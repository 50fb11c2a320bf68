"""Tests the walk-forward windows: ordered, adjacent, inside the data, and blind to the future."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.backtest.walkforward import NotEnoughData, walk_forward

T0 = 1_735_689_600.0


@given(
    candles=st.integers(10, 50_000),
    interval=st.sampled_from([60.0, 300.0, 3600.0]),
    count=st.integers(1, 12),
    ratio=st.floats(0.25, 8.0),
)
def test_windows_never_see_future_data(
    candles: int, interval: float, count: int, ratio: float
) -> None:
    end = T0 + candles * interval
    try:
        windows = walk_forward(T0, end, interval, count=count, train_ratio=ratio)
    except NotEnoughData:
        unit = math.floor(candles / (count + ratio))
        assert unit < 1 or math.floor(unit * ratio) < 1, "refused only when a stretch is empty"
        return
    assert len(windows) == count
    for w in windows:
        # Tuning sees [train_from, test_from), trading [test_from, test_to): never the reverse.
        assert T0 <= w.train_from < w.test_from < w.test_to <= end
        for edge in (w.train_from, w.test_from, w.test_to):
            assert (edge - T0) % interval == 0, "windows cut on the candle grid"
    for a, b in itertools.pairwise(windows):
        assert a.test_to == b.test_from, "out-of-sample stretches follow each other"
        assert b.train_from > a.train_from
        assert a.test_to > b.train_from or ratio < 1, "in-sample stretches roll forward"
    assert windows[-1].test_to == end, "the last window ends with the data"
    lengths = {round(w.test_to - w.test_from) for w in windows}
    assert len(lengths) == 1, "every out-of-sample stretch is as long"


def test_too_little_data_is_refused_with_the_numbers() -> None:
    with pytest.raises(NotEnoughData, match="5 candles cannot make 4 walk-forward windows"):
        walk_forward(T0, T0 + 5 * 300, 300.0, count=4, train_ratio=3.0)
