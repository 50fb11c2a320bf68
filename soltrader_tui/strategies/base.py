"""Provides the Strategy protocol every strategy implements, and the ScoreReading it reports."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from soltrader_tui.domain import MarketTick, Signal


class ScoreReading(NamedTuple):
    """A strategy's current view of one token, as the screen shows it.

    A named tuple, so `score, reason = strategy.score(mint)` works as well as `.score`.
    """

    score: float | None
    """In [0, 1], 0.5 neutral; None while the strategy is warming up on the token."""
    reason: str
    """One line saying why, e.g. "fast/slow +1.8% over 60s/300s, 2.1σ → 0.78"."""


class Strategy(Protocol):
    """Turns a stream of market ticks into per-token scores and buy/sell signals.

    The engine calls `on_tick` for every tick of every token, so it must be cheap and build
    no strings; the screen calls `score` a few times a second and gets its reason text then.
    """

    name: str
    """Stable name, stored in the ledger's `strategy` column."""
    enabled: bool
    """When False the strategy still scores tokens (the screen shows them) but never signals."""

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        """Updates the token's state with one tick and says whether to trade it.

        Args:
            tick: The token's latest price.
            holding: Whether a position in the token is open.

        Returns:
            A buy Signal (only when not holding), a sell Signal (only when holding), or None.
        """
        ...

    def score(self, mint: str) -> ScoreReading:
        """Returns the token's current score and a one-line reason, built on demand.

        Args:
            mint: The token's mint address.
        """
        ...

    def forget(self, mint: str) -> None:
        """Drops everything known about a token (for example, when it is delisted).

        Args:
            mint: The token's mint address; unknown mints are ignored.
        """
        ...
