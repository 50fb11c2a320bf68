"""Provides the pieces every dashboard table shares: keyed in-place row sync, cell styling, and
columns fitted to the table's width.

The screen updates up to ten times a second, so a table must not be rebuilt on every
snapshot: rows are keyed (by mint, order id, ...), cells that did not change are left
alone, and a full rebuild only happens when the row order itself changed.

A table narrower than its columns would scroll sideways and cut headers, so a `FittedTable`
shows what fits: every column under its full label when they all fit, else under the short
labels (listed in the help), else without its lowest-priority columns (their figures are in the
position's detail, the log or `status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from soltrader_tui.format import MISSING

Cell = str | Text
"""What a table cell holds."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a dashboard table."""

    key: str
    label: str
    width: int | None = None
    """Fixed width in cells, for values that change in place: a width that followed them
    would jitter and re-lay out the screen on every update. None fits the column to the
    values its rows are added with (for values that never change within a row)."""
    numeric: bool = False
    """Right-aligned, as numbers are."""
    short: str | None = None
    """The label used when the full labels do not all fit ("Trips" for "Round trips"); the help
    lists each one."""
    drop: int = 0
    """0: always shown. Otherwise, when even the short labels do not fit, columns go in
    increasing `drop` order until the rest fit."""
    fill: bool = False
    """Takes the width the other columns leave, at least `width` (and its label's): its values
    (a reason in words, which the log has whole) may be cut there, its label never."""

    def label_for(self, short: bool) -> str:
        """The label shown: the short one when asked for and there is one."""
        return self.short if short and self.short else self.label


@dataclass(frozen=True, slots=True)
class Row:
    """One row to show, identified by a key that stays the same while the row exists."""

    key: str
    cells: tuple[Cell, ...]


def add_columns(
    table: DataTable[Any],
    columns: Sequence[Column],
    short: bool = False,
    fill_width: int | None = None,
) -> None:
    """Adds `columns` to an empty table, headers aligned like their values and never cut.

    Args:
        table: The table, without columns.
        columns: The columns to add, in order.
        short: Whether to use the short labels.
        fill_width: The width of a `fill` column (None: as wide as its values).
    """
    for column in columns:
        text = column.label_for(short)
        label = Text(text, justify="right" if column.numeric else "left")
        # A fill column outside a fitted table fits its values, as a column without a width.
        width = fill_width if column.fill else column.width
        # A fixed width sized for the values must still hold the whole label.
        width = None if width is None else max(width, label.cell_len)
        table.add_column(label, width=width, key=column.key)


def num(text: str, style: str = "") -> Text:
    """A right-aligned cell for a formatted number."""
    return Text(text, style=style, justify="right")


def pnl_style(x: float | None) -> str:
    """The colour of a P&L figure: green for a gain, red for a loss, plain otherwise."""
    if x is None or x == 0:
        return ""
    return "green" if x > 0 else "red"


def pnl(x: float | None, text: str) -> Text:
    """A right-aligned cell for a P&L figure, coloured by its sign."""
    return num(text, pnl_style(x) if text != MISSING else "")


def sync_rows(table: DataTable[Any], rows: Sequence[Row]) -> None:
    """Makes `table` show exactly `rows`, in order, touching only what changed.

    Rows that disappeared are removed, changed cells are updated in place and new rows are
    appended. Only when the wanted order cannot be reached that way (a new row above an old
    one, or a reorder) is the table cleared and refilled.

    Args:
        table: A table whose columns match the cells of `rows`.
        rows: The rows to show, top to bottom; of rows sharing a key, the first is shown.
    """
    wanted: dict[str, Row] = {}
    for row in rows:
        # A repeated key would make the table raise; the screen must survive odd input.
        wanted.setdefault(row.key, row)
    rows = list(wanted.values())
    current = [row.key.value for row in table.ordered_rows if row.key.value is not None]
    for key in current:
        if key not in wanted:
            table.remove_row(key)
    kept = [key for key in current if key in wanted]
    kept_set = set(kept)
    new_keys = [row.key for row in rows if row.key not in kept_set]
    if [row.key for row in rows] != kept + new_keys:
        table.clear()
        kept = []
        new_keys = [row.key for row in rows]
    column_keys = [column.key for column in table.ordered_columns]
    for key in kept:
        old_cells = table.get_row(key)
        for column_key, old, new in zip(column_keys, old_cells, wanted[key].cells, strict=True):
            if old != new:
                table.update_cell(key, column_key, new)
    for key in new_keys:
        table.add_row(*wanted[key].cells, key=key)


def content_width(column: Column, short: bool, cells: Sequence[Cell]) -> int:
    """Cells a column's content takes: its fixed width or its widest value, and its label."""
    label = Text(column.label_for(short)).cell_len
    if column.fill:
        return max(column.width or 0, label)  # it takes what is left, and no less than this
    if column.width is not None:
        return max(column.width, label)
    widest = max((Text(c).cell_len if isinstance(c, str) else c.cell_len for c in cells), default=0)
    return max(widest, label)


def fit_columns(
    columns: Sequence[Column], rows: Sequence[Row], width: int, padding: int
) -> tuple[tuple[Column, ...], bool]:
    """The columns that fit in `width` cells, and whether they need their short labels.

    Args:
        columns: Every column, in order.
        rows: The rows to show (their cells size the columns without a fixed width).
        width: Cells available for the columns.
        padding: Cells of padding on each side of every column.

    Returns:
        All columns under full labels if they fit; else the most that fit under short labels,
        dropping columns by `Column.drop`; columns with `drop` 0 always stay.
    """
    cells = [[row.cells[i] for row in rows] for i in range(len(columns))]

    def needed(shown: Sequence[int], short: bool) -> int:
        return sum(content_width(columns[i], short, cells[i]) + 2 * padding for i in shown)

    every = list(range(len(columns)))
    if needed(every, False) <= width:
        return tuple(columns), False
    shown = every
    droppable = sorted((i for i in every if columns[i].drop), key=lambda i: columns[i].drop)
    dropped: list[int] = []
    for i in droppable:
        if needed(shown, True) <= width:
            break
        shown = [j for j in shown if j != i]
        dropped.append(i)
    # A narrow column dropped for a wide one's sake comes back when it fits on its own.
    for i in reversed(dropped[:-1]):
        if needed([*shown, i], True) <= width:
            shown = sorted([*shown, i])
    return tuple(columns[i] for i in shown), True


class FittedTable(DataTable[object]):
    """A dashboard table whose columns are fitted to its width (see `fit_columns`); rows are
    given with a cell for every column, and shown with the cells of the columns that fit."""

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        """Builds the table with every column; the first resize fits them.

        Args:
            columns: Every column the table can show, in order.
            **kwargs: The DataTable's own arguments (id, cursor_type, ...).
        """
        super().__init__(**kwargs)
        self.spec = tuple(columns)
        self._rows: list[Row] = []
        self._shown: tuple[Column, ...] = self.spec
        self._short = False
        self._fill: int | None = None
        add_columns(self, self.spec)

    @property
    def shown(self) -> tuple[Column, ...]:
        """The columns on screen now."""
        return self._shown

    def full_row(self, key: str) -> Row:
        """The row `key` as last given, with a cell for every column, shown or not.

        Raises:
            KeyError: no row has that key.
        """
        for row in self._rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def on_resize(self) -> None:
        """Refits the columns to the new width."""
        self._refit()

    def sync(self, rows: Sequence[Row]) -> None:
        """Shows exactly `rows` (see `sync_rows`), refitting when their values change what fits.

        Args:
            rows: The rows to show, each with a cell for every column of the spec.
        """
        unique: dict[str, Row] = {}
        for row in rows:
            unique.setdefault(row.key, row)  # as sync_rows does: the first of a repeated key
        self._rows = list(unique.values())
        if not self._refit():
            sync_rows(self, self._visible())

    def _visible(self) -> list[Row]:
        keys = {c.key for c in self._shown}
        kept = [col.key in keys for col in self.spec]
        return [
            Row(row.key, tuple(c for c, k in zip(row.cells, kept, strict=True) if k))
            for row in self._rows
        ]

    def _fill_width(self, shown: Sequence[Column], short: bool, width: int) -> int | None:
        """The width a `fill` column among `shown` gets: what the others leave."""
        if not any(c.fill for c in shown):
            return None
        index = {c.key: i for i, c in enumerate(self.spec)}
        taken = 0
        for column in shown:
            cells = [row.cells[index[column.key]] for row in self._rows]
            taken += content_width(column, short, cells) + 2 * self.cell_padding
        # The fill column's share of `taken` is its least width: it gets that and the rest.
        fill = next(c for c in shown if c.fill)
        return content_width(fill, short, []) + max(0, width - taken)

    def _refit(self) -> bool:
        """Rebuilds the columns when another set fits; returns whether it did."""
        width = self.size.width
        if len(self._rows) + int(self.show_header) > self.size.height:
            width -= self.styles.scrollbar_size_vertical  # the rows scroll: a scrollbar shows
        if width <= 0:
            return False
        shown, short = fit_columns(self.spec, self._rows, width, self.cell_padding)
        fill_width = self._fill_width(shown, short, width)
        if (shown, short, fill_width) == (self._shown, self._short, self._fill):
            return False
        self._shown, self._short, self._fill = shown, short, fill_width
        row = self.cursor_row
        self.clear(columns=True)
        add_columns(self, shown, short, fill_width)
        for visible in self._visible():
            self.add_row(*visible.cells, key=visible.key)
        if self._rows:
            self.move_cursor(row=min(row, len(self._rows) - 1), animate=False)
        return True
