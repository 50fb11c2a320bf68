"""Provides the simulator's answers in Jupiter's and DexScreener's shapes, and SharedMarket.

Pure builders of (status, JSON body) for `MarketServer`: the shapes are the documented ones
(see `market.jupiter` and `market.dexscreener`), so the real parsers read them unchanged.
Figures the simulator does not model (24-hour change, volume, transaction counts) are left
out, as the APIs leave out what they do not know, rather than sent as made-up numbers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from solders.pubkey import Pubkey

from soltrader_tui.domain import Side
from soltrader_tui.market.dexscreener import CHAIN, TOKENS_MAX
from soltrader_tui.market.faults import Fault, FaultKind
from soltrader_tui.market.jupiter import NO_ROUTE, PRICE_IDS_MAX, USDC_MINT
from soltrader_tui.market.sim import SimMarket

T = TypeVar("T")
Answer = tuple[int, object]
"""HTTP status and JSON body."""

DEX_ID = "soltrader-sim"
"""`dexId` of the simulated pools."""
POOL_LABEL = "Simulated CPMM"
"""`label` of the simulated pools in a quote's route."""


class SharedMarket:
    """A SimMarket behind a lock: the engine advances it while server threads read it."""

    def __init__(self, market: SimMarket) -> None:
        """Wraps `market`."""
        self._market = market
        self.lock = threading.Lock()
        """Held for every access; hold it to read or step the market outside this class."""

    def advance(self, ts: float) -> None:
        """Steps the market to market time `ts` (see `SimMarket.advance`) under the lock."""
        with self.lock:
            self._market.advance(ts)

    def read(self, fn: Callable[[SimMarket], T]) -> T:
        """Runs `fn` on the market under the lock and returns its result."""
        with self.lock:
            return fn(self._market)

    def listed_at(self, mint: str) -> float | None:
        """When the token's pool was listed, unix seconds, as the in-process feed says it
        (`SimMarket.listed_ts`: the established tokens long before the session, the late one
        when it listed); call inside `read`. Not the session's start: a pool served as brand
        new would keep every entry out for `risk.min_pool_age_minutes` of each session."""
        return self._market.listed_ts(mint)


def price_answer(shared: SharedMarket, ids_text: str) -> Answer:
    """Answers `GET /price/v3?ids=...`: listed tokens only, at most `PRICE_IDS_MAX` ids."""
    ids = split_list(ids_text)
    if not ids:
        return 400, {"error": "ids is required: comma-separated mints"}
    if len(ids) > PRICE_IDS_MAX:
        return 400, {"error": f"at most {PRICE_IDS_MAX} ids per request, got {len(ids)}"}

    def body(market: SimMarket) -> dict[str, object]:
        ticks = {tick.token.mint: tick for tick in market.ticks()}
        answer: dict[str, object] = {}
        for mint in ids:
            tick = ticks.get(mint)
            if tick is None:
                continue  # Jupiter leaves out what it cannot price
            entry: dict[str, object] = {
                "usdPrice": tick.price_usd,
                "liquidity": round(tick.liquidity_usd, 2),
                "decimals": tick.token.decimals,
                "blockId": market.step_count,
            }
            listed = shared.listed_at(mint)
            if listed is not None:
                entry["createdAt"] = _iso(listed)
            answer[mint] = entry
        return answer

    return 200, shared.read(body)


def quote_answer(shared: SharedMarket, params: Mapping[str, str], took_s: float) -> Answer:
    """Answers `GET /swap/v1/quote`: USDC against one listed token, ExactIn, one leg.

    Args:
        shared: The market.
        params: The query parameters (first value of each).
        took_s: Seconds spent on the request so far, reported as `timeTaken`.
    """
    request = _quote_request(params)
    if not isinstance(request, _QuoteRequest):
        return request
    in_mint, out_mint, bps = request.input_mint, request.output_mint, request.slippage_bps
    swap, slot = shared.read(
        lambda m: (m.quote(request.mint, request.side, request.amount), m.step_count)
    )
    if swap is None or swap.out_amount <= 0:
        return _no_route()
    amounts = {"inAmount": str(swap.in_amount), "outAmount": str(swap.out_amount)}
    leg = {
        "ammKey": pool_address(request.mint),
        "label": POOL_LABEL,
        "inputMint": in_mint,
        "outputMint": out_mint,
        **amounts,
        "feeAmount": "0",
        "feeMint": in_mint,
    }
    return 200, {
        "inputMint": in_mint,
        "outputMint": out_mint,
        **amounts,
        "otherAmountThreshold": str(swap.out_amount * (10_000 - bps) // 10_000),
        "swapMode": "ExactIn",
        "slippageBps": bps,
        "platformFee": None,
        "priceImpactPct": decimal_text(swap.price_impact_bps / 10_000),
        "routePlan": [{"swapInfo": leg, "percent": 100, "bps": 10_000}],
        "contextSlot": slot,
        "timeTaken": round(took_s, 6),
    }


@dataclass(frozen=True, slots=True)
class _QuoteRequest:
    input_mint: str
    output_mint: str
    mint: str
    """The token swapped against USDC."""
    side: Side
    amount: int
    slippage_bps: int


def _quote_request(params: Mapping[str, str]) -> _QuoteRequest | Answer:
    """Reads a quote request, or returns the 400 answer it deserves."""
    in_mint, out_mint = params.get("inputMint", ""), params.get("outputMint", "")
    amount, slippage = params.get("amount", ""), params.get("slippageBps", "50")
    if not (amount.isascii() and amount.isdigit() and int(amount) > 0):
        return 400, {"error": f"amount must be a positive integer, got {amount!r}"}
    if not (slippage.isascii() and slippage.isdigit() and int(slippage) <= 10_000):
        return 400, {"error": f"slippageBps must be 0..10000, got {slippage!r}"}
    if params.get("swapMode", "ExactIn") != "ExactIn":
        return 400, {"error": "only swapMode=ExactIn is simulated"}
    if in_mint == USDC_MINT and out_mint != USDC_MINT:
        return _QuoteRequest(in_mint, out_mint, out_mint, "buy", int(amount), int(slippage))
    if out_mint == USDC_MINT and in_mint != USDC_MINT:
        return _QuoteRequest(in_mint, out_mint, in_mint, "sell", int(amount), int(slippage))
    return _no_route()


def profiles_answer(shared: SharedMarket, base_url: str) -> Answer:
    """Answers `GET /token-profiles/latest/v1`: every listed token, newest listing first."""

    def body(market: SimMarket) -> list[object]:
        tokens = market.tokens()
        newest_first = sorted(
            range(len(tokens)), key=lambda i: (-(shared.listed_at(tokens[i].mint) or 0.0), i)
        )
        return [
            {
                "url": f"{base_url}/{CHAIN}/{tokens[i].mint}",
                "chainId": CHAIN,
                "tokenAddress": tokens[i].mint,
                "description": f"{tokens[i].symbol}: a token of the simulated market",
                "links": [],
            }
            for i in newest_first
        ]

    return 200, shared.read(body)


def pairs_answer(shared: SharedMarket, addresses_text: str, base_url: str) -> Answer:
    """Answers `GET /tokens/v1/solana/{addresses}`: one USDC pair per listed token."""
    addresses = split_list(addresses_text)
    if not addresses:
        return 400, {"error": "at least one token address is required"}
    if len(addresses) > TOKENS_MAX:
        return 400, {"error": f"at most {TOKENS_MAX} addresses, got {len(addresses)}"}

    def body(market: SimMarket) -> list[object]:
        ticks = {tick.token.mint: tick for tick in market.ticks()}
        pairs: list[object] = []
        for mint in addresses:
            tick = ticks.get(mint)
            if tick is None:
                continue
            pool, half = pool_address(mint), tick.liquidity_usd / 2
            symbol = tick.token.symbol
            pair: dict[str, object] = {
                "chainId": CHAIN,
                "dexId": DEX_ID,
                "url": f"{base_url}/{CHAIN}/{pool}",
                "pairAddress": pool,
                "baseToken": {"address": mint, "name": symbol, "symbol": symbol},
                "quoteToken": {"address": USDC_MINT, "name": "USD Coin", "symbol": "USDC"},
                "priceNative": decimal_text(tick.price_usd),
                "priceUsd": decimal_text(tick.price_usd),
                "liquidity": {
                    "usd": round(tick.liquidity_usd, 2),
                    "base": half / tick.price_usd,
                    "quote": round(half, 6),
                },
            }
            listed = shared.listed_at(mint)
            if listed is not None:
                pair["pairCreatedAt"] = int(listed * 1000)
            pairs.append(pair)
        return pairs

    return 200, shared.read(body)


@functools.lru_cache(maxsize=4096)
def pool_address(mint: str) -> str:
    """Returns the simulated pool's address of a token, derived from its mint."""
    return str(Pubkey(hashlib.sha256(b"soltrader-sim-pool:" + mint.encode()).digest()))


def split_list(text: str) -> list[str]:
    """Splits a comma-separated list, dropping blanks and repeats (first kept)."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def decimal_text(value: float) -> str:
    """Writes a number positionally (never `1e-05`), as the APIs' decimal strings are.

    The shortest digits that read back as the same float, so a parser gets `value` exactly.
    """
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def corrupt(raw: bytes, body: object, fault: Fault) -> bytes:
    """Breaks a 200 body the way `fault` says: cut short, or a required field removed."""
    if fault.kind is FaultKind.MISSING_FIELD:
        broken = _drop_required(body)
        if broken is not None:
            return json.dumps(broken, separators=(",", ":")).encode()
    # A strict prefix of a JSON object or array never parses: its brackets are unbalanced.
    return raw[: max(1, len(raw) // 2)]


def _drop_required(body: object) -> object | None:
    """Returns a copy of `body` without one documented required field; None if none can go."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        first = dict(body[0])
        first.pop("tokenAddress" if "tokenAddress" in first else "baseToken", None)
        return [first, *body[1:]]
    if isinstance(body, dict) and "outAmount" in body:
        return {k: v for k, v in body.items() if k != "outAmount"}
    if isinstance(body, dict) and body:
        mint, entry = next(iter(body.items()))
        if isinstance(entry, dict):
            return {**body, mint: {k: v for k, v in entry.items() if k != "usdPrice"}}
    return None


def _no_route() -> Answer:
    return 400, {"error": "Could not find any route", "errorCode": NO_ROUTE}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
