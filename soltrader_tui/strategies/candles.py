"""Provides CandleBuilder: a candle strategy's candles, built from ticks one at a time.

Candles sit on the timeframe's grid in UTC (a 5m candle opens at :00, :05, …), the grid the
recorded files and exchanges use, so candles built from a replay's ticks are the file's own.
A candle is known to be closed only when a tick of a later candle arrives; that tick is where
the strategy decides, and its price is the next candle's open. A candle with no tick is
missing, not invented: the next one simply opens later.
"""

from __future__ import annotations

from soltrader_tui.domain import Candle, MarketTick


class _Forming:
    """The candle a token's ticks are building now."""

    __slots__ = ("close", "high", "liquidity", "low", "open", "ts")

    def __init__(self, ts: float, price: float, liquidity: float) -> None:
        self.ts = ts
        self.open = self.high = self.low = self.close = price
        self.liquidity = liquidity


class CandleBuilder:
    """Builds one timeframe's candles per token from ticks, O(1) per tick."""

    __slots__ = ("_forming", "timeframe_s")

    def __init__(self, timeframe_s: int) -> None:
        """Creates a builder for candles of `timeframe_s` seconds.

        Raises:
            ValueError: If the timeframe is not a positive whole number of seconds.
        """
        if timeframe_s <= 0:
            raise ValueError(f"timeframe_s must be positive, got {timeframe_s}")
        self.timeframe_s = timeframe_s
        self._forming: dict[str, _Forming] = {}

    def add(self, tick: MarketTick) -> Candle | None:
        """Adds a tick; returns the token's previous candle when this tick closed it.

        A tick older than the forming candle is ignored (time never runs backwards here).
        """
        mint = tick.token.mint
        price = tick.price_usd
        bucket = tick.ts - tick.ts % self.timeframe_s
        forming = self._forming.get(mint)
        if forming is None:
            self._forming[mint] = _Forming(bucket, price, tick.liquidity_usd)
            return None
        if bucket == forming.ts:
            if price > forming.high:
                forming.high = price
            elif price < forming.low:
                forming.low = price
            forming.close = price
            forming.liquidity = tick.liquidity_usd
            return None
        if bucket < forming.ts:
            return None
        self._forming[mint] = _Forming(bucket, price, tick.liquidity_usd)
        return Candle(
            forming.ts,
            float(self.timeframe_s),
            forming.open,
            forming.high,
            forming.low,
            forming.close,
            0.0,
            forming.liquidity,
        )

    @property
    def label(self) -> str:
        """The timeframe as written in the config: `5m`, `1h`."""
        tf = self.timeframe_s
        return f"{tf // 3600}h" if tf % 3600 == 0 else f"{tf // 60}m"

    def forming_ts(self, mint: str) -> float | None:
        """Open time of the token's forming candle; None before its first tick."""
        forming = self._forming.get(mint)
        return None if forming is None else forming.ts

    def forget(self, mint: str) -> None:
        """Drops the token's forming candle."""
        self._forming.pop(mint, None)
