"""Provides MeteredTransport: solana-py's HTTP session, sent through the metered client.

solana-py's `AsyncClient` posts each JSON-RPC call with its own `httpx2.AsyncClient`. Giving
that client this transport routes every call through `MeteredClient.post_json`, so the RPC
node gets the same rate limit, retries, circuit breaker and usage tally as every other
provider, and the API panel shows it as `solana_rpc`.
"""

from __future__ import annotations

import json

import httpx2

from soltrader_tui.net.client import MeteredClient

_READ_METHODS = frozenset(
    {"isBlockhashValid", "minimumLedgerSlot", "simulateTransaction", "getHealth"}
)
"""Methods that change nothing on chain besides the `get…` ones."""


def is_read_only(body: bytes) -> bool:
    """Whether every JSON-RPC call in `body` only reads, so sending it again does no harm.

    Anything not recognised as a read (`sendTransaction`, `requestAirdrop`, a body that does
    not parse) counts as a write: it gets one attempt.
    """
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    calls = parsed if isinstance(parsed, list) else [parsed]
    for call in calls:
        method = call.get("method") if isinstance(call, dict) else None
        if not isinstance(method, str):
            return False
        if not (method.startswith("get") or method in _READ_METHODS):
            return False
    return bool(calls)


class MeteredTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport that hands each POST to the metered client as one provider."""

    def __init__(self, client: MeteredClient, provider: str) -> None:
        """Sends through `client` as `provider` (a configured policy's name)."""
        self._client = client
        self._provider = provider

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Posts the request's body; answers 200 with the JSON the node returned.

        A failed call raises the metered client's `ProviderError` (not an httpx2 error, so
        solana-py's own transport retry leaves it alone: the retry policy is ours).
        """
        if request.method != "POST":
            raise ValueError(f"JSON-RPC goes by POST, not {request.method}")
        body = await request.aread()
        answer = await self._client.post_json(
            self._provider, str(request.url), body, idempotent=is_read_only(body)
        )
        return httpx2.Response(200, content=json.dumps(answer).encode(), request=request)
