"""Bad JSON-RPC input gets the standard error code and a message naming the method and param."""

from __future__ import annotations

import pytest

from soltrader_tui.solana.devnet.server import DevnetServer
from tests.solana.devnet_kit import post, rpc


def error_of(answer: dict[str, object]) -> tuple[int, str]:
    error = answer["error"]
    assert isinstance(error, dict), answer
    return error["code"], error["message"]


class TestEnvelope:
    """What is not a JSON-RPC 2.0 request is refused with what is wrong with it."""

    def test_not_json(self, server: DevnetServer) -> None:
        code, message = error_of(post(server.url, b"{nope"))
        assert code == -32700 and "not JSON" in message

    @pytest.mark.parametrize(
        ("body", "needle"),
        [
            (b"[]", "empty batch"),
            (b'"getSlot"', "not an object"),
            (b'{"id": 1, "method": "getSlot"}', '"jsonrpc" must be "2.0"'),
            (b'{"jsonrpc": "2.0", "id": 1, "method": 5}', '"method" must be a string'),
            (b'{"jsonrpc": "2.0", "id": 1, "method": "getSlot", "params": {}}', "getSlot"),
        ],
    )
    def test_invalid_request(self, server: DevnetServer, body: bytes, needle: str) -> None:
        code, message = error_of(post(server.url, body))
        assert code == -32600 and needle in message

    def test_unknown_method(self, server: DevnetServer) -> None:
        assert error_of(rpc(server.url, "getBlockProduction")) == (
            -32601,
            "Method not found: getBlockProduction",
        )

    def test_batch_answers_each(self, server: DevnetServer) -> None:
        body = (
            b'[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"x"}]'
        )
        answers: object = post(server.url, body)
        assert isinstance(answers, list)
        first, second = answers
        assert first == {"jsonrpc": "2.0", "result": "ok", "id": 1}
        assert second["id"] == 2 and error_of(second)[0] == -32601


class TestParams:
    """A bad parameter is named with its method, position and name."""

    @pytest.mark.parametrize(
        ("method", "params", "needle"),
        [
            ("getBalance", ["not-a-key"], "getBalance: params[0] (pubkey) is not a base-58"),
            ("getBalance", [], "getBalance: params[0] (pubkey) is missing"),
            ("getMultipleAccounts", [["11111111111111111111111111111111", 3]], "pubkeys[1]"),
            ("getAccountInfo", ["11111111111111111111111111111111", {"encoding": "jsonParsed"}],
             "config.encoding 'jsonParsed' is not supported"),
            ("getTokenAccountsByOwner", ["11111111111111111111111111111111", {}],
             "params[1] (filter) must be {mint} or {programId}"),
            ("getTokenSupply", ["11111111111111111111111111111111"], "not a Token mint"),
            ("sendTransaction", ["AAAA", {"encoding": "base64"}], "failed to deserialize"),
            ("sendTransaction", ["AAAA"], "config.encoding 'base58' is not supported"),
            ("getSignatureStatuses", [["xyz"]], "params[0] (signatures[0]) is not a signature"),
            ("devnet_advanceBlocks", [0], "devnet_advanceBlocks: params[0] (n) is not a whole"),
            ("devnet_setTokenBalance",
             ["11111111111111111111111111111111", "11111111111111111111111111111111", 5],
             "params[1] (mint) 11111111111111111111111111111111 is not a token mint"),
        ],
    )  # fmt: skip
    def test_invalid_params(
        self, server: DevnetServer, method: str, params: list[object], needle: str
    ) -> None:
        code, message = error_of(rpc(server.url, method, params))
        assert code == -32602
        assert needle in message
