"""Provides Jupiter's response models and parsers: Price API v3 and the swap quote. Pure, no I/O.

What the public documentation says (looked up, not guessed):

Price API v3, `GET {base}/price/v3?ids=<mint>,<mint>,...`
(dev.jup.ag/api-reference/price/v3/price, dev.jup.ag/docs/price/v3,
dev.jup.ag/guides/how-to-get-token-price):

* "One API call returns real-time USD prices for up to 50 tokens" (the guide); ids are
  comma-separated.
* The body is an object keyed by mint. Each value carries `usdPrice` (number), `liquidity`
  (number, USD), `decimals` (integer), `priceChange24h` (number, percent), `blockId`
  (integer) and `createdAt` (ISO-8601 text). The docs' sample:
  `{"So111…112": {"createdAt": "2024-06-05T08:55:25.527Z", "liquidity": 621679197.67,
  "usdPrice": 147.48, "blockId": 348004023, "decimals": 9, "priceChange24h": 1.29}}`.
* "The usdPrice is the only price"; it is the last swapped price, screened by heuristics
  (liquidity, holder distribution, organic score, ...). A mint that fails them is left out of
  the answer, so a missing mint means "no price", never 0. A `null` value reads the same way.

Swap quote, `GET {base}/swap/v1/quote?inputMint=&outputMint=&amount=&slippageBps=`
(dev.jup.ag/api-reference/swap/quote; marked "no longer actively maintained, superseded by
Swap V2", still served):

* Required in the 200 body: `inputMint`, `inAmount`, `outputMint`, `outAmount`,
  `otherAmountThreshold`, `swapMode` (`ExactIn` | `ExactOut`), `slippageBps` (integer >= 0),
  `priceImpactPct`, `routePlan` (array of `{swapInfo: {ammKey, label, inputMint, outputMint,
  inAmount, outAmount, feeAmount, feeMint}, percent, bps}`). Optional: `platformFee` (object,
  or null), `contextSlot`, `timeTaken`. Every amount is a string of base units.
* `priceImpactPct` is a fraction written as a string, despite its name: the docs' 1 SOL →
  USDC sample says `"0.0001"` (0.01 %), and integrators multiply it by 100 for percent
  (vultisig-sdk pull request #1075, hummingbot/gateway issue #499 shows
  `"0.0221788557383956966426401317"` for a 2 % impact).
* No route: HTTP 400 `{"error": "Could not find any route", "errorCode":
  "COULD_NOT_FIND_ANY_ROUTE"}` (jup-ag/metis-binary issue #109).

The USDC mint, `EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v`, is the one in the docs' samples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, ValidationError

from soltrader_tui.domain import Side, SwapQuote, Token
from soltrader_tui.market.errors import (
    BaseUnits,
    DecimalText,
    ResponseInvalid,
    StrictModel,
    from_validation,
    json_kind,
)

PROVIDER = "jupiter"
USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
"""The USDC mint on Solana mainnet: the quote asset of every swap."""
PRICE_IDS_MAX = 50
"""Most mints one Price API v3 call may ask for."""
NO_ROUTE = "COULD_NOT_FIND_ANY_ROUTE"
"""`errorCode` of a 400 answer when the quote API finds no route."""


class PriceEntryModel(StrictModel):
    """One mint's value in a Price API v3 answer."""

    usd_price: float = Field(alias="usdPrice", gt=0)
    liquidity: float | None = Field(default=None, ge=0)
    decimals: int | None = Field(default=None, ge=0, le=255)
    price_change_24h: float | None = Field(default=None, alias="priceChange24h")
    block_id: int | None = Field(default=None, alias="blockId", ge=0)


class SwapInfoModel(StrictModel):
    """One leg's swap in a quote's `routePlan`."""

    amm_key: str = Field(alias="ammKey")
    label: str | None = None
    input_mint: str = Field(alias="inputMint")
    output_mint: str = Field(alias="outputMint")
    in_amount: BaseUnits = Field(alias="inAmount")
    out_amount: BaseUnits = Field(alias="outAmount")


class RouteLegModel(StrictModel):
    """One entry of `routePlan`."""

    swap_info: SwapInfoModel = Field(alias="swapInfo")
    percent: int | None = Field(default=None, ge=0, le=100)
    bps: int | None = Field(default=None, ge=0, le=10_000)


class QuoteModel(StrictModel):
    """The 200 body of `GET /swap/v1/quote`."""

    input_mint: str = Field(alias="inputMint")
    in_amount: BaseUnits = Field(alias="inAmount")
    output_mint: str = Field(alias="outputMint")
    out_amount: BaseUnits = Field(alias="outAmount")
    other_amount_threshold: BaseUnits = Field(alias="otherAmountThreshold")
    swap_mode: Literal["ExactIn", "ExactOut"] = Field(alias="swapMode")
    slippage_bps: int = Field(alias="slippageBps", ge=0)
    price_impact_pct: DecimalText = Field(alias="priceImpactPct")
    route_plan: list[RouteLegModel] = Field(alias="routePlan", min_length=1)
    context_slot: int | None = Field(default=None, alias="contextSlot")


@dataclass(frozen=True, slots=True)
class PriceV3:
    """Jupiter's price of one mint."""

    mint: str
    usd_price: float
    """USD per whole token; always > 0."""
    liquidity_usd: float | None
    decimals: int | None
    price_change_24h_pct: float | None
    block_id: int | None
    """Solana block the price was derived at: a larger id is a fresher price."""


@dataclass(frozen=True, slots=True)
class PriceBatch:
    """A parsed Price API v3 answer: the usable prices and the entries that were not usable."""

    prices: Mapping[str, PriceV3]
    problems: tuple[ResponseInvalid, ...]

    def price(self, mint: str) -> PriceV3 | None:
        """Returns the mint's price, or None when the answer has no usable price for it."""
        return self.prices.get(mint)

    def missing(self, mints: Iterable[str]) -> list[str]:
        """Returns the asked-for mints the answer has no usable price for, in the given order."""
        return [mint for mint in mints if mint not in self.prices]


@dataclass(frozen=True, slots=True)
class JupiterQuote:
    """A parsed swap quote."""

    input_mint: str
    output_mint: str
    in_amount: int
    """Base units paid."""
    out_amount: int
    """Base units received, before slippage."""
    other_amount_threshold: int
    """Least base units received once `slippage_bps` is applied (ExactIn)."""
    slippage_bps: int
    price_impact_bps: float
    route_labels: tuple[str, ...]
    """Venue label of each leg (empty text when the API gave none)."""
    context_slot: int | None

    def to_swap_quote(self, token: Token, side: Side) -> SwapQuote:
        """Returns the quote as the engine's SwapQuote, after checking it is the asked-for swap.

        Args:
            token: The token bought or sold against USDC.
            side: "buy" (USDC in, token out) or "sell" (token in, USDC out).

        Raises:
            ResponseInvalid: If the quote's mints are not the ones `token` and `side` imply.
        """
        want_in, want_out = (USDC_MINT, token.mint) if side == "buy" else (token.mint, USDC_MINT)
        if self.input_mint != want_in:
            raise ResponseInvalid(
                PROVIDER, "inputMint", f"quote is for {self.input_mint}, asked for {want_in}"
            )
        if self.output_mint != want_out:
            raise ResponseInvalid(
                PROVIDER, "outputMint", f"quote is for {self.output_mint}, asked for {want_out}"
            )
        return SwapQuote(token, side, self.in_amount, self.out_amount, self.price_impact_bps)


def parse_price_v3(body: object) -> PriceBatch:
    """Parses a Price API v3 answer (the decoded JSON).

    Args:
        body: The decoded JSON body.

    Returns:
        The usable prices by mint, and one problem per entry that was not usable (that mint
        then has no price). Mints absent from the answer, or given as null, have no price.

    Raises:
        ResponseInvalid: If the body is not an object keyed by mint.
    """
    if not isinstance(body, dict):
        raise ResponseInvalid(
            PROVIDER, "body", f"expected an object keyed by mint, got {json_kind(body)}"
        )
    prices: dict[str, PriceV3] = {}
    problems: list[ResponseInvalid] = []
    for mint, entry in body.items():
        if entry is None:
            continue
        if not isinstance(entry, dict):
            problems.append(
                ResponseInvalid(PROVIDER, str(mint), f"expected an object, got {json_kind(entry)}")
            )
            continue
        try:
            model = PriceEntryModel.model_validate(entry)
        except ValidationError as exc:
            problems.append(from_validation(PROVIDER, exc, str(mint)))
            continue
        prices[mint] = PriceV3(
            mint,
            model.usd_price,
            model.liquidity,
            model.decimals,
            model.price_change_24h,
            model.block_id,
        )
    return PriceBatch(prices, tuple(problems))


def parse_quote(body: object) -> JupiterQuote:
    """Parses a `/swap/v1/quote` 200 answer (the decoded JSON).

    Args:
        body: The decoded JSON body.

    Returns:
        The quote, with amounts as integers and the price impact in basis points.

    Raises:
        ResponseInvalid: If a required field is missing or malformed, an amount is zero, or
            the slippage threshold exceeds the quoted output.
    """
    if not isinstance(body, dict):
        raise ResponseInvalid(PROVIDER, "body", f"expected an object, got {json_kind(body)}")
    try:
        model = QuoteModel.model_validate(body)
    except ValidationError as exc:
        raise from_validation(PROVIDER, exc) from None
    if model.in_amount == 0:
        raise ResponseInvalid(PROVIDER, "inAmount", "is zero: nothing would be swapped")
    if model.out_amount == 0:
        raise ResponseInvalid(PROVIDER, "outAmount", "is zero: the swap would return nothing")
    if model.swap_mode == "ExactIn" and model.other_amount_threshold > model.out_amount:
        raise ResponseInvalid(
            PROVIDER,
            "otherAmountThreshold",
            f"{model.other_amount_threshold} exceeds outAmount {model.out_amount}",
        )
    return JupiterQuote(
        input_mint=model.input_mint,
        output_mint=model.output_mint,
        in_amount=model.in_amount,
        out_amount=model.out_amount,
        other_amount_threshold=model.other_amount_threshold,
        slippage_bps=model.slippage_bps,
        price_impact_bps=model.price_impact_pct * 10_000,
        route_labels=tuple(leg.swap_info.label or "" for leg in model.route_plan),
        context_slot=model.context_slot,
    )


def parse_swap_quote(body: object, token: Token, side: Side) -> SwapQuote:
    """Parses a quote answer and checks it prices the asked-for swap (see `parse_quote`).

    Raises:
        ResponseInvalid: If the body is malformed or quotes other mints.
    """
    return parse_quote(body).to_swap_quote(token, side)


def quote_params(
    token: Token, side: Side, in_amount: int, slippage_bps: int = 50
) -> dict[str, str]:
    """Returns the query parameters of an ExactIn quote for buying or selling `token` for USDC.

    Args:
        token: The token.
        side: "buy" pays `in_amount` micro-USDC; "sell" pays `in_amount` token base units.
        in_amount: Base units paid; must be positive.
        slippage_bps: Tolerated slippage, basis points (the API's default is 50).

    Raises:
        ValueError: If `in_amount` is not positive or `slippage_bps` is negative.
    """
    if in_amount <= 0:
        raise ValueError(f"in_amount must be positive, got {in_amount}")
    if slippage_bps < 0:
        raise ValueError(f"slippage_bps must not be negative, got {slippage_bps}")
    in_mint, out_mint = (USDC_MINT, token.mint) if side == "buy" else (token.mint, USDC_MINT)
    return {
        "inputMint": in_mint,
        "outputMint": out_mint,
        "amount": str(in_amount),
        "slippageBps": str(slippage_bps),
        "swapMode": "ExactIn",
    }


def price_id_batches(mints: Sequence[str]) -> list[str]:
    """Splits mints into `ids` parameter values of at most `PRICE_IDS_MAX` mints each.

    Duplicates are dropped (first occurrence kept) so no batch wastes a slot.
    """
    unique = list(dict.fromkeys(mints))
    return [
        ",".join(unique[start : start + PRICE_IDS_MAX])
        for start in range(0, len(unique), PRICE_IDS_MAX)
    ]
