"""Provides GeckoHistory: a live market's recent candles, to warm the strategies at start.

For each token the session watches, two keyless GeckoTerminal calls through the metered client
(provider `geckoterminal`, shown in the API panel like every other):

1. `GET /networks/solana/tokens/{mint}/pools?include=base_token`: the token's pools, most
   traded first; the first one whose base token is the mint is used, and the included token
   gives its symbol and decimals.
2. `GET /networks/solana/pools/{pool}/ohlcv/{timeframe}` (as `download` calls it, prices in USD
   of the base token): the candles of the span before the session's start.

Each candle becomes one tick: its close, at its close time, with the pool's reserve as the depth.
A token whose pools or candles cannot be had (unknown to GeckoTerminal, a provider failure, an
answer that does not parse) gets no history: its strategies warm up on live prices and say so
("warming up 12/26"). History never holds the session back for long: the calls are bounded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from soltrader_tui.domain import MarketTick, Token
from soltrader_tui.market.errors import ResponseInvalid
from soltrader_tui.market.ohlcv_api import (
    GECKO_TIMEFRAMES,
    GECKOTERMINAL,
    check_pool,
    gecko_request,
    parse_gecko,
)
from soltrader_tui.net import MeteredClient, ProviderError

MAX_CANDLES = 999
"""Candles asked for per token: one call's worth."""


def history_interval(span_s: float) -> str:
    """The shortest candle that covers `span_s` in one call (1m up to 16 hours, then 5m, …)."""
    for name in ("1m", "5m", "15m", "1h", "4h"):
        if span_s <= GECKO_TIMEFRAMES[name][2] * MAX_CANDLES:
            return name
    return "1d"


def parse_pools(body: object, mint: str) -> tuple[str, float, Token] | None:
    """The first pool whose base token is `mint`: (pool address, reserve USD, token).

    Returns None when no listed pool has the mint as its base token.

    Raises:
        ResponseInvalid: the answer is not the documented shape.
    """
    if not isinstance(body, dict):
        raise ResponseInvalid(GECKOTERMINAL, "(body)", f"expected an object, got {body!r:.60}")
    data = body.get("data")
    if not isinstance(data, list):
        raise ResponseInvalid(GECKOTERMINAL, "data", f"expected a list of pools, got {data!r:.60}")
    token = _included_token(body, mint)
    for i, pool in enumerate(data):
        where = f"data[{i}]"
        attributes = pool.get("attributes") if isinstance(pool, dict) else None
        base = _dig(pool, "relationships", "base_token", "data", "id")
        if base != f"solana_{mint}" or not isinstance(attributes, dict):
            continue
        address = attributes.get("address")
        if not isinstance(address, str):
            raise ResponseInvalid(GECKOTERMINAL, f"{where}.attributes.address", f"{address!r:.60}")
        reserve = _float(attributes.get("reserve_in_usd"))
        return check_pool(address), reserve, token
    return None


def _included_token(body: dict[str, object], mint: str) -> Token:
    included = body.get("included")
    for item in included if isinstance(included, list) else ():
        if isinstance(item, dict) and item.get("id") == f"solana_{mint}":
            attributes = item.get("attributes")
            if isinstance(attributes, dict):
                symbol = attributes.get("symbol")
                decimals = attributes.get("decimals")
                if isinstance(symbol, str) and type(decimals) is int and 0 <= decimals <= 18:
                    return Token(mint, symbol, decimals)
    return Token(mint, mint[:6], 6)


def _dig(value: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _float(raw: object) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


class GeckoHistory:
    """`MarketFeed.history` for a live market: the watched tokens' recent candles."""

    def __init__(self, client: MeteredClient, base_url: str, mints: Sequence[str]) -> None:
        """Args:
        client: The session's metered client; it must have a `geckoterminal` policy.
        base_url: GeckoTerminal's API root (a loopback server in tests).
        mints: The tokens to warm (the watchlist: discovered tokens warm on live prices).
        """
        self._client = client
        self._base = base_url.rstrip("/")
        self._mints = list(mints)

    async def __call__(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        """The candles of [end_ts − span_s, end_ts) of every token that has them, as ticks."""
        ticks: list[MarketTick] = []
        for mint in self._mints:
            ticks.extend(await self._token(mint, end_ts, span_s))
        ticks.sort(key=lambda t: t.ts)
        return ticks

    async def _token(self, mint: str, end_ts: float, span_s: float) -> list[MarketTick]:
        try:
            url = f"{self._base}/networks/solana/tokens/{mint}/pools"
            body = await self._client.get_json(GECKOTERMINAL, url, params={"include": "base_token"})
            found = parse_pools(body, mint)
            if found is None:
                return []
            pool, reserve, token = found
            interval = history_interval(span_s)
            step = GECKO_TIMEFRAMES[interval][2]
            end = int(end_ts // step) * step  # the candle still forming is not history
            start = max(end - MAX_CANDLES * step, end - math.ceil(span_s / step) * step)
            request = gecko_request(self._base, pool, interval, start, end)
            page = await self._client.get_json(GECKOTERMINAL, request.url, params=request.params)
            candles = parse_gecko(page, request, step).candles
        except (ProviderError, ResponseInvalid):
            return []
        return [MarketTick(token, float(c.ts + step), c.close, reserve) for c in candles]
