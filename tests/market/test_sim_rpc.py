"""The embedded market server answers a node's JSON-RPC for the simulated mints, over loopback;
the bytes it serves decode, with the live decoder, to the facts the paper session judges."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from soltrader_tui.config.model import FaultsConfig, TokenSafetyConfig
from soltrader_tui.market.server import RPC_PATH, MarketServer
from soltrader_tui.market.sim import SimMarket, sim_mint
from soltrader_tui.market.sim_chain import SimChain
from soltrader_tui.market.sim_rpc import INVALID_PARAMS, METHOD_NOT_FOUND, PARSE_ERROR
from soltrader_tui.risk.token_safety import verdict
from soltrader_tui.solana.safety import ChainSafetySource
from soltrader_tui.solana.token_facts import decode_mint, token_facts

START = 1_750_000_000.0
UNKNOWN = "So11111111111111111111111111111111111111112"


@pytest.fixture
def server() -> Iterator[MarketServer]:
    with MarketServer(SimMarket(7, START), FaultsConfig()) as running:
        yield running


def post(server: MarketServer, payload: object, path: str = RPC_PATH) -> tuple[int, object]:
    """POSTs `payload` as JSON; returns the status and the decoded body."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(
        server.url + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def call(server: MarketServer, method: str, *params: object) -> dict[str, object]:
    status, body = post(server, {"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
    assert status == 200 and isinstance(body, dict) and body["id"] == 7
    return body


def result_value(body: dict[str, object]) -> object:
    result = body["result"]
    assert isinstance(result, dict) and isinstance(result["context"], dict)
    return result["value"]


class TestAccountsOverRpc:
    """A client reads a simulated mint as it would read a live one."""

    @pytest.mark.parametrize("symbol", ["SOLX", "RVRT", "MEME", "NEWB", "CALM"])
    async def test_served_bytes_decode_to_the_in_process_facts(
        self, server: MarketServer, symbol: str
    ) -> None:
        mint = sim_mint(symbol)
        account = result_value(call(server, "getAccountInfo", mint, {"encoding": "base64"}))
        assert isinstance(account, dict)
        data, encoding = account["data"]
        assert encoding == "base64" and account["space"] == len(base64.b64decode(data))
        decoded = decode_mint(mint, base64.b64decode(data), str(account["owner"]))
        holders = result_value(call(server, "getTokenLargestAccounts", mint))
        assert isinstance(holders, list) and len(holders) == 20
        facts = token_facts(decoded, [int(h["amount"]) for h in holders], START)
        in_process = await ChainSafetySource(SimChain(SimMarket(7, START))).facts(mint, START)
        assert facts == in_process
        config = TokenSafetyConfig()
        assert verdict(facts, config) == {"RVRT": "mint auth", "MEME": "freeze auth"}.get(
            symbol, "safe"
        )

    def test_unknown_mint(self, server: MarketServer) -> None:
        assert result_value(call(server, "getAccountInfo", UNKNOWN)) is None
        error = call(server, "getTokenLargestAccounts", UNKNOWN)["error"]
        assert error == {"code": INVALID_PARAMS, "message": "Invalid param: not a Token mint"}

    def test_batch(self, server: MarketServer) -> None:
        calls = [
            {"jsonrpc": "2.0", "id": n, "method": "getAccountInfo", "params": [sim_mint(s)]}
            for n, s in enumerate(("SOLX", "MEME"))
        ]
        status, body = post(server, calls)
        assert status == 200 and isinstance(body, list)
        assert [item["id"] for item in body] == [0, 1]


class TestBadRequests:
    """Bad requests get a node's JSON-RPC errors, or an HTTP status naming what was wrong."""

    @pytest.mark.parametrize(
        ("payload", "code", "says"),
        [
            (b"{not json", PARSE_ERROR, "Parse error"),
            ({"jsonrpc": "2.0", "id": 1, "method": "sendTransaction"}, METHOD_NOT_FOUND, "send"),
            (
                {"jsonrpc": "2.0", "id": 1, "method": "getAccountInfo", "params": ["0OIl"]},
                INVALID_PARAMS,
                "Invalid address 0OIl",
            ),
            (
                {"jsonrpc": "2.0", "id": 1, "method": "getAccountInfo", "params": []},
                INVALID_PARAMS,
                "base58 address",
            ),
        ],
    )
    def test_json_rpc_errors(
        self, server: MarketServer, payload: object, code: int, says: str
    ) -> None:
        status, body = post(server, payload)
        assert status == 200 and isinstance(body, dict)
        assert body["error"]["code"] == code and says in body["error"]["message"]

    def test_other_path_and_oversized_body(self, server: MarketServer) -> None:
        assert post(server, {}, "/rpc")[0] == 404
        status, body = post(server, b" " * 70_000)
        assert status == 413 and "at most 65536" in str(body)
        assert server.request_count(RPC_PATH) >= 1
