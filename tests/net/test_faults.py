"""Tests each API fault against a real loopback server: what is retried, waited for, counted."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from soltrader_tui.net import MeteredClient, ProviderUnavailable, RequestFailed
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from tests.net import make_policy

OK = Reply.json({"ok": True})


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def gap(server: LoopbackServer, path: str) -> float:
    """Seconds between the first and second arrival at `path`."""
    first, second = server.requests(path)[:2]
    return second.arrival - first.arrival


class TestRateLimitedAnswers:
    """A 429 is waited out as the provider asks, or the poll is skipped if it asks too much."""

    async def test_retry_after_seconds_is_honoured(self, server: LoopbackServer) -> None:
        server.script("/p", [Reply.json({}, status=429, headers={"retry-after": "1"}), OK])
        async with MeteredClient({"jupiter": make_policy()}) as client:
            assert await client.get_json("jupiter", server.url_for("/p")) == {"ok": True}
            usage = client.usage()[0]
        assert 0.95 <= gap(server, "/p") < 1.8
        assert (usage.calls, usage.errors, usage.rate_limited) == (2, 1, 1)

    async def test_ratelimit_reset_unix_seconds_is_honoured(self, server: LoopbackServer) -> None:
        def limited(request: RecordedRequest) -> Reply:
            reset = int(request.arrival_wall) + 2
            return Reply.json({}, status=429, headers={"x-ratelimit-reset": str(reset)})

        server.script("/p", [limited, OK])
        async with MeteredClient({"jupiter": make_policy(backoff_max_s=3)}) as client:
            await client.get_json("jupiter", server.url_for("/p"))
            usage = client.usage()[0]
        first = server.requests("/p")[0]
        reset_ts = usage.provider_reset_ts
        assert reset_ts is not None
        waited_at_least = reset_ts - first.arrival_wall - 0.05
        assert waited_at_least <= gap(server, "/p") < waited_at_least + 0.8
        assert usage.rate_limited == 1

    async def test_a_wait_longer_than_the_cap_fails_fast_and_holds_the_circuit(
        self, server: LoopbackServer
    ) -> None:
        server.route("/p", lambda _: Reply.json({}, status=429, headers={"retry-after": "60"}))
        async with MeteredClient({"jupiter": make_policy(backoff_max_s=2)}) as client:
            started = time.monotonic()
            with pytest.raises(RequestFailed, match="asks to wait 60"):
                await client.get_json("jupiter", server.url_for("/p"))
            assert time.monotonic() - started < 0.5
            with pytest.raises(ProviderUnavailable):
                await client.get_json("jupiter", server.url_for("/p"))
            assert client.usage()[0].circuit == "open"
        assert server.count("/p") == 1

    async def test_a_429_without_hints_backs_off_and_counts(self, server: LoopbackServer) -> None:
        server.route("/p", lambda _: Reply.json({}, status=429))
        async with MeteredClient({"jupiter": make_policy(max_attempts=3)}) as client:
            with pytest.raises(RequestFailed, match="failed after 3 attempts: HTTP 429"):
                await client.get_json("jupiter", server.url_for("/p"))
            usage = client.usage()[0]
        assert (usage.calls, usage.errors, usage.rate_limited) == (3, 3, 3)
        assert server.count("/p") == 3


class TestServerErrors:
    """A 5xx is retried with backoff; if it persists the caller gets the last status."""

    async def test_5xx_then_success(self, server: LoopbackServer) -> None:
        server.script("/p", [Reply.json({}, status=500), Reply.json({}, status=502), OK])
        async with MeteredClient({"jupiter": make_policy()}) as client:
            assert await client.get_json("jupiter", server.url_for("/p")) == {"ok": True}
            usage = client.usage()[0]
        assert (usage.calls, usage.errors, usage.rate_limited) == (3, 2, 0)
        assert server.count("/p") == 3

    async def test_persistent_5xx_names_provider_path_and_status(
        self, server: LoopbackServer
    ) -> None:
        server.route("/price/v3", lambda _: Reply.json({}, status=503))
        async with MeteredClient({"jupiter": make_policy(max_attempts=3)}) as client:
            with pytest.raises(RequestFailed) as failed:
                await client.get_json(
                    "jupiter", server.url_for("/price/v3"), params={"ids": "MINT"}
                )
            assert client.usage()[0].last_error == "HTTP 503 on /price/v3"
        assert str(failed.value) == "jupiter: GET /price/v3 failed after 3 attempts: HTTP 503"
        assert failed.value.attempts == 3
        assert server.count("/price/v3") == 3
        assert server.requests("/price/v3")[0].param("ids") == "MINT"

    async def test_backoff_grows_between_attempts(self, server: LoopbackServer) -> None:
        server.route("/p", lambda _: Reply.json({}, status=500))
        policy = make_policy(max_attempts=3, backoff_base_s=0.2, backoff_max_s=1)
        async with MeteredClient({"jupiter": policy}, seed=7) as client:
            with pytest.raises(RequestFailed):
                await client.get_json("jupiter", server.url_for("/p"))
        arrivals = [r.arrival for r in server.requests("/p")]
        # Equal jitter: attempt n waits between half and all of base * 2**(n-1).
        assert 0.1 - 0.02 <= arrivals[1] - arrivals[0] <= 0.2 + 0.3
        assert 0.2 - 0.02 <= arrivals[2] - arrivals[1] <= 0.4 + 0.3


class TestTransportFaults:
    """Timeouts and dropped connections are retried; each failed attempt is an error."""

    async def test_timeout_then_success(self, server: LoopbackServer) -> None:
        server.script("/p", [Reply.json({}, delay_s=3), OK])
        async with MeteredClient({"jupiter": make_policy(timeout_s=0.2)}) as client:
            started = time.monotonic()
            assert await client.get_json("jupiter", server.url_for("/p")) == {"ok": True}
            assert time.monotonic() - started < 1.5
            usage = client.usage()[0]
        assert (usage.calls, usage.errors) == (2, 1)

    async def test_every_attempt_timing_out(self, server: LoopbackServer) -> None:
        server.route("/p", lambda _: Reply.json({}, delay_s=3))
        async with MeteredClient({"jupiter": make_policy(timeout_s=0.2, max_attempts=2)}) as client:
            started = time.monotonic()
            with pytest.raises(RequestFailed, match=r"2 attempts: timeout after 0\.2s"):
                await client.get_json("jupiter", server.url_for("/p"))
            assert time.monotonic() - started < 1.5
        assert server.count("/p") == 2

    @pytest.mark.parametrize("drop", [Reply.close(), Reply.reset()], ids=["close", "reset"])
    async def test_dropped_connection_then_success(
        self, server: LoopbackServer, drop: Reply
    ) -> None:
        server.script("/p", [drop, OK])
        async with MeteredClient({"jupiter": make_policy()}) as client:
            assert await client.get_json("jupiter", server.url_for("/p")) == {"ok": True}
            usage = client.usage()[0]
        assert (usage.calls, usage.errors) == (2, 1)
        assert usage.last_error is not None
        assert usage.last_error.startswith("connection error")

    async def test_unreachable_port(self) -> None:
        with LoopbackServer() as gone:
            url = gone.url_for("/p")
        async with MeteredClient({"jupiter": make_policy(max_attempts=2)}) as client:
            with pytest.raises(RequestFailed, match="connection error"):
                await client.get_json("jupiter", url)
            assert client.usage()[0].errors == 2
            # Named by kind, so `health` says "connection failures", not just "errors".
            assert client.usage()[0].recent_failures == {"connection": 2}

    async def test_failures_are_counted_by_kind(self, server: LoopbackServer) -> None:
        server.script(
            "/p",
            [
                Reply.json({}, status=503),
                Reply.json({}, status=429, headers={"retry-after": "0"}),
                Reply.json({}, status=404),
            ],
        )
        async with MeteredClient({"jupiter": make_policy(max_attempts=3)}) as client:
            with pytest.raises(RequestFailed):
                await client.get_json("jupiter", server.url_for("/p"))
            kinds = client.usage()[0].recent_failures
        assert kinds == {"server_error": 1, "rate_limited": 1, "refused": 1}


class TestBadAnswers:
    """Answers that can't be used fail the call once, without retrying, and are counted."""

    async def test_malformed_json_is_not_retried(self, server: LoopbackServer) -> None:
        server.route(
            "/p",
            lambda _: Reply.text('{"data": [1, 2', headers={"content-type": "application/json"}),
        )
        async with MeteredClient({"jupiter": make_policy()}) as client:
            with pytest.raises(RequestFailed, match="1 attempt: malformed JSON"):
                await client.get_json("jupiter", server.url_for("/p"))
            usage = client.usage()[0]
        assert (usage.calls, usage.errors) == (1, 1)
        assert server.count("/p") == 1

    async def test_404_is_not_retried_and_does_not_trip_the_circuit(
        self, server: LoopbackServer
    ) -> None:
        async with MeteredClient({"jupiter": make_policy(breaker_failures=2)}) as client:
            for _ in range(4):
                with pytest.raises(RequestFailed, match="1 attempt: HTTP 404"):
                    await client.get_json("jupiter", server.url_for("/missing"))
            usage = client.usage()[0]
        assert (usage.calls, usage.errors, usage.circuit) == (4, 4, "closed")
        assert server.count("/missing") == 4

    async def test_schema_rejection_counts_an_error_not_a_call(
        self, server: LoopbackServer
    ) -> None:
        server.route("/p", lambda _: OK)
        async with MeteredClient({"jupiter": make_policy()}) as client:
            await client.get_json("jupiter", server.url_for("/p"))
            client.report_invalid("jupiter", "usdPrice missing for MINT")
            usage = client.usage()[0]
        assert (usage.calls, usage.errors, usage.circuit) == (1, 1, "closed")
        assert usage.last_error == "invalid body: usdPrice missing for MINT"

    async def test_unknown_provider_is_a_programming_error(self, server: LoopbackServer) -> None:
        async with MeteredClient({"jupiter": make_policy()}) as client:
            with pytest.raises(ValueError, match="unknown provider 'jup'"):
                await client.get_json("jup", server.url_for("/p"))
        assert server.count() == 0
