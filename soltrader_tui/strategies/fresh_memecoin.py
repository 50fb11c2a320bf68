"""Provides FreshMemecoin: buys newly seen thin pools while SOL flows in and most moves are up.

A tick carries only a price and the pool's depth, so the strategy reads the order flow from
them. In a constant-product pool, and on the pump.fun bonding curve (whose replayed depth is
2 × SOL in the curve × SOL/USD), buys add SOL to the pool and sells take it out, so the depth
grows while buyers pay in::

    flow     = EmaGrowth(window_s) of liquidity_usd    # log growth per second: SOL flowing in
    pressure = EmaUpShare(window_s) of the price       # share of up-ticks, unchanged = half
    age      = now − the token's first tick seen by this strategy
    φ        = flow / (min_flow_pct_min / 6000)        # %/min as log growth per second
    π        = (pressure − 0.5) / (min_pressure − 0.5)
    score    = 0.5 + 0.5 · tanh(atanh(0.5) · min(φ, π))   # 0.75 when both just reach their minimum

and the score is 0 for a token as old as `max_age_s` or a pool as deep as
`max_liquidity_usd`: those are never bought. Both averages start neutral (flow 0, pressure
0.5) and weigh each move by the market time it covers, so a quiet token scores 0.5 and a jump
counts by its size whatever the spacing of the samples.

Freshness is the age since the first tick this strategy saw of the token: the launch for a
replayed pump.fun track or the simulator's late listing, but the session's start for every
token already trading then (their pools are deep, which `max_liquidity_usd` turns away). A gap
does not make a token fresh again; `forget` does.

Warm-up: a token has no score until `window_s` of its market time has been seen. A gap longer
than `window_s` between two of its ticks discards its averages and the warm-up starts again. A
tick older than the token's latest is stale and ignored, as are ticks without a positive finite
price or pool depth.

Signals (none while warming up or when disabled):

- *Buy* when not holding and the score crosses up through 0.75 (`entry_threshold`) from one
  tick to the next: flow and pressure have both become strong on a young, thin pool. The first
  score after a warm-up is not a crossing.
- *Sell* on every tick that a held token has a negative flow (SOL leaving: sells, or the
  liquidity pulled), a pressure below `exit_pressure`, or an age of `max_age_s` or more.
"""

from __future__ import annotations

from math import atanh, inf, tanh

from soltrader_tui import format as fmt
from soltrader_tui.config.model import FreshMemecoinConfig
from soltrader_tui.domain import Candle, MarketTick, Side, Signal, Token
from soltrader_tui.strategies.base import ScoreReading, close_tick
from soltrader_tui.strategies.indicators import EmaGrowth, EmaUpShare

ENTRY_SCORE = 0.75
"""The score at which flow and pressure both just reach their minimum: the buy threshold."""

_GAIN = atanh(2.0 * ENTRY_SCORE - 1.0)
_PER_S = 1.0 / 6000.0
"""Percent per minute to log growth per second."""


class _TokenState:
    """What FreshMemecoin knows about one token since its last (re)start."""

    __slots__ = ("first_ts", "flow", "last_ts", "liquidity", "pressure", "score")

    def __init__(self, window_s: float, ts: float) -> None:
        self.flow = EmaGrowth(window_s)
        self.pressure = EmaUpShare(window_s)
        self.first_ts = ts
        self.last_ts = ts
        self.liquidity = 0.0
        self.score: float | None = None


class FreshMemecoin:
    """The fresh-memecoin strategy: flow and buyer pressure on young pools (see the module doc)."""

    def __init__(self, config: FreshMemecoinConfig) -> None:
        """Creates the strategy with no token state.

        Args:
            config: Window, age and pool limits, flow and pressure levels, and whether it may
                signal.
        """
        self.name = "fresh_memecoin"
        self.enabled = config.enabled
        self.entry_threshold = ENTRY_SCORE
        self.timeframe_s: int | None = None
        self.warmup_s = float(config.window_s)
        self._window_s = config.window_s
        self._max_age_s = config.max_age_s
        self._min_flow = config.min_flow_pct_min * _PER_S
        self._min_pressure = config.min_pressure
        self._exit_pressure = config.exit_pressure
        self._max_liquidity = config.max_liquidity_usd
        self._states: dict[str, _TokenState] = {}
        self._seen: dict[str, float] = {}
        """When each token's first tick came: its age, kept across gaps."""

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        """Updates the token's flow and pressure and says whether to trade it.

        Args:
            tick: The token's latest price and pool depth; ticks without a positive finite
                price or depth are ignored.
            holding: Whether a position in the token is open.

        Returns:
            A buy Signal on an upward crossing of the entry threshold when not holding, a sell
            Signal while a held token's flow, pressure or age says so, otherwise None.
        """
        price, liquidity = tick.price_usd, tick.liquidity_usd
        if not (0.0 < price < inf and 0.0 < liquidity < inf):  # also false for NaN
            return None
        ts = tick.ts
        mint = tick.token.mint
        seen = self._seen.setdefault(mint, ts)
        state = self._states.get(mint)
        if state is None or ts - state.last_ts > self._window_s:
            state = self._states[mint] = _TokenState(self._window_s, ts)
        elif ts < state.last_ts:
            return None
        state.last_ts = ts
        state.liquidity = liquidity
        flow = state.flow.update(ts, liquidity)
        pressure = state.pressure.update(ts, price)
        if ts - state.first_ts < self._window_s:
            return None
        age = ts - seen
        score = self._score(flow, pressure, age, liquidity)
        previous = state.score
        state.score = score
        if not self.enabled:
            return None
        if holding:
            if flow < 0.0 or pressure < self._exit_pressure or age >= self._max_age_s:
                return self._signal(tick.token, "sell", state, age)
        elif previous is not None and previous < ENTRY_SCORE <= score:
            return self._signal(tick.token, "buy", state, age)
        return None

    def _score(self, flow: float, pressure: float, age: float, liquidity: float) -> float:
        if age >= self._max_age_s or liquidity >= self._max_liquidity:
            return 0.0
        strength = min(flow / self._min_flow, (pressure - 0.5) / (self._min_pressure - 0.5))
        return 0.5 + 0.5 * tanh(_GAIN * strength)

    def on_candle(self, token: Token, candle: Candle, holding: bool) -> Signal | None:
        """Sees a closed candle as one tick: its close and depth, at its close time."""
        return self.on_tick(close_tick(token, candle), holding)

    def score(self, mint: str) -> ScoreReading:
        """Returns the token's current score and a one-line reason, built now.

        The reason reads "flow +3.2%/min, up-ticks 72%, age 4m 10s, pool $9,400 → 0.81",
        "warming up 20/60 s" or "no prices yet"; for a token it will not buy it says why
        ("too old", "pool too deep").

        Args:
            mint: The token's mint address.
        """
        state = self._states.get(mint)
        if state is None:
            return ScoreReading(None, "no prices yet")
        score = state.score
        if score is None:
            seen = state.last_ts - state.first_ts
            return ScoreReading(None, f"warming up {seen:.0f}/{self._window_s:g} s")
        reason = self._inputs_text(state, state.last_ts - self._seen[mint])
        return ScoreReading(score, f"{reason} → {score:.2f}")

    def forget(self, mint: str) -> None:
        """Drops the token's averages, score and age (a token seen again is fresh again).

        Args:
            mint: The token's mint address; unknown mints are ignored.
        """
        self._states.pop(mint, None)
        self._seen.pop(mint, None)

    def _inputs_text(self, state: _TokenState, age: float) -> str:
        flow = (state.flow.value or 0.0) / _PER_S
        pressure = state.pressure.value or 0.5
        pool = fmt.usd(state.liquidity, cents=False)
        text = f"flow {flow:+.1f}%/min, up-ticks {pressure:.0%}, age {fmt.duration(age)}"
        if age >= self._max_age_s:
            return f"{text}: too old (max {fmt.duration(self._max_age_s)})"
        if state.liquidity >= self._max_liquidity:
            limit = fmt.usd(self._max_liquidity, cents=False)
            return f"{text}, pool {pool}: pool too deep (max {limit})"
        return f"{text}, pool {pool}"

    def _signal(self, token: Token, side: Side, state: _TokenState, age: float) -> Signal:
        """Builds a signal with its reason; signals are rare, so the string is built here."""
        score = state.score if state.score is not None else 0.0
        text = self._inputs_text(state, age)
        if side == "buy":
            return Signal(token, self.name, side, score, f"{text}, score {score:.2f} ≥ 0.75")
        flow = state.flow.value or 0.0
        if flow < 0.0:
            why = "SOL flowing out"
        elif (state.pressure.value or 0.5) < self._exit_pressure:
            why = f"up-ticks below {self._exit_pressure:.0%}"
        else:
            why = f"older than {fmt.duration(self._max_age_s)}"
        return Signal(token, self.name, side, score, f"{text}; {why}")
