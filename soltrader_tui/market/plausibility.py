"""Provides the price plausibility screen: which prices may reach a strategy, an exit or a mark.

Pure: it reads only the prices, times and amounts it is given. A price is refused when it is
not a number, not positive, outside the believable range (`market.plausibility.min_price_usd`
… `max_price_usd`), so large that a base-unit amount at that price would not fit the ledger's
integers, or more than `max_move_factor` away from the last accepted price of the same token
within `window_s`. A trade is refused when its swap quote disagrees with the price that decided
it by more than `max_quote_deviation_pct` (see `quote_refusal`).

`PriceScreen` keeps the last accepted price of each token. A refused price is replaced by the
last accepted one, marked stale once that is older than `market.stale_after_s`: a token whose
prices are all refused ends up stale, exactly like one whose prices stopped coming.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from soltrader_tui.config.model import PlausibilityConfig
from soltrader_tui.domain import MICRO, MarketTick, SwapQuote, micro_to_usd

INT64_MAX = 2**63 - 1
"""Largest integer SQLite stores: no micro-USDC amount may exceed it."""
U64_MAX = 2**64 - 1
"""Largest token amount an SPL token account holds, base units."""
LOG_EVERY_S = 60.0
"""One refusal line per token and rule in this many seconds; the ones between are counted."""


class Rule(StrEnum):
    """Why a price was refused; stored in the ledger by value."""

    UNREADABLE = "unreadable"
    """Not a number at all: text, NaN, Infinity, a missing field."""
    NOT_POSITIVE = "not_positive"
    """Zero or negative."""
    OUT_OF_RANGE = "out_of_range"
    """Below `min_price_usd` or above `max_price_usd`."""
    AMOUNT_OVERFLOW = "amount_overflow"
    """A held or ordered amount at this price would not fit the ledger's integers."""
    JUMP = "jump"
    """More than `max_move_factor` from the last accepted price within `window_s`."""
    QUOTE_DEVIATION = "quote_deviation"
    """The swap quote's price disagrees with it by more than `max_quote_deviation_pct`."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused price: which rule, the value as received, and the reason in words."""

    rule: Rule
    value: str
    reason: str


class PricePoint(Protocol):
    """A price and when it was fetched: an accepted tick, or a mark from the ledger."""

    @property
    def price_usd(self) -> float: ...

    @property
    def ts(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    """A price accepted earlier (the ledger's last mark of a token)."""

    price_usd: float
    ts: float
    """Market time of the price (when it was fetched)."""


def value_text(price: float) -> str:
    """Formats a received price so the log shows what came (1e+308, nan, -1, 2.01)."""
    return f"{price:.10g}"


@dataclass(frozen=True, slots=True)
class FeedRefusal:
    """A price a feed could not even read as a number, refused before it became a tick."""

    mint: str
    symbol: str
    refusal: Refusal


def unreadable(entry: object) -> Refusal:
    """Returns the refusal of a price entry the parser rejected, from its raw `usdPrice`.

    Args:
        entry: The entry as decoded from JSON (an object with `usdPrice`, or anything else).
    """
    if not isinstance(entry, dict):
        return Refusal(Rule.UNREADABLE, _raw_text(entry), "is not an object with a usdPrice")
    if "usdPrice" not in entry:
        return Refusal(Rule.UNREADABLE, "missing", "usdPrice is missing")
    raw = entry["usdPrice"]
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        price = float(raw)
        if math.isfinite(price) and price <= 0:
            return Refusal(Rule.NOT_POSITIVE, value_text(price), "is not above zero")
        if not math.isfinite(price):
            return Refusal(Rule.UNREADABLE, value_text(price), "is not a finite number")
        return Refusal(Rule.UNREADABLE, value_text(price), "was rejected by the parser")
    return Refusal(Rule.UNREADABLE, _raw_text(raw), "is not a number")


def _raw_text(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:39] + "…"


def judge(
    price: float,
    limits: PlausibilityConfig,
    *,
    last: PricePoint | None,
    now: float,
    decimals: int,
    held_qty: int = 0,
    order_micro: int = 0,
) -> Refusal | None:
    """Returns why `price` must not be used, or None when it may.

    Args:
        price: USD per whole token, as received.
        limits: The `market.plausibility` settings.
        last: The token's last accepted price, if any.
        now: Market time now.
        decimals: The token's decimals.
        held_qty: Base units held: their value at `price` must fit in micro-USDC.
        order_micro: The largest entry, micro-USDC: the base units it buys must fit a token
            account.
    """
    # The common case (a sane price) builds no text: this runs for every tick of every token.
    if not math.isfinite(price):
        return Refusal(Rule.UNREADABLE, value_text(price), "is not a finite number")
    if price <= 0:
        return Refusal(Rule.NOT_POSITIVE, value_text(price), "is not above zero")
    if not limits.min_price_usd <= price <= limits.max_price_usd:
        return Refusal(
            Rule.OUT_OF_RANGE,
            value_text(price),
            f"is outside the believable range {limits.min_price_usd:g}…"
            f"{limits.max_price_usd:g} USD (market.plausibility)",
        )
    scale = 10.0**decimals
    held_micro = held_qty * price * MICRO / scale
    bought = micro_to_usd(order_micro) / price * scale
    if not held_micro <= INT64_MAX or not bought <= U64_MAX:
        what = (
            "the position's value in micro-USDC"
            if not held_micro <= INT64_MAX
            else "the token amount an entry would buy"
        )
        return Refusal(Rule.AMOUNT_OVERFLOW, value_text(price), f"makes {what} too large to record")
    if last is not None and now - last.ts <= limits.window_s:
        factor = max(price / last.price_usd, last.price_usd / price)
        if factor > limits.max_move_factor:
            return Refusal(
                Rule.JUMP,
                value_text(price),
                f"is {factor:,.1f}× the last accepted price {value_text(last.price_usd)} of "
                f"{now - last.ts:,.0f} s ago (limit {limits.max_move_factor:g}×)",
            )
    return None


def quote_price_usd(quote: SwapQuote) -> float | None:
    """Returns the pool price a swap quote implies, USD per whole token, its impact taken out.

    A quote's own price is worse than the pool's by its price impact (a buy pays more per token,
    a sale gets less), so that is undone before it is compared with a quoted price feed.
    """
    token, usdc_micro, qty = quote.token, quote.in_amount, quote.out_amount
    if quote.side == "sell":
        usdc_micro, qty = quote.out_amount, quote.in_amount
    if qty <= 0 or usdc_micro <= 0:
        return None
    effective = micro_to_usd(usdc_micro) / token.to_whole(qty)
    impact = min(max(quote.price_impact_bps / 10_000, 0.0), 0.99)
    return effective * (1 - impact) if quote.side == "buy" else effective / (1 - impact)


def quote_refusal(price: float, quote: SwapQuote, limits: PlausibilityConfig) -> Refusal | None:
    """Returns why a trade decided at `price` must not fill at `quote`, or None when it may."""
    quoted = quote_price_usd(quote)
    if quoted is None or not math.isfinite(quoted):
        return Refusal(Rule.QUOTE_DEVIATION, value_text(price), "the quote gives no price")
    deviation = (max(price / quoted, quoted / price) - 1) * 100
    if deviation <= limits.max_quote_deviation_pct:
        return None
    return Refusal(
        Rule.QUOTE_DEVIATION,
        value_text(price),
        f"disagrees with the swap quote's price {value_text(quoted)} by {deviation:,.0f} % "
        f"(limit {limits.max_quote_deviation_pct:g} %)",
    )


class RefusalLog:
    """Says each refusal once per token and rule per minute, and counts every one by rule."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        """Refusals this session, by rule value."""
        self.last_ts: float | None = None
        """Market time of the newest refusal."""
        self._said: dict[tuple[str, Rule], float] = {}
        self._quiet: Counter[tuple[str, Rule]] = Counter()

    def refuse(self, mint: str, symbol: str, refusal: Refusal, now: float) -> str | None:
        """Counts a refusal; returns the log line to write, or None inside the quiet minute."""
        self.counts[refusal.rule.value] += 1
        self.last_ts = now
        key = (mint, refusal.rule)
        said = self._said.get(key)
        if said is not None and now - said < LOG_EVERY_S:
            self._quiet[key] += 1
            return None
        self._said[key] = now
        line = (
            f"PRICE REFUSED {symbol} {refusal.value} [{refusal.rule.value}]: "
            f"{refusal.reason}; not used for trading or marks"
        )
        quiet = self._quiet.pop(key, 0)
        if quiet:
            line += f" ({quiet} more refused for this reason in the last minute)"
        return line


Screened = tuple[MarketTick | None, "Refusal | None"]
"""What the screen makes of one tick: the tick to use (the new price, or the last accepted one,
stale once old; None when the token has no accepted price at all) and why the new price was
refused (None: accepted, or already judged). A plain tuple: one is built for every tick."""


class PriceScreen:
    """Keeps the last accepted price of each token and screens every new one."""

    def __init__(
        self, limits: PlausibilityConfig, *, stale_after_s: float, order_micro: int
    ) -> None:
        """Builds an empty screen.

        Args:
            limits: The `market.plausibility` settings.
            stale_after_s: `market.stale_after_s`: the age at which an accepted price is stale.
            order_micro: The largest entry, micro-USDC (see `judge`).
        """
        self.limits = limits
        self.stale_after_s = stale_after_s
        self._order_micro = order_micro
        self._accepted: dict[str, PricePoint] = {}
        self._judged: dict[str, float] = {}
        """Market time of the newest observation judged, by mint: a feed hands the same
        observation again until a newer one arrives, and it is judged once."""
        self._last_good: dict[str, MarketTick] = {}
        self.log = RefusalLog()

    def seed(self, mint: str, price_usd: float, ts: float) -> None:
        """Takes a price accepted earlier (the ledger's last mark) as the reference."""
        if math.isfinite(price_usd) and price_usd > 0:
            self._accepted[mint] = Accepted(price_usd, ts)

    def last_accepted(self, mint: str) -> PricePoint | None:
        """Returns the token's last accepted price, if any."""
        return self._accepted.get(mint)

    def screen(self, tick: MarketTick, now: float, held_qty: int = 0) -> Screened:
        """Judges a tick's price (once per observation) and returns what may be used of it.

        On the hot path (every tick of every token): a repeated observation costs two lookups.

        Args:
            tick: What the feed says; `tick.ts` tells observations apart.
            now: Market time now.
            held_qty: Base units of the token held.
        """
        mint = tick.token.mint
        refusal = None
        judged = self._judged.get(mint)
        if judged is None or tick.ts > judged:
            self._judged[mint] = tick.ts
            refusal = judge(
                tick.price_usd,
                self.limits,
                last=self._accepted.get(mint),
                now=tick.ts,
                decimals=tick.token.decimals,
                held_qty=held_qty,
                order_micro=self._order_micro,
            )
            if refusal is None:
                self._accepted[mint] = self._last_good[mint] = tick
        good = self._last_good.get(mint)
        if good is None or good.stale or now - good.ts <= self.stale_after_s:
            return good, refusal
        return dataclasses.replace(good, stale=True), refusal

    def symbols(self) -> dict[str, str]:
        """Returns the symbol of every token with an accepted price, by mint."""
        return {mint: tick.token.symbol for mint, tick in self._last_good.items()}

    def accept(self, tick: MarketTick) -> None:
        """Takes a tick's price as accepted (after `judge`, or a jump a quote confirmed)."""
        self._accepted[tick.token.mint] = self._last_good[tick.token.mint] = tick

    def mark_all_stale(self, through_ts: float) -> None:
        """Marks every token's last accepted price stale until an observation newer than
        `through_ts` is accepted (after the machine slept: what was seen before, even an answer
        that arrives late, says nothing now). Costs the hot path nothing: an observation not
        newer than the last judged one is not judged again."""
        for mint, tick in self._last_good.items():
            self._last_good[mint] = dataclasses.replace(tick, stale=True)
            self._judged[mint] = max(self._judged.get(mint, through_ts), through_ts)

    def forget(self, mint: str) -> None:
        """Drops a price found untrustworthy after it was accepted (a quote disagreed)."""
        self._accepted.pop(mint, None)
        self._last_good.pop(mint, None)
