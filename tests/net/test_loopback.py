"""Tests the loopback test server other tests rely on: routing, scripts, recording, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2
import pytest

from tests.loopback import LoopbackServer, RecordedRequest, Reply


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=2) as client:
        yield client


class TestAnswers:
    """Scripts come first, then the exact route, then the longest prefix, else 404."""

    def test_order_of_precedence(self, server: LoopbackServer, http: httpx2.Client) -> None:
        server.route("/tokens/", lambda r: (200, {}, {"prefix": "short"}), prefix=True)
        server.route("/tokens/v1/", lambda r: (200, {}, {"prefix": r.path}), prefix=True)
        server.route("/tokens/v1/x", lambda r: (200, {}, {"exact": True}))
        server.script("/tokens/v1/x", [Reply.json({"scripted": 1}), lambda r: (201, {}, "hi")])
        get = http.get
        assert get(server.url_for("/tokens/v1/x")).json() == {"scripted": 1}
        second = get(server.url_for("/tokens/v1/x"))
        assert (second.status_code, second.text) == (201, "hi")
        assert get(server.url_for("/tokens/v1/x")).json() == {"exact": True}
        assert get(server.url_for("/tokens/v1/abc")).json() == {"prefix": "/tokens/v1/abc"}
        assert get(server.url_for("/tokens/zzz")).json() == {"prefix": "short"}
        assert get(server.url_for("/nothing")).status_code == 404

    def test_a_failing_handler_answers_500_and_is_reported(
        self, server: LoopbackServer, http: httpx2.Client
    ) -> None:
        def broken(request: RecordedRequest) -> Reply:
            raise KeyError("usdPrice")

        server.route("/p", broken)
        assert http.get(server.url_for("/p")).status_code == 500
        assert server.errors == ["KeyError('usdPrice')"]


class TestRecording:
    """Every request is recorded with what a test needs to check it."""

    def test_method_path_query_headers_body_and_time(
        self, server: LoopbackServer, http: httpx2.Client
    ) -> None:
        server.route("/rpc", lambda r: Reply.json({"echo": r.body.decode()}))
        before = time.monotonic()
        http.post(
            server.url_for("/rpc"),
            params={"ids": "A,B", "x": "1"},
            headers={"X-Api-Key": "k"},
            content=b'{"jsonrpc":"2.0"}',
        )
        (request,) = server.requests("/rpc")
        assert (request.method, request.path) == ("POST", "/rpc")
        assert request.param("ids") == "A,B"
        assert request.raw_query == "ids=A%2CB&x=1"
        assert request.headers["x-api-key"] == "k"
        assert request.body == b'{"jsonrpc":"2.0"}'
        assert before <= request.arrival <= time.monotonic()
        server.clear()
        assert server.count() == 0


class TestFaults:
    """Dropped connections and slow answers look to a client as they would in the wild."""

    @pytest.mark.parametrize("reply", [Reply.close(), Reply.reset()], ids=["close", "reset"])
    def test_dropped_connection_is_a_transport_error(
        self, server: LoopbackServer, http: httpx2.Client, reply: Reply
    ) -> None:
        server.script("/p", [reply])
        with pytest.raises(httpx2.TransportError):
            http.get(server.url_for("/p"))
        assert http.get(server.url_for("/p")).status_code == 404  # the next one is served

    def test_delay_outlasts_a_client_timeout(self, server: LoopbackServer) -> None:
        server.route("/slow", lambda r: Reply.json({}, delay_s=3))
        with httpx2.Client(timeout=0.2) as client, pytest.raises(httpx2.TimeoutException):
            client.get(server.url_for("/slow"))

    def test_stopping_cuts_delays_short(self) -> None:
        with LoopbackServer() as server:
            server.route("/slow", lambda r: Reply.json({}, delay_s=30))
            with httpx2.Client(timeout=0.2) as client, pytest.raises(httpx2.TimeoutException):
                client.get(server.url_for("/slow"))
            started = time.monotonic()
        assert time.monotonic() - started < 1.0
