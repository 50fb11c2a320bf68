"""Tests the pure part of a live fill: SOL costs in micro-USDC, and the fill from balances."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.domain import Order, Token
from soltrader_tui.execution.chain_fill import fill_from_chain, lamports_to_micro
from soltrader_tui.solana.landed import LandedTransaction

WALLET, USDC = "wallet", "usdc"
MEME = Token("meme", "MEME", 6)


def order(side: str, amount: int) -> Order:
    return Order("ord-1", MEME, side, amount, "momentum", "entry", 100.0)  # type: ignore[arg-type]


def landed(token: int, usdc: int, spent: int = 10_000) -> LandedTransaction:
    deltas = {(WALLET, MEME.mint): token, (WALLET, USDC): usdc, ("pool", USDC): -usdc}
    return LandedTransaction(7, None, 5_000, spent, deltas)


class TestSolCosts:
    def test_exact_and_rounded_up(self) -> None:
        assert lamports_to_micro(5_000, 150.0) == 750  # 0.000005 SOL at $150 = $0.00075
        assert lamports_to_micro(1, 150.0) == 1  # $0.00000015: a cost is never understated
        assert lamports_to_micro(0, 150.0) == 0
        assert lamports_to_micro(-5, 150.0) == 0  # the wallet gained SOL: no cost

    @given(st.integers(0, 10**12), st.floats(0.01, 10_000.0))
    def test_never_below_the_exact_value_nor_a_unit_above(
        self, lamports: int, price: float
    ) -> None:
        exact = lamports * price / 1000
        got = lamports_to_micro(lamports, price)
        assert exact - 1e-6 * max(1.0, exact) <= got < exact + 1 + 1e-6 * max(1.0, exact)


class TestFillFromChain:
    def test_a_buy_is_what_the_wallet_gained_for_what_it_paid(self) -> None:
        fill = fill_from_chain(
            order("buy", 10_000_000),
            landed(2_000_000, -9_990_000),
            wallet=WALLET,
            usdc_mint=USDC,
            sol_usd=100.0,
        )
        assert not isinstance(fill, str)
        assert (fill.qty, fill.quote_amount, fill.fee) == (2_000_000, 9_990_000, 1_000)
        assert fill.price_usd == 9.99 / 2.0 and fill.mode == "live" and fill.side == "buy"

    def test_a_sell_is_what_the_wallet_gave_for_what_it_got(self) -> None:
        fill = fill_from_chain(
            order("sell", 2_000_000),
            landed(-2_000_000, 9_000_000),
            wallet=WALLET,
            usdc_mint=USDC,
            sol_usd=100.0,
        )
        assert not isinstance(fill, str)
        assert (fill.qty, fill.quote_amount) == (2_000_000, 9_000_000)

    def test_a_transaction_that_moved_the_wrong_way_is_no_fill(self) -> None:
        why = fill_from_chain(
            order("buy", 10_000_000), landed(-1, 5), wallet=WALLET, usdc_mint=USDC, sol_usd=1.0
        )
        assert isinstance(why, str) and "not a buy" in why
