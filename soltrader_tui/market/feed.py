"""Provides MarketFeed, the one interface the engine reads the market through, and SimFeed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from soltrader_tui.domain import MarketTick, Side, SwapQuote, Token

if TYPE_CHECKING:
    from soltrader_tui.ledger.rows import UsageMinute
    from soltrader_tui.market.plausibility import FeedRefusal
    from soltrader_tui.market.sim import SimMarket
    from soltrader_tui.net.usage import ProviderUsage


class MarketFeed(Protocol):
    """Prices and swap quotes, whatever their source (simulator, replay, Jupiter)."""

    source: str
    """Short name shown to the user: 'sim', 'replay', 'jupiter'."""
    api_note: str
    """Why the feed makes no metered API calls, or "" when it does."""

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        """Returns the latest tick of every tradable token at market time `ts`."""
        ...

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        """Returns the market's past before the session: what warms the strategies.

        Called once, before the first `poll`. The engine feeds every tick to every strategy,
        in order, and ignores what they signal: nothing is traded on the past. It is not
        metered API usage when the feed makes it up (the simulator), and an empty answer is
        allowed (no past known): the strategies then warm up on live prices.

        Args:
            end_ts: The session's start; every tick returned is older (or, for a feed whose
                live data began earlier, e.g. a simulator built a moment before, older than
                that beginning).
            span_s: Market seconds of past wanted (the longest warm-up of the strategies).

        Returns:
            Ticks oldest first, any tokens interleaved; their spacing is the feed's choice.
        """
        ...

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        """Quotes swapping exactly `in_amount` base units; None when it cannot be quoted."""
        ...

    def token(self, mint: str) -> Token | None:
        """Returns a known token by mint."""
        ...

    def listed_ts(self, mint: str) -> float | None:
        """Returns when the token's pool was listed (or first seen); None when unknown."""
        ...

    def usage(self) -> Sequence[ProviderUsage]:
        """Returns the live usage of every provider the feed calls (empty: no calls)."""
        ...

    def take_usage_minutes(self) -> Sequence[UsageMinute]:
        """Hands over per-minute usage counts not yet written to the ledger."""
        ...

    def take_notices(self) -> list[tuple[str, str]]:
        """Hands over (level, message) lines about the feed's health, each said once."""
        ...

    def take_refused_prices(self) -> list[FeedRefusal]:
        """Hands over prices that were not even numbers (text, NaN, a missing field)."""
        ...

    async def aclose(self) -> None:
        """Releases what the feed holds (connections, tasks)."""
        ...


HistorySource = Callable[[float, float], Awaitable[Sequence[MarketTick]]]
"""Where a feed gets its past from: `(end_ts, span_s)` to ticks, as `MarketFeed.history`."""


async def no_history(end_ts: float, span_s: float) -> Sequence[MarketTick]:
    """The past of a feed that knows none: strategies warm up on live prices."""
    return ()


class OfflineFeed:
    """What a feed that calls no provider says about providers and health: nothing."""

    def usage(self) -> Sequence[ProviderUsage]:
        return ()

    def take_usage_minutes(self) -> Sequence[UsageMinute]:
        return ()

    def take_notices(self) -> list[tuple[str, str]]:
        return []

    def take_refused_prices(self) -> list[FeedRefusal]:
        return []

    async def aclose(self) -> None:
        return None


class SimFeed(OfflineFeed):
    """Reads the embedded simulated market in-process (no network, no metering)."""

    source = "sim"

    def __init__(self, market: SimMarket, api_note: str = "") -> None:
        self.market = market
        self.api_note = api_note or "in-process simulated market: no API calls are made"

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        self.market.advance(ts)
        return self.market.ticks()

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        """The simulator's generated past (`SimMarket.history`)."""
        return self.market.history(end_ts, span_s)

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        return self.market.quote(token.mint, side, in_amount)

    def token(self, mint: str) -> Token | None:
        return self.market.token(mint)

    def listed_ts(self, mint: str) -> float | None:
        return self.market.listed_ts(mint)
