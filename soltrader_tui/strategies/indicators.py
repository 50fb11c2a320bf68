"""Provides time-aware incremental indicators: averages of a price, its volatility and its moves.

Ticks arrive at irregular times and replays have gaps, so each sample is weighed by the
market time it covers, not by its count: with `dt` seconds since the previous sample the
smoothing factor is `alpha = 1 − exp(−dt / window_s)`. Over a stretch of constant input this
is exact whatever the spacing: one update across 10 s equals ten updates 1 s apart, and
across a gap many windows long the average simply becomes the new value.

Several samples stamped with the same instant (a feed delivering a batch) count once, with
the latest value: each indicator keeps its state from before the current instant, so a
same-instant sample replaces the previous one instead of being averaged in twice. A sample
stamped earlier than the latest one is treated the same way, since time never runs
backwards inside an indicator.

Every update is O(1) and keeps only a fixed set of floats in a slotted object, so the
engine can run them on every tick of every token.
"""

from __future__ import annotations

from math import exp, log, sqrt


def _check_window(window_s: float) -> None:
    # `not >` also rejects NaN.
    if not 0.0 < window_s < float("inf"):
        raise ValueError(f"window_s must be a positive number of seconds, got {window_s}")


class TimeEma:
    """Exponential moving average over market time, with time constant `window_s`.

    A sample `dt` seconds after the previous one moves the average by
    `alpha = 1 − exp(−dt / window_s)` of the way toward it.
    """

    __slots__ = ("_base", "_first_ts", "_keep", "_last_ts", "_started", "_value", "window_s")

    def __init__(self, window_s: float) -> None:
        """Creates an empty average.

        Args:
            window_s: Time constant, market seconds; after this long a step in the input
                is 1 − 1/e ≈ 63% absorbed.

        Raises:
            ValueError: If `window_s` is not a positive finite number.
        """
        _check_window(window_s)
        self.window_s = window_s
        self._started = False
        self._first_ts = 0.0
        self._last_ts = 0.0
        self._value = 0.0
        # The average before the current instant's sample, and the share of it that survives
        # (exp(−dt / window_s)): kept so that a later sample at the same instant can replace it.
        self._base = 0.0
        self._keep = 0.0

    def update(self, ts: float, value: float) -> float:
        """Feeds one sample and returns the new average.

        Args:
            ts: Market time of the sample, unix seconds.
            value: The sample.

        Returns:
            The average including this sample (the sample itself, the first time).
        """
        if not self._started:
            self._started = True
            self._first_ts = self._last_ts = ts
            self._value = value
            return value
        if ts > self._last_ts:
            self._keep = exp((self._last_ts - ts) / self.window_s)
            self._base = self._value
            self._last_ts = ts
        elif self._last_ts == self._first_ts:
            # Still at the first instant: the replacement is the new first sample.
            self._value = value
            return value
        # Written as "the sample plus what is kept of the old average" so that after a long
        # gap (keep == 0.0) the result is the sample exactly, even beside much larger values.
        averaged = value + self._keep * (self._base - value)
        self._value = averaged
        return averaged

    @property
    def value(self) -> float | None:
        """The current average; None before the first sample."""
        return self._value if self._started else None

    @property
    def previous(self) -> float | None:
        """The average before the latest instant's sample; None until a second instant."""
        return self._base if self._last_ts > self._first_ts else None

    @property
    def seconds_seen(self) -> float:
        """Market seconds from the first sample to the latest (0.0 before any)."""
        return self._last_ts - self._first_ts


class EmaVolatility:
    """Volatility of log returns per √second, from a time-aware EMA of squared returns.

    A return `r = ln(p / p_prev)` over `dt` seconds is one sample `r² / dt` of the variance
    rate (variance per second). The samples are averaged with
    `alpha = 1 − exp(−dt / window_s)`: for ticks much closer together than the window this
    tends to `Σ r² / window_s`, the realised variance per second of roughly the last
    `window_s` seconds, and across a gap it becomes the gap's own `r² / dt`. The first return
    seeds the average, so it is not biased toward zero at the start. The volatility is the
    square root: a price moving `v · √T` in log terms over `T` seconds has volatility `v`.
    """

    __slots__ = (
        "_anchor_price",
        "_base_var",
        "_dt",
        "_first_ts",
        "_has_return",
        "_keep",
        "_last_ts",
        "_price",
        "_started",
        "_var",
        "window_s",
    )

    def __init__(self, window_s: float) -> None:
        """Creates an empty estimate.

        Args:
            window_s: Time constant of the average of squared returns, market seconds.

        Raises:
            ValueError: If `window_s` is not a positive finite number.
        """
        _check_window(window_s)
        self.window_s = window_s
        self._started = False
        self._has_return = False
        self._first_ts = 0.0
        self._last_ts = 0.0
        self._price = 0.0
        self._var = 0.0
        # State from before the current instant (see the module docstring): the price at the
        # previous instant, the variance rate then, the current return's span, and the share of
        # the old variance rate that survives it (exp(−dt / window_s)).
        self._anchor_price = 0.0
        self._base_var = 0.0
        self._dt = 0.0
        self._keep = 0.0

    def update(self, ts: float, price: float) -> float:
        """Feeds one price and returns the new volatility.

        Args:
            ts: Market time of the price, unix seconds.
            price: The price; must be positive and finite (returns are logarithmic).

        Returns:
            Volatility of log returns per √second; 0.0 until a second instant is seen.
        """
        if not self._started:
            self._started = True
            self._first_ts = self._last_ts = ts
            self._price = price
            return 0.0
        if ts > self._last_ts:
            dt = ts - self._last_ts
            if self._has_return:
                self._base_var = self._var
                self._keep = exp(-dt / self.window_s)
            else:
                # The first return: nothing of the (empty) old average is kept, so it seeds it.
                self._has_return = True
            self._dt = dt
            self._anchor_price = self._price
            self._last_ts = ts
        self._price = price
        if not self._has_return:
            return 0.0
        r = log(price / self._anchor_price)
        sample = r * r / self._dt
        # A convex mix of non-negative numbers, written so that rounding cannot take it below
        # zero (sqrt stays safe) and a long gap (keep == 0.0) gives the gap's own sample.
        var = sample + self._keep * (self._base_var - sample)
        self._var = var
        return sqrt(var)

    @property
    def value(self) -> float | None:
        """The current volatility per √second; None until two instants have been seen."""
        return sqrt(self._var) if self._has_return else None

    @property
    def seconds_seen(self) -> float:
        """Market seconds from the first price to the latest (0.0 before any)."""
        return self._last_ts - self._first_ts


class _Moves:
    """Where a quantity stood at its previous instant, so that each instant's move is known.

    A later value at the same instant is compared with the same anchor over the same `dt`, and
    so replaces that instant's move (see the module docstring).
    """

    __slots__ = ("_last_ts", "_latest", "_started", "anchor", "dt")

    def __init__(self) -> None:
        self._started = False
        self._last_ts = 0.0
        self._latest = 0.0
        self.anchor = 0.0
        """The value at the previous instant; meaningful once `dt` is positive."""
        self.dt = 0.0
        """Seconds from the previous instant to the current one; 0.0 until a second instant."""

    def step(self, ts: float, value: float) -> bool:
        """Takes one value; returns whether there is a move (a previous instant) to sample."""
        if not self._started:
            self._started = True
            self._last_ts = ts
        elif ts > self._last_ts:
            self.anchor = self._latest
            self.dt = ts - self._last_ts
            self._last_ts = ts
        self._latest = value
        return self.dt > 0.0


class EmaGrowth:
    """Growth rate of a positive quantity, per second, averaged over market time.

    A move from `x_prev` to `x` over `dt` seconds is one sample `ln(x / x_prev) / dt`, averaged
    with `alpha = 1 − exp(−dt / window_s)`. For values much closer together than the window the
    average tends to `ln(x_now / x_then) / window_s`, the log growth of roughly the last
    `window_s` seconds spread over the window, so a jump counts by its size whatever the spacing
    of the values. It starts at 0 (no growth): the first move does not seed it.
    """

    __slots__ = ("_ema", "_moves")

    def __init__(self, window_s: float) -> None:
        """Creates an empty average.

        Raises:
            ValueError: If `window_s` is not a positive finite number.
        """
        self._ema = TimeEma(window_s)
        self._moves = _Moves()

    def update(self, ts: float, value: float) -> float:
        """Feeds one value (positive and finite) at `ts`; returns the growth rate per second."""
        moves = self._moves
        if moves.step(ts, value):
            return self._ema.update(ts, log(value / moves.anchor) / moves.dt)
        return self._ema.update(ts, 0.0)

    @property
    def value(self) -> float | None:
        """The current growth rate per second; None before the first value."""
        return self._ema.value


class EmaUpShare:
    """Share of moves that went up, averaged over market time: each move weighs its duration.

    A rise is the sample 1, a fall 0, an unchanged value 0.5 (neither side won), averaged with
    `alpha = 1 − exp(−dt / window_s)`. It starts at 0.5, so a quantity that never moves stays at
    0.5, and one rise after a long quiet stretch lifts it by half of that move's `alpha`.
    """

    __slots__ = ("_ema", "_moves")

    def __init__(self, window_s: float) -> None:
        """Creates an empty average.

        Raises:
            ValueError: If `window_s` is not a positive finite number.
        """
        self._ema = TimeEma(window_s)
        self._moves = _Moves()

    def update(self, ts: float, value: float) -> float:
        """Feeds one value at `ts`; returns the share of up-moves, in [0, 1]."""
        moves = self._moves
        if not moves.step(ts, value):
            return self._ema.update(ts, 0.5)
        anchor = moves.anchor
        sample = 1.0 if value > anchor else 0.0 if value < anchor else 0.5
        return self._ema.update(ts, sample)

    @property
    def value(self) -> float | None:
        """The current share of up-moves; None before the first value."""
        return self._ema.value
