"""Tests the metered POST (JSON-RPC) against a real loopback server: retried only when the
caller says it is idempotent, and metered exactly like a GET."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from soltrader_tui.net import MeteredClient, ProviderPolicy, ProviderUnavailable, RequestFailed
from tests.loopback import LoopbackServer, Reply
from tests.net import make_policy

BODY = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getBalance", "params": []}).encode()
OK = Reply.json({"jsonrpc": "2.0", "id": 1, "result": {"value": 5}})


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


class TestPostSendsTheBody:
    """What the provider receives is the caller's body, with its content type and headers."""

    async def test_body_headers_and_answer(self, server: LoopbackServer) -> None:
        server.route("/", lambda _: OK)
        policy = make_policy("solana_rpc", default_headers={"x-token": "k"})
        async with MeteredClient({"solana_rpc": policy}) as client:
            answer = await client.post_json("solana_rpc", server.url_for("/"), BODY)
            usage = client.usage()[0]
        assert answer == {"jsonrpc": "2.0", "id": 1, "result": {"value": 5}}
        (received,) = server.requests("/")
        assert (received.method, received.body) == ("POST", BODY)
        assert received.headers["content-type"] == "application/json"
        assert received.headers["x-token"] == "k"
        assert (usage.provider, usage.calls, usage.errors) == ("solana_rpc", 1, 0)


class TestRetryIsOptIn:
    """A POST that could change state is sent once; a read says it may be sent again."""

    @pytest.mark.parametrize(
        "fault",
        [Reply.json({}, status=503), Reply.json({}, status=429), Reply.json({}, delay_s=3)],
        ids=["5xx", "429", "timeout"],
    )
    async def test_not_idempotent_is_one_attempt(
        self, server: LoopbackServer, fault: Reply
    ) -> None:
        server.script("/", [fault, OK])
        policy = make_policy("solana_rpc", timeout_s=0.3)
        async with MeteredClient({"solana_rpc": policy}) as client:
            with pytest.raises(RequestFailed, match=r"^solana_rpc: POST / failed after 1 attempt"):
                await client.post_json("solana_rpc", server.url_for("/"), BODY)
            usage = client.usage()[0]
        assert server.count("/") == 1
        assert (usage.calls, usage.errors) == (1, 1)

    @pytest.mark.parametrize(
        ("fault", "rate_limited"),
        [(Reply.json({}, status=503), 0), (Reply.json({}, status=429), 1)],
        ids=["5xx", "429"],
    )
    async def test_idempotent_is_retried_and_counted(
        self, server: LoopbackServer, fault: Reply, rate_limited: int
    ) -> None:
        server.script("/", [fault, fault, OK])
        async with MeteredClient({"solana_rpc": make_policy("solana_rpc")}) as client:
            answer = await client.post_json(
                "solana_rpc", server.url_for("/"), BODY, idempotent=True
            )
            usage = client.usage()[0]
        assert answer == {"jsonrpc": "2.0", "id": 1, "result": {"value": 5}}
        assert [r.body for r in server.requests("/")] == [BODY] * 3
        assert (usage.calls, usage.errors, usage.rate_limited) == (3, 2, 2 * rate_limited)

    async def test_idempotent_timeout_is_retried(self, server: LoopbackServer) -> None:
        server.script("/", [Reply.json({}, delay_s=3), OK])
        policy = make_policy("solana_rpc", timeout_s=0.2)
        async with MeteredClient({"solana_rpc": policy}) as client:
            await client.post_json("solana_rpc", server.url_for("/"), BODY, idempotent=True)
            usage = client.usage()[0]
        assert (usage.calls, usage.errors) == (2, 1)
        assert usage.recent_failures


class TestSharedMetering:
    """GETs and POSTs of one provider share its breaker and its tally."""

    async def test_posts_open_the_circuit_for_gets_too(self, server: LoopbackServer) -> None:
        server.route("/", lambda _: Reply.json({}, status=500))
        policy = make_policy("solana_rpc", breaker_failures=2)
        async with MeteredClient({"solana_rpc": policy}) as client:
            for _ in range(2):
                with pytest.raises(RequestFailed):
                    await client.post_json("solana_rpc", server.url_for("/"), BODY)
            with pytest.raises(ProviderUnavailable):
                await client.get_json("solana_rpc", server.url_for("/"))
            assert client.usage()[0].circuit == "open"
        assert server.count("/") == 2

    async def test_secret_url_parts_never_shown(self, server: LoopbackServer) -> None:
        server.route("/", lambda _: Reply.json({}, status=500), prefix=True)
        policy = ProviderPolicy("solana_rpc", 1000, 1.0, secret_parts=("s3cr3t",))
        async with MeteredClient({"solana_rpc": policy}) as client:
            with pytest.raises(RequestFailed) as failed:
                await client.post_json("solana_rpc", server.url_for("/s3cr3t/"), BODY)
            usage = client.usage()[0]
        assert str(failed.value) == "solana_rpc: POST /***/ failed after 1 attempt: HTTP 500"
        assert "s3cr3t" not in repr(policy)
        assert usage.last_error == "HTTP 500 on /***/"
