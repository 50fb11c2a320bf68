"""Provides the live-versus-paper comparison: each landed swap's fill against its paper twin,
the fill the paper executor made from the same quote at the same moment, and the totals.

Pure: it takes the ledger's swap records (`ledger.swap_reads`) and returns figures. One sign
convention throughout, for buys and sells alike: a figure is live minus paper *for us*, so a
live fill worse than its twin is negative (a higher price paid, fewer tokens or dollars
received, more in fees) and a better one positive.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from soltrader_tui.domain import MICRO, micro_to_usd
from soltrader_tui.ledger.swap_reads import LiveFillRecord, SwapRecord, TwinRecord

LAMPORTS_PER_SOL = 1_000_000_000
"""Lamports per SOL (execution's constant; not imported: it brings the chain's types)."""
STATUSES = ("landed", "failed", "expired", "sent")
"""A swap's statuses, in the order the totals list them; `sent` is one still awaiting its
outcome."""


@dataclass(frozen=True, slots=True)
class FillComparison:
    """A landed swap's fill against its paper twin; negative is worse for us."""

    price_bps: float
    """How much better the live price was than the twin's, in basis points of the twin's: for
    a buy (twin − live) / twin, for a sell (live − twin) / twin."""
    received_diff: int
    """Live minus twin of what the swap gave us: token base units for a buy, micro-USDC for a
    sell."""
    slippage_micro: float
    """What live got minus what paper would have, in micro-USDC, fees apart: a token
    difference is valued at the twin's price, a difference in what was paid counted as is."""
    fee_diff_micro: int
    """Twin fee minus live fee: negative when live paid more."""


@dataclass(frozen=True, slots=True)
class SwapLine:
    """One swap of the report: what the ledger holds and, when it can be had, the comparison."""

    swap: SwapRecord
    comparison: FillComparison | None
    """None unless the swap landed with a fill and has a twin."""
    signed_ms: float
    """From the decision to the signed transaction, wall milliseconds."""
    landed_ms: float | None
    """From the decision to when the outcome was seen on chain; None while it is unknown, and
    for a swap that expired (it never landed)."""


@dataclass(frozen=True, slots=True)
class SlippageTotals:
    """The swaps' totals; the comparison's sums cover the landed swaps with a twin only."""

    by_status: dict[str, int]
    """Swaps in each of `STATUSES` (every key present)."""
    compared: int
    """Landed swaps compared with their twin."""
    without_twin: int
    """Landed swaps the paper executor had rejected: listed, not in the sums."""
    slippage_usd: float | None
    """Sum of `slippage_micro` in USD; None when nothing was compared."""
    fees_live_usd: float | None
    fees_paper_usd: float | None
    failed_fees_usd: float | None
    """The SOL the failed swaps cost (they landed, the chain refused them, the fee was paid),
    in USD at each one's SOL mark; None when no swap failed. Not in `fees_live_usd`."""
    latency_ms_median: float | None
    """Decision to landing, over the landed swaps."""
    latency_ms_p95: float | None
    signed_ms_median: float | None
    """Decision to signature, over every swap."""

    @property
    def awaiting(self) -> int:
        """Swaps sent whose outcome the ledger does not hold yet."""
        return self.by_status["sent"]


@dataclass(frozen=True, slots=True)
class SlippageReport:
    """Every swap asked for, oldest first, and their totals."""

    lines: list[SwapLine]
    totals: SlippageTotals


def compare_fill(side: str, fill: LiveFillRecord, twin: TwinRecord) -> FillComparison:
    """Compares a live fill with its paper twin (see `FillComparison` for the signs).

    Args:
        side: 'buy' or 'sell'.
        fill: The live fill (from the chain's balance changes).
        twin: The paper twin (both quantities positive, as the paper executor fills).
    """
    # The twin's price in micro-USDC per base unit, exact from its amounts.
    twin_unit = twin.quote_amount / twin.qty
    qty_diff = fill.qty - twin.qty
    quote_diff = fill.quote_amount - twin.quote_amount
    if side == "buy":
        price_bps = (twin.price_usd - fill.price_usd) / twin.price_usd * 10_000
        received = qty_diff
        slippage = qty_diff * twin_unit - quote_diff
    else:
        price_bps = (fill.price_usd - twin.price_usd) / twin.price_usd * 10_000
        received = quote_diff
        slippage = quote_diff - qty_diff * twin_unit
    return FillComparison(price_bps, received, slippage, twin.fee - fill.fee)


def swap_line(swap: SwapRecord) -> SwapLine:
    """The report's line of one swap."""
    comparison = None
    if swap.fill is not None and swap.twin is not None:
        comparison = compare_fill(swap.side, swap.fill, swap.twin)
    landed_ms = None
    if swap.settled_wall is not None and swap.status in ("landed", "failed"):
        landed_ms = (swap.settled_wall - swap.decided_wall) * 1000
    return SwapLine(swap, comparison, (swap.signed_wall - swap.decided_wall) * 1000, landed_ms)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The nearest-rank percentile of `values` (in any order); None for no values.

    Args:
        values: The values.
        pct: Percentile in (0, 100].
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def totals(lines: Sequence[SwapLine]) -> SlippageTotals:
    """The totals of the report's lines."""
    by_status = {s: 0 for s in STATUSES}
    for line in lines:
        by_status[line.swap.status] = by_status.get(line.swap.status, 0) + 1
    compared = [line for line in lines if line.comparison is not None]
    landed = [line for line in lines if line.swap.status == "landed"]
    latencies = [line.landed_ms for line in landed if line.landed_ms is not None]
    signed = [line.signed_ms for line in lines]
    fees_live = sum(line.swap.fill.fee for line in compared if line.swap.fill is not None)
    fees_paper = sum(line.swap.twin.fee for line in compared if line.swap.twin is not None)
    slippage = sum(line.comparison.slippage_micro for line in compared if line.comparison)
    any_compared = bool(compared)
    failed = [line.swap for line in lines if line.swap.status == "failed"]
    failed_fees = sum((s.sol_spent_lamports or 0) / LAMPORTS_PER_SOL * s.sol_usd for s in failed)
    return SlippageTotals(
        by_status=by_status,
        compared=len(compared),
        without_twin=sum(1 for line in landed if line.swap.twin is None),
        slippage_usd=slippage / MICRO if any_compared else None,
        fees_live_usd=micro_to_usd(fees_live) if any_compared else None,
        fees_paper_usd=micro_to_usd(fees_paper) if any_compared else None,
        failed_fees_usd=failed_fees if failed else None,
        latency_ms_median=statistics.median(latencies) if latencies else None,
        latency_ms_p95=percentile(latencies, 95),
        signed_ms_median=statistics.median(signed) if signed else None,
    )


def build_report(swaps: Sequence[SwapRecord]) -> SlippageReport:
    """The report of `swaps` (oldest first): a line each, and their totals."""
    lines = [swap_line(s) for s in swaps]
    return SlippageReport(lines, totals(lines))
