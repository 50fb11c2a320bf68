"""Provides BacktestQuotes: the market a backtest's paper executor quotes against.

The backtest sets the price (and the pool depth) a fill happens at before each order, so the
paper executor, its fees and its rounding are the ones a paper session uses. With impact
`pool` a swap is priced against a constant-product pool of that depth (the replay's liquidity
model for candles, which carry no reserves); with `none` it fills at the price exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from soltrader_tui.backtest.settings import Impact
from soltrader_tui.domain import MICRO, MarketTick, Side, SwapQuote, Token
from soltrader_tui.market.amm import Pool
from soltrader_tui.market.feed import OfflineFeed


class BacktestQuotes(OfflineFeed):
    """Quotes at the price the backtest set; never polled (the backtest walks candles)."""

    source = "backtest"
    api_note = "backtest on recorded candles: no API calls are made"

    def __init__(self, impact: Impact, listed: dict[str, float]) -> None:
        """Args:
        impact: `pool` or `none` (see the module docstring).
        listed: When each token's pool was listed, for the pool-age rule.
        """
        self._impact = impact
        self._listed = listed
        self._price = 0.0
        self._liquidity = 0.0

    def at(self, price_usd: float, liquidity_usd: float) -> None:
        """Sets the price and pool depth the next quote is taken at."""
        self._price = price_usd
        self._liquidity = liquidity_usd

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        return ()

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        return ()

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        """Quotes a swap of `in_amount` at the price set by `at`."""
        price = self._price
        if not 0.0 < price < float("inf"):
            return None
        if self._impact == "none":
            scale = 10**token.decimals
            if side == "buy":
                out = int(in_amount * scale / (price * MICRO))
            else:
                out = int(in_amount * price * MICRO / scale)
            return SwapQuote(token, side, in_amount, out, 0.0)
        pool = Pool.from_price(price, self._liquidity, token.decimals)
        out, impact = pool.quote_buy(in_amount) if side == "buy" else pool.quote_sell(in_amount)
        return SwapQuote(token, side, in_amount, out, impact)

    def token(self, mint: str) -> Token | None:
        return None

    def listed_ts(self, mint: str) -> float | None:
        return self._listed.get(mint)
