"""Tests how HttpFeed stops: the request in flight is answered, no new one is sent, and a
request that is never answered does not hold the stop beyond STOP_GRACE_S."""

from __future__ import annotations

import asyncio
import time

from soltrader_tui.config.model import Config
from soltrader_tui.market.http_feed import STOP_GRACE_S, HttpFeed
from soltrader_tui.market.server import MarketServer
from soltrader_tui.market.sources import MarketSetup, build_market


def served(faults: dict[str, object]) -> tuple[MarketSetup, HttpFeed, MarketServer]:
    config = Config.model_validate({"market": {"sim": {"faults": faults}}})
    setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=None)
    assert isinstance(setup.feed, HttpFeed) and setup.server is not None
    return setup, setup.feed, setup.server


async def stop_while_in_flight(setup: MarketSetup, feed: HttpFeed, server: MarketServer) -> float:
    """Starts the poller, waits until the server holds its first request, stops; seconds."""
    await feed.poll(setup.clock.now())
    deadline = time.monotonic() + 5
    while server.request_count() == 0:
        assert time.monotonic() < deadline, "the poller sent nothing"
        await asyncio.sleep(0.005)
    started = time.monotonic()
    await feed.aclose()
    return time.monotonic() - started


class TestStop:
    async def test_the_request_in_flight_gets_its_answer(self) -> None:
        setup, feed, server = served({"latency_ms": 300})
        try:
            took = await stop_while_in_flight(setup, feed, server)
            usage = {u.provider: u for u in feed.usage()}
            # Counted by the bot and by the server alike, and answered: its latency is known.
            assert sum(u.calls for u in usage.values()) == server.request_count() == 1
            assert usage["dex-profiles"].calls == 1
            assert usage["dex-profiles"].p50_ms is not None
            assert usage["dex-profiles"].p50_ms >= 300
            assert usage["dex-profiles"].errors == 0
            assert took < STOP_GRACE_S
        finally:
            setup.close()

    async def test_an_unanswered_request_holds_the_stop_for_the_grace_only(self) -> None:
        setup, feed, server = served({"share_timeout": 1.0})
        try:
            took = await stop_while_in_flight(setup, feed, server)
            usage = {u.provider: u for u in feed.usage()}
            assert STOP_GRACE_S <= took < STOP_GRACE_S + 1.0
            # Sent, so counted; never answered, so no latency and no error either.
            assert usage["dex-profiles"].calls == server.request_count() == 1
            assert usage["dex-profiles"].p50_ms is None
        finally:
            setup.close()
