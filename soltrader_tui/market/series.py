"""Provides recorded market series: candles and pump.fun bonding-curve tracks, column-wise.

What the loaders in `recorded` produce and the replay feed consumes; pure data, no file access.
A replayed symbol trades under a mint derived from its name (wSOL's real mint for SOL), so a
replay's fills land in the ledger like any other token's.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from dataclasses import dataclass

from soltrader_tui.domain import Candle, Token

WSOL_MINT = "So11111111111111111111111111111111111111112"
"""The wrapped-SOL mint, a protocol constant: replayed SOL trades under its real mint."""
KNOWN_DECIMALS = {"SOL": 9}
"""Decimals of symbols that differ from the SPL default of 6."""
DEFAULT_DECIMALS = 6


def replay_mint(symbol: str) -> str:
    """Returns the mint a replayed symbol trades under: wSOL for SOL, else derived from it.

    Args:
        symbol: The token's symbol, e.g. "TRUMP".
    """
    if symbol == "SOL":
        return WSOL_MINT
    from solders.pubkey import Pubkey  # here: a SOL replay or backtest does without it (18 ms)

    return str(Pubkey(hashlib.sha256(b"soltrader-replay:" + symbol.encode()).digest()))


def replay_token(symbol: str) -> Token:
    """Returns the Token of a replayed symbol (its mint by `replay_mint`, known decimals)."""
    return Token(replay_mint(symbol), symbol, KNOWN_DECIMALS.get(symbol, DEFAULT_DECIMALS))


@dataclass(frozen=True, slots=True)
class CandleSeries:
    """One token's candles, column-wise (compact and quick to search), with real gaps kept."""

    token: Token
    interval_s: int
    source: str
    """Name of the file the candles came from."""
    ts: tuple[int, ...]
    """Open times, unix seconds UTC, strictly increasing on the interval's grid."""
    open: tuple[float, ...]
    high: tuple[float, ...]
    low: tuple[float, ...]
    close: tuple[float, ...]
    volume: tuple[float, ...]
    liquidity: tuple[float, ...] | None = None
    """Pool depth at each close, USD, both sides, when the recording knows it (candles made from
    pump.fun tracks); None for exchange candles, whose depth the replay's liquidity model
    estimates from their volume."""

    def __len__(self) -> int:
        return len(self.ts)

    def candle(self, i: int) -> Candle:
        """Returns candle `i` (negative indexes count from the end)."""
        return Candle(
            float(self.ts[i]),
            float(self.interval_s),
            self.open[i],
            self.high[i],
            self.low[i],
            self.close[i],
            self.volume[i],
        )

    def gaps(self) -> list[tuple[int, int]]:
        """Returns each gap as (first missing open time, open time of the next candle)."""
        ts, step = self.ts, self.interval_s
        return [(a + step, b) for a, b in itertools.pairwise(ts) if b - a > step]

    def between(self, start_ts: float, end_ts: float) -> CandleSeries:
        """Returns the candles opening in [start_ts, end_ts), for replaying a slice."""
        i, j = bisect.bisect_left(self.ts, start_ts), bisect.bisect_left(self.ts, end_ts)
        return CandleSeries(
            self.token,
            self.interval_s,
            self.source,
            self.ts[i:j],
            self.open[i:j],
            self.high[i:j],
            self.low[i:j],
            self.close[i:j],
            self.volume[i:j],
            None if self.liquidity is None else self.liquidity[i:j],
        )


@dataclass(frozen=True, slots=True)
class TrackSeries:
    """One pump.fun mint's bonding-curve samples."""

    token: Token
    source: str
    ts: tuple[float, ...]
    """Sample times, unix seconds UTC (microsecond precision), strictly increasing."""
    sol_in_pool: tuple[float, ...]
    """SOL in the curve, virtual and real combined (30.0 at launch)."""

    def __len__(self) -> int:
        return len(self.ts)

    def between(self, start_ts: float, end_ts: float) -> TrackSeries:
        """Returns the samples taken in [start_ts, end_ts), for replaying a slice."""
        i, j = bisect.bisect_left(self.ts, start_ts), bisect.bisect_left(self.ts, end_ts)
        return TrackSeries(self.token, self.source, self.ts[i:j], self.sol_in_pool[i:j])


RecordedSeries = CandleSeries | TrackSeries
