"""Whole-process tests of `soltrader-tui download` against loopback servers in the APIs' shapes.

Each server answers as the real API does (Binance klines by startTime/endTime/limit, oldest
first; GeckoTerminal pool OHLCV by before_timestamp/limit, newest first), from a list of
candles with gaps; the file written must load with `recorded.load` and hold those candles.
No request leaves 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from soltrader_tui.market.ohlcv_api import Kline, iso
from soltrader_tui.market.recorded import load
from soltrader_tui.market.series import CandleSeries
from tests.conftest import Cli
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from tests.market.test_ohlcv_api import (
    POOL,
    T0,
    binance_answer,
    gecko_answer,
    make_candles,
)

KLINES = "/api/v3/klines"
GECKO_PATH = f"/networks/solana/pools/{POOL}/ohlcv/minute"
FAST = ("--rate", "6000")
"""A loopback server has no limit to respect: the tests do not wait out 30 calls a minute."""


def served_klines(candles: Sequence[Kline]) -> Callable[[RecordedRequest], Reply]:
    """A route answering klines as Binance does: [startTime, endTime], at most `limit`."""

    def answer(req: RecordedRequest) -> Reply:
        start, end = int(req.param("startTime") or 0), int(req.param("endTime") or 2**62)
        limit = int(req.param("limit") or 500)
        rows = [c for c in candles if start <= c.ts * 1000 <= end][:limit]
        return Reply.json(binance_answer(rows), headers={"X-MBX-USED-WEIGHT-1M": "2"})

    return answer


def served_ohlcv(candles: Sequence[Kline]) -> Callable[[RecordedRequest], Reply]:
    """A route answering pool OHLCV as GeckoTerminal does: before before_timestamp, newest
    `limit` of them."""

    def answer(req: RecordedRequest) -> Reply:
        before = int(req.param("before_timestamp") or 2**62)
        limit = int(req.param("limit") or 100)
        rows = [c for c in candles if c.ts < before][-limit:]
        return Reply.json(gecko_answer(rows))

    return answer


def loaded(path: Path) -> CandleSeries:
    (series,) = load(path)
    assert isinstance(series, CandleSeries)
    return series


def assert_holds(path: Path, candles: Sequence[Kline], symbol: str) -> None:
    """The file loads for replay, under `symbol`, with exactly these candles."""
    series = loaded(path)
    assert series.token.symbol == symbol and series.interval_s == 300
    written = [series.candle(i) for i in range(len(series))]
    assert [(int(c.ts), c.open, c.high, c.low, c.close, c.volume) for c in written] == [
        (k.ts, k.open, k.high, k.low, k.close, k.volume) for k in candles
    ]


def binance(server: LoopbackServer, *args: str) -> list[str]:
    return ["download", "binance", *args, "--base-url", server.url, *FAST]


def start_requests(server: LoopbackServer) -> list[int]:
    return [int(r.param("startTime") or 0) // 1000 for r in server.requests(KLINES)]


class TestBinance:
    """SOLUSDT klines into binance_SOL_USDT_5m.csv, page after page, resumable."""

    def test_pages_with_gaps_load_in_replay(self, cli: Cli) -> None:
        candles = make_candles(2300, gaps=[*range(500, 520), 1500])
        with LoopbackServer() as server:
            server.route(KLINES, served_klines(candles))
            proc = cli.run(
                *binance(server, "SOLUSDT", "--since", "2025-01-01", "--until", "2025-01-09")
            )
            starts = start_requests(server)
        assert proc.returncode == 0, proc.stderr
        path = cli.cwd / "binance_SOL_USDT_5m.csv"
        assert_holds(path, candles, "SOL")
        # Each page starts after the previous one's last candle; the data ends, so do the calls.
        assert starts == [T0, candles[1000].ts, candles[2000].ts, candles[-1].ts + 300]
        assert f"1000 candles written, last {iso(candles[999].ts)}" in proc.stderr
        assert f"downloaded 2279 candles of binance SOLUSDT 5m to {path}" in proc.stdout
        assert "new file; 4 calls" in proc.stdout

    def test_resumes_after_a_kill_and_a_torn_row(self, cli: Cli) -> None:
        candles = make_candles(1600, gaps=[1200])
        hold = threading.Event()
        first_page = served_klines(candles[:1000])

        def held_after_first_page(req: RecordedRequest) -> Reply:
            if int(req.param("startTime") or 0) == T0 * 1000:
                return first_page(req)
            hold.wait(5)  # the download is killed while it waits for page two
            return Reply.close()

        args = ("SOLUSDT", "--since", "2025-01-01", "--until", "2025-01-07")
        path = cli.cwd / "binance_SOL_USDT_5m.csv"
        with LoopbackServer() as server:
            server.route(KLINES, held_after_first_page)
            proc = cli.start(*binance(server, *args))
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and len(_lines(path)) < 1001:
                time.sleep(0.02)
            proc.kill()
            proc.wait(5)
            hold.set()
            assert len(_lines(path)) == 1001  # the header and the whole first page
            with path.open("ab") as f:
                f.write(b"1736036100000,2025-01-05T00:15:00Z,101.5,101.6")  # cut off mid-row
            server.route(KLINES, served_klines(candles))
            server.clear()
            again = cli.run(*binance(server, *args))
            starts = start_requests(server)
        assert again.returncode == 0, again.stderr
        assert "dropped an unfinished last row (46 bytes)" in again.stdout
        assert "continued after 2025-01-04T11:15:00Z" in again.stdout
        assert starts[0] == candles[999].ts + 300
        assert_holds(path, candles, "SOL")

    def test_429_is_waited_out_and_retried(self, cli: Cli) -> None:
        candles = make_candles(50)
        with LoopbackServer() as server:
            too_many = {"code": -1003, "msg": "Too many requests; current limit is 6000."}
            server.script(KLINES, [Reply.json(too_many, status=429, headers={"Retry-After": "1"})])
            server.route(KLINES, served_klines(candles))
            proc = cli.run(
                *binance(server, "SOLUSDT", "--since", "2025-01-01", "--until", "2025-01-02")
            )
            arrivals = [r.arrival for r in server.requests(KLINES)]
        assert proc.returncode == 0, proc.stderr
        assert len(arrivals) == 3  # the 429, its retry, the empty page after the data
        assert arrivals[1] - arrivals[0] >= 0.9  # Retry-After: 1 was honoured
        assert_holds(cli.cwd / "binance_SOL_USDT_5m.csv", candles, "SOL")

    def test_unknown_symbol_is_bad_input(self, cli: Cli) -> None:
        with LoopbackServer() as server:
            invalid = {"code": -1121, "msg": "Invalid symbol."}
            server.route(KLINES, lambda _req: Reply.json(invalid, status=400))
            proc = cli.run(*binance(server, "NOPEUSDT", "--since", "2025-01-01"))
            calls = server.count(KLINES)
        assert proc.returncode == 2
        assert "binance: pair 'NOPEUSDT' refused (HTTP 400 on /api/v3/klines)" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert calls == 1  # a 400 is an answer: not retried
        assert list(cli.cwd.iterdir()) == []

    def test_malformed_answer_keeps_the_pages_before(self, cli: Cli) -> None:
        candles = make_candles(1200)
        good = served_klines(candles)

        def bad_second_page(req: RecordedRequest) -> Reply:
            reply = good(req)
            if int(req.param("startTime") or 0) == T0 * 1000:
                return reply
            rows = binance_answer(candles[1000:])
            rows[5][4] = "abc"
            return Reply.json(rows)

        with LoopbackServer() as server:
            server.route(KLINES, bad_second_page)
            proc = cli.run(
                *binance(server, "SOLUSDT", "--since", "2025-01-01", "--until", "2025-01-06")
            )
        assert proc.returncode == 1
        assert "binance: [5][4] (close): 'abc' is not a number" in proc.stderr
        assert "run the same command to continue" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert_holds(cli.cwd / "binance_SOL_USDT_5m.csv", candles[:1000], "SOL")


class TestGeckoTerminal:
    """Pool OHLCV, newest first, into geckoterminal_WIF_USD_5m_<pool>.csv, oldest first."""

    def test_pages_backwards_into_a_file_replay_reads_and_resumes(self, cli: Cli) -> None:
        candles = make_candles(2100, gaps=[*range(990, 1010), 2000])
        cut = T0 + 1500 * 300
        with LoopbackServer() as server:
            server.route(GECKO_PATH, served_ohlcv(candles))
            argv = ["download", "geckoterminal", POOL, "--base-url", server.url, *FAST]
            first = cli.run(*argv, "--since", "2025-01-01", "--until", "2025-01-06T05:00")
            again = cli.run(*argv, "--until", "2025-01-08T07:00")
            befores = [int(r.param("before_timestamp") or 0) for r in server.requests()]
        assert first.returncode == 0, first.stderr
        assert again.returncode == 0, again.stderr
        path = cli.cwd / f"geckoterminal_WIF_USD_5m_{POOL}.csv"
        series = loaded(path)
        assert series.token.symbol == "WIF"
        assert list(series.ts) == [c.ts for c in candles]
        assert list(series.close) == [c.close for c in candles]
        assert list(series.volume) == pytest.approx([c.volume for c in candles], rel=1e-12)
        # Windows of 999 candles, oldest first; the second run starts after the file's end.
        assert befores == [T0 + 999 * 300, cut, T0 + 2100 * 300]
        assert "continued after 2025-01-06T04:55:00Z" in again.stdout

    def test_answer_out_of_order(self, cli: Cli) -> None:
        body = gecko_answer(make_candles(5))
        rows = body["data"]["attributes"]["ohlcv_list"]  # type: ignore[index]
        rows[1], rows[2] = rows[2], rows[1]
        with LoopbackServer() as server:
            server.route(GECKO_PATH, lambda _req: Reply.json(body))
            proc = cli.run(
                "download", "geckoterminal", POOL, "--symbol", "WIF", "--since", "2025-01-01",
                "--until", "2025-01-01T01:00", "--base-url", server.url, *FAST,
            )  # fmt: skip
        assert proc.returncode == 1
        assert (
            "geckoterminal: data.attributes.ohlcv_list[2][0] (timestamp): 2025-01-01T00:15:00Z "
            "is not before the candle above it (2025-01-01T00:10:00Z)"
        ) in proc.stderr
        assert "Traceback" not in proc.stderr

    def test_unknown_pool_is_bad_input(self, cli: Cli) -> None:
        with LoopbackServer() as server:
            proc = cli.run(
                "download", "geckoterminal", POOL, "--since", "2025-01-01",
                "--until", "2025-01-02", "--base-url", server.url, *FAST,
            )  # fmt: skip
        assert proc.returncode == 2  # the loopback server's 404: no route for that pool
        assert f"geckoterminal: pool '{POOL}' not found on network solana (HTTP 404)" in (
            proc.stderr
        )
        assert "Traceback" not in proc.stderr


class TestBadInput:
    """Flags and files that cannot be used: exit 2, one line, nothing sent, nothing touched."""

    def test_out_is_not_a_candle_file(self, cli: Cli) -> None:
        notes = cli.cwd / "notes_SOL_USDT.csv"
        notes.write_text("date,price\n2025-01-01,189")
        proc = cli.run(
            "download", "binance", "SOLUSDT", "--out", notes, "--base-url", "http://127.0.0.1:9"
        )
        assert proc.returncode == 2
        assert f"{notes}:1: not a candle file of this shape" in proc.stderr
        assert notes.read_text() == "date,price\n2025-01-01,189"

    def test_new_file_needs_since(self, cli: Cli) -> None:
        proc = cli.run("download", "binance", "SOLUSDT", "--base-url", "http://127.0.0.1:9")
        assert proc.returncode == 2
        assert "binance: give --since for a new download" in proc.stderr

    def test_bad_time_and_interval(self, cli: Cli) -> None:
        offline = ("--base-url", "http://127.0.0.1:9")
        proc = cli.run("download", "binance", "SOLUSDT", "--since", "yesterday", *offline)
        assert proc.returncode == 2
        assert "--since 'yesterday' is not a date or time" in proc.stderr
        proc = cli.run(
            "download", "geckoterminal", POOL, "--interval", "3m", "--since", "2025-01-01", *offline
        )
        assert proc.returncode == 2
        assert "geckoterminal: no interval '3m'; use one of 1m, 5m, 15m" in proc.stderr


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines() if path.exists() else []
