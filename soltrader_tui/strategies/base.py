"""Provides the Strategy protocol every strategy implements, and the ScoreReading it reports.

Two kinds of strategy share the protocol. A *tick* strategy (`timeframe_s is None`) decides on
every tick; fed candles (a backtest), it sees each candle's close as one tick at the close
time. A *candle* strategy declares a timeframe (e.g. 300 for 5m) and decides only when a
candle closes: fed ticks (a paper session), it builds its candles from them and decides on the
first tick of the next candle, which is also the price an order then gets, the next candle's
open. Both score every tick, so the screen never waits for a candle to close.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from soltrader_tui.domain import Candle, MarketTick, Signal, Token


class ScoreReading(NamedTuple):
    """A strategy's current view of one token, as the screen shows it.

    A named tuple, so `score, reason = strategy.score(mint)` works as well as `.score`.
    """

    score: float | None
    """In [0, 1], 0.5 neutral; None while the strategy is warming up on the token."""
    reason: str
    """One line saying why, e.g. "fast/slow +1.8% over 60s/300s, 2.1σ → 0.78"."""


class Strategy(Protocol):
    """Turns a stream of market ticks (or candles) into per-token scores and buy/sell signals.

    The engine calls `on_tick` for every tick of every token, so it must be cheap and build
    no strings; the screen calls `score` a few times a second and gets its reason text then.
    """

    name: str
    """Stable name, stored in the ledger's `strategy` column."""
    enabled: bool
    """When False the strategy still scores tokens (the screen shows them) but never signals."""
    entry_threshold: float
    """The score a token must reach for a buy; the screen compares the best score with it to
    say why nothing is being bought."""
    timeframe_s: int | None
    """None: decides on every tick. Otherwise the candle length it decides on, in seconds."""
    warmup_s: float
    """Market seconds of prices it needs before it scores a token (from its config: a slow
    window, or a slow span of candles plus one for a first candle cut short). The engine feeds
    this much of the market's past before the first tick, so a session starts warm."""

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        """Updates the token's state with one tick and says whether to trade it.

        Args:
            tick: The token's latest price.
            holding: Whether a position in the token is open.

        Returns:
            A buy Signal (only when not holding), a sell Signal (only when holding), or None.
        """
        ...

    def on_candle(self, token: Token, candle: Candle, holding: bool) -> Signal | None:
        """Updates the token's state with one closed candle and says whether to trade it.

        Args:
            token: The candle's token.
            candle: A closed candle, later than any seen before for the token.
            holding: Whether a position in the token is open.

        Returns:
            As `on_tick`; an order it leads to fills at the next candle's open.
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


def close_tick(token: Token, candle: Candle) -> MarketTick:
    """The tick a tick strategy sees for a candle: its close, at its close time."""
    return MarketTick(token, candle.close_ts, candle.close, candle.liquidity_usd)
