"""Provides walk_forward: rolling windows that tune in sample and judge out of sample.

The data's span is cut into `count + train_ratio` equal units of candles. Window k tunes on
`train_ratio` units starting k units in, then trades the unit right after them; the next
window rolls one unit on. So the out-of-sample units follow each other without overlap and
together cover the data's last `count` units, and no window's tuning sees a candle at or after
its own out-of-sample start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """One walk-forward step, as candle open times: tune on [train_from, test_from), trade
    [test_from, test_to)."""

    train_from: float
    test_from: float
    test_to: float


class NotEnoughData(ValueError):
    """The data is too short for the windows asked for; the message says how short."""


def walk_forward(
    first_ts: float, end_ts: float, interval_s: float, *, count: int, train_ratio: float
) -> list[Window]:
    """Cuts [first_ts, end_ts) into walk-forward windows on the candle grid.

    Args:
        first_ts: Open time of the first candle.
        end_ts: End of the data: the last candle's close time.
        interval_s: Candle length.
        count: Windows wanted.
        train_ratio: In-sample length as a multiple of the out-of-sample length.

    Raises:
        NotEnoughData: an out-of-sample stretch would hold fewer than one candle.
    """
    candles = round((end_ts - first_ts) / interval_s)
    unit = math.floor(candles / (count + train_ratio))
    train = math.floor(unit * train_ratio)
    if unit < 1 or train < 1:
        raise NotEnoughData(
            f"{candles} candles cannot make {count} walk-forward windows with in-sample "
            f"{train_ratio:g}× out-of-sample; give more data or fewer windows"
        )
    start = end_ts - (count * unit + train) * interval_s  # the last unit ends at the data's end
    return [
        Window(
            train_from=start + k * unit * interval_s,
            test_from=start + (k * unit + train) * interval_s,
            test_to=start + ((k + 1) * unit + train) * interval_s,
        )
        for k in range(count)
    ]
