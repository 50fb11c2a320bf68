"""Provides EquityCurve: running peak and drawdown of equity, in constant memory.

Pure: no I/O, no clock.
"""

from __future__ import annotations


class EquityCurve:
    """Running peak and drawdown of equity, in constant memory."""

    __slots__ = ("_last", "_max_drawdown_pct", "_peak")

    def __init__(
        self,
        peak_micro: int | None = None,
        last_micro: int | None = None,
        max_drawdown_pct: float | None = None,
    ) -> None:
        """Starts a curve, empty or where a saved one left off (see `saved`)."""
        self._peak = peak_micro
        self._last = last_micro
        self._max_drawdown_pct = max_drawdown_pct

    def saved(self) -> tuple[int | None, int | None, float | None]:
        """Returns (peak, last, max drawdown): the arguments that rebuild this curve."""
        return self._peak, self._last, self._max_drawdown_pct

    def update(self, equity_micro: int) -> None:
        """Adds one equity point, micro-USDC."""
        self._last = equity_micro
        if self._peak is None or equity_micro > self._peak:
            self._peak = equity_micro
        drawdown = self.drawdown_pct
        if drawdown is not None and (
            self._max_drawdown_pct is None or drawdown > self._max_drawdown_pct
        ):
            self._max_drawdown_pct = drawdown

    @property
    def peak_micro(self) -> int | None:
        """Highest equity seen, micro-USDC; None before the first point."""
        return self._peak

    @property
    def drawdown_pct(self) -> float | None:
        """Percent the latest equity is below the running peak (0.0 at a new peak).

        None before the first point, and while the peak is not positive (a percentage
        of a non-positive peak means nothing).
        """
        if self._peak is None or self._last is None or self._peak <= 0:
            return None
        return (self._peak - self._last) * 100.0 / self._peak

    @property
    def max_drawdown_pct(self) -> float | None:
        """Largest drawdown from the running peak seen so far, percent; None before it is known."""
        return self._max_drawdown_pct
