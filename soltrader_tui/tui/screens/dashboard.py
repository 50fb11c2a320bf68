"""Provides DashboardScreen: holds the latest EngineSnapshot and lays out the panels."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui.messages import EngineUpdated
from soltrader_tui.tui.panel_focus import next_panel
from soltrader_tui.tui.toasts import NotifyLevel, ToastGate
from soltrader_tui.tui.widgets.api import ApiPanel
from soltrader_tui.tui.widgets.equity_chart import EquityHistoryPanel
from soltrader_tui.tui.widgets.fills import FillsPanel
from soltrader_tui.tui.widgets.key_bar import KeyBar
from soltrader_tui.tui.widgets.log_filter import LEVEL_NAMES
from soltrader_tui.tui.widgets.log_pane import LogPane
from soltrader_tui.tui.widgets.portfolio import PortfolioPanel
from soltrader_tui.tui.widgets.positions import PositionsPanel
from soltrader_tui.tui.widgets.scores import ScoresPanel
from soltrader_tui.tui.widgets.status_bar import StatusBar

LOG_LEVEL_KEYS = Binding.Group("Level", compact=True)
"""Keys 1–4 share one footer entry."""
LEVEL_BINDINGS = [
    Binding(
        str(rank + 1),
        f"log_level({rank})",
        "Level",
        tooltip=f"Log shows {name}.",
        group=LOG_LEVEL_KEYS,
    )
    for rank, name in enumerate(LEVEL_NAMES)
]
"""1 every line, 2 info and above, 3 warnings and above, 4 errors only."""
ROOMY_LINES = 40
"""Terminal lines from which the portfolio panel has room for the session's equity chart."""
SIDE_BY_SIDE_SHORT_COLUMNS = 120
"""Columns from which a short terminal keeps the portfolio beside the positions: its figures
take two columns (68 cells) there, and the positions need 50 for their P&L and feed."""


def _unset() -> EngineSnapshot:
    # The screen is always built with the engine's first snapshot; this only satisfies
    # the reactive's need for a default.
    raise RuntimeError("DashboardScreen needs an initial snapshot")


class DashboardScreen(Screen[None]):
    """The one screen of the running engine; every panel renders from `snapshot`."""

    # Textual annotates these without ClassVar, so mypy refuses a ClassVar override here.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012
    """Short terminals get a two-column portfolio so the tables keep their rows."""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide"), (200, "-widest")]  # noqa: RUF012
    """Narrow terminals stack the panels and keep the ones that say where the money is (app.tcss):
    at 80×24, the state, the portfolio, the open positions and the log. The widest also get the
    ledger's whole equity history, beside a positions table that still shows every column."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_panel", "Panel", tooltip="Moves the focus to the next panel."),
        Binding(
            "shift+tab",
            "previous_panel",
            "Previous panel",
            show=False,
            tooltip="Moves the focus to the previous panel.",
        ),
        Binding("l", "focus_log", "Log"),
        Binding("slash", "filter_log", "Filter"),
        Binding("f", "toggle_follow", "Follow"),
        *LEVEL_BINDINGS,
    ]

    snapshot: reactive[EngineSnapshot] = reactive(
        _unset, always_update=True, init=False, repaint=False
    )
    """The newest snapshot the engine published; the panels are bound to it."""

    def __init__(
        self,
        initial: EngineSnapshot,
        *,
        log_lines: int,
        refresh_hz: float,
        notify_level: NotifyLevel,
    ) -> None:
        """Builds the screen around the engine's snapshot from before it runs.

        Args:
            initial: What the engine looks like now (restored from the ledger).
            log_lines: Lines the log pane keeps.
            refresh_hz: Most snapshots shown per second.
            notify_level: Lowest log level that also pops up as a notification.
        """
        super().__init__()
        self.set_reactive(DashboardScreen.snapshot, initial)
        self._log_lines = log_lines
        self._interval = 1.0 / refresh_hz
        self._last_shown = float("-inf")
        self._pending: EngineSnapshot | None = None
        self._show_timer: Timer | None = None
        self._show_at = 0.0
        """When the timer set to show the pending snapshot fires (monotonic seconds)."""
        last_seq = initial.log[-1].seq if initial.log else 0
        self._toasts = ToastGate(notify_level, after_seq=last_seq)

    def compose(self) -> ComposeResult:
        """Lays out the status line, three rows of panels and the key bindings."""
        bound = DashboardScreen.snapshot
        yield StatusBar(id="status-bar").data_bind(bound)
        with Horizontal(id="top-row"):
            yield PortfolioPanel(id="portfolio").data_bind(bound)
            yield EquityHistoryPanel(id="equity-history").data_bind(bound)
            yield PositionsPanel(id="positions").data_bind(bound)
        with Horizontal(id="middle-row"):
            yield ScoresPanel(id="scores").data_bind(bound)
            yield FillsPanel(id="fills").data_bind(bound)
        with Horizontal(id="bottom-row"):
            yield ApiPanel(id="api").data_bind(bound)
            yield LogPane(id="log", max_lines=self._log_lines).data_bind(bound)
        yield KeyBar(id="key-bar")

    @on(EngineUpdated)
    def _engine_updated(self, message: EngineUpdated) -> None:
        # The engine publishes after every fill as well as on its timer, so at --speed max it
        # outpaces the screen; showing only the newest, at most refresh_hz times a second,
        # keeps repaints (and key handling) smooth. A final snapshot is shown at once.
        # A snapshot that brings a new fill waits a quarter of the interval at most: a fill is
        # what the owner watches for, and a whole interval's wait was most of its way there.
        self._pending = message.snapshot
        interval = self._interval
        if message.snapshot.fills != self.snapshot.fills:
            interval /= 4
        wait = self._last_shown + interval - time.monotonic()
        if wait <= 0 or not message.snapshot.running:
            self._show_pending()
        elif self._show_timer is None or self._show_at - time.monotonic() > wait:
            if self._show_timer is not None:
                self._show_timer.stop()
            self._show_at = time.monotonic() + wait
            self._show_timer = self.set_timer(wait, self._show_pending)

    def _show_pending(self) -> None:
        if self._show_timer is not None:
            self._show_timer.stop()
            self._show_timer = None
        if self._pending is not None:
            snapshot, self._pending = self._pending, None
            self._last_shown = time.monotonic()
            self.snapshot = snapshot

    def on_resize(self, event: events.Resize) -> None:
        """Marks a roomy terminal, which also gets the session's equity chart, and a stacked
        layout (classes of their own beside the breakpoints', which allow one class per axis
        and cannot say "narrow, or short and below 120 columns")."""
        width, height = event.size
        self.set_class(height >= ROOMY_LINES, "-roomy")
        stacked = width < 100 or (height < 36 and width < SIDE_BY_SIDE_SHORT_COLUMNS)
        self.set_class(stacked, "-stacked")

    def watch_snapshot(self, snapshot: EngineSnapshot) -> None:
        """Raises toasts for new alert lines and keeps the terminal title current."""
        for toast in self._toasts.admit(snapshot.log):
            self.notify(toast.message, title=toast.title, severity=toast.severity, markup=False)
        sub_title = f"{snapshot.mode.upper()} · {snapshot.trading_state.value.upper()}"
        if self.app.sub_title != sub_title:
            self.app.sub_title = sub_title

    def engine_failed(self, summary: str) -> None:
        """Shows a failure the engine could not report itself: stopped, with its error logged.

        Args:
            summary: The exception in one line.
        """
        self._show_pending()
        self.snapshot = replace(self.snapshot, running=False, error=summary)
        log = self.query_one(LogPane)
        log.note("error", f"engine failed: {summary}", self.snapshot.market_ts)

    def action_next_panel(self) -> None:
        """Moves the focus to the next panel."""
        self._focus_panel(1)

    def action_previous_panel(self) -> None:
        """Moves the focus to the previous panel."""
        self._focus_panel(-1)

    def _focus_panel(self, step: int) -> None:
        target = next_panel(self, step)
        if target is not None:
            target.focus()

    def action_focus_log(self) -> None:
        """Moves the focus to the log, to scroll it with the arrow and page keys."""
        self.query_one("#log-view").focus()

    def action_filter_log(self) -> None:
        """Opens the log's text filter: type, enter applies, escape clears."""
        self.query_one(LogPane).open_filter()

    def action_toggle_follow(self) -> None:
        """Follows the newest log line, or holds the log still to read it."""
        self.query_one(LogPane).toggle_follow()

    def action_log_level(self, rank: int) -> None:
        """Shows log lines at a level or louder: 1 all, 2 info+, 3 warning+, 4 errors only."""
        self.query_one(LogPane).set_level(rank)
