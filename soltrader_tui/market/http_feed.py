"""Provides HttpFeed: prices, discovery and quotes over HTTP through the one metered client.

It speaks the public shapes of Jupiter (Price API v3, `/swap/v1/quote`) and DexScreener
(`/token-profiles/latest/v1`, `/tokens/v1/solana/...`), against the real APIs or the embedded
market server. A background task polls at the configured pace and keeps the latest good price
of every token; `poll` never waits on the network, it hands the engine what is known:
- a price younger than `stale_after_s` is fresh: the engine may decide on it;
- an older one, up to `max_exit_age_s`, is marked stale: shown as the mark, no decision;
- older still, the token is left out.
Every price then passes the engine's plausibility screen (`market.plausibility`); prices that
are not even numbers are handed over separately (`take_refused_prices`) to be refused there.
A provider whose circuit is open is reported once, and again once it answers again.

A stop lets the request already sent get its answer (for up to `STOP_GRACE_S`) and starts no
new one: a request cut off mid-flight would be counted by the bot and perhaps never by the
provider, and the API panel must say what the provider saw.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from soltrader_tui.clock import Clock
from soltrader_tui.domain import MarketTick, Side, SwapQuote, Token
from soltrader_tui.ledger.rows import UsageMinute
from soltrader_tui.market import dexscreener, jupiter
from soltrader_tui.market.errors import ResponseInvalid
from soltrader_tui.market.feed import HistorySource, no_history
from soltrader_tui.market.plausibility import FeedRefusal, unreadable
from soltrader_tui.net import ClientStopping, MeteredClient, ProviderError, ProviderUnavailable
from soltrader_tui.net.usage import ProviderUsage

JUPITER = "jupiter"
DEX_PROFILES = "dex-profiles"
DEX_PAIRS = "dex-pairs"

STOP_GRACE_S = 1.0
"""How long a stop waits for the answer to a request already sent, then cancels it."""

MAX_REFUSED_KEPT = 1000
"""Most unreadable prices kept for the engine between two of its ticks."""

T = TypeVar("T")


@dataclass(slots=True)
class _Seen:
    token: Token
    price_usd: float
    liquidity_usd: float
    ts: float
    """Market time the price was fetched."""


class HttpFeed:
    """A market read over HTTP; see the module docstring for how freshness is handled."""

    api_note = ""

    def __init__(
        self,
        client: MeteredClient,
        *,
        source: str,
        jupiter_url: str,
        dexscreener_url: str,
        clock: Clock,
        watchlist: Sequence[str] = (),
        stale_after_s: float = 30.0,
        price_every_s: float = 1.0,
        discover_every_s: float = 60.0,
        advance: Callable[[float], None] | None = None,
        history: HistorySource = no_history,
    ) -> None:
        """Builds the feed; nothing is fetched before the first `poll`.

        `history` answers `MarketFeed.history`: the simulator's own past when the simulator
        is served (made in-process, no request), candles from an OHLCV API for a live market,
        or none (strategies warm up on live prices).
        """
        self.source = source
        self._client = client
        self._jupiter = jupiter_url.rstrip("/")
        self._dex = dexscreener_url.rstrip("/")
        self._clock = clock
        self._watchlist = list(watchlist)
        self._stale_after = stale_after_s
        self.max_exit_age_s = stale_after_s * 10
        """Beyond this age a last good price is not even shown as the mark."""
        self._price_every = price_every_s
        self._discover_every = discover_every_s
        self._advance = advance
        self._history = history
        self._pairs: dict[str, dexscreener.DexPair] = {}
        self._decimals: dict[str, int] = {}
        self._seen: dict[str, _Seen] = {}
        self._tokens: dict[str, Token] = {}
        self._notices: list[tuple[str, str]] = []
        self._refused: list[FeedRefusal] = []
        self._down: set[str] = set()
        """Providers whose last call failed."""
        self._circuit_open: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # -- MarketFeed ----------------------------------------------------------------------------

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        if self._advance is not None:
            self._advance(ts)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="http-feed")
        ticks = []
        for seen in self._seen.values():
            age = ts - seen.ts
            if age <= self.max_exit_age_s:
                stale = age > self._stale_after
                ticks.append(
                    MarketTick(seen.token, seen.ts, seen.price_usd, seen.liquidity_usd, stale)
                )
        return ticks

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        return await self._history(end_ts, span_s)

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        try:
            body = await self._client.get_json(
                JUPITER,
                f"{self._jupiter}/swap/v1/quote",
                params=jupiter.quote_params(token, side, in_amount),
            )
            return jupiter.parse_swap_quote(body, token, side)
        except ResponseInvalid as exc:
            self._client.report_invalid(JUPITER, str(exc))
            self._notice("warning", f"quote for {token.symbol} unusable: {exc}")
        except ProviderError as exc:
            self._notice("warning", f"quote for {token.symbol} failed: {exc}")
        return None

    def token(self, mint: str) -> Token | None:
        return self._tokens.get(mint)

    def listed_ts(self, mint: str) -> float | None:
        pair = self._pairs.get(mint)
        return None if pair is None else pair.created_ts

    def usage(self) -> Sequence[ProviderUsage]:
        return self._client.usage()

    def take_usage_minutes(self) -> Sequence[UsageMinute]:
        return self._client.take_minutes()

    def take_notices(self) -> list[tuple[str, str]]:
        """Hands over (level, message) lines about the feed's health, each said once."""
        notices, self._notices = self._notices, []
        return notices

    def take_refused_prices(self) -> list[FeedRefusal]:
        """Hands over prices that were not even numbers (text, NaN, a missing field)."""
        refused, self._refused = self._refused, []
        return refused

    async def aclose(self) -> None:
        """Stops polling (the request in flight is answered first, see STOP_GRACE_S) and
        closes the client."""
        self._stopping.set()
        self._client.wind_down()  # no retry starts either
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=STOP_GRACE_S)
            if not done:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()

    # -- the background poller -----------------------------------------------------------------

    async def _run(self) -> None:
        next_discovery = 0.0
        while not self._stopping.is_set():
            now = self._clock.now()
            try:
                if now >= next_discovery:
                    await self._discover()
                    next_discovery = now + self._discover_every
                await self._prices()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the poller must outlive any one bad answer
                self._notice("error", f"market poll failed: {type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stopping.wait(),
                    max(0.0, self._clock.wall_delay(now + self._price_every)),
                )

    async def _discover(self) -> None:
        mints = list(self._watchlist)
        body = await self._get(DEX_PROFILES, f"{self._dex}/token-profiles/latest/v1")
        if body is not None:
            batch = self._parsed(DEX_PROFILES, dexscreener.parse_token_profiles, body)
            if batch is not None:
                mints += [p.mint for p in batch.on_chain()]
        for ids in dexscreener.token_batches(dict.fromkeys(mints)):
            body = await self._get(DEX_PAIRS, f"{self._dex}/tokens/v1/solana/{ids}")
            pairs = (
                None
                if body is None
                else self._parsed(DEX_PAIRS, dexscreener.parse_token_pairs, body)
            )
            if pairs is not None:
                self._pairs.update(dexscreener.best_pairs(pairs.pairs))

    async def _prices(self) -> None:
        for ids in jupiter.price_id_batches(list(self._pairs)):
            body = await self._get(JUPITER, f"{self._jupiter}/price/v3", params={"ids": ids})
            batch = None if body is None else self._parsed(JUPITER, jupiter.parse_price_v3, body)
            if batch is None:
                continue
            now = self._clock.now()
            for mint, price in batch.prices.items():
                self._remember(mint, price, now)
            self._note_unreadable(batch.problems, body)

    def _note_unreadable(self, problems: Sequence[ResponseInvalid], body: object) -> None:
        """Keeps the tracked tokens' prices that were not numbers, for the engine's refusals."""
        if not isinstance(body, dict):
            return
        for problem in problems:
            mint = problem.field.split(".", 1)[0]
            pair = self._pairs.get(mint)
            if pair is not None and problem.field in (mint, f"{mint}.usdPrice"):
                refusal = unreadable(body.get(mint))
                if len(self._refused) < MAX_REFUSED_KEPT:  # drained every tick; a bound anyway
                    self._refused.append(FeedRefusal(mint, pair.base_symbol, refusal))

    def _remember(self, mint: str, price: jupiter.PriceV3, now: float) -> None:
        pair = self._pairs.get(mint)
        if pair is None:
            return
        token = self._tokens.get(mint)
        if token is None:
            if price.decimals is None:
                return  # without decimals no amount can be converted: not tradable
            token = self._tokens[mint] = Token(mint, pair.base_symbol, price.decimals)
        liquidity = price.liquidity_usd or pair.liquidity_usd or 0.0
        self._seen[mint] = _Seen(token, price.usd_price, liquidity, now)

    async def _get(
        self, provider: str, url: str, params: dict[str, str] | None = None
    ) -> object | None:
        if self._stopping.is_set():
            return None  # stopping: no new request
        try:
            body = await self._client.get_json(provider, url, params=params)
        except ClientStopping:
            return None
        except ProviderUnavailable as exc:
            if provider not in self._circuit_open:
                self._circuit_open.add(provider)
                self._notice(
                    "warning",
                    f"{provider} circuit open: polling paused, no decision on prices older "
                    f"than {self._stale_after:g} s until it answers ({exc})",
                )
            return None
        except ProviderError as exc:
            if provider not in self._down:
                # Said once; the next line about it is its recovery.
                self._notice("warning", f"{exc}; retrying quietly until it answers")
            self._down.add(provider)
            return None
        if provider in self._down:
            self._down.discard(provider)
            self._circuit_open.discard(provider)
            self._notice("info", f"{provider} answers again: polling resumed")
        return body

    def _parsed(self, provider: str, parse: Callable[[object], T], body: object) -> T | None:
        try:
            result = parse(body)
        except ResponseInvalid as exc:
            self._client.report_invalid(provider, str(exc))
            self._notice("warning", f"{provider} answer skipped: {exc}")
            return None
        for problem in getattr(result, "problems", ()):
            self._client.report_invalid(provider, str(problem))
        return result

    def _notice(self, level: str, message: str) -> None:
        self._notices.append((level, message))
