"""Provides the simulated price processes: log-price diffusions switched by a regime chain.

Each token's log price follows an Ornstein–Uhlenbeck process around an anchor (a reversion
half-life of infinity makes it a plain random walk) with a drift, a volatility and Poisson
jumps that depend on the current regime. Regimes form a continuous-time Markov chain: a
regime lasts an exponential time with its mean dwell, then moves to another regime chosen
by the token's transition weights. Every coefficient is converted per tick with exact
formulas in `dt`, so a token keeps its character whatever the tick size.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass

_NEVER = sys.maxsize
"""Step index of an event that never happens (no jumps, an absorbing regime)."""

_LOG_BOUND = 20.0
"""Furthest the log price may wander from its start (a factor of ~5e8 either way).

Reversion keeps real paths far inside; the bound only guarantees that reserves and floats
stay sane in runs of simulated years.
"""


@dataclass(frozen=True, slots=True)
class RegimeSpec:
    """How a token's price behaves while in one regime."""

    name: str
    drift_per_hour: float
    """Drift of the log price per hour (0.1 ≈ +10 %/h)."""
    vol_per_sqrt_hour: float
    """Volatility of the log price per square-root hour."""
    mean_dwell_minutes: float
    """Mean time spent in the regime before switching; `math.inf` makes it absorbing."""
    jumps_per_hour: float = 0.0
    """Rate of sudden moves (news, whales, snipers)."""
    jump_mean: float = 0.0
    """Mean size of a jump, in log price."""
    jump_std: float = 0.0
    """Standard deviation of a jump, in log price."""
    reversion_half_life_hours: float | None = None
    """Overrides the token's reversion half-life while in this regime (None: keep it)."""
    anchor_shift: float = 0.0
    """Log offset of the level the price reverts to while in this regime (a dump that pulls
    the price below where it launched, however high the pump went)."""


@dataclass(frozen=True, slots=True)
class ProcessSpec:
    """A token's whole price character: its regimes and how it moves between them."""

    start_price_usd: float
    regimes: tuple[RegimeSpec, ...]
    transitions: tuple[tuple[float, ...], ...]
    """Row i holds the relative weights of moving from regime i to each regime j; the
    diagonal is ignored."""
    start_regime: str
    reversion_half_life_hours: float = math.inf
    """Half-life of a deviation of the log price from its anchor (the start price)."""

    def __post_init__(self) -> None:
        n = len(self.regimes)
        if len(self.transitions) != n or any(len(row) != n for row in self.transitions):
            raise ValueError(f"transitions must be a {n}x{n} matrix")
        if self.start_regime not in {r.name for r in self.regimes}:
            raise ValueError(f"unknown start regime {self.start_regime!r}")
        for i, (regime, row) in enumerate(zip(self.regimes, self.transitions, strict=True)):
            exits = sum(w for j, w in enumerate(row) if j != i)
            if any(w < 0 for w in row) or (math.isfinite(regime.mean_dwell_minutes) and exits <= 0):
                raise ValueError(f"regime {regime.name!r} needs non-negative weights to leave it")


class RegimeProcess:
    """One token's log price and regime, stepped one tick at a time from its own RNG."""

    __slots__ = (
        "_anchor",
        "_base_theta",
        "_decay",
        "_drift",
        "_dt",
        "_gauss",
        "_hi",
        "_index",
        "_jump_at",
        "_jump_mean",
        "_jump_std",
        "_lo",
        "_n",
        "_noise",
        "_regime",
        "_rng",
        "_spec",
        "_switch_at",
        "_target",
        "_x",
    )
    _anchor: float
    _base_theta: float
    _decay: float
    _drift: float
    _dt: float
    _hi: float
    _index: int
    _jump_at: int
    _jump_mean: float
    _jump_std: float
    _lo: float
    _n: int
    _noise: float
    _regime: RegimeSpec
    _switch_at: int
    _target: float
    _x: float

    def __init__(self, spec: ProcessSpec, rng: random.Random, tick_seconds: float) -> None:
        """Starts the process at the spec's start price and start regime.

        Args:
            spec: The token's price character.
            rng: The token's own random source; nothing else may draw from it.
            tick_seconds: Market seconds per step.
        """
        self._spec = spec
        self._rng = rng
        self._gauss = rng.gauss
        self._dt = tick_seconds
        self._x = math.log(spec.start_price_usd)
        self._lo = self._x - _LOG_BOUND
        self._hi = self._x + _LOG_BOUND
        self._anchor = self._x
        self._base_theta = _theta(spec.reversion_half_life_hours)
        self._n = 0
        names = [r.name for r in spec.regimes]
        self._enter(names.index(spec.start_regime), spec.regimes[names.index(spec.start_regime)])

    @property
    def regime(self) -> str:
        """Name of the current regime."""
        return self._regime.name

    @property
    def price_usd(self) -> float:
        """The current fair price, USD per whole token."""
        return math.exp(self._x)

    def step(self) -> float:
        """Advances one tick and returns the new fair price, USD per whole token."""
        n = self._n + 1
        self._n = n
        if n >= self._switch_at:
            self._switch()
        target = self._target
        x = (
            target
            + (self._x - target) * self._decay
            + self._drift
            + self._noise * self._gauss(0.0, 1.0)
        )
        if n >= self._jump_at:
            x += self._gauss(self._jump_mean, self._jump_std)
            self._jump_at = n + self._steps_until(self._regime.jumps_per_hour / 3600.0)
        if not self._lo <= x <= self._hi:
            x = min(max(x, self._lo), self._hi)
        self._x = x
        return math.exp(x)

    def move_to(self, price_usd: float) -> float:
        """Puts the price at `price_usd` (within the process's bounds), keeping its anchor and
        regime: how a new session continues from the price the last one ended on.

        Returns:
            The new fair price, USD per whole token.
        """
        if price_usd > 0 and math.isfinite(price_usd):
            self._x = min(max(math.log(price_usd), self._lo), self._hi)
        return math.exp(self._x)

    def shock(self, price_factor: float, regime: RegimeSpec) -> float:
        """Moves the price at once by `price_factor` and settles it in `regime` for good.

        The anchor moves to the new level, so reversion holds the price there instead of
        pulling it back: after a rug the token stays dead.

        Args:
            price_factor: Multiplier of the price (0.1 is a 90 % crash).
            regime: The regime to stay in; it is never left.

        Returns:
            The new fair price, USD per whole token.
        """
        self._x = min(max(self._x + math.log(price_factor), self._lo), self._hi)
        self._anchor = self._x
        self._enter(-1, regime)
        self._switch_at = _NEVER
        return math.exp(self._x)

    def _switch(self) -> None:
        row = self._spec.transitions[self._index]
        total = sum(w for j, w in enumerate(row) if j != self._index)
        pick = self._rng.random() * total
        chosen = self._index
        for j, weight in enumerate(row):
            if j == self._index or weight <= 0:
                continue
            chosen = j
            pick -= weight
            if pick < 0:
                break
        self._enter(chosen, self._spec.regimes[chosen])

    def _enter(self, index: int, regime: RegimeSpec) -> None:
        self._index = index
        self._regime = regime
        dt = self._dt
        theta = self._base_theta
        if regime.reversion_half_life_hours is not None:
            theta = _theta(regime.reversion_half_life_hours)
        self._target = self._anchor + regime.anchor_shift
        mu = regime.drift_per_hour / 3600.0
        sigma = regime.vol_per_sqrt_hour / 60.0  # per sqrt(second): sqrt(3600) = 60
        if theta > 0.0:
            # Exact OU transition over dt: mean decays by exp(-θdt), drift and variance
            # accumulate over the same window, so the tick size does not change the law.
            self._decay = math.exp(-theta * dt)
            self._drift = mu * -math.expm1(-theta * dt) / theta
            self._noise = sigma * math.sqrt(-math.expm1(-2.0 * theta * dt) / (2.0 * theta))
        else:
            self._decay = 1.0
            self._drift = mu * dt
            self._noise = sigma * math.sqrt(dt)
        self._jump_mean = regime.jump_mean
        self._jump_std = regime.jump_std
        self._switch_at = self._n + self._steps_until(1.0 / (regime.mean_dwell_minutes * 60.0))
        # Jumps are memoryless, so redrawing the wait on a rate change keeps the law exact.
        self._jump_at = self._n + self._steps_until(regime.jumps_per_hour / 3600.0)

    def _steps_until(self, rate_per_second: float) -> int:
        if rate_per_second <= 0.0:
            return _NEVER
        wait_s = self._rng.expovariate(rate_per_second)
        return max(1, math.ceil(wait_s / self._dt))


def _theta(half_life_hours: float) -> float:
    """Reversion speed per second for a half-life in hours (0 for an infinite half-life)."""
    if not half_life_hours > 0:
        raise ValueError(f"reversion half-life must be positive, got {half_life_hours}")
    return math.log(2.0) / (half_life_hours * 3600.0) if math.isfinite(half_life_hours) else 0.0
