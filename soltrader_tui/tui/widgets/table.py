"""Provides the pieces every dashboard table shares: keyed in-place row sync and cell styling.

The screen updates up to ten times a second, so a table must not be rebuilt on every
snapshot: rows are keyed (by mint, order id, ...), cells that did not change are left
alone, and a full rebuild only happens when the row order itself changed.
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


@dataclass(frozen=True, slots=True)
class Row:
    """One row to show, identified by a key that stays the same while the row exists."""

    key: str
    cells: tuple[Cell, ...]


def add_columns(table: DataTable[Any], columns: Sequence[Column]) -> None:
    """Adds `columns` to an empty table, headers aligned like their values."""
    for column in columns:
        label = Text(column.label, justify="right" if column.numeric else "left")
        table.add_column(label, width=column.width, key=column.key)


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
