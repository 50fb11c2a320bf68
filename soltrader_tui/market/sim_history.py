"""Provides sim_history: the simulated market's past, generated so strategies start warm.

A session on the simulator starts at its `start_ts`; the strategies need minutes to hours of
prices before they score (momentum's slow window, a candle strategy's slow span). This builds
that past for every token listed at the start:

- from the token's own price process (`ProcessSpec`), stepped on its own RNG, derived from the
  seed, the symbol and the word "history", so drawing the past never moves the session: the
  session's RNGs draw exactly what they would have drawn without it;
- shifted in log price so the last historical price is the token's price at the start (its
  start price, or where a resumed session left it), so the past runs into the present with no
  jump; its pool depth follows the constant-product law, `L = L0 · √(p / p0)`;
- on a grid of `step_s` ending one step before the start, with `step_s` a whole number of
  ticks and large enough that the whole past stays within `MAX_HISTORY_TICKS` ticks: the
  processes' coefficients are exact in `dt`, so a coarser step samples the same law.

The same seed, start prices, tick and span give the same past, tick for tick.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from soltrader_tui.domain import MarketTick, Token
from soltrader_tui.market.processes import ProcessSpec, RegimeProcess

MAX_HISTORY_TICKS = 12_000
"""Most historical ticks generated for a whole market (all tokens together): the bound that
keeps warming a session under a few tenths of a second however long the warm-up."""
MIN_TOKEN_TICKS = 60
"""Fewest historical ticks per token, however many tokens share the budget."""


@dataclass(frozen=True, slots=True)
class Opening:
    """A token as the session opens on it: what its past must end on."""

    token: Token
    process: ProcessSpec
    price_usd: float
    liquidity_usd: float


def history_step(span_s: float, tick_seconds: float, tokens: int) -> float:
    """Returns the spacing of historical ticks: whole ticks, within the tick budget.

    Args:
        span_s: Market seconds of past wanted.
        tick_seconds: The market's step.
        tokens: How many tokens share `MAX_HISTORY_TICKS`.
    """
    per_token = max(MIN_TOKEN_TICKS, MAX_HISTORY_TICKS // max(1, tokens))
    return tick_seconds * max(1, math.ceil(span_s / (tick_seconds * per_token)))


def sim_history(
    seed: int,
    openings: Sequence[Opening],
    start_ts: float,
    span_s: float,
    tick_seconds: float,
) -> list[MarketTick]:
    """Generates the `span_s` market seconds before `start_ts`, oldest first.

    Args:
        seed: The market's seed.
        openings: The tokens listed at the start, with their price and depth then.
        start_ts: The session's start, unix seconds; every tick is strictly before it.
        span_s: Market seconds of past; 0 or less gives none.
        tick_seconds: The market's step (the history's step is a whole number of them).

    Returns:
        Ticks at `start_ts - k · step` for k = n … 1, every token at each instant.
    """
    if not span_s > 0 or not openings:
        return []
    step = history_step(span_s, tick_seconds, len(openings))
    count = math.ceil(span_s / step)
    paths = [_path(seed, opening, step, count) for opening in openings]
    ticks = []
    for k in range(count):
        ts = start_ts - (count - k) * step
        for opening, (prices, depths) in zip(openings, paths, strict=True):
            ticks.append(MarketTick(opening.token, ts, prices[k], depths[k]))
    return ticks


def _path(seed: int, opening: Opening, step: float, count: int) -> tuple[list[float], list[float]]:
    """One token's `count` past prices and depths, the last one step before the opening."""
    digest = hashlib.sha256(f"soltrader-sim:{seed}:{opening.token.symbol}:history".encode())
    rng = random.Random(int.from_bytes(digest.digest()[:8], "big"))
    process = RegimeProcess(opening.process, rng, step)
    # count + 1 steps: the last one stands for the opening itself and anchors the shift.
    logs = [math.log(process.step()) for _ in range(count + 1)]
    shift = math.log(opening.price_usd) - logs[-1]
    prices = [math.exp(x + shift) for x in logs[:-1]]
    p0, l0 = opening.price_usd, opening.liquidity_usd
    depths = [l0 * math.sqrt(p / p0) for p in prices]
    return prices, depths
