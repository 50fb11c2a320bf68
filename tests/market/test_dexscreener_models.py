"""Tests DexScreener's token-profile and token-pair parsers against the documented shapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.market.dexscreener import (
    TOKENS_MAX,
    best_pairs,
    parse_token_pairs,
    parse_token_profiles,
    token_batches,
)
from soltrader_tui.market.errors import ResponseInvalid

BONK = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263"
WIF = "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm"
WSOL = "So11111111111111111111111111111111111111112"
_DROP = object()
"""Marks a field to leave out of a factory's body."""


def make_pair(
    base: str = BONK, symbol: str = "Bonk", pair_address: str | None = None, **overrides: object
) -> dict[str, object]:
    """One `/tokens/v1/solana/...` pair with every documented field."""
    pair: dict[str, object] = {
        "chainId": "solana",
        "dexId": "raydium",
        "url": f"https://dexscreener.com/solana/{pair_address or base[:8]}",
        "pairAddress": pair_address or f"{base[:8]}pool",
        "labels": ["CLMM"],
        "baseToken": {"address": base, "name": symbol, "symbol": symbol.upper()},
        "quoteToken": {"address": WSOL, "name": "Wrapped SOL", "symbol": "SOL"},
        "priceNative": "0.0000001457",
        "priceUsd": "0.00002203",
        "txns": {
            "m5": {"buys": 12, "sells": 9},
            "h1": {"buys": 160, "sells": 141},
            "h6": {"buys": 901, "sells": 877},
            "h24": {"buys": 4210, "sells": 3988},
        },
        "volume": {"h24": 1_832_004.55, "h6": 402_311.1, "h1": 61_020.0, "m5": 3_400.2},
        "priceChange": {"m5": 0.3, "h1": -1.2, "h6": 2.5, "h24": -4.1},
        "liquidity": {"usd": 2_451_330.12, "base": 55_700_000_000, "quote": 8_123.4},
        "fdv": 1_650_000_000,
        "marketCap": 1_540_000_000,
        "pairCreatedAt": 1_670_000_000_000,
        "info": {"imageUrl": "https://dd.dexscreener.com/x.png", "websites": [], "socials": []},
        "boosts": {"active": 2},
    }
    pair.update(overrides)
    return {k: v for k, v in pair.items() if v is not _DROP}


def edited(body: dict[str, object], overrides: dict[str, object]) -> dict[str, object]:
    """A copy of `body` with `overrides` applied (a `_DROP` value removes the field)."""
    merged = {**body, **overrides}
    return {k: v for k, v in merged.items() if v is not _DROP}


def make_profile(token: str = WIF, chain: str = "solana", **overrides: object) -> dict[str, object]:
    """One `/token-profiles/latest/v1` entry with every documented field."""
    profile: dict[str, object] = {
        "url": f"https://dexscreener.com/{chain}/{token}",
        "chainId": chain,
        "tokenAddress": token,
        "icon": f"https://dd.dexscreener.com/ds-data/tokens/{chain}/{token}.png",
        "header": None,
        "description": "a dog with a hat",
        "links": [{"type": "twitter", "label": None, "url": "https://x.com/dogwifcoin"}],
    }
    profile.update(overrides)
    return {k: v for k, v in profile.items() if v is not _DROP}


class TestTokenPairs:
    """Pairs give a token's USD price, liquidity, volume, trades and age, or say they cannot."""

    def test_documented_shape(self) -> None:
        batch = parse_token_pairs([make_pair()])
        (pair,) = batch.pairs
        assert batch.problems == ()
        assert (pair.base_mint, pair.base_symbol, pair.quote_mint) == (BONK, "BONK", WSOL)
        assert pair.price_usd == 0.00002203
        assert pair.liquidity_usd == 2_451_330.12
        assert pair.volume_h24_usd == 1_832_004.55
        assert (pair.buys_h24, pair.sells_h24) == (4210, 3988)
        assert pair.created_ts == 1_670_000_000.0
        assert (pair.chain_id, pair.dex_id) == ("solana", "raydium")

    def test_null_price_is_no_price(self) -> None:
        (pair,) = parse_token_pairs([make_pair(priceUsd=None)]).pairs
        assert pair.price_usd is None

    def test_optional_parts_absent_or_null(self) -> None:
        bare = make_pair(
            liquidity=_DROP, txns=_DROP, volume=_DROP, pairCreatedAt=None, priceUsd=_DROP
        )
        no_usd = make_pair(WIF, "dogwifhat", liquidity={"usd": None, "base": 1, "quote": 2})
        first, second = parse_token_pairs([bare, no_usd]).pairs
        assert (first.price_usd, first.liquidity_usd, first.volume_h24_usd) == (None, None, None)
        assert (first.buys_h24, first.created_ts) == (None, None)
        assert second.liquidity_usd is None

    @pytest.mark.parametrize(
        ("overrides", "field", "words"),
        [
            ({"baseToken": _DROP}, "[1].baseToken", "required field is missing"),
            ({"pairAddress": _DROP}, "[1].pairAddress", "required field is missing"),
            ({"chainId": _DROP}, "[1].chainId", "required field is missing"),
            ({"priceUsd": 0.00002203}, "[1].priceUsd", "written as a string"),
            ({"priceUsd": "0"}, "[1].priceUsd", "greater than 0"),
            ({"priceUsd": "n/a"}, "[1].priceUsd", "written as a string"),
            ({"liquidity": {"usd": "2451330"}}, "[1].liquidity.usd", "valid number"),
            ({"pairCreatedAt": "1670000000000"}, "[1].pairCreatedAt", "valid integer"),
            ({"txns": {"h24": {"buys": 1.5, "sells": 2}}}, "[1].txns.h24.buys", "valid integer"),
        ],
    )
    def test_bad_pair_is_skipped_and_named(
        self, overrides: dict[str, object], field: str, words: str
    ) -> None:
        good = make_pair(WIF, "dogwifhat")
        batch = parse_token_pairs([good, edited(make_pair(), overrides)])
        assert [p.base_mint for p in batch.pairs] == [WIF]
        (problem,) = batch.problems
        assert (problem.provider, problem.field) == ("dexscreener", field)
        assert words in problem.reason

    def test_problem_names_the_token_when_it_can(self) -> None:
        batch = parse_token_pairs([make_pair(priceUsd="-1")])
        assert f"(token {BONK})" in batch.problems[0].reason

    @pytest.mark.parametrize("body", [{"schemaVersion": "x", "pairs": []}, None, "pairs"])
    def test_whole_body_of_the_wrong_type_raises(self, body: object) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_token_pairs(body)
        assert (caught.value.provider, caught.value.field) == ("dexscreener", "body")

    def test_no_pairs_is_an_empty_answer(self) -> None:
        assert parse_token_pairs([]).pairs == ()

    @given(
        price=st.floats(min_value=1e-12, max_value=1e7, allow_nan=False),
        created_ms=st.integers(min_value=0, max_value=4_000_000_000_000),
    )
    def test_any_valid_price_and_age_round_trip(self, price: float, created_ms: int) -> None:
        pair = make_pair(priceUsd=repr(price), pairCreatedAt=created_ms)
        (parsed,) = parse_token_pairs([pair]).pairs
        assert parsed.price_usd == price
        assert parsed.created_ts == created_ms / 1000


class TestBestPairs:
    """A token traded in several pools is judged by its deepest pool on Solana."""

    def test_deepest_pool_per_token(self) -> None:
        shallow = make_pair(pair_address="shallow", liquidity={"usd": 10_000.0})
        deep = make_pair(pair_address="deep", liquidity={"usd": 900_000.0})
        unknown = make_pair(pair_address="unknown", liquidity=None)
        other_chain = make_pair(pair_address="eth", chainId="ethereum", liquidity={"usd": 1e9})
        wif = make_pair(WIF, "dogwifhat", liquidity={"usd": 5.0})
        pairs = parse_token_pairs([unknown, shallow, other_chain, deep, wif]).pairs
        best = best_pairs(pairs)
        assert {mint: p.pair_address for mint, p in best.items()} == {
            BONK: "deep",
            WIF: wif["pairAddress"],
        }

    def test_batches_of_thirty(self) -> None:
        mints = [f"m{i:02d}" for i in range(65)]
        assert [len(b.split(",")) for b in token_batches(mints)] == [TOKENS_MAX, TOKENS_MAX, 5]


class TestTokenProfiles:
    """Profiles name newly promoted tokens on every chain; discovery keeps Solana's."""

    def test_documented_shape(self) -> None:
        batch = parse_token_profiles([make_profile(), make_profile(BONK, description=None)])
        assert [(p.mint, p.chain_id) for p in batch.profiles] == [(WIF, "solana"), (BONK, "solana")]
        assert batch.profiles[0].description == "a dog with a hat"
        assert batch.profiles[1].description is None
        assert batch.problems == ()

    def test_nullable_parts(self) -> None:
        batch = parse_token_profiles([make_profile(header=None, links=None, icon=_DROP)])
        assert [p.mint for p in batch.profiles] == [WIF]

    def test_other_chains_filtered_out(self) -> None:
        body = [make_profile(), make_profile("0x795d2710e383f33fbebe980a155b29757b6703f3", "bsc")]
        batch = parse_token_profiles(body)
        assert [p.mint for p in batch.on_chain()] == [WIF]
        assert len(batch.profiles) == 2

    def test_lone_object_is_one_profile(self) -> None:
        assert [p.mint for p in parse_token_profiles(make_profile()).profiles] == [WIF]

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"tokenAddress": _DROP}, "[0].tokenAddress"),
            ({"tokenAddress": ""}, "[0].tokenAddress"),
            ({"chainId": 101}, "[0].chainId"),
            ({"url": _DROP}, "[0].url"),
        ],
    )
    def test_bad_profile_is_skipped_and_named(
        self, overrides: dict[str, object], field: str
    ) -> None:
        batch = parse_token_profiles([edited(make_profile(), overrides), make_profile(BONK)])
        assert [p.mint for p in batch.profiles] == [BONK]
        assert [p.field for p in batch.problems] == [field]

    @pytest.mark.parametrize("body", [None, "profiles", 7])
    def test_whole_body_of_the_wrong_type_raises(self, body: object) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_token_profiles(body)
        assert caught.value.field == "body"
