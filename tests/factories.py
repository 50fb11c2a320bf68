"""Provides small factories and hypothesis strategies for test data shared by all tests.

Every argument has a sensible default, so a test names only what it is about:
`make_fill(side="sell", qty=5)`. Mints are deterministic, valid-looking base58 keys.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

from hypothesis import strategies as st

from soltrader_tui.clock import VirtualClock, continue_from
from soltrader_tui.config.model import Config
from soltrader_tui.domain import (
    MICRO,
    Fill,
    MarketTick,
    Mode,
    Order,
    Side,
    Signal,
    Token,
)
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket, sim_mint
from soltrader_tui.solana.safety import SafetySource

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_order_ids = itertools.count(1)

SOL_MINT = "So11111111111111111111111111111111111111112"
"""The real wrapped-SOL mint."""


def _base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, rest = divmod(number, 58)
        digits = _B58[rest] + digits
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + digits


def mint_for(symbol: str) -> str:
    """Returns a deterministic 32-byte base58 mint for `symbol` (SOL gets the real one)."""
    if symbol == "SOL":
        return SOL_MINT
    return _base58(hashlib.sha256(f"soltrader-test-mint:{symbol}".encode()).digest())


def make_token(symbol: str = "BONK", decimals: int = 5, mint: str | None = None) -> Token:
    """Builds a Token; the mint defaults to `mint_for(symbol)`."""
    return Token(mint=mint or mint_for(symbol), symbol=symbol, decimals=decimals)


SOL = make_token("SOL", 9)
BONK = make_token("BONK", 5)
WIF = make_token("WIF", 6)
TEST_TOKENS: tuple[Token, ...] = (SOL, BONK, WIF)
"""A few tokens with different decimals."""


def next_order_id(prefix: str = "test") -> str:
    """Returns an order id unique within the test run."""
    return f"{prefix}-{next(_order_ids)}"


def make_fill(
    side: Side = "buy",
    qty: int = 1_000_000,
    quote_amount: int = 10 * MICRO,
    fee: int = 25_000,
    token: Token | None = None,
    ts: float = 1_700_000_000.0,
    strategy: str = "momentum",
    order_id: str | None = None,
    price_usd: float | None = None,
    mode: Mode = "paper",
) -> Fill:
    """Builds a Fill; the price defaults to quote_amount / whole tokens.

    Args:
        side: "buy" or "sell".
        qty: Token base units.
        quote_amount: Gross micro-USDC paid or received.
        fee: Micro-USDC of fees.
        token: The token; defaults to BONK (5 decimals).
        ts: Unix seconds.
        strategy: Strategy name.
        order_id: Defaults to a run-unique id.
        price_usd: USD per whole token; derived from the amounts when omitted.
        mode: Trading mode.

    Returns:
        The fill.
    """
    token = token or BONK
    if price_usd is None:
        price_usd = (quote_amount / MICRO) / token.to_whole(qty) if qty else 0.0
    return Fill(
        order_id=order_id or next_order_id(side),
        ts=ts,
        token=token,
        side=side,
        qty=qty,
        price_usd=price_usd,
        quote_amount=quote_amount,
        fee=fee,
        strategy=strategy,
        mode=mode,
    )


def make_tick(
    token: Token | None = None,
    ts: float = 1_700_000_000.0,
    price_usd: float = 1.0,
    liquidity_usd: float = 1_000_000.0,
) -> MarketTick:
    """Builds a MarketTick (defaults: BONK at $1 with $1M liquidity)."""
    return MarketTick(token=token or BONK, ts=ts, price_usd=price_usd, liquidity_usd=liquidity_usd)


def make_order(
    side: Side = "buy",
    in_amount: int = 50 * MICRO,
    token: Token | None = None,
    strategy: str = "momentum",
    reason: str = "test",
    ts: float = 1_700_000_000.0,
    client_order_id: str | None = None,
) -> Order:
    """Builds an Order (default: buy BONK for 50 USDC)."""
    return Order(
        client_order_id=client_order_id or next_order_id("order"),
        token=token or BONK,
        side=side,
        in_amount=in_amount,
        strategy=strategy,
        reason=reason,
        ts=ts,
    )


def make_signal(
    side: Side = "buy",
    token: Token | None = None,
    strategy: str = "momentum",
    score: float = 0.8,
    reason: str = "test",
) -> Signal:
    """Builds a Signal (default: momentum wants to buy BONK)."""
    return Signal(token=token or BONK, strategy=strategy, side=side, score=score, reason=reason)


STRATEGY_NAMES: tuple[str, ...] = ("momentum", "mean_reversion", "breakout")


@st.composite
def fill_sequences(
    draw: st.DrawFn,
    tokens: Sequence[Token] = TEST_TOKENS,
    strategies: Sequence[str] = STRATEGY_NAMES,
    max_fills: int = 40,
) -> list[Fill]:
    """Generates valid fill sequences: sells never exceed holdings, times never go back.

    Sells often close the whole position, so round trips happen; quote amounts and fees
    are random, so trips win and lose. Any strategy may sell any position.

    Args:
        draw: Supplied by hypothesis.
        tokens: Tokens to trade.
        strategies: Strategy names to attribute fills to.
        max_fills: Upper bound on the sequence length.

    Returns:
        The fills, in order.
    """
    held = {token.mint: 0 for token in tokens}
    fills: list[Fill] = []
    ts = 1_700_000_000.0
    for index in range(draw(st.integers(0, max_fills))):
        token = draw(st.sampled_from(tokens))
        ts += draw(st.integers(0, 3_600))
        held_qty = held[token.mint]
        side: Side = "sell" if held_qty and draw(st.booleans()) else "buy"
        if side == "buy":
            qty = draw(st.integers(1, 10**15))
        else:
            qty = draw(st.one_of(st.just(held_qty), st.integers(1, held_qty)))
        held[token.mint] += qty if side == "buy" else -qty
        fills.append(
            make_fill(
                side=side,
                qty=qty,
                quote_amount=draw(st.integers(1, 10**11)),
                fee=draw(st.integers(0, 10**7)),
                token=token,
                ts=ts,
                strategy=draw(st.sampled_from(strategies)),
                order_id=f"gen-{index}",
            )
        )
    return fills


def record_buy(
    ledger: Ledger,
    token: Token,
    *,
    ts: float,
    qty: int = 100_000_000,
    quote_amount: int = 100_000_000,
    fee: int = 0,
) -> Fill:
    """Commits a buy with its order, as a previous session would have left an open position.

    By default 100 whole tokens of 6 decimals for $100 and no fee: average cost exactly $1.
    """
    fill = make_fill(side="buy", qty=qty, quote_amount=quote_amount, fee=fee, token=token, ts=ts)
    ledger.record_fill(
        make_order(token=token, client_order_id=fill.order_id, ts=fill.ts),
        fill,
        realized_micro=None,
    )
    return fill


def record_sim_position(ledger: Ledger, market: SimMarket, ts: float, symbol: str = "SOLX") -> None:
    """Records a $50 buy of a simulated token at its market quote: an open position, as a
    previous session would have left it."""
    token = market.token(sim_mint(symbol))
    assert token is not None
    quote = market.quote(token.mint, "buy", 50_000_000)
    assert quote is not None
    record_buy(ledger, token, ts=ts, qty=quote.out_amount, quote_amount=50_000_000, fee=126_000)


def engine_on_sim(
    ledger: Ledger,
    market: SimMarket,
    start: float,
    *,
    hours: float | None = None,
    config: Config | None = None,
    version: str = "test",
    safety: SafetySource | None = None,
) -> Engine:
    """An engine trading the simulated `market` on a virtual clock from `start` (the market's
    own start), for `hours` of market time (None: until it is stopped); `safety` is where token
    safety facts come from (None: the rules do not apply).

    As a real session does, it starts at the ledger's last market time instead when a previous
    session left that later (see `clock.continue_from`)."""
    start = continue_from(ledger.market_times().newest, start)
    return Engine(
        config=config or Config(),
        ledger=ledger,
        feed=SimFeed(market),
        clock=VirtualClock(start),
        version=version,
        duration_s=None if hours is None else hours * 3600,
        safety=safety,
    )
