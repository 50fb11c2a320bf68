"""Provides Momentum: buys tokens whose short-term trend outruns their longer-term trend.

Per token it keeps a fast and a slow time-aware moving average of the price and a volatility
estimate, and turns them into a score in [0, 1]::

    trend = ln(fast / slow)                            # > 0 when the recent price is higher
    σ     = max(vol · √fast_window_s, MIN_FAST_SIGMA)  # typical log move over the fast window
    z     = trend / σ                                  # the trend in units of that move
    score = 1 / (1 + exp(−SCORE_GAIN · z))             # logistic: 0.5 neutral, → 1 up, → 0 down

`vol` is the token's volatility of log returns per √second, averaged over `slow_window_s`
(a calm baseline that the move being scored barely shifts). Dividing by it makes the same
percentage move count for more on a calm token than on a wild one.

Warm-up: a token has no score until `slow_window_s` of its market time has been seen. A gap
longer than `slow_window_s` between two of its ticks (replays have gaps) discards its state
and the warm-up starts again. A tick older than the token's latest is stale and ignored.

Signals: buy when not holding and the score crosses up through `entry_threshold` from one tick
to the next (the first score after a warm-up is not a crossing); sell on every tick that a
held token scores below `exit_threshold`. No signals while warming up or when disabled.
"""

from __future__ import annotations

from math import log, sqrt, tanh

from soltrader_tui.config.model import MomentumConfig
from soltrader_tui.domain import Candle, MarketTick, Side, Signal, Token
from soltrader_tui.strategies.base import ScoreReading, close_tick
from soltrader_tui.strategies.indicators import EmaVolatility, TimeEma

SCORE_GAIN = 0.6
"""Logistic slope per σ of trend. With it the default entry threshold 0.75 needs a trend of
+1.83σ and the default exit threshold 0.35 is a trend below −1.03σ."""

MIN_FAST_SIGMA = 1e-4
"""Floor on σ (1 basis point over the fast window): a token that has not moved for a long time
would otherwise turn a rounding-sized tick into a huge z, and moves that small are far below
trading fees anyway."""

_HALF_GAIN = SCORE_GAIN / 2.0
_INF = float("inf")


class _TokenState:
    """What Momentum knows about one token since its last (re)start."""

    __slots__ = ("fast", "first_ts", "last_ts", "score", "slow", "vol")

    def __init__(self, fast_s: float, slow_s: float, ts: float) -> None:
        self.fast = TimeEma(fast_s)
        self.slow = TimeEma(slow_s)
        self.vol = EmaVolatility(slow_s)
        self.first_ts = ts
        self.last_ts = ts
        self.score: float | None = None


class Momentum:
    """The momentum strategy: fast-vs-slow trend, normalised by volatility (see module doc)."""

    def __init__(self, config: MomentumConfig) -> None:
        """Creates the strategy with no token state.

        Args:
            config: Windows, thresholds and whether it may signal.
        """
        self.name = "momentum"
        self.enabled = config.enabled
        self._fast_s = config.fast_window_s
        self._slow_s = config.slow_window_s
        self._sqrt_fast = sqrt(config.fast_window_s)
        self._entry = self.entry_threshold = config.entry_threshold
        self.timeframe_s: int | None = None
        self.warmup_s = float(config.slow_window_s)
        self._exit = config.exit_threshold
        self._states: dict[str, _TokenState] = {}

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        """Updates the token's averages and volatility and says whether to trade it.

        Args:
            tick: The token's latest price; non-positive or non-finite prices are ignored.
            holding: Whether a position in the token is open.

        Returns:
            A buy Signal on an upward crossing of the entry threshold when not holding, a sell
            Signal while a held token scores below the exit threshold, otherwise None.
        """
        price = tick.price_usd
        if not 0.0 < price < _INF:  # also false for NaN
            return None
        ts = tick.ts
        mint = tick.token.mint
        state = self._states.get(mint)
        if state is None or ts - state.last_ts > self._slow_s:
            state = self._states[mint] = _TokenState(self._fast_s, self._slow_s, ts)
        elif ts < state.last_ts:
            return None
        state.last_ts = ts
        fast = state.fast.update(ts, price)
        slow = state.slow.update(ts, price)
        sigma = state.vol.update(ts, price) * self._sqrt_fast
        if ts - state.first_ts < self._slow_s:
            return None
        if sigma < MIN_FAST_SIGMA:
            sigma = MIN_FAST_SIGMA
        # Logistic through tanh, which cannot overflow for any z.
        score = 0.5 + 0.5 * tanh(_HALF_GAIN * log(fast / slow) / sigma)
        previous = state.score
        state.score = score
        if not self.enabled:
            return None
        if holding:
            if score < self._exit:
                return self._signal(tick.token, "sell", state, score)
        elif previous is not None and previous < self._entry <= score:
            return self._signal(tick.token, "buy", state, score)
        return None

    def on_candle(self, token: Token, candle: Candle, holding: bool) -> Signal | None:
        """Sees a closed candle as one tick: its close, at its close time."""
        return self.on_tick(close_tick(token, candle), holding)

    def score(self, mint: str) -> ScoreReading:
        """Returns the token's current score and a one-line reason, built now.

        The reason reads "fast/slow +1.8% over 60s/300s, 2.1σ → 0.78",
        "warming 120 s / 300 s" or "no prices yet".

        Args:
            mint: The token's mint address.
        """
        state = self._states.get(mint)
        if state is None:
            return ScoreReading(None, "no prices yet")
        if state.score is None:
            seen = state.last_ts - state.first_ts
            return ScoreReading(None, f"warming {seen:.0f} s / {self._slow_s:g} s")
        pct, z = self._trend(state)
        windows = f"{self._fast_s:g}s/{self._slow_s:g}s"
        reason = f"fast/slow {_pct(pct)} over {windows}, {z:.1f}σ → {state.score:.2f}"
        return ScoreReading(state.score, reason)

    def forget(self, mint: str) -> None:
        """Drops the token's averages, volatility and score.

        Args:
            mint: The token's mint address; unknown mints are ignored.
        """
        self._states.pop(mint, None)

    def _trend(self, state: _TokenState) -> tuple[float, float]:
        """Returns the fast/slow gap in percent and in σ, recomputed from the indicators."""
        fast = state.fast.value
        slow = state.slow.value
        vol = state.vol.value
        if fast is None or slow is None:
            return 0.0, 0.0
        sigma = max((vol or 0.0) * self._sqrt_fast, MIN_FAST_SIGMA)
        return (fast / slow - 1.0) * 100.0, log(fast / slow) / sigma

    def _signal(self, token: Token, side: Side, state: _TokenState, score: float) -> Signal:
        """Builds a signal with its reason; signals are rare, so the string is built here."""
        pct, z = self._trend(state)
        if side == "buy":
            rule = f"score {score:.2f} ≥ {self._entry:g}"
        else:
            rule = f"score {score:.2f} < {self._exit:g}"
        return Signal(token, self.name, side, score, f"fast/slow {_pct(pct)} ({z:.1f}σ), {rule}")


def _pct(pct: float) -> str:
    """Formats a signed percentage with two decimals below 1% so small trends stay visible."""
    return f"{pct:+.1f}%" if abs(pct) >= 1.0 else f"{pct:+.2f}%"
