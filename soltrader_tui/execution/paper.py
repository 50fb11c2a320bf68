"""Provides PaperExecutor: fills at the market's quote for the order's size, plus fees."""

from __future__ import annotations

from dataclasses import dataclass

from soltrader_tui.config.model import PaperConfig
from soltrader_tui.domain import Fill, Mode, Order, SwapQuote, micro_to_usd, usd_to_micro
from soltrader_tui.market.feed import MarketFeed


@dataclass(frozen=True, slots=True)
class Rejected:
    """An order that produced no fill, and why."""

    reason: str


def swap_fee_micro(quote_amount: int, fee_bps: float) -> int:
    """Returns the swap fee on a USDC amount, rounded up to the next micro-USDC."""
    return -(-round(quote_amount * fee_bps * 100) // 1_000_000)


class PaperExecutor:
    """Simulates fills on real quotes: price impact from the pool, fees from the config.

    Paper fills do not move the market: a paper trader's orders never reach a pool.
    """

    def __init__(self, feed: MarketFeed, config: PaperConfig, mode: Mode) -> None:
        self._feed = feed
        self._fee_bps = config.swap_fee_bps
        self._network_fee = usd_to_micro(config.network_fee_usd)
        self._mode = mode

    async def execute(self, order: Order, quote: SwapQuote | None = None) -> Fill | Rejected:
        """Fills `order` at the quote for its exact size, or says why it cannot.

        Args:
            order: The order.
            quote: A quote just taken for exactly this order (saves a second API call); a quote
                for another token, side or size is ignored and a fresh one taken.
        """
        if quote is None or (quote.token.mint, quote.side, quote.in_amount) != (
            order.token.mint,
            order.side,
            order.in_amount,
        ):
            quote = await self._feed.quote(order.token, order.side, order.in_amount)
        if quote is None:
            return Rejected(f"no quote for {order.token.symbol}")
        if order.side == "buy":
            qty, quote_amount = quote.out_amount, order.in_amount
        else:
            qty, quote_amount = order.in_amount, quote.out_amount
        if qty <= 0 or quote_amount <= 0:
            return Rejected(
                f"{order.token.symbol} pool returns nothing for this size "
                f"(impact {quote.price_impact_bps:.0f} bps)"
            )
        fee = swap_fee_micro(quote_amount, self._fee_bps) + self._network_fee
        if order.side == "sell" and fee >= quote_amount:
            return Rejected(
                f"{order.token.symbol} sale would return ${micro_to_usd(quote_amount):.6f}, "
                f"less than the fees"
            )
        price = micro_to_usd(quote_amount) / order.token.to_whole(qty)
        return Fill(
            order_id=order.client_order_id,
            ts=order.ts,
            token=order.token,
            side=order.side,
            qty=qty,
            price_usd=price,
            quote_amount=quote_amount,
            fee=fee,
            strategy=order.strategy,
            mode=self._mode,
        )
