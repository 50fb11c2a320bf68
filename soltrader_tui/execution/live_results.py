"""Provides the outcomes of the live executor's steps, free of solders (the engine imports
them in every session; only a live one loads the executor itself)."""

from __future__ import annotations

from dataclasses import dataclass

from soltrader_tui.domain import Fill, Order
from soltrader_tui.ledger.swap_book import SentSwap, SwapEnd, SwapSettled


@dataclass(frozen=True, slots=True)
class RefusedSwap:
    """A swap refused before signing: which check failed, and why (an alert is due)."""

    check: str
    reason: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A signed swap ready to be committed, then sent."""

    order: Order
    sent: SentSwap


@dataclass(frozen=True, slots=True)
class Landed:
    """The swap landed: the fill the chain shows, and what it cost in SOL."""

    fill: Fill
    settled: SwapSettled


@dataclass(frozen=True, slots=True)
class Ended:
    """The swap will never fill: `failed` on chain or `expired` before landing."""

    end: SwapEnd
    outcome: str
    settled: SwapSettled | None


@dataclass(frozen=True, slots=True)
class Unresolved:
    """The outcome is still unknown; the swap is asked after again, never re-made."""

    why: str
