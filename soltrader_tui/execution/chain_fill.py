"""Provides fill_from_chain: a live fill made from what the chain says moved, not the quote.

Pure. The token and USDC amounts are the wallet's own balance changes in the landed
transaction; the network, priority and rent costs are the lamports the wallet (the fee payer)
paid, converted to micro-USDC at the SOL mark taken when the order was signed, and added to
the fill's fee, so the ledger keeps one unit (DESIGN: money model).
"""

from __future__ import annotations

import math
from fractions import Fraction

from soltrader_tui.domain import Fill, Order, micro_to_usd
from soltrader_tui.solana.landed import LandedTransaction

LAMPORTS_PER_SOL = 1_000_000_000


def lamports_to_micro(lamports: int, sol_usd: float) -> int:
    """Micro-USDC worth of `lamports` at `sol_usd`, rounded up (a cost is never understated)."""
    if lamports <= 0:
        return 0
    # lamports / 1e9 SOL × USD × 1e6 micro, in exact arithmetic on the price as written (a
    # float's shortest decimal), so 5000 lamports at $150 is 750, not 751 by float fuzz.
    return math.ceil(Fraction(lamports) * Fraction(repr(sol_usd)) / 1000)


def fill_from_chain(
    order: Order, landed: LandedTransaction, *, wallet: str, usdc_mint: str, sol_usd: float
) -> Fill | str:
    """The fill a landed swap made, or why the chain shows no swap.

    Args:
        order: The order the swap answers.
        landed: The landed transaction (without an error).
        wallet: Our wallet (the fee payer).
        usdc_mint: The mint cash is held in.
        sol_usd: The SOL mark network costs are converted at.
    """
    token = order.token
    got_token = landed.delta(wallet, token.mint)
    got_usdc = landed.delta(wallet, usdc_mint)
    if order.side == "buy":
        qty, quote_amount = got_token, -got_usdc
    else:
        qty, quote_amount = -got_token, got_usdc
    if qty <= 0 or quote_amount <= 0:
        return (
            f"the landed transaction moved {got_token:+d} {token.symbol} base units and "
            f"{got_usdc:+d} micro-USDC for the wallet: not a {order.side}"
        )
    fee = lamports_to_micro(landed.payer_spent_lamports, sol_usd)
    return Fill(
        order_id=order.client_order_id,
        ts=order.ts,
        token=token,
        side=order.side,
        qty=qty,
        price_usd=micro_to_usd(quote_amount) / token.to_whole(qty),
        quote_amount=quote_amount,
        fee=fee,
        strategy=order.strategy,
        mode="live",
    )
