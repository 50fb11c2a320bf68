"""Provides JupiterSwapClient: Jupiter's Swap API v2 order and execute, typed and metered.

What Jupiter's documentation says (looked up, not guessed; developers.jup.ag/docs/api-reference/
swap/order, developers.jup.ag/docs/api-reference/swap/execute, dev.jup.ag/docs/swap/
order-and-execute):

`GET {base}/swap/v2/order?inputMint&outputMint&amount&taker` (header `x-api-key`), plus
`slippageBps` as for the quote API. Without `taker` the answer is a quote with no transaction.
The 200 body carries `mode`, `inputMint`, `outputMint`, `inAmount`, `outAmount`,
`otherAmountThreshold` (the least output after slippage), `swapMode`, `slippageBps` (number),
`priceImpactPct`, `routePlan`, `feeMint`, `feeBps`, `signatureFeeLamports`,
`signatureFeePayer`, `prioritizationFeeLamports`, `prioritizationFeePayer`,
`rentFeeLamports`, `rentFeePayer`, `swapType`, `router` (`iris` | `jupiterz` | `dflow` |
`okx`), `transaction` (base64, unsigned; null without a taker), `lastValidBlockHeight`
(string), `gasless`, `requestId`, `totalTime`, `taker`, `quoteId`, `maker`, `expireAt`, and
on failure `errorCode`, `errorMessage`, `error`. Amounts are strings of base units; the fee
figures are numbers of lamports.

`POST {base}/swap/v2/execute` with `{"signedTransaction": <base64>, "requestId": ...}`
(optional `lastValidBlockHeight`) answers `status` (`Success` | `Failed`), `signature`, `slot`
(string), `error` (when failed), `code` (0 = success; aggregator -1000 failed to land, -1001
unknown, -1002 invalid tx, -1003 not fully signed, -1004 invalid block height; RFQ -2000..-2004;
-1..-3 a missing order or bad transaction), `totalInputAmount` (before fees),
`totalOutputAmount` (after fees), `inputAmountResult`, `outputAmountResult`, `swapEvents`.

Rate limits (net/client.py's docstring): `/order` shares the Jupiter bucket with Price and
Token (provider `jupiter`); `/execute` has its own limit, so it goes through its own policy,
`jupiter_execute`. Execute moves money: it is sent once (`idempotent=False`), and a lost
answer is reported as unknown, never retried here.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, ValidationError

from soltrader_tui.market.errors import BaseUnits, ResponseInvalid, StrictModel, from_validation
from soltrader_tui.net.client import MeteredClient

ORDER_PROVIDER = "jupiter"
"""The Jupiter bucket `/swap/v2/order` shares with Price and Token."""
EXECUTE_PROVIDER = "jupiter_execute"
"""`/swap/v2/execute`'s own limit."""
ORDER_PATH = "/swap/v2/order"
EXECUTE_PATH = "/swap/v2/execute"


class _OrderModel(StrictModel):
    input_mint: str = Field(alias="inputMint")
    output_mint: str = Field(alias="outputMint")
    in_amount: BaseUnits = Field(alias="inAmount")
    out_amount: BaseUnits = Field(alias="outAmount")
    other_amount_threshold: BaseUnits = Field(alias="otherAmountThreshold")
    slippage_bps: int = Field(alias="slippageBps", ge=0, le=10_000)
    request_id: str = Field(alias="requestId", min_length=1)
    transaction: str | None
    prioritization_fee_lamports: int = Field(default=0, alias="prioritizationFeeLamports", ge=0)
    signature_fee_lamports: int = Field(default=0, alias="signatureFeeLamports", ge=0)
    rent_fee_lamports: int = Field(default=0, alias="rentFeeLamports", ge=0)
    last_valid_block_height: BaseUnits | None = Field(default=None, alias="lastValidBlockHeight")
    router: str | None = None


class _ExecuteModel(StrictModel):
    status: Literal["Success", "Failed"]
    code: int
    signature: str | None = None
    slot: BaseUnits | None = None
    error: str | None = None
    total_input_amount: BaseUnits | None = Field(default=None, alias="totalInputAmount")
    total_output_amount: BaseUnits | None = Field(default=None, alias="totalOutputAmount")


@dataclass(frozen=True, slots=True)
class SwapRequest:
    """What we ask Jupiter to build: sell `amount` base units of `input_mint` for `output_mint`."""

    input_mint: str
    output_mint: str
    amount: int
    taker: str
    """Our wallet's public key: the fee payer and only signer we accept."""
    slippage_bps: int


@dataclass(frozen=True, slots=True)
class SwapOrder:
    """Jupiter's order: an unsigned transaction and the amounts it promises."""

    request_id: str
    transaction: bytes
    """The unsigned transaction, decoded from base64 (wire format)."""
    input_mint: str
    output_mint: str
    in_amount: int
    out_amount: int
    other_amount_threshold: int
    """The least output the transaction may deliver (after slippage)."""
    slippage_bps: int
    prioritization_fee_lamports: int
    signature_fee_lamports: int
    rent_fee_lamports: int
    last_valid_block_height: int | None
    router: str | None


@dataclass(frozen=True, slots=True)
class SwapExecution:
    """Jupiter's answer to an execute: did it land, with what signature and amounts."""

    status: Literal["Success", "Failed"]
    code: int
    signature: str | None
    slot: int | None
    error: str | None
    total_input_amount: int | None
    total_output_amount: int | None


def parse_order(body: object) -> SwapOrder:
    """Reads a `/swap/v2/order` answer.

    Raises:
        ResponseInvalid: A field is missing or malformed, the answer carries Jupiter's error,
            or it has no transaction (no taker was given); the message names the field.
    """
    where = f"jupiter {ORDER_PATH}"
    if isinstance(body, dict) and (body.get("errorCode") or body.get("error")):
        message = body.get("errorMessage") or body.get("error")
        raise ResponseInvalid(where, "errorCode", f"Jupiter refused the order: {message}")
    try:
        model = _OrderModel.model_validate(body)
    except ValidationError as exc:
        raise from_validation(where, exc) from None
    if model.transaction is None:
        raise ResponseInvalid(where, "transaction", "is null: the order has no transaction")
    try:
        raw = base64.b64decode(model.transaction, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseInvalid(where, "transaction", "is not base64") from None
    return SwapOrder(
        request_id=model.request_id,
        transaction=raw,
        input_mint=model.input_mint,
        output_mint=model.output_mint,
        in_amount=model.in_amount,
        out_amount=model.out_amount,
        other_amount_threshold=model.other_amount_threshold,
        slippage_bps=model.slippage_bps,
        prioritization_fee_lamports=model.prioritization_fee_lamports,
        signature_fee_lamports=model.signature_fee_lamports,
        rent_fee_lamports=model.rent_fee_lamports,
        last_valid_block_height=model.last_valid_block_height,
        router=model.router,
    )


def parse_execution(body: object) -> SwapExecution:
    """Reads a `/swap/v2/execute` answer.

    Raises:
        ResponseInvalid: A field is missing or malformed; the message names it.
    """
    try:
        model = _ExecuteModel.model_validate(body)
    except ValidationError as exc:
        raise from_validation(f"jupiter {EXECUTE_PATH}", exc) from None
    return SwapExecution(
        status=model.status,
        code=model.code,
        signature=model.signature,
        slot=model.slot,
        error=model.error,
        total_input_amount=model.total_input_amount,
        total_output_amount=model.total_output_amount,
    )


class JupiterSwapClient:
    """Order and execute, through the metered client (`jupiter` and `jupiter_execute`)."""

    def __init__(self, metered: MeteredClient, base_url: str) -> None:
        """Builds the client.

        Args:
            metered: Has the `jupiter` and `jupiter_execute` policies (the key in their headers).
            base_url: E.g. `https://api.jup.ag` (no trailing slash needed).
        """
        self._metered = metered
        self._base = base_url.rstrip("/")

    async def order(self, request: SwapRequest) -> SwapOrder:
        """Asks for an unsigned swap transaction.

        Raises:
            ResponseInvalid: The answer is unusable (counted against `jupiter`).
            ProviderError: The call failed (net.errors).
        """
        params = {
            "inputMint": request.input_mint,
            "outputMint": request.output_mint,
            "amount": str(request.amount),
            "taker": request.taker,
            "slippageBps": str(request.slippage_bps),
        }
        body = await self._metered.get_json(ORDER_PROVIDER, self._base + ORDER_PATH, params=params)
        try:
            return parse_order(body)
        except ResponseInvalid as bad:
            self._metered.report_invalid(ORDER_PROVIDER, str(bad))
            raise

    async def execute(self, signed_transaction: bytes, request_id: str) -> SwapExecution:
        """Hands a signed transaction to Jupiter to land. Sent once: never retried.

        Raises:
            ResponseInvalid: The answer is unusable: whether it landed is unknown.
            ProviderError: The call failed: whether it landed is unknown.
        """
        payload = {
            "signedTransaction": base64.b64encode(signed_transaction).decode(),
            "requestId": request_id,
        }
        body = await self._metered.post_json(
            EXECUTE_PROVIDER,
            self._base + EXECUTE_PATH,
            json.dumps(payload).encode(),
            idempotent=False,
        )
        try:
            return parse_execution(body)
        except ResponseInvalid as bad:
            self._metered.report_invalid(EXECUTE_PROVIDER, str(bad))
            raise
