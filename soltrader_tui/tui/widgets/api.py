"""Provides ApiPanel: calls, errors and latency of each outbound provider, from the ledger."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Label

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import ApiView, EngineSnapshot
from soltrader_tui.tui.widgets.panel import SnapshotPanel, set_label
from soltrader_tui.tui.widgets.table import Column, FittedTable, Row, num

COLUMNS = (
    Column("provider", "Provider"),
    Column("calls", "Calls", 6, numeric=True),
    Column("errors", "Errors", 6, numeric=True, drop=5),
    Column("rate-limited", "429s", 4, numeric=True, drop=4),
    Column("p95", "p95 ms", 6, numeric=True, drop=3),
    Column("window", "Window", 8, numeric=True, drop=2),
    Column("left", "Left", 4, numeric=True, drop=1),
    Column("circuit", "Circuit", 9),
)
"""Calls and the circuit (open: calls are being skipped) always show; the budget figures go
first on a narrow table (`soltrader-tui status` lists them all)."""

NO_USAGE_KEY = "no-usage"
"""Key of the row of dashes shown while there is no usage to report."""


def api_row(view: ApiView) -> Row:
    """One row for a provider, keyed by its name; errors and 429s in red when non-zero."""
    v = view
    return Row(
        v.provider,
        (
            v.provider,
            num(fmt.count(v.calls)),
            num(fmt.count(v.errors), "red" if v.errors else ""),
            num(fmt.count(v.rate_limited), "red" if v.rate_limited else ""),
            num(fmt.millis(v.p95_ms)),
            num(window(v)),
            num(fmt.MISSING if v.provider_remaining is None else fmt.count(v.provider_remaining)),
            circuit(v.circuit),
        ),
    )


def window(view: ApiView) -> str:
    """Requests in the current rate-limit window against the limit, e.g. `12/30`."""
    if view.window_requests is None or view.window_limit is None:
        return fmt.MISSING
    return f"{view.window_requests}/{view.window_limit}"


def circuit(state: str | None) -> Text:
    """The circuit breaker's state in words and colour: open means calls are being skipped."""
    if state is None:
        return Text(fmt.MISSING)
    style = {"closed": "green", "open": "bold red", "half_open": "yellow"}.get(state, "")
    return Text(state.replace("_", "-"), style=style)


def empty_row() -> Row:
    """The row shown when no provider has usage: unknown figures, never zeros."""
    return Row(NO_USAGE_KEY, tuple(num(fmt.MISSING) for _ in COLUMNS))


class ApiPanel(SnapshotPanel):
    """API usage per provider, or the engine's note on why there is none."""

    PANEL_TITLE = "API usage"

    def compose(self) -> ComposeResult:
        """Builds the table and the note below it."""
        yield FittedTable(COLUMNS, id="api-table", cursor_type="none")
        yield Label("", id="api-note")

    def show(self, snapshot: EngineSnapshot) -> None:
        """Syncs the rows; shows the note only when there are no figures."""
        rows = [api_row(v) for v in snapshot.api] or [empty_row()]
        self.query_one("#api-table", FittedTable).sync(rows)
        note = self.query_one("#api-note", Label)
        set_label(note, "" if snapshot.api else snapshot.api_note)
        note.display = not snapshot.api and bool(snapshot.api_note)
