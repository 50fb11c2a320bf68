"""Tests `MeteredClient.wind_down`: once a stop begins, no attempt is started (retries
included), and the attempt already in flight is answered; every call counted was received."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from soltrader_tui.net import ClientStopping, MeteredClient
from tests.loopback import LoopbackServer, Reply
from tests.net import make_policy

DOWN = Reply.json({"error": "down"}, status=503)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


class TestWindDown:
    async def test_no_retry_starts_after_the_stop(self, server: LoopbackServer) -> None:
        server.script("/p", [DOWN, Reply.json({"ok": True})])
        client: MeteredClient | None = None

        async def stop_during_backoff(seconds: float) -> None:
            assert client is not None
            client.wind_down()  # the stop arrives while the client waits to retry

        client = MeteredClient({"jupiter": make_policy()}, sleep=stop_during_backoff)
        async with client:
            with pytest.raises(ClientStopping, match="not sent"):
                await client.get_json("jupiter", server.url_for("/p"))
            usage = client.usage()[0]
        assert server.count("/p") == 1
        assert (usage.calls, usage.errors) == (1, 1)
        assert usage.circuit == "closed", "a stop is not the provider's failure"

    async def test_a_call_after_the_stop_is_not_sent(self, server: LoopbackServer) -> None:
        server.route("/p", lambda request: Reply.json({"ok": True}))
        async with MeteredClient({"jupiter": make_policy()}) as client:
            client.wind_down()
            with pytest.raises(ClientStopping):
                await client.get_json("jupiter", server.url_for("/p"))
            assert client.usage()[0].calls == 0
        assert server.count() == 0

    async def test_the_attempt_in_flight_is_answered(self, server: LoopbackServer) -> None:
        server.route("/slow", lambda request: Reply.json({"ok": True}, delay_s=0.3))
        async with MeteredClient({"jupiter": make_policy()}) as client:
            call = asyncio.create_task(client.get_json("jupiter", server.url_for("/slow")))
            async with asyncio.timeout(5):
                while server.count("/slow") == 0:
                    await asyncio.sleep(0.005)
            client.wind_down()
            assert await call == {"ok": True}
            usage = client.usage()[0]
        assert (usage.calls, usage.errors) == (1, 0)
        assert usage.p50_ms is not None and usage.p50_ms >= 300
