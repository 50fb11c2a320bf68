"""Provides DexScreener's response models and parsers: token profiles and pairs. Pure, no I/O.

What the public documentation says (looked up, not guessed), from the DEX Screener API
reference (docs.dexscreener.com/api/reference, OpenAPI 3.0.3, server https://api.dexscreener.com):

`GET /token-profiles/latest/v1`, "Get the latest token profiles (rate-limit 60 requests per
minute)". A profile has `url` (uri), `chainId`, `tokenAddress`, `icon` (uri), `header` (uri,
nullable), `description` (nullable) and `links` (nullable array of `{type, label, url}`). The
reference's schema is one object, but the endpoint answers with an array of profiles across
all chains (every client we found iterates it and filters on `chainId`), so an array is
expected and a lone object is read as a list of one.

`GET /tokens/v1/{chainId}/{tokenAddresses}`, "Get one or multiple pairs by token address
(rate-limit 300 requests per minute)", up to 30 comma-separated addresses. The body is an
array of pairs: `chainId`, `dexId`, `url`, `pairAddress`, `labels` (nullable), `baseToken` and
`quoteToken` (`{address, name, symbol}`), `priceNative` (string), `priceUsd` (string,
nullable), `txns` (`{m5, h1, h6, h24}` of `{buys, sells}`), `volume` (`{m5, h1, h6, h24}`,
USD), `priceChange` (nullable), `liquidity` (nullable `{usd (nullable), base, quote}`), `fdv`
and `marketCap` (nullable), `pairCreatedAt` (unix milliseconds, nullable), `info`, `boosts`.
A token with no pair is simply absent from the array.

Required here (a pair without them is skipped and reported): `chainId`, `dexId`,
`pairAddress`, `baseToken.address`, `baseToken.symbol`, `quoteToken.address`,
`quoteToken.symbol`. A null `priceUsd` is "no price" for that pair, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, ValidationError

from soltrader_tui.market.errors import (
    DecimalText,
    ResponseInvalid,
    StrictModel,
    from_validation,
    json_kind,
)

PROVIDER = "dexscreener"
CHAIN = "solana"
"""DexScreener's `chainId` for Solana."""
TOKENS_MAX = 30
"""Most addresses one `/tokens/v1/{chainId}/{addresses}` call may ask for."""
PROFILES_PER_MINUTE = 60
"""Documented limit of `/token-profiles/latest/v1`."""
PAIRS_PER_MINUTE = 300
"""Documented limit of `/tokens/v1/...`."""

PriceText = Annotated[DecimalText, Field(gt=0)]


class DexTokenModel(StrictModel):
    """`baseToken` / `quoteToken` of a pair."""

    address: str = Field(min_length=1)
    name: str | None = None
    symbol: str


class LiquidityModel(StrictModel):
    """`liquidity` of a pair: USD total, and each side in whole tokens."""

    usd: float | None = Field(default=None, ge=0)
    base: float | None = Field(default=None, ge=0)
    quote: float | None = Field(default=None, ge=0)


class TxnCountModel(StrictModel):
    """Buys and sells in one window of `txns`."""

    buys: int = Field(ge=0)
    sells: int = Field(ge=0)


class PairModel(StrictModel):
    """One pair of a `/tokens/v1/...` answer."""

    chain_id: str = Field(alias="chainId")
    dex_id: str = Field(alias="dexId")
    url: str | None = None
    pair_address: str = Field(alias="pairAddress", min_length=1)
    base_token: DexTokenModel = Field(alias="baseToken")
    quote_token: DexTokenModel = Field(alias="quoteToken")
    price_usd: PriceText | None = Field(default=None, alias="priceUsd")
    liquidity: LiquidityModel | None = None
    volume: dict[str, Annotated[float, Field(ge=0)]] | None = None
    txns: dict[str, TxnCountModel] | None = None
    pair_created_at: int | None = Field(default=None, alias="pairCreatedAt", ge=0)


class ProfileModel(StrictModel):
    """One entry of `/token-profiles/latest/v1`."""

    url: str
    chain_id: str = Field(alias="chainId")
    token_address: str = Field(alias="tokenAddress", min_length=1)
    description: str | None = None


@dataclass(frozen=True, slots=True)
class DexPair:
    """A DEX pool of a token, as DexScreener sees it."""

    chain_id: str
    dex_id: str
    pair_address: str
    base_mint: str
    base_symbol: str
    base_name: str | None
    quote_mint: str
    quote_symbol: str
    price_usd: float | None
    """USD per whole base token; None when DexScreener has no USD price (never 0)."""
    liquidity_usd: float | None
    volume_h24_usd: float | None
    buys_h24: int | None
    sells_h24: int | None
    created_ts: float | None
    """When the pair was created, unix seconds (the API sends milliseconds)."""
    url: str | None


@dataclass(frozen=True, slots=True)
class TokenProfile:
    """A token someone published a DexScreener profile for: a discovery candidate."""

    chain_id: str
    mint: str
    url: str
    description: str | None


@dataclass(frozen=True, slots=True)
class PairBatch:
    """A parsed `/tokens/v1/...` answer: usable pairs and the entries that were not usable."""

    pairs: tuple[DexPair, ...]
    problems: tuple[ResponseInvalid, ...]


@dataclass(frozen=True, slots=True)
class ProfileBatch:
    """A parsed `/token-profiles/latest/v1` answer: usable profiles and the unusable entries."""

    profiles: tuple[TokenProfile, ...]
    problems: tuple[ResponseInvalid, ...]

    def on_chain(self, chain_id: str = CHAIN) -> list[TokenProfile]:
        """Returns the profiles of tokens on `chain_id`, in the answer's order."""
        return [profile for profile in self.profiles if profile.chain_id == chain_id]


def parse_token_pairs(body: object) -> PairBatch:
    """Parses a `/tokens/v1/{chainId}/{addresses}` answer (the decoded JSON).

    Args:
        body: The decoded JSON body.

    Returns:
        The usable pairs in the answer's order, and one problem per unusable entry.

    Raises:
        ResponseInvalid: If the body is not an array.
    """
    if not isinstance(body, list):
        raise ResponseInvalid(
            PROVIDER, "body", f"expected an array of pairs, got {json_kind(body)}"
        )
    pairs: list[DexPair] = []
    problems: list[ResponseInvalid] = []
    for index, entry in enumerate(body):
        try:
            model = PairModel.model_validate(entry)
        except ValidationError as exc:
            problems.append(_entry_problem(exc, index, entry, "baseToken"))
            continue
        pairs.append(_pair(model))
    return PairBatch(tuple(pairs), tuple(problems))


def parse_token_profiles(body: object) -> ProfileBatch:
    """Parses a `/token-profiles/latest/v1` answer (the decoded JSON).

    Args:
        body: The decoded JSON body: an array of profiles (one object is read as one profile).

    Returns:
        The usable profiles in the answer's order (all chains), and the unusable entries.

    Raises:
        ResponseInvalid: If the body is neither an array nor an object.
    """
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        raise ResponseInvalid(
            PROVIDER, "body", f"expected an array of profiles, got {json_kind(body)}"
        )
    profiles: list[TokenProfile] = []
    problems: list[ResponseInvalid] = []
    for index, entry in enumerate(body):
        try:
            model = ProfileModel.model_validate(entry)
        except ValidationError as exc:
            problems.append(_entry_problem(exc, index, entry, None))
            continue
        profiles.append(
            TokenProfile(model.chain_id, model.token_address, model.url, model.description)
        )
    return ProfileBatch(tuple(profiles), tuple(problems))


def best_pairs(pairs: Iterable[DexPair], chain_id: str = CHAIN) -> dict[str, DexPair]:
    """Picks, for each base token on `chain_id`, its pair with the most USD liquidity.

    A pair with unknown liquidity ranks below any known amount; ties keep the earlier pair.

    Args:
        pairs: Parsed pairs, e.g. `parse_token_pairs(body).pairs`.
        chain_id: Only pairs on this chain are considered.

    Returns:
        The deepest pair of every base mint.
    """
    best: dict[str, DexPair] = {}
    for pair in pairs:
        if pair.chain_id != chain_id:
            continue
        held = best.get(pair.base_mint)
        if held is None or _depth(pair) > _depth(held):
            best[pair.base_mint] = pair
    return best


def token_batches(mints: Iterable[str]) -> list[str]:
    """Splits mints into comma-separated path segments of at most `TOKENS_MAX` addresses."""
    unique = list(dict.fromkeys(mints))
    return [",".join(unique[i : i + TOKENS_MAX]) for i in range(0, len(unique), TOKENS_MAX)]


def _depth(pair: DexPair) -> float:
    return -1.0 if pair.liquidity_usd is None else pair.liquidity_usd


def _pair(model: PairModel) -> DexPair:
    liquidity = model.liquidity
    day: TxnCountModel | None = (model.txns or {}).get("h24")
    return DexPair(
        chain_id=model.chain_id,
        dex_id=model.dex_id,
        pair_address=model.pair_address,
        base_mint=model.base_token.address,
        base_symbol=model.base_token.symbol,
        base_name=model.base_token.name,
        quote_mint=model.quote_token.address,
        quote_symbol=model.quote_token.symbol,
        price_usd=model.price_usd,
        liquidity_usd=None if liquidity is None else liquidity.usd,
        volume_h24_usd=(model.volume or {}).get("h24"),
        buys_h24=None if day is None else day.buys,
        sells_h24=None if day is None else day.sells,
        created_ts=None if model.pair_created_at is None else model.pair_created_at / 1000,
        url=model.url,
    )


def _entry_problem(
    exc: ValidationError, index: int, entry: object, token_key: str | None
) -> ResponseInvalid:
    """Names the bad entry by index, and by its token's address when that can be read."""
    problem = from_validation(PROVIDER, exc, f"[{index}]")
    address = _address_of(entry, token_key)
    if address is None:
        return problem
    return ResponseInvalid(PROVIDER, problem.field, f"{problem.reason} (token {address})")


def _address_of(entry: object, token_key: str | None) -> str | None:
    if not isinstance(entry, Mapping):
        return None
    if token_key is None:
        value = entry.get("tokenAddress")
    else:
        holder = entry.get(token_key)
        value = holder.get("address") if isinstance(holder, Mapping) else None
    return value if isinstance(value, str) else None
