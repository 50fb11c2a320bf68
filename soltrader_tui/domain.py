"""Provides the small immutable trading types every layer shares.

Units follow DESIGN.md's money model: token quantities are integers in base units,
cash flows are integers in micro-USDC, prices are floats in USD per whole token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple

Side = Literal["buy", "sell"]
Mode = Literal["backtest", "paper", "live"]
TokenProgram = Literal["spl-token", "token-2022"]
"""The program that owns a mint: the original SPL Token program or Token-2022 (extensions)."""

MICRO = 1_000_000
"""Micro-USDC per USDC (USDC has 6 decimals)."""


def usd_to_micro(usd: float) -> int:
    """Converts a USD amount to integer micro-USDC, rounding to the nearest unit."""
    return round(usd * MICRO)


def micro_to_usd(micro: int) -> float:
    """Converts integer micro-USDC to a float USD amount (for display and JSON only)."""
    return micro / MICRO


class TradingState(StrEnum):
    """What the engine may do; stored in the ledger by value, so values never change."""

    ACTIVE = "active"
    """Entries and exits."""
    PAUSED = "paused"
    """Exits only."""
    HALTED = "halted"
    """Nothing; positions flattened. Leaving it needs an explicit resume."""


@dataclass(frozen=True, slots=True)
class Token:
    """A tradable SPL token."""

    mint: str
    symbol: str
    decimals: int

    def to_base_units(self, whole: float) -> int:
        """Converts a whole-token amount to base units (floor)."""
        return int(whole * 10.0**self.decimals)

    def to_whole(self, qty: int) -> float:
        """Converts base units to whole tokens."""
        return qty / 10.0**self.decimals


@dataclass(frozen=True, slots=True)
class MarketTick:
    """What the market says about one token at one instant."""

    token: Token
    ts: float
    """Market time, unix seconds."""
    price_usd: float
    liquidity_usd: float
    """Total value locked in the token's pool, both sides, USD."""
    stale: bool = False
    """The price is older than the freshness limit: shown as the mark; no entry, and no exit
    that needs a price."""


class Candle(NamedTuple):
    """One OHLCV candle of one token: from a recorded file, or built from ticks.

    A named tuple rather than a dataclass: a backtest makes one per candle (50,000 for half a
    year of 5m candles), and a tuple is made several times faster than a frozen dataclass.
    """

    ts: float
    """Open time, unix seconds UTC."""
    interval_s: float
    """The candle covers [ts, ts + interval_s)."""
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    """Base units traded, as the file says; 0.0 when not known (candles built from ticks)."""
    liquidity_usd: float = 0.0
    """Pool depth at the close, both sides, USD; 0.0 when not known."""

    @property
    def close_ts(self) -> float:
        """When the candle closes: the next candle's open time."""
        return self.ts + self.interval_s


@dataclass(frozen=True, slots=True)
class SwapQuote:
    """A priced swap of an exact input amount, as an AMM or aggregator quotes it."""

    token: Token
    side: Side
    in_amount: int
    """Base units of what is paid: micro-USDC for a buy, token base units for a sell."""
    out_amount: int
    """Base units of what is received: token base units for a buy, micro-USDC for a sell."""
    price_impact_bps: float


@dataclass(frozen=True, slots=True)
class TokenFacts:
    """What the chain says about a token's mint: who can still mint, freeze or move it.

    Read from the mint account (authorities, Token-2022 extensions) and its largest holders;
    the pre-trade safety rules judge these facts, and the scores panel shows their verdict.
    """

    mint_authority: str | None
    """Who may mint more (base58); None once revoked (a fixed supply)."""
    freeze_authority: str | None
    """Who may freeze any holder's account (base58); None once revoked."""
    top10_share: float | None
    """Share of the supply held by the 10 largest accounts, 0 to 1; None when not known."""
    extensions: frozenset[str]
    """Token-2022 mint extensions by name (e.g. `permanent_delegate`); empty for SPL Token."""
    program: TokenProgram
    checked_at: float
    """When the facts were read, unix seconds (market time)."""


@dataclass(frozen=True, slots=True)
class Signal:
    """A strategy's wish to enter or leave a token."""

    token: Token
    strategy: str
    side: Side
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class Order:
    """A request to swap, identified by a client order id that makes fills idempotent."""

    client_order_id: str
    token: Token
    side: Side
    in_amount: int
    """Micro-USDC to spend for a buy; token base units to sell for a sell."""
    strategy: str
    reason: str
    ts: float
    detail: str = ""
    """What the strategy said when it signalled (an entry's reason); stored with the order."""


@dataclass(frozen=True, slots=True)
class Fill:
    """One executed leg of an order, exactly as the ledger's `fills` table stores it."""

    order_id: str
    ts: float
    token: Token
    side: Side
    qty: int
    """Token base units bought or sold."""
    price_usd: float
    """Effective price, USD per whole token, before fees."""
    quote_amount: int
    """Gross micro-USDC paid (buy) or received (sell), positive."""
    fee: int
    """Micro-USDC of fees (swap fee and network fee), positive."""
    strategy: str
    mode: Mode

    @property
    def cash_delta(self) -> int:
        """Micro-USDC the fill moves into (positive) or out of (negative) cash."""
        if self.side == "buy":
            return -(self.quote_amount + self.fee)
        return self.quote_amount - self.fee
