"""Provides EmaCross: buys when the fast EMA of candle closes crosses above the slow one.

The EMAs follow pandas' `ewm(span=n, adjust=False)`: seeded with the first close, then
`ema = ema + α · (close − ema)` with `α = 2 / (n + 1)`, one step per closed candle. So a
backtest here and a pandas or backtesting.py computation of the same spans on the same candles
see the same crossings.

Score: the gap between the EMAs in units of the token's typical candle move::

    gap   = ln(fast / slow)
    σ     = max(√(EMA over slow_span candles of r²), MIN_SIGMA)   # r: close-to-close log return
    score = 0.5 + 0.5 · tanh(SCORE_GAIN · gap / σ)                 # 0.5 exactly when they cross

Between closes the score previews the forming candle: the EMAs as they would be if the candle
closed at the latest price (no state changes; signals wait for the close).

Warm-up: no score and no signal until `slow_span` candles have closed. A gap of more than
`slow_span` candles discards the token's state and the warm-up starts again.

Signals, at a candle's close only: buy when not holding and fast moves from at or below slow
to above it; sell when holding and fast is below slow. The entry threshold the screen compares
scores with is therefore 0.5.
"""

from __future__ import annotations

from math import log, sqrt, tanh

from soltrader_tui.config.model import EmaCrossConfig
from soltrader_tui.domain import Candle, MarketTick, Side, Signal, Token
from soltrader_tui.strategies.base import ScoreReading
from soltrader_tui.strategies.candles import CandleBuilder

SCORE_GAIN = 0.5
"""tanh slope per σ of gap: a gap of one typical candle move scores 0.73, two score 0.88."""
_INF = float("inf")
MIN_SIGMA = 1e-4
"""Floor on σ (1 bp per candle), so a token that never moves does not score ±1 on rounding."""


class _TokenState:
    """What EmaCross knows about one token since its last (re)start."""

    __slots__ = ("candles", "close", "diff", "fast", "last_price", "last_ts", "slow", "var")

    def __init__(self, candle: Candle) -> None:
        self.fast = self.slow = self.close = self.last_price = candle.close
        self.var = 0.0
        self.diff = 0.0
        self.candles = 1
        self.last_ts = candle.ts


class EmaCross:
    """The EMA-cross strategy (see the module docstring)."""

    def __init__(self, config: EmaCrossConfig) -> None:
        """Creates the strategy with no token state.

        Args:
            config: Timeframe, spans and whether it may signal.
        """
        self.name = "ema_cross"
        self.enabled = config.enabled
        self.entry_threshold = 0.5
        self.timeframe_s: int | None = config.timeframe_s
        self.warmup_s = float((config.slow_span + 1) * config.timeframe_s)
        self._fast_span = config.fast_span
        self._slow_span = config.slow_span
        self._fast_a = 2.0 / (config.fast_span + 1)
        self._slow_a = 2.0 / (config.slow_span + 1)
        self._max_gap_s = config.slow_span * config.timeframe_s
        self._builder = CandleBuilder(config.timeframe_s)
        self._states: dict[str, _TokenState] = {}

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        """Builds candles from ticks; decides when a tick closes one (see the module doc)."""
        price = tick.price_usd
        if not 0.0 < price < _INF:  # also false for NaN
            return None
        closed = self._builder.add(tick)
        signal = None if closed is None else self.on_candle(tick.token, closed, holding)
        state = self._states.get(tick.token.mint)
        if state is not None:
            state.last_price = price
        return signal

    def on_candle(self, token: Token, candle: Candle, holding: bool) -> Signal | None:
        """Steps both EMAs and the volatility with the candle's close; signals on a cross."""
        close = candle.close
        if not 0.0 < close < _INF:
            return None
        mint = token.mint
        state = self._states.get(mint)
        ts = candle.ts
        if state is None or ts - state.last_ts > self._max_gap_s:
            self._states[mint] = _TokenState(candle)
            return None
        if ts <= state.last_ts:
            return None
        # Read into locals once: a backtest steps this 50,000 times (the same arithmetic).
        slow_a = self._slow_a
        r = log(close / state.close)
        state.var += slow_a * (r * r - state.var)
        fast = state.fast = state.fast + self._fast_a * (close - state.fast)
        slow = state.slow = state.slow + slow_a * (close - state.slow)
        state.close = state.last_price = close
        state.last_ts = ts
        candles = state.candles = state.candles + 1
        previous, diff = state.diff, fast - slow
        state.diff = diff
        if not self.enabled or candles <= self._slow_span:
            return None
        if holding:
            if diff < 0.0:
                return self._signal(token, "sell", state)
        elif previous <= 0.0 < diff:
            return self._signal(token, "buy", state)
        return None

    def score(self, mint: str) -> ScoreReading:
        """Returns the token's score and a reason like "EMA12/26 +0.42% (1.3σ) → 0.78"."""
        state = self._states.get(mint)
        if state is None:
            return ScoreReading(None, "no candles yet")
        if state.candles < self._slow_span:
            return ScoreReading(
                None, f"warming up {state.candles}/{self._slow_span} {self._timeframe} candles"
            )
        fast, slow = self._preview(state)
        z = self._z(state, fast, slow)
        score = 0.5 + 0.5 * tanh(SCORE_GAIN * z)
        pct = (fast / slow - 1.0) * 100.0
        spans = f"EMA{self._fast_span}/{self._slow_span}"
        return ScoreReading(score, f"{spans} {pct:+.2f}% ({z:+.1f}σ) → {score:.2f}")

    def forget(self, mint: str) -> None:
        """Drops the token's EMAs, volatility and forming candle."""
        self._states.pop(mint, None)
        self._builder.forget(mint)

    @property
    def _timeframe(self) -> str:
        return self._builder.label

    def _preview(self, state: _TokenState) -> tuple[float, float]:
        """The EMAs if the forming candle closed at the latest price."""
        price = state.last_price
        if price == state.close:
            return state.fast, state.slow
        return (
            state.fast + self._fast_a * (price - state.fast),
            state.slow + self._slow_a * (price - state.slow),
        )

    @staticmethod
    def _z(state: _TokenState, fast: float, slow: float) -> float:
        return log(fast / slow) / max(sqrt(state.var), MIN_SIGMA)

    def _signal(self, token: Token, side: Side, state: _TokenState) -> Signal:
        """Builds a signal with its reason; signals are rare, so the string is built here."""
        z = self._z(state, state.fast, state.slow)
        score = 0.5 + 0.5 * tanh(SCORE_GAIN * z)
        spans = f"EMA{self._fast_span}/{self._slow_span}"
        pct = (state.fast / state.slow - 1.0) * 100.0
        cross = "crossed above" if side == "buy" else "below"
        return Signal(token, self.name, side, score, f"{spans} fast {cross} slow, {pct:+.2f}%")
