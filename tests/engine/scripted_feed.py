"""Provides ScriptedFeed: a MarketFeed whose prices follow a script, with real AMM quotes.

It is a feed like the simulator or a replay, only with the price path written by the test,
so exits can be checked at the exact tick they must fire.
"""

from __future__ import annotations

from collections.abc import Sequence

from soltrader_tui.domain import MarketTick, Side, SwapQuote, Token
from soltrader_tui.market.amm import Pool
from soltrader_tui.market.feed import OfflineFeed


class ScriptedFeed(OfflineFeed):
    """Serves `prices[i]` on the i-th poll for one token in a constant-product pool."""

    source = "scripted"
    api_note = "scripted test prices"

    def __init__(self, token: Token, prices: Sequence[float], liquidity_usd: float = 2e6) -> None:
        self._token = token
        self._prices = list(prices)
        self._pool = Pool.from_price(prices[0], liquidity_usd, token.decimals)
        self.polls = 0

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        price = self._prices[min(self.polls, len(self._prices) - 1)]
        self.polls += 1
        self._pool.set_price(price)
        return [MarketTick(self._token, ts, price, self._pool.liquidity_usd())]

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        """A scripted path has no past: its strategies warm up on the script itself."""
        return ()

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        if side == "buy":
            out, impact = self._pool.quote_buy(in_amount)
        else:
            out, impact = self._pool.quote_sell(in_amount)
        return SwapQuote(token, side, in_amount, out, impact)

    def token(self, mint: str) -> Token | None:
        return self._token if mint == self._token.mint else None

    def listed_ts(self, mint: str) -> float | None:
        return 0.0
