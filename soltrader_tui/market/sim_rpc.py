"""Provides the simulator's Solana JSON-RPC answers: `getAccountInfo` and
`getTokenLargestAccounts` for the simulated mints, in the node's shapes.

The bytes are `market.sim_chain`'s (real SPL `Mint` bytes, Token-2022 TLV), base64-encoded as a
node sends them, so an RPC client pointed at the embedded market server reads a simulated mint
exactly as it reads a live one, and the same decoder judges it. Pure builders of (status, JSON
body) for `MarketServer`, which serves them on `POST /`.
"""

from __future__ import annotations

import base64
import hashlib
import json

from solders.pubkey import Pubkey

from soltrader_tui.market.sim import TokenSpec
from soltrader_tui.market.sim_answers import Answer, SharedMarket
from soltrader_tui.market.sim_chain import largest_amounts, mint_bytes
from soltrader_tui.solana.token_facts import SPL_TOKEN_PROGRAM, TOKEN_2022_PROGRAM

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
LAMPORTS_PER_BYTE_YEAR = 3480
"""Rent per byte-year; an account is rent-exempt with two years of rent for its data plus 128
bytes of overhead (1,461,600 lamports for an 82-byte mint)."""


def rpc_answer(shared: SharedMarket, body: bytes) -> Answer:
    """Answers one JSON-RPC 2.0 request or a batch of them (always HTTP 200, as nodes do)."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 200, _error(None, PARSE_ERROR, "Parse error")
    if isinstance(request, list):
        if not request:
            return 200, _error(None, INVALID_REQUEST, "Invalid request: empty batch")
        return 200, [_one(shared, item) for item in request]
    return 200, _one(shared, request)


def _one(shared: SharedMarket, request: object) -> dict[str, object]:
    if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
        return _error(None, INVALID_REQUEST, "Invalid request")
    rid, method, params = request.get("id"), request.get("method"), request.get("params", [])
    if method not in ("getAccountInfo", "getTokenLargestAccounts"):
        return _error(rid, METHOD_NOT_FOUND, f"Method not found: {method}")
    if not isinstance(params, list) or not params or not isinstance(params[0], str):
        return _error(rid, INVALID_PARAMS, "Invalid params: the first must be a base58 address")
    address = params[0]
    try:
        Pubkey.from_string(address)
    except ValueError:
        return _error(rid, INVALID_PARAMS, f"Invalid param: Invalid address {address}")
    spec, slot = shared.read(lambda m: (m.spec(address), m.step_count))
    if method == "getAccountInfo":
        return _result(rid, slot, None if spec is None else _account(spec, address))
    if spec is None:
        return _error(rid, INVALID_PARAMS, "Invalid param: not a Token mint")
    return _result(rid, slot, _largest(spec))


def _account(spec: TokenSpec, mint: str) -> dict[str, object]:
    data = mint_bytes(spec, Pubkey.from_string(mint))
    return {
        "data": [base64.b64encode(data).decode(), "base64"],
        "executable": False,
        "lamports": (128 + len(data)) * LAMPORTS_PER_BYTE_YEAR * 2,
        "owner": TOKEN_2022_PROGRAM if spec.token_2022 else SPL_TOKEN_PROGRAM,
        "rentEpoch": 18_446_744_073_709_551_615,
        "space": len(data),
    }


def _largest(spec: TokenSpec) -> list[dict[str, object]]:
    scale = 10**spec.decimals
    return [
        {
            "address": holder_address(spec.symbol, n),
            "amount": str(amount),
            "decimals": spec.decimals,
            "uiAmount": amount / scale,
            "uiAmountString": _ui(amount, spec.decimals),
        }
        for n, amount in enumerate(largest_amounts(spec))
    ]


def holder_address(symbol: str, n: int) -> str:
    """The token account of the simulated token's `n`-th largest holder."""
    return str(Pubkey(hashlib.sha256(f"soltrader-sim-holder:{symbol}:{n}".encode()).digest()))


def _ui(amount: int, decimals: int) -> str:
    whole, frac = divmod(amount, 10**decimals)
    text = f"{whole}.{frac:0{decimals}d}".rstrip("0").rstrip(".") if decimals else str(whole)
    return text


def _result(rid: object, slot: int, value: object) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": rid, "result": {"context": {"slot": slot}, "value": value}}


def _error(rid: object, code: int, message: str) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}
