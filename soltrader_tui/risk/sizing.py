"""Provides size_entry: shrinks an entry to fit the size and exposure limits, or denies it.

An experienced trader expects a percentage-of-equity cap to scale the order down as the
account shrinks, not to stop trading, and the last position to use the room that is left.
So the limits on amounts (position size in USD and in % of equity, token and total exposure,
cash) shrink the order; an order shrunk below `min_order_usd` is denied, naming the limit
that shrank it. Limits on counts and on the market (open positions, pace, liquidity, impact,
pool age, cool-down) cannot be met by a smaller order: `check_entry` denies those.
"""

from __future__ import annotations

from dataclasses import dataclass

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import usd_to_micro
from soltrader_tui.format import usd, usd_micro
from soltrader_tui.risk.book import RiskBook
from soltrader_tui.risk.checks import Denial, DenialRule


@dataclass(frozen=True, slots=True)
class EntrySize:
    """How much an entry spends."""

    in_micro: int
    """USDC to swap, before fees, micro-USDC: the order's `in_amount`."""
    cost_micro: int
    """`in_micro` plus the swap and network fees, micro-USDC: what `check_entry` checks."""
    shrunk_by: DenialRule | None
    """The limit that made it smaller than `order_usd`; None when it was not shrunk."""


def entry_cost_micro(in_micro: int, swap_fee_bps: float, network_fee_micro: int) -> int:
    """Returns what a buy of `in_micro` costs with fees, as the paper executor charges them.

    Args:
        in_micro: USDC swapped, micro-USDC.
        swap_fee_bps: Swap fee, basis points of the USDC amount (rounded up to a micro).
        network_fee_micro: Network fee per transaction, micro-USDC.

    Returns:
        The cost, micro-USDC.
    """
    return in_micro + -(-round(in_micro * swap_fee_bps * 100) // 1_000_000) + network_fee_micro


def size_entry(
    mint: str,
    symbol: str,
    book: RiskBook,
    config: RiskConfig,
    *,
    swap_fee_bps: float,
    network_fee_micro: int,
) -> EntrySize | Denial:
    """Sizes an entry: `order_usd`, shrunk to fit every amount limit.

    Args:
        mint: The token to buy.
        symbol: Its symbol, for the message.
        book: Cash, positions and recent history.
        config: The limits.
        swap_fee_bps: Swap fee, basis points.
        network_fee_micro: Network fee per transaction, micro-USDC.

    Returns:
        The size, or a denial naming the limit that left less than `min_order_usd`.
    """
    in_micro = usd_to_micro(config.order_usd)
    wanted = entry_cost_micro(in_micro, swap_fee_bps, network_fee_micro)
    held = book.exposure_micro(mint)
    caps = (
        (DenialRule.MAX_POSITION_USD, usd_to_micro(config.max_position_usd)),
        # Floor: the cap is a limit, so round toward the safe side.
        (DenialRule.MAX_POSITION_PCT, int(config.max_position_pct * book.equity_micro // 100)),
        (DenialRule.MAX_TOKEN_EXPOSURE, usd_to_micro(config.max_token_exposure_usd) - held),
        (
            DenialRule.MAX_TOTAL_EXPOSURE,
            usd_to_micro(config.max_total_exposure_usd) - book.total_exposure_micro,
        ),
        (DenialRule.INSUFFICIENT_CASH, book.cash_micro),
    )
    bound: DenialRule | None = None
    cap = wanted
    for rule, limit in caps:
        if limit < cap:
            bound, cap = rule, limit
    if bound is None:
        return EntrySize(in_micro, wanted, None)
    minimum = usd_to_micro(config.min_order_usd)
    if cap < minimum:
        return Denial(
            bound,
            f"{symbol}: the {bound.value} limit leaves room for {usd_micro(max(cap, 0))}, "
            f"below the {usd(config.min_order_usd)} minimum order",
        )
    in_micro = _largest_input(cap, swap_fee_bps, network_fee_micro)
    cost = entry_cost_micro(in_micro, swap_fee_bps, network_fee_micro)
    if in_micro <= 0 or cost < minimum:
        return Denial(
            bound,
            f"{symbol}: after fees the {bound.value} limit leaves {usd_micro(max(cost, 0))}, below "
            f"the {usd(config.min_order_usd)} minimum order",
        )
    return EntrySize(in_micro, cost, bound)


def _largest_input(cap_micro: int, swap_fee_bps: float, network_fee_micro: int) -> int:
    """Returns the largest swap input whose cost with fees is at most `cap_micro`."""
    guess = max(0, int((cap_micro - network_fee_micro) / (1 + swap_fee_bps / 1e4)))
    # The fee is rounded up to a whole micro, so the estimate can be off by a unit or two.
    while guess > 0 and entry_cost_micro(guess, swap_fee_bps, network_fee_micro) > cap_micro:
        guess -= 1
    while entry_cost_micro(guess + 1, swap_fee_bps, network_fee_micro) <= cap_micro:
        guess += 1
    return guess
