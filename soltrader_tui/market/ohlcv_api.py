"""Provides the two public keyless candle APIs `download` reads: requests built, answers parsed.

Pure: no I/O. Each answer is checked before a candle of it is used, and a bad one raises
ResponseInvalid naming the API, the field (its JSON path) and the value.

What the APIs document (looked up, not guessed):

* Binance spot klines, ``GET https://api.binance.com/api/v3/klines?symbol=SOLUSDT&interval=5m
  &startTime=<ms>&endTime=<ms>&limit=1000`` (developers.binance.com/docs/binance-spot-api-docs/
  rest-api/market-data-endpoints, "Kline/Candlestick data"; mirrored in
  github.com/rosssaunders/coincise docs/binance/spot/endpoints/public/get_api_v3_klines.md).
  Weight 2; ``limit`` defaults to 500, at most 1000; intervals 1s, 1m, 3m, 5m, 15m, 30m, 1h,
  2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M. The answer is an array of arrays, oldest first:
  ``[open time ms, "open", "high", "low", "close", "volume" (base asset), close time ms,
  "quote volume", trades, "taker buy base", "taker buy quote", "ignore"]``, prices and volumes
  as strings. Candles are keyed by their open time and lie in [startTime, endTime]. The general
  API information page (rest-api/general-api-information, /limits) says: an IP may spend 6000
  request weight a minute (``X-MBX-USED-WEIGHT-1M`` reports what it used), 429 means over the
  limit and carries ``Retry-After``, 418 means the IP is banned for continuing after 429s
  (2 minutes up to 3 days), and an error body is ``{"code": -1121, "msg": "Invalid symbol."}``
  with HTTP 400.
* GeckoTerminal pool OHLCV, ``GET https://api.geckoterminal.com/api/v2/networks/solana/pools/
  {pool}/ohlcv/{timeframe}?aggregate=5&before_timestamp=<s>&limit=1000&currency=usd&token=base``
  (docs.coingecko.com/reference/pool-ohlcv-contract-address; the public API guide
  apiguide.geckoterminal.com). Timeframes ``day`` (aggregate 1), ``hour`` (1, 4, 12),
  ``minute`` (1, 5, 15); ``limit`` defaults to 100, at most 1000; ``before_timestamp`` in unix
  seconds pages backwards; intervals without trades are left out unless
  ``include_empty_intervals`` is set (we keep them out: gaps stay gaps). The answer is JSON:API,
  ``data.attributes.ohlcv_list = [[ts_s, open, high, low, close, volume_usd], ...]`` newest
  first, numbers as JSON numbers, and ``meta.base`` / ``meta.quote`` name the pool's tokens
  (``address``, ``name``, ``symbol``, ``coingecko_coin_id``). The keyless API allows 30 calls a
  minute (FAQ) and serves about six months back; an unknown pool answers 404.

Two things the docs leave open, handled so either reading is safe:

* Whether ``before_timestamp`` is inclusive. A page asks for a window of ``limit - 1``
  intervals, so even an inclusive end leaves room for every candle in it; a candle *at* the
  window's end is left to the next page, one *after* it is an error.
* Candles older than the window fill up GeckoTerminal's ``limit`` when the window has gaps;
  they are dropped (the previous page had them), not an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from soltrader_tui.errors import UserInputError
from soltrader_tui.market.errors import ResponseInvalid, json_kind

BINANCE = "binance"
GECKOTERMINAL = "geckoterminal"
BINANCE_URL = "https://api.binance.com"
GECKOTERMINAL_URL = "https://api.geckoterminal.com/api/v2"
KLINES_PATH = "/api/v3/klines"
PAGE_LIMIT = 1000
"""Both APIs' most candles per call."""

USD_QUOTES = ("USDT", "USDC", "BUSD", "USD")
"""Quotes replay reads as USD (`market.recorded` takes the symbol from a name like SOL_USDT)."""

BINANCE_INTERVALS: Mapping[str, int] = {
    "1s": 1, "1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600,
    "2h": 7200, "4h": 14400, "6h": 21600, "8h": 28800, "12h": 43200, "1d": 86400,
    "3d": 259200, "1w": 604800,
}  # fmt: skip
"""Binance intervals of a fixed length (1M is left out: months differ), in seconds."""

GECKO_TIMEFRAMES: Mapping[str, tuple[str, int, int]] = {
    "1m": ("minute", 1, 60), "5m": ("minute", 5, 300), "15m": ("minute", 15, 900),
    "1h": ("hour", 1, 3600), "4h": ("hour", 4, 14400), "12h": ("hour", 12, 43200),
    "1d": ("day", 1, 86400),
}  # fmt: skip
"""Our interval name: GeckoTerminal's (timeframe, aggregate) and its length in seconds."""

_BINANCE_FIELDS = ("open time", "open", "high", "low", "close", "volume")
_GECKO_FIELDS = ("timestamp", "open", "high", "low", "close", "volume_usd")
_BINANCE_SYMBOL = re.compile(r"[A-Z0-9]{2,20}")
_BASE58_ADDRESS = re.compile(r"[1-9A-HJ-NP-Za-km-z]{32,44}")
_FILE_SYMBOL = re.compile(r"[A-Z0-9]{2,12}")


@dataclass(frozen=True, slots=True)
class Kline:
    """One downloaded candle as the file stores it: open time in whole seconds UTC, OHLCV
    (prices in the quote currency, volume in the base token)."""

    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class DownloadInputError(UserInputError):
    """A symbol, pool, interval or time given to `download` that cannot be used."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One call for one page of candles, and the window its candles must lie in."""

    url: str
    params: Mapping[str, str]
    start_ts: int
    """First open time wanted, unix seconds (inclusive)."""
    end_ts: int
    """End of the window, unix seconds (exclusive)."""


@dataclass(frozen=True, slots=True)
class Page:
    """One answer's candles in the window asked for, oldest first, and the base token."""

    candles: list[Kline]
    base_symbol: str | None
    """The base token's symbol as the answer names it (GeckoTerminal's `meta.base.symbol`)."""


def iso(ts: int) -> str:
    """Unix seconds as `2025-01-01T00:05:00Z` (the `datetime_utc` column's form)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def interval_seconds(provider: str, interval: str) -> int:
    """The length of `interval` (e.g. `5m`) at `provider`, in seconds.

    Raises:
        DownloadInputError: The provider has no such interval; the message lists those it has.
    """
    table: Mapping[str, object] = BINANCE_INTERVALS if provider == BINANCE else GECKO_TIMEFRAMES
    if interval not in table:
        raise DownloadInputError(
            f"{provider}: no interval {interval!r}; use one of {', '.join(table)}"
        )
    return BINANCE_INTERVALS[interval] if provider == BINANCE else GECKO_TIMEFRAMES[interval][2]


def split_pair(symbol: str) -> tuple[str, str]:
    """Splits a Binance pair into base and USD quote: `SOLUSDT` -> (`SOL`, `USDT`).

    Raises:
        DownloadInputError: Not a pair of letters and digits, or not quoted in a USD coin
            (replay reads every price as USD).
    """
    pair = symbol.strip().upper()
    if not _BINANCE_SYMBOL.fullmatch(pair):
        raise DownloadInputError(f"binance: symbol {symbol!r} is not a pair like SOLUSDT")
    for quote in USD_QUOTES:
        base = pair.removesuffix(quote)
        if base != pair and _FILE_SYMBOL.fullmatch(base):
            return base, quote
    raise DownloadInputError(
        f"binance: symbol {symbol!r} is not quoted in {', '.join(USD_QUOTES)}: replay reads "
        "prices as USD (e.g. SOLUSDT, WIFUSDT)"
    )


def check_pool(pool: str) -> str:
    """Returns `pool` if it reads as a Solana address (base58, 32 to 44 characters).

    Raises:
        DownloadInputError: It does not.
    """
    if not _BASE58_ADDRESS.fullmatch(pool):
        raise DownloadInputError(
            f"geckoterminal: pool {pool!r} is not a Solana pool address (base58, 32-44 chars)"
        )
    return pool


def file_symbol(text: str) -> str | None:
    """A token symbol as a file name can carry it (`$wif` -> `WIF`), or None if it cannot."""
    cleaned = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
    return cleaned if _FILE_SYMBOL.fullmatch(cleaned) else None


def binance_request(
    base_url: str, pair: str, interval: str, start_ts: int, end_ts: int
) -> PageRequest:
    """The klines call for the candles opening in [start_ts, end_ts), the first 1000 of them."""
    params = {
        "symbol": pair,
        "interval": interval,
        "startTime": str(start_ts * 1000),
        "endTime": str(end_ts * 1000 - 1),  # Binance's endTime is inclusive
        "limit": str(PAGE_LIMIT),
    }
    return PageRequest(base_url.rstrip("/") + KLINES_PATH, params, start_ts, end_ts)


def gecko_request(
    base_url: str, pool: str, interval: str, start_ts: int, end_ts: int
) -> PageRequest:
    """The OHLCV call for one page from `start_ts`: a window of `PAGE_LIMIT - 1` intervals at
    most (see the module docstring), ending no later than `end_ts`."""
    timeframe, aggregate, step = GECKO_TIMEFRAMES[interval]
    page_end = min(end_ts, start_ts + (PAGE_LIMIT - 1) * step)
    params = {
        "aggregate": str(aggregate),
        "before_timestamp": str(page_end),
        "limit": str(PAGE_LIMIT),
        "currency": "usd",
        "token": "base",
    }
    url = f"{base_url.rstrip('/')}/networks/solana/pools/{pool}/ohlcv/{timeframe}"
    return PageRequest(url, params, start_ts, page_end)


def parse_binance(body: object, request: PageRequest, interval_s: int) -> list[Kline]:
    """Parses a klines answer into candles, oldest first.

    Raises:
        ResponseInvalid: Not an array of klines; a field missing or not a number; prices that
            cannot be a candle; candles not in time order, off the interval's grid, or outside
            the window asked for. The field is named like `[3][4] (close)`.
    """
    if not isinstance(body, list):
        raise ResponseInvalid(
            BINANCE, "body", f"expected an array of klines, got {json_kind(body)}"
        )
    candles: list[Kline] = []
    for i, row in enumerate(body):
        where = f"[{i}]"
        if not isinstance(row, list) or len(row) < len(_BINANCE_FIELDS):
            raise ResponseInvalid(
                BINANCE, where, f"expected an array of at least 6 fields, got {row!r:.80}"
            )
        ms = row[0]
        if type(ms) is not int or ms % 1000:
            raise ResponseInvalid(
                BINANCE, f"{where}[0] (open time)", f"{ms!r} is not a whole second in ms"
            )
        values = [
            _number(BINANCE, row[k], f"{where}[{k}] ({_BINANCE_FIELDS[k]})", text=True)
            for k in range(1, 6)
        ]
        candle = _candle(BINANCE, where, ms // 1000, values)
        _check_place(BINANCE, f"{where}[0] (open time)", candle.ts, candles, request, interval_s)
        candles.append(candle)
    return candles


def parse_gecko(body: object, request: PageRequest, interval_s: int) -> Page:
    """Parses a pool OHLCV answer into the window's candles, oldest first.

    Volume comes in USD; a candle's volume in base units is `volume_usd` divided by the
    candle's mean price `(open + high + low + close) / 4` (the recorded format, and replay,
    count volume in the base token).

    Raises:
        ResponseInvalid: Not the JSON:API shape; a field missing or not a number; prices that
            cannot be a candle; candles not newest first, off the interval's grid, or after the
            window asked for. The field is named like `data.attributes.ohlcv_list[3][4] (close)`.
    """
    candles = [_gecko_candle(i, row) for i, row in enumerate(_gecko_rows(body))]
    for i in range(1, len(candles)):
        field = f"data.attributes.ohlcv_list[{i}][0] (timestamp)"
        newer, ts = candles[i - 1].ts, candles[i].ts
        if ts >= newer:
            raise ResponseInvalid(
                GECKOTERMINAL, field, f"{iso(ts)} is not before the candle above it "
                f"({iso(newer)}): the list must be newest first"
            )  # fmt: skip
        if (newer - ts) % interval_s:
            raise ResponseInvalid(
                GECKOTERMINAL, field, f"{iso(ts)} is off the {interval_s} s grid of the candle "
                f"above it ({iso(newer)})"
            )  # fmt: skip
    if candles and candles[0].ts > request.end_ts:
        raise ResponseInvalid(
            GECKOTERMINAL,
            "data.attributes.ohlcv_list[0][0] (timestamp)",
            f"{iso(candles[0].ts)} is after before_timestamp {iso(request.end_ts)}",
        )
    kept = [_base_volume(c) for c in reversed(candles) if request.start_ts <= c.ts < request.end_ts]
    return Page(kept, _base_symbol(body))


def _gecko_candle(i: int, row: object) -> Kline:
    where = f"data.attributes.ohlcv_list[{i}]"
    if not isinstance(row, list) or len(row) != len(_GECKO_FIELDS):
        raise ResponseInvalid(
            GECKOTERMINAL, where, f"expected an array of 6 numbers, got {row!r:.80}"
        )
    ts = row[0]
    if type(ts) is not int:
        raise ResponseInvalid(
            GECKOTERMINAL, f"{where}[0] (timestamp)", f"{ts!r} is not whole unix seconds"
        )
    values = [
        _number(GECKOTERMINAL, row[k], f"{where}[{k}] ({_GECKO_FIELDS[k]})", text=False)
        for k in range(1, 6)
    ]
    return _candle(GECKOTERMINAL, where, ts, values)


def check_continues(provider: str, last_ts: int, first_ts: int, interval_s: int) -> None:
    """Checks a page's first candle may follow the last one written (later, on the grid).

    Raises:
        ResponseInvalid: It may not.
    """
    _check_step(provider, "first candle", last_ts, first_ts, interval_s)


def _gecko_rows(body: object) -> list[object]:
    node = body
    path = "body"
    for key in ("data", "attributes", "ohlcv_list"):
        if not isinstance(node, dict):
            raise ResponseInvalid(GECKOTERMINAL, path, f"expected an object, got {json_kind(node)}")
        if key not in node:
            field = key if path == "body" else f"{path}.{key}"
            raise ResponseInvalid(GECKOTERMINAL, field, "required field is missing")
        node = node[key]
        path = key if path == "body" else f"{path}.{key}"
    if not isinstance(node, list):
        raise ResponseInvalid(GECKOTERMINAL, path, f"expected an array, got {json_kind(node)}")
    return node


def _base_symbol(body: object) -> str | None:
    meta = body.get("meta") if isinstance(body, dict) else None
    base = meta.get("base") if isinstance(meta, dict) else None
    symbol = base.get("symbol") if isinstance(base, dict) else None
    return symbol if isinstance(symbol, str) else None


def _number(provider: str, raw: object, field: str, *, text: bool) -> float:
    """A finite number: Binance writes them as strings, GeckoTerminal as JSON numbers."""
    if text and not isinstance(raw, str):
        raise ResponseInvalid(provider, field, f"{raw!r} is not a number written as a string")
    if not text and (isinstance(raw, bool) or not isinstance(raw, int | float)):
        raise ResponseInvalid(provider, field, f"{raw!r} is not a number")
    try:
        value = float(raw)  # type: ignore[arg-type]  # a str or a number, checked above
    except ValueError:
        raise ResponseInvalid(provider, field, f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ResponseInvalid(provider, field, f"{raw!r} is not a finite number")
    return value


def _candle(provider: str, where: str, ts: int, values: list[float]) -> Kline:
    """A candle from its five values, if they can be one (what `market.recorded` will check)."""
    o, h, lo, c, v = values
    names = _BINANCE_FIELDS if provider == BINANCE else _GECKO_FIELDS
    field = {name: f"{where}[{k}] ({name})" for k, name in enumerate(names)}
    if lo <= 0:
        raise ResponseInvalid(provider, field["low"], f"{lo!r} is not a positive price")
    for name, value in (("open", o), ("close", c)):
        if not lo <= value <= h:
            raise ResponseInvalid(
                provider, field[name], f"{value!r} is outside low {lo!r} .. high {h!r}"
            )
    if v < 0:
        raise ResponseInvalid(provider, field[names[5]], f"{v!r} is negative")
    return Kline(ts, o, h, lo, c, v)


def _base_volume(candle: Kline) -> Kline:
    mean = (candle.open + candle.high + candle.low + candle.close) / 4
    return Kline(
        candle.ts, candle.open, candle.high, candle.low, candle.close, candle.volume / mean
    )


def _check_place(
    provider: str,
    field: str,
    ts: int,
    earlier: list[Kline],
    request: PageRequest,
    interval_s: int,
) -> None:
    if not request.start_ts <= ts < request.end_ts:
        raise ResponseInvalid(
            provider, field, f"{iso(ts)} is outside the window asked for "
            f"({iso(request.start_ts)} to before {iso(request.end_ts)})"
        )  # fmt: skip
    if earlier:
        _check_step(provider, field, earlier[-1].ts, ts, interval_s)


def _check_step(provider: str, field: str, before: int, after: int, interval_s: int) -> None:
    if after <= before:
        raise ResponseInvalid(
            provider, field, f"{iso(after)} is not after the previous candle ({iso(before)})"
        )
    if (after - before) % interval_s:
        raise ResponseInvalid(
            provider, field, f"{iso(after)} is off the {interval_s} s grid of the previous "
            f"candle ({iso(before)})"
        )  # fmt: skip
