"""Provides PriceChart: a token's recent prices drawn in text, with price levels marked across.

Drawn with Rich text (no plotting library): one column per slice of time, each showing the
slice's last price as a dot, and each level (entry, stop, target) as a line of its colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from soltrader_tui import format as fmt

GUTTER = 12
"""Columns of the price labels on the left."""
DOT = "●"
LINE = "─"
STROKE = "│"


@dataclass(frozen=True, slots=True)
class Level:
    """A price marked across the chart."""

    label: str
    price_usd: float | None
    """None: not known, not drawn."""
    style: str


def columns_of(prices: Sequence[float], width: int) -> list[float]:
    """The price shown in each of at most `width` columns: the last price of its slice."""
    n = len(prices)
    cols = min(n, max(1, width))
    return [prices[(c + 1) * n // cols - 1] for c in range(cols)]


def _row(price: float, lo: float, hi: float, height: int) -> int:
    """The row (0 at the top) a price falls on."""
    return height - 1 - round((price - lo) / (hi - lo) * (height - 1))


def chart_lines(
    prices: Sequence[float], levels: Sequence[Level], width: int, height: int
) -> list[Text]:
    """Draws the chart as `height` lines of at most `width` cells.

    Args:
        prices: Oldest first.
        levels: Lines to mark; a level outside the prices widens the scale to show it.
        width: Cells per line, the price labels included.
        height: Lines (at least 2).

    Returns:
        The lines; a single explanatory line when there is no price to draw.
    """
    if not prices or height < 2 or width <= GUTTER:
        return [Text("no recent prices to draw", style="dim")]
    shown = columns_of(prices, width - GUTTER)
    known = [lv for lv in levels if lv.price_usd is not None and lv.price_usd > 0]
    values = shown + [lv.price_usd for lv in known if lv.price_usd is not None]
    lo, hi = min(values), max(values)
    if hi <= lo:
        lo, hi = lo * 0.99, hi * 1.01 + 1e-12
    cells: list[list[tuple[str, str]]] = [[(" ", "")] * len(shown) for _ in range(height)]
    for lv in known:
        assert lv.price_usd is not None
        cells[_row(lv.price_usd, lo, hi, height)] = [(LINE, lv.style)] * len(shown)
    previous: int | None = None
    for c, price in enumerate(shown):
        at = _row(price, lo, hi, height)
        if previous is not None:
            # A thin stroke through the rows a move crossed, so a jump reads as one move.
            for between in range(min(previous, at) + 1, max(previous, at)):
                if cells[between][c][0] == " ":
                    cells[between][c] = (STROKE, "dim")
        cells[at][c] = (DOT, "bold")
        previous = at
    lines = []
    for r, row in enumerate(cells):
        label = fmt.price(hi) if r == 0 else fmt.price(lo) if r == height - 1 else ""
        line = Text(f"{label:>{GUTTER - 1}} ", style="dim")
        for char, style in row:
            line.append(char, style)
        lines.append(line)
    return lines


class PriceChart(Widget):
    """The chart, redrawn at its size whenever its prices or levels are set."""

    DEFAULT_CSS = """
    PriceChart {
        height: 10;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.prices: tuple[float, ...] = ()
        self.levels: tuple[Level, ...] = ()

    def plot(self, prices: Sequence[float], levels: Sequence[Level]) -> None:
        """Shows `prices` (oldest first) with `levels` marked; repaints only on a change."""
        prices, levels = tuple(prices), tuple(levels)
        if (prices, levels) != (self.prices, self.levels):
            self.prices, self.levels = prices, levels
            self.refresh()

    def render(self) -> Text:
        """Draws the chart at the widget's size."""
        lines = chart_lines(self.prices, self.levels, self.size.width, self.size.height)
        return Text("\n").join(lines)
