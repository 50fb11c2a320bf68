"""Provides Breakout: buys a close above the Donchian channel, confirmed by volume or liquidity.

A candle strategy (see `base`). At the close of candle `j` (keys on the timeframe's grid)::

    high  = highest high of candles j−N … j−1      # N = entry_candles (the entry channel)
    low   = lowest low of candles j−N … j−1
    exit  = lowest low of candles j−M … j−1        # M = exit_candles ≤ N (the exit channel)

kept by monotonic deques (`sliding.SlidingExtreme`), O(1) amortised per candle. A missing
candle leaves a hole in the window rather than stretching it.

Filter ratio `r`, chosen by what the candle carries:

- *volume* when the candle's volume is known (> 0, recorded candles) and an average exists:
  ``r = volume / (volume_factor × avg_volume)``;
- else *liquidity* when the pool's depth is known (> 0, candles built from ticks):
  ``r = min(liquidity / min_liquidity_usd, liquidity / avg_liquidity)``: deep enough, and
  not shrinking (a pool being drained, a rug, fails it even as the price spikes);
- else no filter can pass: ``r = 0``.

`avg_volume` and `avg_liquidity` are EMAs with span N (α = 2 / (N + 1)) of the previous
candles' known volumes and depths, seeded with the first. The filter passes when `r ≥ 1`.

Score::

    position = (close − low) / (high − low), clamped to [0, 1]   # 1 at or above the high
    score    = 0.5 · position + 0.5 · r / (1 + r)                # r / (1 + r) = 0.5 at r = 1

(a flat channel, high = low, has position 1 above it, 0 below, 0.5 on it). Between closes the
score previews the forming candle at the latest tick: its price and pool depth against the
channel of the last N closed candles and the current averages (a forming candle's volume is
never known). Right after a candle is fed (a backtest), the score is that candle's decision.

Signals, at a candle's close only: buy when not holding, close > high and the filter passes;
sell when holding and close < exit (after a gap of M periods or more the exit channel holds no
candle and sells nothing: the risk rules' stops still apply). A buy therefore needs position 1
and r ≥ 1, a score of at least 0.75: the `entry_threshold` the screen compares with (the
converse does not hold).

Warm-up: no score until N candles have closed, and no signal before the (N + 1)-th, whose
channel is full. When more than N candle periods separate two candles (the earlier one would
have left the channel), the token's state is discarded and the warm-up starts again. A candle
no later than the token's last one is ignored, as are non-positive and non-finite prices.
"""

from __future__ import annotations

from math import inf

from soltrader_tui import format as fmt
from soltrader_tui.config.model import BreakoutConfig
from soltrader_tui.domain import Candle, MarketTick, Side, Signal, Token
from soltrader_tui.strategies.base import ScoreReading
from soltrader_tui.strategies.candles import CandleBuilder
from soltrader_tui.strategies.sliding import SlidingExtreme

ENTRY_SCORE = 0.75
"""The least score of a buy: at the channel's top (0.5) with the filter just passing (0.25)."""


class _Inputs:
    """What a reading is computed from: a price against a channel, and the filter's inputs."""

    __slots__ = ("high", "liq_avg", "liquidity", "low", "price", "vol_avg", "volume")

    def __init__(self) -> None:
        self.price = self.high = self.low = 0.0
        self.volume = self.liquidity = 0.0
        self.vol_avg: float | None = None
        self.liq_avg: float | None = None


class _TokenState:
    """What Breakout knows about one token since its last (re)start."""

    __slots__ = (
        "candles",
        "decided",
        "exit_lows",
        "highs",
        "key",
        "liq_avg",
        "liquidity",
        "lows",
        "price",
        "vol_avg",
    )

    def __init__(self, entry: int, exit_: int, key: int) -> None:
        self.highs = SlidingExtreme(entry, highest=True)
        self.lows = SlidingExtreme(entry, highest=False)
        self.exit_lows = SlidingExtreme(exit_, highest=False)
        self.vol_avg: float | None = None
        self.liq_avg: float | None = None
        self.candles = 0
        self.key = key
        self.price = 0.0
        self.liquidity = 0.0
        self.decided: _Inputs | None = None
        """The last closed candle's decision inputs; None once a later tick previews."""


class Breakout:
    """The Donchian breakout strategy (see the module docstring)."""

    def __init__(self, config: BreakoutConfig) -> None:
        """Creates the strategy with no token state.

        Args:
            config: Timeframe, channels, filter and whether it may signal.
        """
        self.name = "breakout"
        self.enabled = config.enabled
        self.entry_threshold = ENTRY_SCORE
        self.timeframe_s: int | None = config.timeframe_s
        # One candle more than the channel: the first candle seen may be cut short.
        self.warmup_s = float((config.entry_candles + 1) * config.timeframe_s)
        self._entry = config.entry_candles
        self._exit = config.exit_candles
        self._alpha = 2.0 / (config.entry_candles + 1)
        self._factor = config.volume_factor
        self._floor = config.min_liquidity_usd
        self._builder = CandleBuilder(config.timeframe_s)
        self._states: dict[str, _TokenState] = {}

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        """Builds candles from ticks; decides when a tick closes one (see the module doc)."""
        price = tick.price_usd
        if not 0.0 < price < inf:  # also false for NaN
            return None
        closed = self._builder.add(tick)
        signal = None if closed is None else self.on_candle(tick.token, closed, holding)
        state = self._states.get(tick.token.mint)
        if state is not None:
            state.price = price
            state.liquidity = tick.liquidity_usd
            state.decided = None
        return signal

    def on_candle(self, token: Token, candle: Candle, holding: bool) -> Signal | None:
        """Compares the close with the channels of the previous candles, then adds the candle."""
        close = candle.close
        if not 0.0 < close < inf:
            return None
        key = int(candle.ts // self._builder.timeframe_s)
        state = self._states.get(token.mint)
        if state is None or key - state.key > self._entry:
            state = self._states[token.mint] = _TokenState(self._entry, self._exit, key)
        elif key <= state.key:
            return None
        inputs = self._inputs(state, key - 1, close, candle.volume, candle.liquidity_usd)
        signal = None
        if self.enabled and state.candles >= self._entry:
            if holding:
                exit_low = state.exit_lows.extreme(key - 1)
                if exit_low is not None and close < exit_low:
                    signal = self._signal(token, "sell", inputs, exit_low)
            elif close > inputs.high and self._ratio(inputs) >= 1.0:
                signal = self._signal(token, "buy", inputs, inputs.high)
        self._add(state, key, candle)
        state.decided = inputs
        return signal

    def _inputs(
        self, state: _TokenState, last_key: int, price: float, volume: float, liquidity: float
    ) -> _Inputs:
        """The inputs of a reading at `price` against the channel ending at `last_key`."""
        inputs = _Inputs()
        inputs.price = price
        # An empty channel (a token's first candle) is the price itself: a flat channel.
        high = state.highs.extreme(last_key)
        low = state.lows.extreme(last_key)
        inputs.high = price if high is None else high
        inputs.low = price if low is None else low
        inputs.volume = volume
        inputs.liquidity = liquidity
        inputs.vol_avg = state.vol_avg
        inputs.liq_avg = state.liq_avg
        return inputs

    def _add(self, state: _TokenState, key: int, candle: Candle) -> None:
        """Puts a closed candle into the channels and the averages."""
        state.highs.push(key, candle.high)
        state.lows.push(key, candle.low)
        state.exit_lows.push(key, candle.low)
        a = self._alpha
        volume, liquidity = candle.volume, candle.liquidity_usd
        if 0.0 < volume < inf:
            avg = state.vol_avg
            state.vol_avg = volume if avg is None else avg + a * (volume - avg)
        if 0.0 < liquidity < inf:
            avg = state.liq_avg
            state.liq_avg = liquidity if avg is None else avg + a * (liquidity - avg)
        state.key = key
        state.candles += 1
        state.price = candle.close
        state.liquidity = liquidity

    def _ratio(self, inputs: _Inputs) -> float:
        """The filter ratio `r` (see the module docstring); the filter passes at r ≥ 1."""
        if 0.0 < inputs.volume < inf and inputs.vol_avg is not None:
            return inputs.volume / (self._factor * inputs.vol_avg)
        liquidity = inputs.liquidity
        if 0.0 < liquidity < inf:
            ratio = liquidity / self._floor
            if inputs.liq_avg is not None:
                ratio = min(ratio, liquidity / inputs.liq_avg)
            return ratio
        return 0.0

    def _score(self, inputs: _Inputs) -> float:
        width = inputs.high - inputs.low
        above = inputs.price - inputs.low
        if width > 0.0:
            position = min(1.0, max(0.0, above / width))
        else:
            position = 1.0 if above > 0.0 else 0.0 if above < 0.0 else 0.5
        r = self._ratio(inputs)
        return 0.5 * position + 0.5 * r / (1.0 + r)

    def score(self, mint: str) -> ScoreReading:
        """Returns the token's score and a reason like
        "close $101.2 vs 20-candle high $100.8, volume 2.3× avg → 0.80"."""
        state = self._states.get(mint)
        if state is None:
            return ScoreReading(None, "no candles yet")
        if state.candles < self._entry:
            return ScoreReading(
                None, f"warming up {state.candles}/{self._entry} {self._timeframe} candles"
            )
        inputs = state.decided
        what = "close"
        if inputs is None:
            what = "price"
            inputs = self._inputs(state, state.key, state.price, 0.0, state.liquidity)
        score = self._score(inputs)
        channel = f"{self._entry}-candle high {fmt.price(inputs.high)}"
        reason = f"{what} {fmt.price(inputs.price)} vs {channel}, {self._filter_text(inputs)}"
        return ScoreReading(score, f"{reason} → {score:.2f}")

    def forget(self, mint: str) -> None:
        """Drops the token's channels, averages and forming candle."""
        self._states.pop(mint, None)
        self._builder.forget(mint)

    @property
    def _timeframe(self) -> str:
        return self._builder.label

    def _filter_text(self, inputs: _Inputs) -> str:
        """The filter's inputs in words: "volume 2.3× avg" or "pool $25,310 (1.02× avg)"."""
        if 0.0 < inputs.volume < inf and inputs.vol_avg is not None:
            return f"volume {inputs.volume / inputs.vol_avg:.1f}× avg"
        liquidity = inputs.liquidity
        if 0.0 < liquidity < inf:
            pool = f"pool {fmt.usd(liquidity, cents=False)}"
            if inputs.liq_avg is None:
                return pool
            return f"{pool} ({liquidity / inputs.liq_avg:.2f}× avg)"
        return "no volume or liquidity to confirm"

    def _signal(self, token: Token, side: Side, inputs: _Inputs, level: float) -> Signal:
        """Builds a signal with its reason; signals are rare, so the string is built here."""
        score = self._score(inputs)
        close = fmt.price(inputs.price)
        if side == "buy":
            rule = f"close {close} > {self._entry}-candle high {fmt.price(level)}"
            reason = f"{rule}, {self._filter_text(inputs)} → {score:.2f}"
            return Signal(token, self.name, "buy", score, reason)
        rule = f"close {close} < {self._exit}-candle low {fmt.price(level)}"
        return Signal(token, self.name, "sell", score, rule)
