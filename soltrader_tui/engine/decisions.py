"""Provides Decisions: what the engine does with a strategy's signal or an exit rule.

An entry is sized, quoted (only while trading is ACTIVE: a quote can be an API call), checked
against every pre-trade rule and the quote, then against the token's own safety (its mint's
authorities and extensions, its holders, a quote to sell it back), then ordered; a denial is
said with its rule. An exit sells the whole position once its quote agrees with the token's
trusted price. Each fill goes to the engine's `after_fill`, which feeds the breakers and the
equity curve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from soltrader_tui.domain import MarketTick, Signal, SwapQuote, Token, TradingState
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import OrderDenied, SignalRaised
from soltrader_tui.engine.orders import OrderManager
from soltrader_tui.engine.prices import PriceGate
from soltrader_tui.engine.safety import TokenSafety
from soltrader_tui.market.feed import MarketFeed
from soltrader_tui.portfolio.portfolio import FillEffect
from soltrader_tui.risk import Denial
from soltrader_tui.risk.manager import RiskDesk

AfterFill = Callable[[str, str, float, FillEffect], None]
"""Told of every fill (side, mint, market time, its effect) once the ledger holds it."""


class Decisions:
    """Entries and exits: sizing, risk checks and quotes before an order is placed."""

    def __init__(
        self,
        *,
        feed: MarketFeed,
        log: DecisionLog,
        risk: RiskDesk,
        safety: TokenSafety,
        prices: PriceGate,
        orders: OrderManager,
        marks: Mapping[str, float],
        after_fill: AfterFill,
        on_change: Callable[[], None],
    ) -> None:
        """Args:
        safety: The token safety rules and the facts they judge.
        marks: The last accepted price of each token (the engine's; read only).
        after_fill: Told of every fill (see `AfterFill`).
        on_change: Tells the engine its screen is out of date.
        """
        self._feed = feed
        self._log = log
        self._risk = risk
        self._safety = safety
        self._prices = prices
        self._orders = orders
        self._marks = marks
        self._after_fill = after_fill
        self._on_change = on_change

    async def on_signal(self, signal: Signal, tick: MarketTick, state: TradingState) -> None:
        """Acts on a strategy's signal in trading state `state` (constant through a tick)."""
        if signal.side == "sell" and (
            tick.token.mint not in self._orders.portfolio.positions or state is TradingState.HALTED
        ):
            return  # sells are level-triggered: only the one that acts is worth a line
        self._log.record(
            SignalRaised(
                tick.ts,
                side=signal.side,
                symbol=tick.token.symbol,
                strategy=signal.strategy,
                score=signal.score,
                reason=signal.reason,
            )
        )
        if signal.side == "sell":
            await self.exit(tick.token, tick.ts, f"{signal.strategy}_exit")
            return
        self._on_change()
        sized = self._risk.size(tick, self._orders.portfolio, self._marks)
        if isinstance(sized, Denial):
            self._deny(tick, sized)
            return
        quote = None
        if state is TradingState.ACTIVE:  # a quote can be an API call: only when it may trade
            quote = await self._feed.quote(tick.token, "buy", sized.in_micro)
            if quote is not None and self._prices.quote_disagrees(
                tick.token, tick.price_usd, quote, tick.ts
            ):
                return
        denial = self._risk.check(
            tick,
            sized,
            state,
            None if quote is None else quote.price_impact_bps,
            self._feed.listed_ts(tick.token.mint),
        ) or await self._token_safety(tick, quote)
        if denial is not None:
            self._deny(tick, denial)
            return
        order = self._orders.order(
            tick.token,
            tick.ts,
            "buy",
            sized.in_micro,
            signal.strategy,
            f"{signal.strategy}_entry",
            detail=signal.reason,
        )
        effect = await self._orders.submit(order, quote)
        if effect is not None:
            self._after_fill("buy", tick.token.mint, tick.ts, effect)

    async def _token_safety(self, tick: MarketTick, quote: SwapQuote | None) -> Denial | None:
        """The token's own checks, once every other rule passed (so the trading state is ACTIVE
        and there is a buy quote): its chain facts, then a quote for selling it back."""
        denial = await self._safety.check(tick.token, tick.ts)
        if denial is not None or quote is None or not self._safety.wants_sell_quote:
            return denial
        back = await self._feed.quote(tick.token, "sell", quote.out_amount)
        return self._safety.sell_route(tick.token, None if back is None else back.price_impact_bps)

    def _deny(self, tick: MarketTick, denial: Denial) -> None:
        self._risk.deny(denial)
        # The rule is stored with the line, so `status` counts denials per rule from the
        # ledger alone.
        self._log.record(
            OrderDenied(
                tick.ts,
                symbol=tick.token.symbol,
                denied_by=denial.rule.value,
                reason=denial.message,
            )
        )

    async def exit(self, token: Token, ts: float, reason: str) -> bool:
        """Sells a whole position at market; returns whether it filled.

        Unless the operator asked for flat (a halt), the sale's quote must agree with the
        token's trusted price: a quote or a price that is absurd sells nothing.
        """
        quote = None
        if reason != "halt_flatten":
            qty = self._orders.portfolio.positions[token.mint].qty
            agreed, quote = await self._prices.sale_quote(token, qty, ts)
            if not agreed:
                self._orders.defer(token.mint, ts)
                return False
        effect = await self._orders.sell_all(token, ts, reason, quote)
        if effect is not None:
            self._after_fill("sell", token.mint, ts, effect)
        self._on_change()
        return effect is not None
