"""Tests the Swap API v2 client: answers read by their documented names, bad ones refused by
API and field, and an execute sent exactly once."""

from __future__ import annotations

import base64
import json

import pytest

from soltrader_tui.execution.jupiter_swap import (
    EXECUTE_PATH,
    EXECUTE_PROVIDER,
    ORDER_PATH,
    ORDER_PROVIDER,
    JupiterSwapClient,
    SwapRequest,
    parse_execution,
    parse_order,
)
from soltrader_tui.market.errors import ResponseInvalid
from soltrader_tui.net import MeteredClient
from soltrader_tui.net.errors import RequestFailed
from tests.loopback import LoopbackServer, Reply
from tests.net import make_policy


def order_body(**changes: object) -> dict[str, object]:
    """A documented `/swap/v2/order` answer (fields as developers.jup.ag lists them)."""
    body: dict[str, object] = {
        "mode": "ultra",
        "inputMint": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        "outputMint": "So11111111111111111111111111111111111111112",
        "inAmount": "100000000",
        "outAmount": "461208958",
        "otherAmountThreshold": "460024271",
        "swapMode": "ExactIn",
        "slippageBps": 26,
        "priceImpactPct": "-0.0001311599520149334",
        "routePlan": [],
        "feeMint": "So11111111111111111111111111111111111111112",
        "feeBps": 2,
        "signatureFeeLamports": 5000,
        "prioritizationFeeLamports": 1234,
        "rentFeeLamports": 0,
        "swapType": "aggregator",
        "router": "iris",
        "transaction": base64.b64encode(b"\x01tx-bytes").decode(),
        "lastValidBlockHeight": "300000150",
        "gasless": False,
        "requestId": "f087e8d8-fca6-4af6-a4ff-2d962fa95489",
        "totalTime": 12,
        "taker": "taker-address",
    }
    body.update(changes)
    return body


EXECUTED = {
    "status": "Success",
    "signature": "5UfDuX7hXbTiKFJqS1MzGsNpbXTzMKJe2bZP1zrd7DnFBSChKvF2FVDNAuqz7SJpaHXTB9E5DP6t",
    "slot": "324307186",
    "code": 0,
    "totalInputAmount": "100000000",
    "totalOutputAmount": "17057460",
    "inputAmountResult": "100000000",
    "outputAmountResult": "17057460",
    "swapEvents": [],
}


class TestParsing:
    """Documented fields are read; a bad one is named with the API it came from."""

    def test_an_order_is_read_with_its_amounts(self) -> None:
        order = parse_order(order_body())
        assert order.transaction == b"\x01tx-bytes"
        assert (order.in_amount, order.out_amount) == (100_000_000, 461_208_958)
        assert order.other_amount_threshold == 460_024_271
        assert (order.slippage_bps, order.prioritization_fee_lamports) == (26, 1234)
        assert order.last_valid_block_height == 300_000_150

    @pytest.mark.parametrize(
        ("change", "field", "words"),
        [
            ({"otherAmountThreshold": None}, "otherAmountThreshold", "digits"),
            ({"inAmount": 100}, "inAmount", "digits"),
            ({"transaction": None}, "transaction", "is null"),
            ({"transaction": "not base64!"}, "transaction", "not base64"),
            ({"errorCode": 1, "errorMessage": "Insufficient funds"}, "errorCode", "Insufficient"),
        ],
    )
    def test_a_bad_order_names_api_and_field(
        self, change: dict[str, object], field: str, words: str
    ) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_order(order_body(**change))
        assert caught.value.provider == "jupiter /swap/v2/order"
        assert caught.value.field == field
        assert words in caught.value.reason

    def test_a_missing_request_id_is_named(self) -> None:
        body = order_body()
        del body["requestId"]
        with pytest.raises(ResponseInvalid, match="requestId: required field is missing"):
            parse_order(body)

    def test_an_execution_is_read(self) -> None:
        executed = parse_execution(EXECUTED)
        assert (executed.status, executed.code, executed.slot) == ("Success", 0, 324_307_186)
        assert executed.total_output_amount == 17_057_460

    def test_a_bad_execution_names_the_field(self) -> None:
        with pytest.raises(ResponseInvalid, match=r"jupiter /swap/v2/execute: status"):
            parse_execution({**EXECUTED, "status": "Maybe"})


class TestCalls:
    """Order is a metered GET with our terms; execute is POSTed once, never retried."""

    async def test_order_then_execute_once_even_when_it_fails(self) -> None:
        policies = {n: make_policy(n, max_attempts=4) for n in (ORDER_PROVIDER, EXECUTE_PROVIDER)}
        with LoopbackServer() as api:
            api.route(ORDER_PATH, lambda _r: Reply.json(order_body()))
            api.route(EXECUTE_PATH, lambda _r: Reply.json({"error": "down"}, status=503))
            async with MeteredClient(policies) as metered:
                client = JupiterSwapClient(metered, api.url + "/")
                request = SwapRequest("in", "out", 100_000_000, "me", 26)
                order = await client.order(request)
                with pytest.raises(RequestFailed, match="after 1 attempt"):
                    await client.execute(b"signed", order.request_id)
                usage = {u.provider: u.calls for u in metered.usage()}
            (asked,) = api.requests(ORDER_PATH)
            (sent,) = api.requests(EXECUTE_PATH)
        assert dict(asked.query) == {
            "inputMint": ("in",),
            "outputMint": ("out",),
            "amount": ("100000000",),
            "taker": ("me",),
            "slippageBps": ("26",),
        }
        assert json.loads(sent.body) == {
            "signedTransaction": base64.b64encode(b"signed").decode(),
            "requestId": order.request_id,
        }
        assert usage == {ORDER_PROVIDER: 1, EXECUTE_PROVIDER: 1}

    async def test_an_unusable_answer_is_counted_against_the_provider(self) -> None:
        policies = {n: make_policy(n) for n in (ORDER_PROVIDER, EXECUTE_PROVIDER)}
        with LoopbackServer() as api:
            api.route(ORDER_PATH, lambda _r: Reply.json(order_body(outAmount=None)))
            async with MeteredClient(policies) as metered:
                client = JupiterSwapClient(metered, api.url)
                with pytest.raises(ResponseInvalid, match="outAmount"):
                    await client.order(SwapRequest("in", "out", 1, "me", 26))
                (jupiter, _execute) = metered.usage()
        assert jupiter.errors == 1
        assert jupiter.last_error is not None and "outAmount" in jupiter.last_error
