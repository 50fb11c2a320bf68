"""Provides SimMarket: the embedded simulated Solana market, seeded and stepped in-process.

Five fictional tokens with distinct characters trade in constant-product pools against
USDC. Each token draws from its own RNG, derived from the seed and its symbol, so a token's
path depends only on the seed, the tick size and how many ticks have passed. Paper fills
never move the pools: quotes are read-only.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from solders.pubkey import Pubkey

from soltrader_tui.domain import MarketTick, Side, SwapQuote, Token
from soltrader_tui.market.amm import Pool
from soltrader_tui.market.processes import ProcessSpec, RegimeProcess, RegimeSpec
from soltrader_tui.market.sim_history import Opening, sim_history

UNLISTED = "unlisted"
"""Regime name reported for a token that is not listed yet."""

RUG_LIQUIDITY_FACTOR = 0.02
"""Share of the pool left after the rugger pulls liquidity."""
RUG_PRICE_FACTOR = 0.10
"""Price after the rug as a share of the price before it (holders dump into a thin pool)."""
RUGGED_BELOW = 0.1
"""A memecoin whose pool a restart finds below this share of its opening depth was rugged in an
earlier session (a rug keeps 2 %; price moves alone change the depth by the square root of the
price ratio, so only a 99 % fall without a rug gets this thin)."""
RUGGED = RegimeSpec(
    "rugged",
    drift_per_hour=-0.02,
    vol_per_sqrt_hour=0.03,
    mean_dwell_minutes=math.inf,
    reversion_half_life_hours=2.0,
)
"""The regime a rugged token stays in: quiet, slowly bleeding, never recovering."""


ESTABLISHED_AGE_S = 90 * 86400.0
"""How long before the session the established tokens' pools were listed (for pool-age checks)."""


@dataclass(frozen=True, slots=True)
class TokenSpec:
    """One simulated token: its identity, its pool and its price character."""

    symbol: str
    decimals: int
    liquidity_usd: float
    """Total value locked in its pool at the start (or at listing), both sides."""
    process: ProcessSpec
    lists_late: bool = False
    """Listed `listing_after_s` into the session; invisible and untradable before."""
    rugs: bool = False
    """Its liquidity is pulled `rug_after_s` into the session."""
    mint_authority_live: bool = False
    """Its mint authority was never revoked: more can be minted (`market.sim_chain`)."""
    freeze_authority_live: bool = False
    """Its freeze authority was never revoked: a holder's account can be frozen."""
    top10_share: float = 0.2
    """Share of the supply its 10 largest accounts hold."""
    token_2022: bool = False
    """Its mint belongs to Token-2022, with the harmless metadata-pointer extension."""


def sim_mint(symbol: str) -> str:
    """Returns the simulated token's mint, derived from its symbol only (never the seed)."""
    return str(Pubkey(hashlib.sha256(b"soltrader-sim:" + symbol.encode()).digest()))


def _four_regimes(
    calm: tuple[float, float, float],
    trend: tuple[float, float, float],
    volatile: tuple[float, float, float],
    jumps: tuple[float, float, float, float],
) -> tuple[RegimeSpec, ...]:
    """Builds calm / trend_up / trend_down / volatile from (drift, vol, dwell) triples.

    `jumps` is (rate in calm, rate in trends, rate in volatile, jump std); trend jumps lean
    with the trend by a third of their std.
    """
    calm_rate, trend_rate, volatile_rate, std = jumps
    return (
        RegimeSpec("calm", *calm, calm_rate, 0.0, std),
        RegimeSpec("trend_up", *trend, trend_rate, std / 3, std),
        RegimeSpec("trend_down", -trend[0], trend[1], trend[2], trend_rate, -std / 3, std),
        RegimeSpec("volatile", *volatile, volatile_rate, 0.0, std * 1.5),
    )


# Order: calm, trend_up, trend_down, volatile. Trends mostly calm down or turn volatile.
_FOUR_WAY = ((0, 3, 3, 1), (3, 0, 1, 2), (3, 1, 0, 2), (2, 2, 2, 0))

CATALOGUE: tuple[TokenSpec, ...] = (
    TokenSpec(  # large cap: deep pool, slow trends with regime changes
        "SOLX",
        9,
        20_000_000.0,
        ProcessSpec(
            150.0,
            _four_regimes(
                (0.0, 0.006, 90), (0.010, 0.009, 60), (0.0, 0.022, 30), (0.0, 0.0, 0.5, 0.008)
            ),
            _FOUR_WAY,
            "calm",
            reversion_half_life_hours=168.0,
        ),
    ),
    TokenSpec(  # mean reverting: Ornstein–Uhlenbeck around its anchor, 15-minute half-life
        "RVRT",
        6,
        800_000.0,
        ProcessSpec(
            2.40,
            _four_regimes(
                (0.0, 0.03, 45), (0.05, 0.04, 30), (0.0, 0.08, 20), (0.0, 0.5, 2.0, 0.012)
            ),
            ((0, 1, 1, 2), (2, 0, 1, 1), (2, 1, 0, 1), (3, 1, 1, 0)),
            "calm",
            reversion_half_life_hours=0.25,
        ),
        # Its creator kept the mint authority: the supply can be inflated under holders.
        mint_authority_live=True,
        top10_share=0.3,
    ),
    TokenSpec(  # memecoin: thin pool, violent jumps, rugged at rug_after_s
        "MEME",
        6,
        16_000.0,
        ProcessSpec(
            0.0042,
            _four_regimes(
                (0.0, 0.05, 30), (0.30, 0.09, 20), (0.0, 0.20, 15), (0.5, 2.0, 6.0, 0.04)
            ),
            ((0, 2, 2, 1), (1, 0, 1, 2), (1, 1, 0, 2), (1, 1, 1, 0)),
            "calm",
            reversion_half_life_hours=48.0,
        ),
        rugs=True,
        # The rugger kept the freeze authority too, as rug pulls often do.
        freeze_authority_live=True,
        top10_share=0.45,
    ),
    TokenSpec(  # new listing: tiny pool, launch pump then dump, then an ordinary small cap
        "NEWB",
        6,
        6_000.0,
        ProcessSpec(
            0.00004,
            (
                RegimeSpec("launch", 2.5, 0.30, 12, 10.0, 0.05, 0.05),
                # The dump reverts fast to below the launch price, however high the pump went.
                RegimeSpec(
                    "dump",
                    drift_per_hour=0.0,
                    vol_per_sqrt_hour=0.35,
                    mean_dwell_minutes=25,
                    jumps_per_hour=8.0,
                    jump_mean=-0.04,
                    jump_std=0.05,
                    reversion_half_life_hours=0.15,
                    anchor_shift=math.log(0.6),
                ),
                *_four_regimes(
                    (0.0, 0.07, 30), (0.25, 0.12, 20), (0.0, 0.25, 15), (0.5, 2.0, 6.0, 0.05)
                ),
            ),
            (
                (0, 1, 0, 0, 0, 0),
                (0, 0, 2, 1, 2, 2),
                *((0, 0, *row) for row in _FOUR_WAY),
            ),
            "launch",
            reversion_half_life_hours=24.0,
        ),
        lists_late=True,
        top10_share=0.38,
    ),
    TokenSpec(  # stable-ish: deep pool, tiny volatility, reverts over hours
        "CALM",
        6,
        3_000_000.0,
        ProcessSpec(
            1.00,
            _four_regimes(
                (0.0, 0.002, 120), (0.002, 0.003, 60), (0.0, 0.008, 20), (0.0, 0.0, 0.0, 0.0)
            ),
            _FOUR_WAY,
            "calm",
            reversion_half_life_hours=4.0,
        ),
        top10_share=0.25,
        token_2022=True,
    ),
)
"""Every simulated token, in display order."""


def extra_specs(count: int) -> tuple[TokenSpec, ...]:
    """Returns `count` more small-cap tokens, SIM01, SIM02, …, each with its own character.

    Their parameters come from their symbol alone, so SIM07 is the same token in every session
    and whatever the count; they exist for wide watchlists (benchmarks, many open positions).
    """
    specs = []
    for n in range(1, count + 1):
        symbol = f"SIM{n:02d}"
        rng = random.Random(hashlib.sha256(f"soltrader-sim-extra:{symbol}".encode()).digest())
        vol = rng.uniform(0.01, 0.08)
        specs.append(
            TokenSpec(
                symbol,
                6,
                rng.uniform(50_000.0, 2_000_000.0),
                ProcessSpec(
                    round(10 ** rng.uniform(-4, 1), 6),
                    _four_regimes(
                        (0.0, vol, rng.uniform(20, 90)),
                        (rng.uniform(0.01, 0.2), vol * 1.5, rng.uniform(15, 60)),
                        (0.0, vol * 3, rng.uniform(10, 30)),
                        (0.0, 0.5, 3.0, vol / 3),
                    ),
                    _FOUR_WAY,
                    "calm",
                    reversion_half_life_hours=rng.uniform(1.0, 48.0),
                ),
            )
        )
    return tuple(specs)


class _SimToken:
    """Mutable state of one simulated token."""

    __slots__ = ("index", "listed", "pool", "process", "spec", "token")

    def __init__(self, index: int, spec: TokenSpec, seed: int, tick_seconds: float) -> None:
        self.index = index
        self.spec = spec
        self.token = Token(mint=sim_mint(spec.symbol), symbol=spec.symbol, decimals=spec.decimals)
        digest = hashlib.sha256(f"soltrader-sim:{seed}:{spec.symbol}".encode()).digest()
        self.process = RegimeProcess(
            spec.process, random.Random(int.from_bytes(digest[:8], "big")), tick_seconds
        )
        self.pool = Pool.from_price(spec.process.start_price_usd, spec.liquidity_usd, spec.decimals)
        self.listed = not spec.lists_late


class SimMarket:
    """The simulated market: tokens, their pools and their price processes, stepped by ticks."""

    def __init__(
        self,
        seed: int,
        start_ts: float,
        *,
        tick_seconds: float = 1.0,
        rug_after_s: float = 4500.0,
        listing_after_s: float = 1200.0,
        extra_tokens: int = 0,
    ) -> None:
        """Builds the market at `start_ts` with every token at its start price.

        Args:
            seed: Seed of every token's path; the same seed gives the same market.
            start_ts: Market time of the start, unix seconds.
            tick_seconds: Market seconds per step.
            rug_after_s: Seconds after the start when the memecoin is rugged (`math.inf`: never).
            listing_after_s: Seconds after the start when the new token is listed
                (0: listed from the start; `math.inf`: never).
            extra_tokens: How many generic small caps (`extra_specs`) to add to the catalogue.

        Raises:
            ValueError: If the tick is not positive and finite or a delay is negative.
        """
        if not 0.0 < tick_seconds < math.inf:
            raise ValueError(f"tick_seconds must be positive and finite, got {tick_seconds}")
        if not (rug_after_s >= 0 and listing_after_s >= 0):
            raise ValueError(
                f"rug_after_s and listing_after_s must not be negative, got {rug_after_s} "
                f"and {listing_after_s}"
            )
        self._seed = seed
        self._start_ts = start_ts
        self._listing_ts = start_ts + listing_after_s
        self._tick_seconds = tick_seconds
        self._step_count = 0
        specs = CATALOGUE + extra_specs(extra_tokens)
        self._tokens = [_SimToken(i, spec, seed, tick_seconds) for i, spec in enumerate(specs)]
        self._by_mint = {st.token.mint: st for st in self._tokens}
        # Events in time order; a listing comes before a rug due at the same instant.
        self._events: list[tuple[float, int, _SimToken]] = sorted(
            [(start_ts + listing_after_s, 0, st) for st in self._tokens if st.spec.lists_late]
            + [(start_ts + rug_after_s, 1, st) for st in self._tokens if st.spec.rugs],
            key=lambda event: (event[0], event[1], event[2].index),
        )
        self._next_event_ts = math.inf
        self._live: list[_SimToken] = []
        self._run_events(start_ts)
        self._ticks: list[MarketTick] = []
        self._ticks_step = -1
        self._openings = self._opening_prices()

    @property
    def now(self) -> float:
        """Market time of the last step, unix seconds."""
        # Computed from the count, not accumulated, so batching cannot change it.
        return self._start_ts + self._step_count * self._tick_seconds

    @property
    def step_count(self) -> int:
        """Steps taken since the start."""
        return self._step_count

    @property
    def tick_seconds(self) -> float:
        """Market seconds per step."""
        return self._tick_seconds

    def advance(self, ts: float) -> None:
        """Steps every listed token forward in whole ticks until market time is at least `ts`.

        Listings and rugs happen on the first step at or after their time. Paths depend only on
        the number of steps, never on how the calls were batched.

        Args:
            ts: Target market time, unix seconds; a time already passed does nothing.
        """
        start, tick = self._start_ts, self._tick_seconds
        n = self._step_count
        while start + n * tick < ts:
            n += 1
            for st in self._live:
                st.pool.set_price(st.process.step())
            now = start + n * tick
            if now >= self._next_event_ts:
                self._step_count = n
                self._run_events(now)
        self._step_count = n

    def ticks(self) -> list[MarketTick]:
        """Returns one tick per listed token at the time of the last step, in display order."""
        if self._ticks_step != self._step_count:
            ts = self.now
            self._ticks = [
                MarketTick(st.token, ts, st.pool.price_usd(), st.pool.liquidity_usd())
                for st in self._live
            ]
            self._ticks_step = self._step_count
        return list(self._ticks)

    def tokens(self) -> list[Token]:
        """Returns the listed tokens, in display order."""
        return [st.token for st in self._live]

    def token(self, mint: str) -> Token | None:
        """Returns any simulated token by mint, listed or not; None for an unknown mint."""
        st = self._by_mint.get(mint)
        return None if st is None else st.token

    def spec(self, mint: str) -> TokenSpec | None:
        """Returns any simulated token's spec by mint, listed or not; None for an unknown mint."""
        st = self._by_mint.get(mint)
        return None if st is None else st.spec

    def is_listed(self, mint: str) -> bool:
        """Tells whether `mint` is a simulated token that can be traded now."""
        st = self._by_mint.get(mint)
        return st is not None and st.listed

    def resume(self, marks: Mapping[str, tuple[float, float | None]]) -> None:
        """Starts known tokens where the last session's marks left them, so a restarted
        session shows the same figures it stopped on; unknown mints are ignored.

        Args:
            marks: (price USD, pool liquidity USD or None) by mint: the ledger's last marks.
                With a liquidity, the pool is rebuilt at that depth too; a token whose pool
                is that thin after its rug time was already rugged, and is not rugged again.
        """
        for mint, (price, liquidity) in marks.items():
            st = self._by_mint.get(mint)
            if st is None:
                continue
            if liquidity is not None and liquidity > 0 and math.isfinite(liquidity):
                if liquidity < st.spec.liquidity_usd * RUGGED_BELOW and self._rug_pending(st):
                    self._events = [e for e in self._events if e[2] is not st or e[1] == 0]
                    self._next_event_ts = self._events[0][0] if self._events else math.inf
                    st.process.shock(1.0, RUGGED)
                st.pool = Pool.from_price(price, liquidity, st.spec.decimals)
            st.pool.set_price(st.process.move_to(price))
        self._ticks_step = -1  # the cached ticks predate the new prices
        if self._step_count == 0:
            self._openings = self._opening_prices()  # the past runs into the resumed prices

    def history(self, end_ts: float, span_s: float) -> list[MarketTick]:
        """Returns the market's past: the `span_s` seconds before its start, before `end_ts`.

        Generated on RNGs of its own (`sim_history`), so it is the same for the same seed and
        start prices, and the session's path is the same with or without it. It reads only
        what was fixed at the start, so it needs no lock while a server reads the market.

        Args:
            end_ts: Market time the past must end before (the session's start); the past
                ends at the market's start when that is earlier.
            span_s: Market seconds of past wanted, counted back from the market's start.

        Returns:
            Ticks of every token listed at the start, oldest first.
        """
        ticks = sim_history(self._seed, self._openings, self._start_ts, span_s, self._tick_seconds)
        return ticks if end_ts >= self._start_ts else [t for t in ticks if t.ts < end_ts]

    def _opening_prices(self) -> list[Opening]:
        return [
            Opening(st.token, st.spec.process, st.pool.price_usd(), st.pool.liquidity_usd())
            for st in self._live
            if not st.spec.lists_late  # a listing has no past before it
        ]

    def _rug_pending(self, st: _SimToken) -> bool:
        return any(e[2] is st and e[1] != 0 for e in self._events)

    def listed_ts(self, mint: str) -> float | None:
        """Returns when the token's pool was listed: for the five characters and the extras a
        fixed time long before the session (`ESTABLISHED_AGE_S`), for the late listing the
        moment it listed; None while unlisted or unknown."""
        st = self._by_mint.get(mint)
        if st is None or not st.listed:
            return None
        if st.spec.lists_late:
            return self._listing_ts
        return self._start_ts - ESTABLISHED_AGE_S

    def regime(self, mint: str) -> str:
        """Returns the name of the token's current regime ("unlisted" before its listing).

        Raises:
            KeyError: If `mint` is not a simulated token.
        """
        st = self._by_mint.get(mint)
        if st is None:
            raise KeyError(f"{mint} is not a token of the simulated market")
        return st.process.regime if st.listed else UNLISTED

    def quote(self, mint: str, side: Side, in_amount: int) -> SwapQuote | None:
        """Prices a swap of an exact input against the token's pool, without moving it.

        Args:
            mint: The token.
            side: "buy" pays micro-USDC for the token; "sell" pays token base units for USDC.
            in_amount: Micro-USDC for a buy, token base units for a sell.

        Returns:
            The quote, or None if the token is unknown or not listed.

        Raises:
            ValueError: If `side` is not "buy" or "sell" or `in_amount` is negative.
        """
        st = self._by_mint.get(mint)
        if st is None or not st.listed:
            return None
        if side == "buy":
            out, impact = st.pool.quote_buy(in_amount)
        elif side == "sell":
            out, impact = st.pool.quote_sell(in_amount)
        else:
            raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
        return SwapQuote(st.token, side, in_amount, out, impact)

    def _run_events(self, now: float) -> None:
        """Applies every listing and rug due at or before `now`."""
        while self._events and self._events[0][0] <= now:
            _, kind, st = self._events.pop(0)
            if kind == 0:
                st.listed = True
            else:
                st.pool.scale_liquidity(RUG_LIQUIDITY_FACTOR)
                st.pool.set_price(st.process.shock(RUG_PRICE_FACTOR, RUGGED))
        self._live = [s for s in self._tokens if s.listed]
        self._next_event_ts = self._events[0][0] if self._events else math.inf
