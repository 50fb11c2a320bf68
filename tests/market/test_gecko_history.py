"""Tests GeckoHistory against a loopback server answering in GeckoTerminal's shapes."""

from __future__ import annotations

from soltrader_tui.market.gecko_history import GeckoHistory, history_interval
from soltrader_tui.market.ohlcv_api import GECKOTERMINAL
from soltrader_tui.net import MeteredClient, ProviderPolicy
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from tests.market.test_ohlcv_api import POOL, gecko_answer, make_candles

WIF = "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm"
OTHER = "So11111111111111111111111111111111111111112"
T0 = 1_735_689_600  # 2025-01-01 00:00 UTC
END = T0 + 40 * 60  # the session starts 40 minutes later


def pools_answer(mint: str, *, base: str | None = None) -> dict[str, object]:
    """A token-pools answer: the pool trades `base` (default: the mint) against SOL."""
    base = mint if base is None else base
    return {
        "data": [
            {
                "id": f"solana_{POOL}",
                "type": "pool",
                "attributes": {"address": POOL, "name": "WIF / SOL", "reserve_in_usd": "2500000.5"},
                "relationships": {
                    "base_token": {"data": {"id": f"solana_{base}", "type": "token"}},
                    "quote_token": {"data": {"id": f"solana_{OTHER}", "type": "token"}},
                },
            }
        ],
        "included": [
            {
                "id": f"solana_{mint}",
                "type": "token",
                "attributes": {"address": mint, "symbol": "WIF", "decimals": 6},
            }
        ],
    }


def serve(server: LoopbackServer, mint: str, pools: object) -> None:
    candles = make_candles(90, start=T0, step=60, gaps=(45,))

    def ohlcv(req: RecordedRequest) -> Reply:
        before = int(req.param("before_timestamp") or 2**62)
        limit = int(req.param("limit") or 100)
        return Reply.json(gecko_answer([c for c in candles if c.ts < before][-limit:]))

    server.route(f"/networks/solana/tokens/{mint}/pools", lambda req: Reply.json(pools))
    server.route(f"/networks/solana/pools/{POOL}/ohlcv/minute", ohlcv)


def client() -> MeteredClient:
    return MeteredClient({GECKOTERMINAL: ProviderPolicy(GECKOTERMINAL, 600, 60.0)})


async def test_recent_candles_become_ticks_and_count_as_api_usage() -> None:
    with LoopbackServer() as server:
        serve(server, WIF, pools_answer(WIF))
        async with client() as metered:
            ticks = await GeckoHistory(metered, server.url, [WIF])(END, 30 * 60)
            usage = {u.provider: u for u in metered.usage()}
        (ohlcv,) = server.requests(f"/networks/solana/pools/{POOL}/ohlcv/minute")
    # The half hour before the start: 30 one-minute candles, each its close at its close time.
    assert [t.ts for t in ticks] == [float(T0 + 11 * 60 + i * 60) for i in range(30)]
    assert {t.token.symbol for t in ticks} == {"WIF"} and ticks[0].token.mint == WIF
    assert ticks[0].liquidity_usd == 2_500_000.5
    assert ohlcv.param("before_timestamp") == str(END) and ohlcv.param("token") == "base"
    assert usage[GECKOTERMINAL].calls == 2


async def test_a_gap_stays_a_gap() -> None:
    with LoopbackServer() as server:
        serve(server, WIF, pools_answer(WIF))
        async with client() as metered:
            ticks = await GeckoHistory(metered, server.url, [WIF])(T0 + 50 * 60, 20 * 60)
    closes = [t.ts for t in ticks]
    assert float(T0 + 46 * 60) not in closes, "candle 45 is missing from the data"
    assert len(closes) == 19


async def test_no_history_when_the_token_is_not_a_pools_base() -> None:
    with LoopbackServer() as server:
        serve(server, WIF, pools_answer(WIF, base=OTHER))
        async with client() as metered:
            assert await GeckoHistory(metered, server.url, [WIF])(END, 600) == []


async def test_a_malformed_or_missing_answer_gives_no_history_not_an_error() -> None:
    with LoopbackServer() as server:
        serve(server, WIF, {"data": "nonsense"})
        async with client() as metered:
            history = GeckoHistory(metered, server.url, [WIF, OTHER])  # OTHER: a 404
            assert await history(END, 600) == []
            errors = {u.provider: u.errors for u in metered.usage()}
    assert errors[GECKOTERMINAL] >= 1


def test_the_interval_is_the_shortest_that_covers_the_span_in_one_call() -> None:
    assert history_interval(130 * 60) == "1m"
    assert history_interval(2 * 86400) == "5m"
    assert history_interval(30 * 86400) == "1h"
    assert history_interval(60 * 86400) == "4h"
