"""Provides MeanReversion: buys a token stretched far below its moving average as it turns back.

Per token it keeps a time-aware moving average of the price and of its squared deviation
from that average, both with time constant `window_s` (see `indicators`), and scores each tick
against them as they stood before the tick's instant, the usual exponentially weighted
z-score::

    d     = ln(price / mean)                       # mean: the average before this instant
    σ     = max(√var, MIN_SIGMA)                    # var: the average of d² before this instant
    z     = d / σ                                  # the deviation in typical deviations
    score = 0.5 + 0.5 · tanh(−z / Z_SCALE)         # 0.5 at the mean, → 1 far below it

then feeds the price to the mean and d² to var (the first d² seeds var, so it does not start
at zero). Measured against the average *before* the tick, a sudden fall shows its full size
whatever the spacing of the ticks (candle closes included). A price that drifts steadily away
settles at |z| ≈ 1 (its deviation becomes the typical one), so only a fall faster than the
recent moves reaches z = −entry_z: the strategy buys sharp dips, not slow bleeds.

Warm-up: a token has no score until `window_s` of its market time has been seen and var has a
value from an earlier instant (three instants at least). A gap longer than `window_s` between
two of its ticks discards its state and the warm-up starts again. A tick older than the
token's latest is stale and ignored, as are non-positive and non-finite prices.

Signals (no signals while warming up or when disabled; the rules below run either way):

- *Arm*: a tick with z ≤ −entry_z arms a buy; while armed, `low` is the lowest price since.
- *Buy*: when armed, z < exit_z and ln(price / low) ≥ turn_z · σ (the price has come back up
  turn_z typical deviations from its low: it has turned, not merely fallen more slowly), the
  buy fires once and disarms; it is a Signal only when not holding. The turn is measured on the
  price, not on z: after a crash σ swells and z rises even while the price still falls.
- *Disarm*: a tick with z ≥ exit_z (the price is back) disarms without a buy.
- *Sell*: on every tick that a held token has z ≥ exit_z.

`entry_threshold`, the score the screen compares with, is the score at z = −entry_z
(0.88 for entry_z = 2): no buy is armed before a token scores that much.
"""

from __future__ import annotations

from math import exp, log, sqrt, tanh

from soltrader_tui import format as fmt
from soltrader_tui.config.model import MeanReversionConfig
from soltrader_tui.domain import Candle, MarketTick, Side, Signal, Token
from soltrader_tui.strategies.base import ScoreReading, close_tick
from soltrader_tui.strategies.indicators import TimeEma

Z_SCALE = 2.0
"""Deviations per unit of tanh: z = −2 scores 0.88, z = −1 scores 0.73, z = +2 scores 0.12."""
MIN_SIGMA = 1e-4
"""Floor on σ (1 basis point), so a token that has not moved does not turn a rounding-sized
tick into a huge z."""

_INF = float("inf")


def z_score_of(z: float) -> float:
    """The score of a z-score: 0.5 + 0.5 · tanh(−z / Z_SCALE)."""
    return 0.5 + 0.5 * tanh(-z / Z_SCALE)


class _TokenState:
    """What MeanReversion knows about one token since its last (re)start."""

    __slots__ = ("dev", "first_ts", "last_ts", "low", "mean", "price", "sigma", "z")

    def __init__(self, window_s: float, ts: float) -> None:
        self.mean = TimeEma(window_s)
        self.dev = TimeEma(window_s)
        self.first_ts = ts
        self.last_ts = ts
        self.price = 0.0
        self.z: float | None = None
        self.sigma = MIN_SIGMA
        """The typical deviation this tick's z was measured in."""
        self.low: float | None = None
        """The lowest price since a buy was armed; None when not armed."""


class MeanReversion:
    """The mean-reversion strategy: z-score against a moving average (see the module doc)."""

    def __init__(self, config: MeanReversionConfig) -> None:
        """Creates the strategy with no token state.

        Args:
            config: Window, z levels and whether it may signal.
        """
        self.name = "mean_reversion"
        self.enabled = config.enabled
        self.timeframe_s: int | None = None
        self.entry_threshold = z_score_of(-config.entry_z)
        self.warmup_s = float(config.window_s)
        self._window_s = config.window_s
        self._entry_z = config.entry_z
        self._turn_z = config.turn_z
        self._exit_z = config.exit_z
        self._states: dict[str, _TokenState] = {}

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        """Updates the token's average and deviation and says whether to trade it.

        Args:
            tick: The token's latest price; non-positive or non-finite prices are ignored.
            holding: Whether a position in the token is open.

        Returns:
            A buy Signal on a turn back from a stretch below the mean when not holding, a sell
            Signal while a held token's z is at or above `exit_z`, otherwise None.
        """
        price = tick.price_usd
        if not 0.0 < price < _INF:  # also false for NaN
            return None
        ts = tick.ts
        state = self._states.get(tick.token.mint)
        if state is None or ts - state.last_ts > self._window_s:
            state = self._states[tick.token.mint] = _TokenState(self._window_s, ts)
        elif ts < state.last_ts:
            return None
        state.last_ts = ts
        state.price = price
        state.mean.update(ts, price)
        mean = state.mean.previous
        if mean is None:
            return None  # the token's first instant: nothing to deviate from yet
        d = log(price / mean)
        state.dev.update(ts, d * d)
        var = state.dev.previous
        if var is None or ts - state.first_ts < self._window_s:
            return None
        sigma = state.sigma = max(sqrt(var), MIN_SIGMA)
        z = state.z = d / sigma
        turned = self._step_arming(state, z, price, sigma)
        if not self.enabled:
            return None
        if holding:
            if z >= self._exit_z:
                return self._signal(tick.token, "sell", state)
        elif turned is not None:
            return self._signal(tick.token, "buy", state, turned)
        return None

    def _step_arming(
        self, state: _TokenState, z: float, price: float, sigma: float
    ) -> float | None:
        """Applies the arm, buy and disarm rules; returns the low a buy turned from, or None."""
        low = state.low
        if z >= self._exit_z:
            state.low = None
        elif low is not None:
            if log(price / low) >= self._turn_z * sigma:
                state.low = None
                return low
            if price < low:
                state.low = price
        elif z <= -self._entry_z:
            state.low = price
        return None

    def on_candle(self, token: Token, candle: Candle, holding: bool) -> Signal | None:
        """Sees a closed candle as one tick: its close, at its close time."""
        return self.on_tick(close_tick(token, candle), holding)

    def score(self, mint: str) -> ScoreReading:
        """Returns the token's current score and a one-line reason, built now.

        The reason reads "price -3.10% vs 600s mean, z -2.4 → 0.92", followed by
        ", armed: low $0.9650, buys from $0.9712" while a buy is armed, or "warming up 120/600 s"
        or "no prices yet".

        Args:
            mint: The token's mint address.
        """
        state = self._states.get(mint)
        if state is None:
            return ScoreReading(None, "no prices yet")
        z = state.z
        if z is None:
            seen = state.last_ts - state.first_ts
            return ScoreReading(None, f"warming up {seen:.0f}/{self._window_s:g} s")
        score = z_score_of(z)
        reason = f"{self._deviation(state)}, z {z:+.1f} → {score:.2f}"
        if state.low is not None:
            # The σ of the next tick's z: the deviation average as it stands now.
            sigma = max(sqrt(state.dev.value or 0.0), MIN_SIGMA)
            above = state.low * exp(self._turn_z * sigma)
            reason += f", armed: low {fmt.price(state.low)}, buys from {fmt.price(above)}"
        return ScoreReading(score, reason)

    def forget(self, mint: str) -> None:
        """Drops the token's average, deviation, arming and score.

        Args:
            mint: The token's mint address; unknown mints are ignored.
        """
        self._states.pop(mint, None)

    def _deviation(self, state: _TokenState) -> str:
        mean = state.mean.value or state.price
        pct = (state.price / mean - 1.0) * 100.0
        return f"price {pct:+.2f}% vs {self._window_s:g}s mean"

    def _signal(
        self, token: Token, side: Side, state: _TokenState, low: float | None = None
    ) -> Signal:
        """Builds a signal with its reason; signals are rare, so the string is built here."""
        z = state.z if state.z is not None else 0.0
        if low is not None:
            bounce = (state.price / low - 1.0) * 100.0
            armed = f"z ≤ −{self._entry_z:g}"
            rule = f"z {z:+.1f}, {bounce:+.2f}% off its low {fmt.price(low)} after {armed}"
        else:
            rule = f"z {z:+.1f} ≥ {self._exit_z:g}"
        return Signal(token, self.name, side, z_score_of(z), f"{self._deviation(state)}, {rule}")
