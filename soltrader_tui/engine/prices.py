"""Provides PriceGate: the engine's door for prices; only accepted ones reach a decision.

Every tick a feed hands over goes through the plausibility screen (`market.plausibility`). A
refused price is logged (one line per token and rule per minute) and counted by rule; the token
keeps its last accepted price, which goes stale like a missing one. A large move is not simply
refused: a swap quote is asked (for the position, when held), and when it agrees the move is
real (a rug must still reach the stop-loss). Before any trade the quote is compared with the
price that decided it. An exit that needs a price the gate cannot trust says so instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from soltrader_tui.config.model import Config
from soltrader_tui.domain import MarketTick, SwapQuote, Token, usd_to_micro
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import (
    ExitWaitingForPrice,
    PriceFresh,
    PriceMoveBelieved,
    PriceRefused,
    PriceStale,
)
from soltrader_tui.market.feed import MarketFeed
from soltrader_tui.market.feed_status import FeedStatus, ProviderStatus, StaleToken
from soltrader_tui.market.plausibility import (
    PriceScreen,
    Refusal,
    Rule,
    quote_refusal,
)
from soltrader_tui.portfolio.portfolio import Position

if TYPE_CHECKING:
    from soltrader_tui.net.usage import ProviderUsage

CONFIRM_EVERY_S = 5.0
"""Least market seconds between two quotes asked to confirm one token's large move."""
CANNOT_ACT_EVERY_S = 60.0
"""Least market seconds between two "needs a price" lines about one held token."""


class PriceGate:
    """Screens prices for the engine and checks each trade's quote against its price."""

    def __init__(self, config: Config, feed: MarketFeed, log: DecisionLog) -> None:
        self._feed = feed
        self._log = log
        self.screen = PriceScreen(
            config.market.plausibility,
            stale_after_s=config.market.stale_after_s,
            order_micro=usd_to_micro(config.risk.max_position_usd),
        )
        self._probe_micro = usd_to_micro(config.risk.min_order_usd)
        """Size of the buy quote that checks a large move of a token not held."""
        self.stale: set[str] = set()
        """Tokens whose last accepted price is older than `market.stale_after_s`."""
        self._symbols: dict[str, str] = {}
        """Symbol of every token a price was refused for (accepted ones carry theirs)."""
        self._confirmed_at: dict[str, float] = {}
        self._cannot_act_at: dict[str, float] = {}

    def seed(self, mint: str, price_usd: float, ts: float) -> None:
        """Takes the ledger's last mark of a token as its reference price."""
        self.screen.seed(mint, price_usd, ts)

    @property
    def refusals(self) -> dict[str, int]:
        """Refused prices this session, by rule."""
        return dict(self.screen.log.counts)

    # The engine screens each tick itself with `screen.screen` (the hot path); a refused one
    # comes to `refused`.

    def take_feed_refusals(self, now: float) -> None:
        """Logs and counts the prices the feed could not read as numbers."""
        for refused in self._feed.take_refused_prices():
            self.refuse(refused.mint, refused.symbol, refused.refusal, now)

    async def refused(
        self, raw: MarketTick, refusal: Refusal, now: float, held: Position | None
    ) -> MarketTick | None:
        """Handles a refused price: a jump a quote confirms is believed after all, anything
        else is logged and counted. Returns the tick decisions may use now."""
        self._symbols[raw.token.mint] = raw.token.symbol
        if refusal.rule is Rule.JUMP and await self._confirm(raw, held, now):
            return self.screen.screen(raw, now, 0 if held is None else held.qty)[0]
        self.refuse(raw.token.mint, raw.token.symbol, refusal, now)
        return self.screen.screen(raw, now)[0]

    async def _confirm(self, raw: MarketTick, held: Position | None, now: float) -> bool:
        """Asks a quote whether a large move is real; True when it agrees.

        A held token is quoted for selling the position (what its exits would do), another
        for buying the smallest entry: a rug or a pump shows in the pool at once.
        """
        mint = raw.token.mint
        if now - self._confirmed_at.get(mint, -CONFIRM_EVERY_S) < CONFIRM_EVERY_S:
            return False
        self._confirmed_at[mint] = now
        if held is not None:
            quote = await self._feed.quote(raw.token, "sell", held.qty)
        else:
            quote = await self._feed.quote(raw.token, "buy", self._probe_micro)
        if quote is None or quote_refusal(raw.price_usd, quote, self.screen.limits) is not None:
            return False
        last = self.screen.last_accepted(mint)
        self.screen.accept(raw)
        before = None if last is None else last.price_usd
        self._log.record(PriceMoveBelieved(now, raw.token.symbol, raw.price_usd, before))
        return True

    def quote_disagrees(self, token: Token, price_usd: float, quote: SwapQuote, now: float) -> bool:
        """True (and logged, counted) when a trade's quote disagrees with its deciding price.

        The deciding price is then no longer trusted: one of the two is wrong, and no trade is
        made on either.
        """
        refusal = quote_refusal(price_usd, quote, self.screen.limits)
        if refusal is None:
            return False
        self.screen.forget(token.mint)
        self.refuse(token.mint, token.symbol, refusal, now)
        return True

    async def sale_quote(self, token: Token, qty: int, now: float) -> tuple[bool, SwapQuote | None]:
        """Takes the quote for selling `qty` and checks it against the trusted price.

        Returns:
            (False, quote) when the quote disagrees with the token's fresh accepted price (no
            sale); else (True, quote), the quote None when there was no price to check it
            against or no quote (the executor then asks for one itself).
        """
        price = self.trusted(token.mint, now)
        if price is None:
            return True, None
        quote = await self._feed.quote(token, "sell", qty)
        if quote is not None and self.quote_disagrees(token, price, quote, now):
            return False, quote
        return True, quote

    def note_staleness(self, tick: MarketTick, now: float) -> None:
        """Says when a token goes stale or fresh again.

        Written at `now`, not at the price's time, so log lines go in the order they happen.
        """
        mint, symbol = tick.token.mint, tick.token.symbol
        if tick.stale:
            self.stale.add(mint)
            self._log.record(PriceStale(now, symbol, last_ts=tick.ts))
        else:
            self.stale.discard(mint)
            self._log.record(PriceFresh(now, symbol))

    def slept(self, now: float) -> None:
        """Marks every price stale after the machine slept: no entry or exit on a token until
        a price observed after `now` (market time) is accepted (one `FRESH` line each)."""
        self.screen.mark_all_stale(now)
        self.stale.update(self.screen.symbols())

    def trusted(self, mint: str, now: float) -> float | None:
        """Returns the token's last accepted price while it is fresh, else None."""
        last = self.screen.last_accepted(mint)
        if last is None or now - last.ts > self.screen.stale_after_s:
            return None
        return last.price_usd

    def cannot_act(self, token: Token, now: float) -> None:
        """Says (once a minute per token) that a held token's stop has no price to act on."""
        if now - self._cannot_act_at.get(token.mint, -CANNOT_ACT_EVERY_S) < CANNOT_ACT_EVERY_S:
            return
        self._cannot_act_at[token.mint] = now
        last = self.screen.last_accepted(token.mint)
        last_ts = None if last is None else last.ts
        self._log.record(ExitWaitingForPrice(now, token.symbol, last_ts))

    def status(
        self, usage: Sequence[ProviderUsage], market_ts: float | None, wall: float
    ) -> FeedStatus:
        """Returns the feed's state for `health` and `status`: circuits, stale tokens, refusals.

        Args:
            usage: The feed's providers as the client sees them now.
            market_ts: Market time now (None before the first tick).
            wall: Unix time now: next probes are stored as unix times.
        """
        stale = []
        symbols = self._symbols | self.screen.symbols()
        for mint, symbol in sorted(symbols.items(), key=lambda item: item[1]):
            last = self.screen.last_accepted(mint)
            old = market_ts is not None and (
                last is None or market_ts - last.ts > self.screen.stale_after_s
            )
            if old:
                stale.append(StaleToken(mint, symbol, None if last is None else last.ts))
        return FeedStatus(
            written_wall=wall,
            market_ts=market_ts,
            providers=tuple(
                ProviderStatus(
                    provider=u.provider,
                    circuit=u.circuit,
                    next_probe_wall=None if u.next_probe_in_s is None else wall + u.next_probe_in_s,
                    consecutive_failures=u.consecutive_failures,
                    recent_failures=dict(u.recent_failures),
                    last_error=u.last_error,
                )
                for u in usage
            ),
            stale=tuple(stale),
            refusals=self.refusals,
            last_refusal_ts=self.screen.log.last_ts,
        )

    def refuse(self, mint: str, symbol: str, refusal: Refusal, now: float) -> None:
        """Counts a refusal and logs it unless the same one was said this minute."""
        line = self.screen.log.refuse(mint, symbol, refusal, now)
        if line is not None:
            self._log.record(PriceRefused(now, refused_by=refusal.rule.value, text=line))
