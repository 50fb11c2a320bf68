"""Tests Jupiter's Price API v3 and swap-quote parsers against bodies in the documented shapes."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.domain import Token
from soltrader_tui.market.errors import ResponseInvalid, decode_json
from soltrader_tui.market.jupiter import (
    PRICE_IDS_MAX,
    USDC_MINT,
    parse_price_v3,
    parse_quote,
    parse_swap_quote,
    price_id_batches,
    quote_params,
)

WSOL = "So11111111111111111111111111111111111111112"
JUP = "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN"
SOL = Token(WSOL, "SOL", 9)
_DROP = object()
"""Marks a field to leave out of a factory's body."""


def price_entry(**overrides: object) -> dict[str, object]:
    """One Price API v3 value as the docs show it (every documented field present)."""
    entry: dict[str, object] = {
        "createdAt": "2024-06-05T08:55:25.527Z",
        "liquidity": 612_345_678.91,
        "usdPrice": 151.23,
        "blockId": 348_004_100,
        "decimals": 9,
        "priceChange24h": -2.17,
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not _DROP}


def quote_body(**overrides: object) -> dict[str, object]:
    """A `/swap/v1/quote` answer for 1 SOL → USDC in the documented shape."""
    body: dict[str, object] = {
        "inputMint": WSOL,
        "inAmount": "1000000000",
        "outputMint": USDC_MINT,
        "outAmount": "151230000",
        "otherAmountThreshold": "150473850",
        "swapMode": "ExactIn",
        "slippageBps": 50,
        "platformFee": None,
        "priceImpactPct": "0.0001",
        "routePlan": [
            {
                "swapInfo": {
                    "ammKey": "HXpGFJGCEEFdV31tDmjDBaJMEB1fKLiAoKoWr3Fnonid",
                    "label": "Meteora DLMM",
                    "inputMint": WSOL,
                    "outputMint": USDC_MINT,
                    "inAmount": "1000000000",
                    "outAmount": "151230000",
                    "feeAmount": "12000",
                    "feeMint": USDC_MINT,
                },
                "percent": 100,
                "bps": 10000,
            }
        ],
        "contextSlot": 324_307_186,
        "timeTaken": 0.012,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not _DROP}


class TestPriceAnswer:
    """Prices come through with every documented field; a token without a price has none."""

    def test_documented_shape(self) -> None:
        batch = parse_price_v3({WSOL: price_entry(), JUP: price_entry(usdPrice=0.4056, decimals=6)})
        sol = batch.price(WSOL)
        assert sol is not None
        assert (sol.usd_price, sol.liquidity_usd, sol.decimals) == (151.23, 612_345_678.91, 9)
        assert (sol.price_change_24h_pct, sol.block_id) == (-2.17, 348_004_100)
        assert batch.prices[JUP].usd_price == 0.4056
        assert batch.problems == ()

    def test_missing_mint_means_no_price_never_zero(self) -> None:
        batch = parse_price_v3({WSOL: price_entry()})
        assert batch.price(JUP) is None
        assert batch.missing([JUP, WSOL]) == [JUP]
        assert batch.problems == ()

    def test_null_entry_is_no_price_not_an_error(self) -> None:
        batch = parse_price_v3({WSOL: price_entry(), JUP: None})
        assert batch.price(JUP) is None
        assert batch.problems == ()

    def test_only_the_price_is_required(self) -> None:
        batch = parse_price_v3({JUP: {"usdPrice": 0.5}})
        price = batch.price(JUP)
        assert price is not None
        assert (price.liquidity_usd, price.decimals, price.block_id) == (None, None, None)

    @pytest.mark.parametrize(
        ("entry", "field", "words"),
        [
            (price_entry(usdPrice=_DROP), "usdPrice", "required field is missing"),
            (price_entry(usdPrice=0), "usdPrice", "greater than 0"),
            (price_entry(usdPrice=-1.5), "usdPrice", "greater than 0"),
            (price_entry(usdPrice="151.23"), "usdPrice", "valid number"),
            (price_entry(usdPrice=True), "usdPrice", "valid number"),
            (price_entry(decimals=6.5), "decimals", "valid integer"),
            (price_entry(liquidity=-3.0), "liquidity", "greater than or equal to 0"),
            (price_entry(blockId="348004100"), "blockId", "valid integer"),
        ],
    )
    def test_bad_entry_skips_that_token_only(self, entry: object, field: str, words: str) -> None:
        batch = parse_price_v3({JUP: entry, WSOL: price_entry()})
        assert batch.price(JUP) is None
        assert batch.price(WSOL) is not None
        (problem,) = batch.problems
        assert (problem.provider, problem.field) == ("jupiter", f"{JUP}.{field}")
        assert words in problem.reason

    def test_entry_that_is_not_an_object(self) -> None:
        batch = parse_price_v3({JUP: 0.41, WSOL: price_entry()})
        assert [p.field for p in batch.problems] == [JUP]
        assert "got a number" in batch.problems[0].reason

    @pytest.mark.parametrize("body", [[], "oops", None, 3])
    def test_whole_body_of_the_wrong_type_raises(self, body: object) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_price_v3(body)
        assert (caught.value.provider, caught.value.field) == ("jupiter", "body")

    def test_retired_v2_shape_prices_nothing(self) -> None:
        body = {"data": {WSOL: {"id": WSOL, "price": "151.23"}}, "timeTaken": 0.004}
        batch = parse_price_v3(body)
        assert batch.prices == {}
        assert sorted(p.field for p in batch.problems) == ["data.usdPrice", "timeTaken"]

    def test_body_that_is_not_json(self) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            decode_json("jupiter", b'{"So111": {"usdPrice": 1')
        assert caught.value.field == "body"
        assert "not valid JSON" in str(caught.value)

    @given(
        price=st.floats(min_value=1e-12, max_value=1e9, allow_nan=False),
        liquidity=st.floats(min_value=0, max_value=1e12, allow_nan=False),
        decimals=st.integers(min_value=0, max_value=18),
    )
    def test_any_valid_entry_round_trips(
        self, price: float, liquidity: float, decimals: int
    ) -> None:
        entry = price_entry(usdPrice=price, liquidity=liquidity, decimals=decimals)
        parsed = parse_price_v3({JUP: entry}).prices[JUP]
        assert (parsed.usd_price, parsed.liquidity_usd, parsed.decimals) == (
            price,
            liquidity,
            decimals,
        )


class TestPriceBatches:
    """Wide watchlists are asked for in calls of at most 50 mints."""

    def test_batches_of_fifty_without_repeats(self) -> None:
        mints = [f"mint{i:03d}" for i in range(120)] + ["mint000"]
        batches = price_id_batches(mints)
        assert [len(b.split(",")) for b in batches] == [PRICE_IDS_MAX, PRICE_IDS_MAX, 20]
        assert ",".join(batches).split(",") == mints[:120]


class TestSwapQuote:
    """A quote is read into exact integer amounts and checked to be the swap asked for."""

    def test_documented_shape(self) -> None:
        quote = parse_quote(quote_body())
        assert (quote.in_amount, quote.out_amount, quote.other_amount_threshold) == (
            1_000_000_000,
            151_230_000,
            150_473_850,
        )
        assert quote.slippage_bps == 50
        assert math.isclose(quote.price_impact_bps, 1.0)
        assert quote.route_labels == ("Meteora DLMM",)
        assert quote.context_slot == 324_307_186

    def test_sell_maps_to_a_swap_quote(self) -> None:
        swap = parse_swap_quote(quote_body(), SOL, "sell")
        assert (swap.token, swap.side, swap.in_amount, swap.out_amount) == (
            SOL,
            "sell",
            1_000_000_000,
            151_230_000,
        )

    def test_buy_maps_to_a_swap_quote(self) -> None:
        body = quote_body(
            inputMint=USDC_MINT,
            outputMint=WSOL,
            inAmount="50000000",
            outAmount="330000000",
            otherAmountThreshold="328350000",
        )
        swap = parse_swap_quote(body, SOL, "buy")
        assert (swap.side, swap.in_amount, swap.out_amount) == ("buy", 50_000_000, 330_000_000)

    def test_quote_for_other_mints_is_refused(self) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_swap_quote(quote_body(), Token(JUP, "JUP", 6), "sell")
        assert caught.value.field == "inputMint"
        with pytest.raises(ResponseInvalid) as caught:
            parse_swap_quote(quote_body(outputMint=JUP), SOL, "sell")
        assert caught.value.field == "outputMint"

    @pytest.mark.parametrize(
        "field",
        [
            "inputMint",
            "inAmount",
            "outputMint",
            "outAmount",
            "otherAmountThreshold",
            "swapMode",
            "slippageBps",
            "priceImpactPct",
            "routePlan",
        ],
    )
    def test_each_required_field_missing_is_named(self, field: str) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_quote(quote_body(**{field: _DROP}))
        assert (caught.value.provider, caught.value.field) == ("jupiter", field)
        assert caught.value.reason == "required field is missing"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"inAmount": 1000000000}, "inAmount"),
            ({"outAmount": "151.23"}, "outAmount"),
            ({"outAmount": "-5"}, "outAmount"),
            ({"otherAmountThreshold": ""}, "otherAmountThreshold"),
            ({"priceImpactPct": "n/a"}, "priceImpactPct"),
            ({"priceImpactPct": "NaN"}, "priceImpactPct"),
            ({"swapMode": "exactIn"}, "swapMode"),
            ({"slippageBps": -1}, "slippageBps"),
            ({"routePlan": []}, "routePlan"),
            ({"outAmount": "0"}, "outAmount"),
            ({"inAmount": "0"}, "inAmount"),
            ({"otherAmountThreshold": "151230001"}, "otherAmountThreshold"),
        ],
    )
    def test_malformed_field_is_named(self, overrides: dict[str, object], field: str) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_quote(quote_body(**overrides))
        assert caught.value.field == field

    def test_malformed_route_leg_is_named_by_its_path(self) -> None:
        body = quote_body()
        broken = copy.deepcopy(body["routePlan"])
        assert isinstance(broken, list)
        broken[0]["swapInfo"]["inAmount"] = 10
        with pytest.raises(ResponseInvalid) as caught:
            parse_quote({**body, "routePlan": broken})
        assert caught.value.field == "routePlan.0.swapInfo.inAmount"

    def test_unused_and_unknown_fields_are_ignored(self) -> None:
        body = quote_body(platformFee={"amount": "0", "feeBps": 0}, mostReliableAmmsQuoteReport={})
        assert parse_quote(body).out_amount == 151_230_000

    @pytest.mark.parametrize("body", [[], "quote", None])
    def test_whole_body_of_the_wrong_type_raises(self, body: object) -> None:
        with pytest.raises(ResponseInvalid) as caught:
            parse_quote(body)
        assert caught.value.field == "body"

    @given(
        in_amount=st.integers(min_value=1, max_value=2**64),
        out_amount=st.integers(min_value=1, max_value=2**64),
        slippage=st.integers(min_value=0, max_value=10_000),
    )
    def test_any_amounts_round_trip_exactly(
        self, in_amount: int, out_amount: int, slippage: int
    ) -> None:
        threshold = out_amount * (10_000 - slippage) // 10_000
        quote = parse_quote(
            quote_body(
                inAmount=str(in_amount),
                outAmount=str(out_amount),
                otherAmountThreshold=str(threshold),
                slippageBps=slippage,
            )
        )
        assert (quote.in_amount, quote.out_amount, quote.other_amount_threshold) == (
            in_amount,
            out_amount,
            threshold,
        )


class TestQuoteRequest:
    """The quote request names USDC on the right side and exact base units."""

    def test_buy_and_sell_parameters(self) -> None:
        assert quote_params(SOL, "buy", 50_000_000) == {
            "inputMint": USDC_MINT,
            "outputMint": WSOL,
            "amount": "50000000",
            "slippageBps": "50",
            "swapMode": "ExactIn",
        }
        sell = quote_params(SOL, "sell", 10**9, slippage_bps=100)
        assert (sell["inputMint"], sell["outputMint"], sell["slippageBps"]) == (
            WSOL,
            USDC_MINT,
            "100",
        )

    @pytest.mark.parametrize(("amount", "slippage"), [(0, 50), (-1, 50), (10, -1)])
    def test_nonsense_is_refused(self, amount: int, slippage: int) -> None:
        with pytest.raises(ValueError, match="must"):
            quote_params(SOL, "buy", amount, slippage)
