"""Tests the candle APIs' requests and the parsing of their answers, in the APIs' own shapes.

The factories here build answers the way Binance (klines: arrays of strings, oldest first) and
GeckoTerminal (JSON:API `ohlcv_list`, numbers, newest first) send them; the download tests
serve the same shapes over loopback HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.market.errors import ResponseInvalid
from soltrader_tui.market.ohlcv_api import (
    BINANCE,
    GECKOTERMINAL,
    PAGE_LIMIT,
    DownloadInputError,
    Kline,
    PageRequest,
    binance_request,
    check_continues,
    check_pool,
    file_symbol,
    gecko_request,
    interval_seconds,
    parse_binance,
    parse_gecko,
    split_pair,
)

T0 = 1_735_689_600
"""2025-01-01T00:00:00Z."""
POOL = "EP2ib6dYdEeqD8MfE2ezHCxX3kP3K2eLKkirfPm5eyMx"
"""A Solana pool address (WIF/SOL on Raydium)."""


def make_candles(
    n: int, *, start: int = T0, step: int = 300, gaps: Sequence[int] = (), price: float = 100.0
) -> list[Kline]:
    """`n` plausible candles from `start`, `step` apart; an index in `gaps` is left out.

    Prices have at most 4 decimals, so they survive Binance's 8-decimal strings exactly.
    """
    out = []
    for i in range(n):
        if i in gaps:
            continue
        o = round(price + (i % 17) * 0.25, 4)
        c = round(o + ((i % 5) - 2) * 0.05, 4)
        h, lo = round(max(o, c) + 0.1, 4), round(min(o, c) - 0.1, 4)
        out.append(Kline(start + i * step, o, h, lo, c, round(1000 + i * 1.5, 3)))
    return out


def kline(c: Kline, step: int = 300) -> list[object]:
    """A Binance kline: 12 fields, prices and volumes as 8-decimal strings."""
    return [
        c.ts * 1000, f"{c.open:.8f}", f"{c.high:.8f}", f"{c.low:.8f}", f"{c.close:.8f}",
        f"{c.volume:.8f}", (c.ts + step) * 1000 - 1, f"{c.volume * c.close:.8f}", 42,
        f"{c.volume / 2:.8f}", f"{c.volume * c.close / 2:.8f}", "0",
    ]  # fmt: skip


def binance_answer(candles: Sequence[Kline], step: int = 300) -> list[list[object]]:
    """A klines answer: oldest first."""
    return [kline(c, step) for c in candles]


def usd_volume(c: Kline) -> float:
    """GeckoTerminal's volume of a candle whose base volume is `c.volume`."""
    return c.volume * (c.open + c.high + c.low + c.close) / 4


def gecko_answer(candles: Sequence[Kline], symbol: str = "WIF") -> dict[str, object]:
    """A pool OHLCV answer: JSON:API, numbers, newest first, the pool's tokens in `meta`."""
    rows = [[c.ts, c.open, c.high, c.low, c.close, usd_volume(c)] for c in reversed(candles)]
    return {
        "data": {
            "id": "c5b4e7a1-ohlcv",
            "type": "ohlcv_request_response",
            "attributes": {"ohlcv_list": rows},
        },
        "meta": {
            "base": {
                "address": "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm",
                "name": "dogwifhat",
                "symbol": symbol,
                "coingecko_coin_id": "dogwifcoin",
            },
            "quote": {
                "address": "So11111111111111111111111111111111111111112",
                "name": "Wrapped SOL",
                "symbol": "SOL",
                "coingecko_coin_id": "wrapped-solana",
            },
        },
    }


def window(start: int, end: int) -> PageRequest:
    return PageRequest("http://127.0.0.1:1/x", {}, start, end)


class TestRequests:
    """The calls carry what each API documents: ms and an inclusive end for Binance, a
    window of `limit - 1` intervals ending at `before_timestamp` for GeckoTerminal."""

    def test_binance_params(self) -> None:
        req = binance_request("https://api.binance.com/", "SOLUSDT", "5m", T0, T0 + 3600)
        assert req.url == "https://api.binance.com/api/v3/klines"
        assert dict(req.params) == {
            "symbol": "SOLUSDT",
            "interval": "5m",
            "startTime": str(T0 * 1000),
            "endTime": str((T0 + 3600) * 1000 - 1),
            "limit": "1000",
        }

    def test_gecko_params_and_page_window(self) -> None:
        far = T0 + 10 * PAGE_LIMIT * 300
        req = gecko_request("https://api.geckoterminal.com/api/v2", POOL, "5m", T0, far)
        assert req.url == (
            f"https://api.geckoterminal.com/api/v2/networks/solana/pools/{POOL}/ohlcv/minute"
        )
        assert req.end_ts == T0 + (PAGE_LIMIT - 1) * 300
        assert dict(req.params) == {
            "aggregate": "5",
            "before_timestamp": str(req.end_ts),
            "limit": "1000",
            "currency": "usd",
            "token": "base",
        }
        last = gecko_request("http://h", POOL, "4h", T0, T0 + 3 * 14400)
        assert last.url.endswith("/ohlcv/hour") and last.params["aggregate"] == "4"
        assert last.end_ts == T0 + 3 * 14400

    @pytest.mark.parametrize(
        ("provider", "interval", "seconds"),
        [(BINANCE, "1s", 1), (BINANCE, "3d", 259200), (GECKOTERMINAL, "15m", 900)],
    )
    def test_intervals(self, provider: str, interval: str, seconds: int) -> None:
        assert interval_seconds(provider, interval) == seconds

    @pytest.mark.parametrize(("provider", "interval"), [(BINANCE, "1M"), (GECKOTERMINAL, "3m")])
    def test_unknown_interval_lists_the_known_ones(self, provider: str, interval: str) -> None:
        with pytest.raises(DownloadInputError, match=rf"{provider}: no interval '{interval}'.*5m"):
            interval_seconds(provider, interval)

    def test_pairs(self) -> None:
        assert split_pair("solusdt") == ("SOL", "USDT")
        assert split_pair("WIFUSDC") == ("WIF", "USDC")
        with pytest.raises(DownloadInputError, match="'SOLBTC' is not quoted in USDT"):
            split_pair("SOLBTC")
        with pytest.raises(DownloadInputError, match="'SOL/USDT' is not a pair"):
            split_pair("SOL/USDT")

    def test_pool_and_symbols(self) -> None:
        assert check_pool(POOL) == POOL
        with pytest.raises(DownloadInputError, match="'0xdead' is not a Solana pool"):
            check_pool("0xdead")
        assert file_symbol("$wif") == "WIF"
        assert file_symbol("🐶") is None


class TestBinanceAnswers:
    """A klines answer becomes candles; anything else is refused naming field and value."""

    @given(st.integers(1, 40), st.sets(st.integers(1, 38), max_size=10))
    def test_round_trip_with_gaps(self, n: int, gaps: set[int]) -> None:
        candles = make_candles(n, gaps=sorted(gaps))
        parsed = parse_binance(binance_answer(candles), window(T0, T0 + 40 * 300), 300)
        assert parsed == candles

    def test_empty_answer(self) -> None:
        assert parse_binance([], window(T0, T0 + 300), 300) == []

    @pytest.mark.parametrize(
        ("change", "field", "says"),
        [
            (lambda rows: rows[1].__setitem__(4, "abc"), r"\[1\]\[4\] \(close\)", "'abc' is not"),
            (lambda rows: rows[1].__setitem__(2, 101.0), r"\[1\]\[2\] \(high\)", "as a string"),
            (lambda rows: rows[0].__setitem__(3, "0"), r"\[0\]\[3\] \(low\)", "not a positive"),
            (lambda rows: rows[2].__setitem__(1, "999"), r"\[2\]\[1\] \(open\)", "outside low"),
            (lambda rows: rows[1].__setitem__(5, "-1"), r"\[1\]\[5\] \(volume\)", "negative"),
            (lambda rows: rows.__setitem__(1, rows[1][:4]), r"\[1\]", "at least 6 fields"),
            (lambda rows: rows[1].__setitem__(0, "x"), r"\[1\]\[0\] \(open time\)", "'x'"),
        ],
        ids=[
            "not-a-number",
            "number-not-string",
            "zero-low",
            "open-above-high",
            "neg-volume",
            "short-row",
            "bad-time",
        ],
    )
    def test_malformed(
        self, change: Callable[[list[list[object]]], None], field: str, says: str
    ) -> None:
        rows = binance_answer(make_candles(3))
        change(rows)
        with pytest.raises(ResponseInvalid, match=rf"^binance: {field}: .*{says}"):
            parse_binance(rows, window(T0, T0 + 3600), 300)

    def test_not_an_array(self) -> None:
        with pytest.raises(ResponseInvalid, match=r"binance: body: expected an array.*an object"):
            parse_binance({"code": -1121, "msg": "Invalid symbol."}, window(T0, T0 + 300), 300)

    def test_out_of_order(self) -> None:
        rows = binance_answer(make_candles(3))
        rows[1], rows[2] = rows[2], rows[1]
        with pytest.raises(
            ResponseInvalid,
            match=r"\[2\]\[0\] \(open time\): 2025-01-01T00:05:00Z is not after the previous "
            r"candle \(2025-01-01T00:10:00Z\)",
        ):
            parse_binance(rows, window(T0, T0 + 3600), 300)

    def test_outside_the_window(self) -> None:
        rows = binance_answer(make_candles(3))
        with pytest.raises(
            ResponseInvalid,
            match=r"\[2\]\[0\] \(open time\): 2025-01-01T00:10:00Z is outside the window",
        ):
            parse_binance(rows, window(T0, T0 + 600), 300)

    def test_off_the_grid(self) -> None:
        rows = binance_answer(make_candles(3))
        rows[2][0] = (T0 + 660) * 1000
        with pytest.raises(ResponseInvalid, match="is off the 300 s grid"):
            parse_binance(rows, window(T0, T0 + 3600), 300)

    def test_a_page_must_follow_the_file(self) -> None:
        check_continues(BINANCE, T0, T0 + 900, 300)  # a gap is fine
        with pytest.raises(ResponseInvalid, match=r"binance: first candle: .* is not after"):
            check_continues(BINANCE, T0, T0, 300)


class TestGeckoAnswers:
    """Newest first in, oldest first out, volume in base units, the window's candles only."""

    def test_candles_oldest_first_with_base_volume(self) -> None:
        candles = make_candles(6, gaps=[3])
        page = parse_gecko(gecko_answer(candles), window(T0, T0 + 6 * 300), 300)
        assert page.base_symbol == "WIF"
        assert [c.ts for c in page.candles] == [c.ts for c in candles]
        for got, want in zip(page.candles, candles, strict=True):
            assert (got.open, got.high, got.low, got.close) == (
                want.open, want.high, want.low, want.close,
            )  # fmt: skip
            assert got.volume == pytest.approx(want.volume, rel=1e-12)

    def test_older_candles_and_one_at_the_end_are_left_to_other_pages(self) -> None:
        candles = make_candles(10)
        page = parse_gecko(gecko_answer(candles), window(T0 + 3 * 300, T0 + 9 * 300), 300)
        assert [c.ts for c in page.candles] == [T0 + i * 300 for i in range(3, 9)]

    def test_after_before_timestamp(self) -> None:
        with pytest.raises(
            ResponseInvalid,
            match=r"^geckoterminal: data.attributes.ohlcv_list\[0\]\[0\] \(timestamp\): "
            r"2025-01-01T00:25:00Z is after before_timestamp 2025-01-01T00:15:00Z",
        ):
            parse_gecko(gecko_answer(make_candles(6)), window(T0, T0 + 900), 300)

    def test_oldest_first_is_out_of_order(self) -> None:
        body = gecko_answer(make_candles(3))
        rows = body["data"]["attributes"]["ohlcv_list"]  # type: ignore[index]
        rows.reverse()
        with pytest.raises(ResponseInvalid, match=r"ohlcv_list\[1\]\[0\].*newest first"):
            parse_gecko(body, window(T0, T0 + 3600), 300)

    @pytest.mark.parametrize(
        ("k", "value", "says"),
        [(4, "1.5", r"\[0\]\[4\] \(close\): '1.5' is not a number"),
         (5, None, r"\[0\]\[5\] \(volume_usd\): None is not a number"),
         (0, 1.5, r"\[0\]\[0\] \(timestamp\): 1.5 is not whole unix seconds")],
    )  # fmt: skip
    def test_malformed_field(self, k: int, value: object, says: str) -> None:
        body = gecko_answer(make_candles(3))
        body["data"]["attributes"]["ohlcv_list"][0][k] = value  # type: ignore[index]
        with pytest.raises(
            ResponseInvalid, match=rf"^geckoterminal: data.attributes.ohlcv_list{says}"
        ):
            parse_gecko(body, window(T0, T0 + 3600), 300)

    def test_missing_list(self) -> None:
        with pytest.raises(
            ResponseInvalid, match=r"^geckoterminal: data\.attributes\.ohlcv_list: required field"
        ):
            parse_gecko({"data": {"attributes": {}}}, window(T0, T0 + 300), 300)
        with pytest.raises(ResponseInvalid, match=r"^geckoterminal: data: required field"):
            parse_gecko({"errors": [{"status": "404", "title": "Not Found"}]}, window(T0, T0), 300)

    def test_no_meta_no_symbol(self) -> None:
        body = gecko_answer(make_candles(2))
        del body["meta"]
        assert parse_gecko(body, window(T0, T0 + 600), 300).base_symbol is None
