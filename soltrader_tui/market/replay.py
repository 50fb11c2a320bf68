"""Provides ReplayFeed: recorded candles and pump.fun tracks played back as a MarketFeed.

Intra-candle path. The engine sees each candle as four deterministic ticks, evenly spaced
over the candle's interval: the open at the open time, then the extreme nearer to the open
(high or low; on a tie the low, which is pessimistic for a long), then the other extreme,
then the close at three quarters of the interval. A 5-minute candle gives ticks at +0, +75,
+150 and +225 s. So a stop or take-profit level that the candle crossed fires on the tick
where the market would first have reached it, and in the more pessimistic order when the
candle does not say which extreme came first.

Gaps. `poll(ts)` returns, for each token, its latest tick at or before `ts`, with the tick's
own time. A candle covers [open, open + interval): once `ts` is past the end of the candle its
last tick belongs to and no later candle has opened, the token is absent from the answer
(and `quote` returns None), so nothing trades across a gap or after the data ends. This is
stricter than "older than 1.5 intervals": no part of a missing candle is ever bridged.
A pump.fun sample stands until the next one, for at most `TRACK_MAX_AGE_S`.

Liquidity and quotes. `quote` prices a swap against a constant-product pool (`amm.Pool`)
built at the current tick; paper fills never move it.

- Candles: the files carry no pool reserves, so the pool holds
  ``liquidity_usd = max(LIQUIDITY_FLOOR_USD, LIQUIDITY_PER_DAILY_QUOTE_VOLUME × daily quote
  volume)`` at the tick's price, where the daily quote volume is the previous candle's base
  volume × its mean price (O+H+L+C)/4, scaled to 24 h. The previous candle, because a candle's
  own volume is only known at its close; the first candle of a file or after a gap uses its
  own.
- pump.fun: the curve's own virtual reserves. With ``s = sol_in_pool``, the pool holds
  ``PUMPFUN_CURVE_K / s`` whole tokens against ``s × SOL/USD`` in USDC, so its price is
  ``s² / PUMPFUN_CURVE_K`` SOL per token, exactly the curve's, and its depth is the curve's.
  SOL/USD is `PUMPFUN_SOL_USD` unless a SOL candle series is given (then its tick at the
  same time; a pump.fun token has no price while that series has none).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from functools import partial

from soltrader_tui.domain import MICRO, Candle, MarketTick, Side, SwapQuote, Token
from soltrader_tui.market.amm import Pool
from soltrader_tui.market.feed import OfflineFeed
from soltrader_tui.market.series import CandleSeries, RecordedSeries, TrackSeries

CANDLE_TICKS = 4
"""Ticks per candle: open, nearer extreme, other extreme, close."""
LIQUIDITY_PER_DAILY_QUOTE_VOLUME = 0.1
"""Pool value (both sides) assumed per USD of daily traded volume, since the candle files carry
no reserves. It gives SOL about $130 M of depth on 2025-01-01, where a $50 order moves the price
by well under 1 bp; quiet candles fall back to the floor."""
LIQUIDITY_FLOOR_USD = 25_000.0
"""Smallest pool assumed for a candle token, whatever its volume (a quiet or empty candle)."""
TRACK_MAX_AGE_S = 120.0
"""How long a pump.fun sample stands without a newer one. The bundled tracker left at most
91 s between two samples of one mint, and stopped for 10 minutes at 17:48 UTC: that stop is
a gap."""
PUMPFUN_SOL_USD = 150.0
"""SOL/USD used to price pump.fun tracks: the mean of the SOL/USDT 5m closes during the
recording (binance_SOL_USDT_5m file, 2025-06-06 16:35–18:15 UTC: 149.985, range 149.22–151.06)."""

PUMPFUN_CURVE_K = 32_190_000_000.0
"""SOL in the pool × virtual token reserves (whole tokens) of the pump.fun curve: 30 × 1.073e9."""

_DAY_S = 86_400.0


def pumpfun_price_sol(sol_in_pool: float) -> float:
    """Returns a pump.fun token's price in SOL per whole token: sol_in_pool² / PUMPFUN_CURVE_K."""
    return sol_in_pool * sol_in_pool / PUMPFUN_CURVE_K


def candle_path(o: float, h: float, low: float, c: float) -> tuple[float, float, float, float]:
    """Returns a candle's four ticks: open, nearer extreme (low on a tie), other extreme, close."""
    if o - low <= h - o:
        return (o, low, h, c)
    return (o, h, low, c)


def candle_ticks(token: Token, candles: Sequence[Candle]) -> list[MarketTick]:
    """Returns the ticks a replay would play for `candles` (see the module docstring), oldest
    first: how candles of an OHLCV API become a feed's `history`.

    Args:
        token: The candles' token.
        candles: In time order; each candle's `liquidity_usd` is its ticks' depth.
    """
    ticks = []
    for c in candles:
        spacing = c.interval_s / CANDLE_TICKS
        for k, price in enumerate(candle_path(c.open, c.high, c.low, c.close)):
            ticks.append(MarketTick(token, c.ts + k * spacing, price, c.liquidity_usd))
    return ticks


ESTABLISHED_AGE_S = 365 * 86400.0
"""How long before its first candle a recorded exchange pair is taken to have been listed."""


def candle_liquidity_usd(s: CandleSeries, i: int) -> float:
    """The pool depth during candle `i`: the recorded one when the series has it, else the
    model's (see "Liquidity and quotes" above)."""
    if s.liquidity is not None:
        return s.liquidity[i]
    j = i - 1 if i > 0 and s.ts[i] - s.ts[i - 1] == s.interval_s else i
    mean_price = (s.open[j] + s.high[j] + s.low[j] + s.close[j]) / 4
    daily = s.volume[j] * mean_price * _DAY_S / s.interval_s
    return max(LIQUIDITY_FLOOR_USD, LIQUIDITY_PER_DAILY_QUOTE_VOLUME * daily)


def liquidity_column(s: CandleSeries) -> list[float]:
    """`candle_liquidity_usd` of every candle of the series, in one pass."""
    if s.liquidity is not None:
        return list(s.liquidity)
    ts, o, h, lo, c, v = s.ts, s.open, s.high, s.low, s.close, s.volume
    scale = LIQUIDITY_PER_DAILY_QUOTE_VOLUME * _DAY_S / s.interval_s / 4
    step = s.interval_s
    out = []
    for i in range(len(ts)):
        j = i - 1 if i > 0 and ts[i] - ts[i - 1] == step else i
        daily = v[j] * (o[j] + h[j] + lo[j] + c[j]) * scale
        out.append(daily if daily > LIQUIDITY_FLOOR_USD else LIQUIDITY_FLOOR_USD)
    return out


def depth_candles(s: CandleSeries) -> list[Candle]:
    """Every candle of the series, each with its pool depth (`liquidity_column`), made at once:
    a backtest reads each candle several times, and a named tuple made from the columns in C
    costs a third of one made by a call per candle."""
    make = partial(tuple.__new__, Candle)
    interval = itertools.repeat(float(s.interval_s))
    columns = (s.open, s.high, s.low, s.close, s.volume, liquidity_column(s))
    return list(map(make, zip(map(float, s.ts), interval, *columns, strict=False)))


class _CandleSource:
    """Ticks and pools of one candle series."""

    __slots__ = ("end_ts", "series", "spacing", "start_ts", "token")

    def __init__(self, series: CandleSeries) -> None:
        self.series = series
        self.token = series.token
        self.spacing = series.interval_s / CANDLE_TICKS
        self.start_ts: float = series.ts[0]
        self.end_ts: float = series.ts[-1] + (CANDLE_TICKS - 1) * self.spacing

    def covers_until(self) -> float:
        return self.series.ts[-1] + self.series.interval_s

    def tick_at(self, ts: float) -> MarketTick | None:
        s = self.series
        i = bisect.bisect_right(s.ts, ts) - 1
        if i < 0:
            return None
        offset = ts - s.ts[i]
        if offset >= s.interval_s:
            return None  # a gap, or past the last candle
        k = min(CANDLE_TICKS - 1, int(offset // self.spacing))
        price = candle_path(s.open[i], s.high[i], s.low[i], s.close[i])[k]
        return MarketTick(self.token, s.ts[i] + k * self.spacing, price, self._liquidity(i))

    def pool_at(self, ts: float) -> Pool | None:
        tick = self.tick_at(ts)
        if tick is None:
            return None
        return Pool.from_price(tick.price_usd, tick.liquidity_usd, self.token.decimals)

    def ticks_between(self, start: float, end: float) -> list[MarketTick]:
        """Every tick the replay plays in [start, end), oldest first."""
        s = self.series
        ticks = []
        for i in range(bisect.bisect_left(s.ts, start - s.interval_s), len(s.ts)):
            if s.ts[i] >= end:
                break
            path = candle_path(s.open[i], s.high[i], s.low[i], s.close[i])
            for k, price in enumerate(path):
                ts = s.ts[i] + k * self.spacing
                if start <= ts < end:
                    ticks.append(MarketTick(self.token, ts, price, self._liquidity(i)))
        return ticks

    def _liquidity(self, i: int) -> float:
        return candle_liquidity_usd(self.series, i)


class _TrackSource:
    """Ticks and pools of one pump.fun mint, priced in USD through a SOL/USD source."""

    __slots__ = ("end_ts", "series", "sol", "start_ts", "token")

    def __init__(self, series: TrackSeries, sol: float | _CandleSource) -> None:
        self.series = series
        self.token = series.token
        self.sol = sol
        self.start_ts: float = series.ts[0]
        self.end_ts: float = series.ts[-1]

    def covers_until(self) -> float:
        return self.series.ts[-1] + TRACK_MAX_AGE_S

    def _sample(self, ts: float) -> tuple[float, float, float] | None:
        """Returns (sample time, SOL in the pool, SOL/USD) at `ts`, or None."""
        s = self.series
        i = bisect.bisect_right(s.ts, ts) - 1
        if i < 0 or ts - s.ts[i] > TRACK_MAX_AGE_S:
            return None
        if isinstance(self.sol, float):
            return s.ts[i], s.sol_in_pool[i], self.sol
        sol_tick = self.sol.tick_at(ts)
        if sol_tick is None:
            return None
        return s.ts[i], s.sol_in_pool[i], sol_tick.price_usd

    def tick_at(self, ts: float) -> MarketTick | None:
        sample = self._sample(ts)
        if sample is None:
            return None
        at, sol, sol_usd = sample
        price = pumpfun_price_sol(sol) * sol_usd
        return MarketTick(self.token, at, price, 2 * sol * sol_usd)

    def ticks_between(self, start: float, end: float) -> list[MarketTick]:
        """Every sample in [start, end) that has a price, oldest first."""
        s = self.series
        i, j = bisect.bisect_left(s.ts, start), bisect.bisect_left(s.ts, end)
        return [tick for ts in s.ts[i:j] if (tick := self.tick_at(ts)) is not None]

    def pool_at(self, ts: float) -> Pool | None:
        sample = self._sample(ts)
        if sample is None:
            return None
        _, sol, sol_usd = sample
        tokens = round(PUMPFUN_CURVE_K / sol * 10**self.token.decimals)
        return Pool(tokens, max(1, round(sol * sol_usd * MICRO)), self.token.decimals)


_Source = _CandleSource | _TrackSource


class ReplayFeed(OfflineFeed):
    """Plays recorded series back on any clock: pure lookups, the same answer for the same `ts`.

    See the module docstring for the intra-candle path, gaps and liquidity.
    """

    source = "replay"
    api_note = "replaying recorded files: no API calls are made"

    def __init__(
        self,
        series: Sequence[RecordedSeries],
        tick_seconds: float,
        *,
        sol_usd: float | CandleSeries = PUMPFUN_SOL_USD,
    ) -> None:
        """Builds the feed over loaded series.

        Args:
            series: From `recorded.load`/`load_all`; several series of one token are allowed
                when their spans do not overlap (e.g. two years of the same pair).
            tick_seconds: The engine's step. It must not exceed the spacing of intra-candle
                ticks (interval / 4), or the engine would step over highs and lows.
            sol_usd: SOL/USD for pump.fun tracks: a constant, or a SOL candle series.

        Raises:
            ValueError: If there are no series, a series is empty, the step is too long for
                a candle series, two series of one token overlap in time, or a constant
                `sol_usd` is not positive.
        """
        if not series:
            raise ValueError("no recorded series to replay")
        if not 0.0 < tick_seconds < math.inf:
            raise ValueError(f"tick_seconds must be positive and finite, got {tick_seconds}")
        if not isinstance(sol_usd, CandleSeries) and not 0.0 < sol_usd < math.inf:
            raise ValueError(f"sol_usd must be positive and finite, got {sol_usd}")
        sol: float | _CandleSource = (
            float(sol_usd) if not isinstance(sol_usd, CandleSeries) else _CandleSource(sol_usd)
        )
        self._by_mint: dict[str, list[_Source]] = {}
        for s in series:
            if len(s) == 0:
                raise ValueError(f"{s.source}: {s.token.symbol} has no data in the chosen span")
            source = _CandleSource(s) if isinstance(s, CandleSeries) else _TrackSource(s, sol)
            if isinstance(source, _CandleSource) and tick_seconds > source.spacing:
                raise ValueError(
                    f"{s.source}: ticks every {source.spacing:g} s inside its candles; a "
                    f"tick_seconds of {tick_seconds:g} would step over highs and lows"
                )
            self._by_mint.setdefault(s.token.mint, []).append(source)
        for sources in self._by_mint.values():
            sources.sort(key=lambda src: src.start_ts)
            for a, b in itertools.pairwise(sources):
                if b.start_ts < a.covers_until():
                    raise ValueError(
                        f"{a.token.symbol} is in both {a.series.source} and {b.series.source} "
                        "for the same time; replay one of them"
                    )
        self._tokens = {mint: srcs[0].token for mint, srcs in self._by_mint.items()}
        every = [src for srcs in self._by_mint.values() for src in srcs]
        self._start_ts = min(src.start_ts for src in every)
        self._end_ts = max(src.end_ts for src in every)
        spacings = [src.spacing for src in every if isinstance(src, _CandleSource)]
        self._spacing = min(spacings) if spacings else None
        self.tick_seconds = tick_seconds
        self._last_poll_ts: float | None = None

    @property
    def start_ts(self) -> float:
        """Market time of the first recorded tick, unix seconds."""
        return self._start_ts

    @property
    def end_ts(self) -> float:
        """Market time of the last recorded tick (a last candle's close), unix seconds."""
        return self._end_ts

    @property
    def point_spacing_s(self) -> float | None:
        """Seconds between intra-candle ticks of the finest candle series; None for tracks only."""
        return self._spacing

    def tokens(self) -> list[Token]:
        """Returns every replayed token, in the order of the series given."""
        return list(self._tokens.values())

    def token(self, mint: str) -> Token | None:
        """Returns a replayed token by mint; None for an unknown mint."""
        return self._tokens.get(mint)

    def ticks_at(self, ts: float) -> list[MarketTick]:
        """Returns the latest tick at or before `ts` of every token whose data covers `ts`."""
        out = []
        for sources in self._by_mint.values():
            for src in sources:
                tick = src.tick_at(ts)
                if tick is not None:
                    out.append(tick)
                    break
        return out

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        """Returns `ticks_at(ts)` and makes `ts` the time that `quote` prices at."""
        self._last_poll_ts = ts
        return self.ticks_at(ts)

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        """Returns the recorded ticks of [end_ts - span_s, end_ts), oldest first: none when
        the session starts at the data's start (the usual replay), the candles before it when
        it starts later."""
        start = end_ts - span_s
        ticks = [
            tick
            for sources in self._by_mint.values()
            for src in sources
            if src.start_ts < end_ts and src.covers_until() > start
            for tick in src.ticks_between(start, end_ts)
        ]
        ticks.sort(key=lambda tick: tick.ts)  # stable: each token's own order is kept
        return ticks

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        """Quotes a swap against the token's pool at the last polled time.

        Returns:
            The quote, or None before the first poll, for an unknown token, or when the token
            has no data at that time (a gap, or outside its span).

        Raises:
            ValueError: If `side` is not "buy" or "sell" or `in_amount` is negative.
        """
        ts = self._last_poll_ts
        pool = None if ts is None else self.pool_at(token.mint, ts)
        if pool is None:
            return None
        if side == "buy":
            out, impact = pool.quote_buy(in_amount)
        elif side == "sell":
            out, impact = pool.quote_sell(in_amount)
        else:
            raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
        return SwapQuote(self._tokens[token.mint], side, in_amount, out, impact)

    def listed_ts(self, mint: str) -> float | None:
        """Returns when a token's pool was listed, as far as the recording tells.

        A pump.fun track starts at the token's launch, so its first point is its listing. A
        candle file of an exchange pair says nothing of the pool's age; those tokens are taken
        as established (`ESTABLISHED_AGE_S` before their first candle).
        """
        sources = self._by_mint.get(mint)
        if not sources:
            return None
        first = min(src.start_ts for src in sources)
        if all(isinstance(src, _TrackSource) for src in sources):
            return first
        return first - ESTABLISHED_AGE_S

    def pool_at(self, mint: str, ts: float) -> Pool | None:
        """Returns the pool a quote for `mint` at `ts` is priced against, or None."""
        for src in self._by_mint.get(mint, ()):
            pool = src.pool_at(ts)
            if pool is not None:
                return pool
        return None


TRACK_CANDLE_S = 60
"""Candle length pump.fun tracks are cut into for a backtest (their samples are 1–10 s apart)."""


def track_candles(track: TrackSeries, sol_usd: float = PUMPFUN_SOL_USD) -> CandleSeries:
    """A pump.fun mint's samples as 1-minute candles priced in USD, with the curve's depth.

    Each minute with samples becomes a candle: open, high, low and close of the curve price of
    its samples, its depth (2 × SOL in the curve × SOL/USD) at the last one, and no volume (the
    tracker does not record swaps). A minute without samples is a gap, as in the replay.
    """
    ts: list[int] = []
    o: list[float] = []
    h: list[float] = []
    lo: list[float] = []
    c: list[float] = []
    depth: list[float] = []
    for at, sol in zip(track.ts, track.sol_in_pool, strict=True):
        price = pumpfun_price_sol(sol) * sol_usd
        bucket = int(at // TRACK_CANDLE_S) * TRACK_CANDLE_S
        if ts and ts[-1] == bucket:
            h[-1] = max(h[-1], price)
            lo[-1] = min(lo[-1], price)
            c[-1] = price
            depth[-1] = 2 * sol * sol_usd
            continue
        ts.append(bucket)
        o.append(price)
        h.append(price)
        lo.append(price)
        c.append(price)
        depth.append(2 * sol * sol_usd)
    zeros = (0.0,) * len(ts)
    return CandleSeries(
        track.token, TRACK_CANDLE_S, track.source, tuple(ts), tuple(o), tuple(h), tuple(lo),
        tuple(c), zeros, tuple(depth),
    )  # fmt: skip
