"""Tests the circuit breaker through the client, against a loopback server, on a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from soltrader_tui.net import MeteredClient, ProviderUnavailable, RequestFailed
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from tests.net import ManualClock, make_policy

DOWN = Reply.json({"error": "down"}, status=503)
OK = Reply.json({"ok": True})


class Switch:
    """A route whose answer the test flips between down and up."""

    def __init__(self) -> None:
        self.reply = DOWN

    def __call__(self, request: RecordedRequest) -> Reply:
        return self.reply


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def make_client(clock: ManualClock, *, max_attempts: int = 1) -> MeteredClient:
    """A client that opens after 3 failed calls and probes after 30 s of `clock`."""
    policy = make_policy(breaker_failures=3, breaker_cooldown_s=30, max_attempts=max_attempts)
    return MeteredClient({"jupiter": policy}, monotonic=clock)


async def in_flight(server: LoopbackServer, path: str, count: int, timeout_s: float = 10) -> None:
    """Waits until the server has received `count` requests for `path`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while server.count(path) < count:
        assert asyncio.get_running_loop().time() < deadline, f"{path}: request {count} never came"
        await asyncio.sleep(0.01)


async def fail_until_open(client: MeteredClient, url: str) -> None:
    """Makes the three failed calls that open the circuit."""
    for _ in range(3):
        with pytest.raises(RequestFailed):
            await client.get_json("jupiter", url)


class TestOpen:
    """A provider that keeps failing is skipped: no request leaves while the circuit is open."""

    async def test_opens_after_n_failed_calls_and_sends_nothing(
        self, server: LoopbackServer
    ) -> None:
        server.route("/p", Switch())
        clock = ManualClock()
        async with make_client(clock) as client:
            await fail_until_open(client, server.url_for("/p"))
            assert client.usage()[0].circuit == "open"
            for _ in range(5):
                with pytest.raises(ProviderUnavailable, match=r"next probe in 30\.0s"):
                    await client.get_json("jupiter", server.url_for("/p"))
            clock.advance(29.9)
            with pytest.raises(ProviderUnavailable):
                await client.get_json("jupiter", server.url_for("/p"))
            assert client.usage()[0].calls == 3
        assert server.count("/p") == 3

    async def test_retried_attempts_make_one_failed_call(self, server: LoopbackServer) -> None:
        server.route("/p", Switch())
        clock = ManualClock()
        async with make_client(clock, max_attempts=2) as client:
            for expected in ("closed", "closed", "open"):
                with pytest.raises(RequestFailed):
                    await client.get_json("jupiter", server.url_for("/p"))
                assert client.usage()[0].circuit == expected
        assert server.count("/p") == 6


class TestRecovery:
    """After the cooldown one probe decides: the circuit closes by itself when the API is back."""

    async def test_probe_success_closes(self, server: LoopbackServer) -> None:
        switch = Switch()
        server.route("/p", switch)
        clock = ManualClock()
        async with make_client(clock, max_attempts=4) as client:
            await fail_until_open(client, server.url_for("/p"))
            clock.advance(30)
            assert client.usage()[0].circuit == "half_open"
            switch.reply = OK
            assert await client.get_json("jupiter", server.url_for("/p")) == {"ok": True}
            assert client.usage()[0].circuit == "closed"
            await client.get_json("jupiter", server.url_for("/p"))
        assert server.count("/p") == 3 * 4 + 2

    async def test_probe_failure_reopens_after_one_attempt(self, server: LoopbackServer) -> None:
        server.route("/p", Switch())
        clock = ManualClock()
        async with make_client(clock, max_attempts=4) as client:
            await fail_until_open(client, server.url_for("/p"))
            sent = server.count("/p")
            clock.advance(30)
            with pytest.raises(RequestFailed, match="after 1 attempt"):
                await client.get_json("jupiter", server.url_for("/p"))
            assert server.count("/p") == sent + 1  # the probe does not retry
            assert client.usage()[0].circuit == "open"
            with pytest.raises(ProviderUnavailable):
                await client.get_json("jupiter", server.url_for("/p"))
            assert server.count("/p") == sent + 1

    async def test_one_probe_at_a_time(self, server: LoopbackServer) -> None:
        switch = Switch()
        server.route("/p", switch)
        clock = ManualClock()
        async with make_client(clock) as client:
            await fail_until_open(client, server.url_for("/p"))
            clock.advance(30)
            switch.reply = Reply.json({"ok": True}, delay_s=0.3)
            results = await asyncio.gather(
                *(client.get_json("jupiter", server.url_for("/p")) for _ in range(4)),
                return_exceptions=True,
            )
        assert sum(isinstance(r, ProviderUnavailable) for r in results) == 3
        assert {"ok": True} in results
        assert server.count("/p") == 3 + 1

    async def test_cancelled_probe_does_not_wedge_the_circuit(self, server: LoopbackServer) -> None:
        switch = Switch()
        server.route("/p", switch)
        clock = ManualClock()
        async with make_client(clock) as client:
            await fail_until_open(client, server.url_for("/p"))
            clock.advance(30)
            switch.reply = Reply.json({"ok": True}, delay_s=2)
            probe = asyncio.create_task(client.get_json("jupiter", server.url_for("/p")))
            await in_flight(server, "/p", 4)  # the probe has reached the server: it holds the slot
            with pytest.raises(ProviderUnavailable):
                await client.get_json("jupiter", server.url_for("/p"))
            probe.cancel()
            with pytest.raises(asyncio.CancelledError):
                await probe
            switch.reply = OK
            assert await client.get_json("jupiter", server.url_for("/p")) == {"ok": True}
            assert client.usage()[0].circuit == "closed"


class TestGrowingCooldown:
    """A short outage is probed within seconds; each failed probe doubles the wait."""

    async def test_cooldown_doubles_to_the_max_and_resets_on_success(
        self, server: LoopbackServer
    ) -> None:
        switch = Switch()
        server.route("/p", switch)
        clock = ManualClock()
        policy = make_policy(
            breaker_failures=3, breaker_cooldown_s=30, breaker_first_cooldown_s=2, max_attempts=1
        )
        async with MeteredClient({"jupiter": policy}, monotonic=clock) as client:
            url = server.url_for("/p")
            await fail_until_open(client, url)
            waits = []
            for _ in range(6):
                with pytest.raises(ProviderUnavailable) as refused:
                    await client.get_json("jupiter", url)
                waits.append(refused.value.retry_in_s)
                clock.advance(refused.value.retry_in_s)
                with pytest.raises(RequestFailed):  # the probe fails: open again, longer
                    await client.get_json("jupiter", url)
            assert waits == [2, 4, 8, 16, 30, 30]
            clock.advance(30)
            switch.reply = OK
            await client.get_json("jupiter", url)
            switch.reply = DOWN
            await fail_until_open(client, url)
            with pytest.raises(ProviderUnavailable, match=r"next probe in 2\.0s"):
                await client.get_json("jupiter", url)
