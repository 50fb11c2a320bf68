"""The dashboard from 80×24 to 200×60: what each size shows, read from the rendered screen, with
no panel title, label or key cut short."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from textual.widgets import DataTable

from soltrader_tui.risk.checks import DenialRule
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui.screens.dashboard import DashboardScreen
from soltrader_tui.tui.widgets import api, fills, positions, scores
from soltrader_tui.tui.widgets.key_bar import KeyBar, KeyItem, fit, wrap
from soltrader_tui.tui.widgets.panel import SnapshotPanel
from soltrader_tui.tui.widgets.portfolio import FIGURES, RULE_SHORT
from soltrader_tui.tui.widgets.table import FittedTable
from tests.tui.harness import Session, session
from tests.tui.snapshot_factory import make_position, make_snapshot, make_strategy
from tests.tui.test_dashboard_keys import help_text

SIZES = [(80, 24), (120, 36), (200, 60)]


def screen_lines(s: Session) -> list[str]:
    return [strip.text for strip in s.app.screen._compositor.render_strips()]


def busy_snapshot() -> EngineSnapshot:
    """Three open positions and a daily loss limit, so every figure has a value to show."""
    positions = (make_position("BONK"), make_position("WIF", whole=17.5), make_position("SOL"))
    return make_snapshot(positions=positions, day_pnl_usd=-4.2, daily_loss_limit_usd=25.0)


def visible_panels(s: Session) -> list[SnapshotPanel]:
    return [p for p in s.app.screen.query(SnapshotPanel) if p.region.area]


@pytest.mark.parametrize("size", SIZES)
class TestEverySize:
    """Whatever the size: the state line, every panel title whole, every key in the footer."""

    async def test_titles_and_header_are_whole(self, size: tuple[int, int]) -> None:
        async with session(busy_snapshot(), size=size) as s:
            lines = screen_lines(s)
            assert " PAPER " in lines[0] and " ACTIVE " in lines[0]
            assert "…" not in lines[0]
            for panel in visible_panels(s):
                top = lines[panel.region.y]
                assert f"─ {panel.border_title} ─" in top, (panel.id, top)

    async def test_footer_lists_every_key_whole(self, size: tuple[int, int]) -> None:
        async with session(busy_snapshot(), size=size) as s:
            bar = s.app.screen.query_one(KeyBar)
            text = s.text("KeyBar")
            bindings = [*s.app.dashboard._bindings, *s.app._bindings]
            shown = [b for _, b in bindings if b.show]
            assert shown, "the dashboard has keys to show"
            for binding in shown:
                label = binding.group.description if binding.group else binding.description
                key = s.app.get_key_display(binding)
                assert re.search(rf"{re.escape(key)}\S* {re.escape(label)}\b", text), key
            assert bar.region.height == len(fit(bar.items, bar.content_size.width)[1])
            # One line from 120 columns up (tight gaps if need be), so the panels keep their rows.
            assert bar.region.height == (2 if size[0] < 100 else 1)


class TestSmallTerminal:
    """At 80×24 the compact layout still shows the state, equity, today's P&L and the open
    positions, each with its label whole."""

    async def test_money_figures_and_positions_show(self) -> None:
        async with session(busy_snapshot(), size=(80, 24)) as s:
            assert s.app.screen.has_class("-narrow", "-short")
            portfolio = s.text("#portfolio")
            for _, label in FIGURES:
                assert label in portfolio
            assert re.search(r"Equity +\$512\.35", portfolio)
            assert re.search(r"Today P&L +-\$4\.20 of -\$25\.00", portfolio)
            positions = s.text("#positions")
            # What the positions are worth now; their exit levels are in each one's detail.
            for header in ("Symbol", "Qty", "Mark", "P&L $", "P&L %"):
                assert header in positions
            assert all(sym in positions for sym in ("BONK", "WIF", "SOL"))
            assert "Open positions (3)" in positions
            assert s.text("#log").count("INFO") == 5

    async def test_resizing_switches_layouts(self) -> None:
        async with session(busy_snapshot(), size=(80, 24)) as s:
            screen = s.app.screen
            assert not screen.query_one("#fills").region.area
            await s.pilot.resize_terminal(200, 60)
            await s.pilot.pause()
            assert isinstance(screen, DashboardScreen)
            assert screen.has_class("-widest", "-tall")
            assert screen.query_one("#fills").region.area
            assert screen.query_one("#api").region.area


class TestWrap:
    """The footer breaks between keys, never inside one."""

    def test_wraps_between_items(self) -> None:
        items = [KeyItem("q", "Quit"), KeyItem("^e", "Emergency stop"), KeyItem("?", "Help")]
        assert wrap(items, 30) == [items[:2], items[2:]]
        assert wrap(items, 80) == [items]

    def test_tight_gaps_when_that_saves_a_line(self) -> None:
        items = [KeyItem("q", "Quit"), KeyItem("?", "Help")]  # 6 + 6 cells
        assert fit(items, 14) == (2, [items])
        assert fit(items, 13) == (1, [items])
        assert fit(items, 12) == (2, [items[:1], items[1:]])

    def test_an_item_wider_than_the_bar_gets_its_own_line(self) -> None:
        items = [KeyItem("q", "Quit"), KeyItem("^e", "Emergency stop")]
        assert wrap(items, 8) == [items[:1], items[1:]]


def crowded_snapshot() -> EngineSnapshot:
    """The busy snapshot with the longest strategy name, big counts and the longest rule name
    among the risk denials: the widest values each table and figure has to hold."""
    strategies = (
        make_strategy("mean_reversion", round_trips=12_345, realized_pnl_usd=-1234.56),
        make_strategy("breakout", enabled=False),
    )
    denials = ((DenialRule.HOLDER_CONCENTRATION.value, 999), (DenialRule.MIN_ORDER.value, 3))
    return replace(busy_snapshot(), strategies=strategies, risk_rejections=denials)


@pytest.mark.parametrize("size", [*SIZES, (120, 24), (100, 30), (110, 24)])
class TestColumnsFit:
    """No table scrolls sideways and every column label it shows is whole; a narrow table shows
    fewer columns, or short labels the help lists, never a cut one."""

    async def test_every_shown_label_is_whole(self, size: tuple[int, int]) -> None:
        async with session(crowded_snapshot(), size=size) as s:
            await s.pilot.pause()
            lines = screen_lines(s)
            tables = [t for t in s.app.screen.query(DataTable) if t.region.area]
            assert "positions-table" in [t.id for t in tables]
            if size[1] >= 36:
                assert "strategies-table" in [t.id for t in tables]
            for table in tables:
                assert table.virtual_size.width <= table.scrollable_content_region.width, table.id
                header = lines[table.region.y][table.region.x : table.region.right]
                for column in table.ordered_columns:
                    label = column.label.plain
                    assert re.search(rf"(^|\s){re.escape(label)}(\s|$)", header), (table.id, header)
                    width = column.get_render_width(table) - 2 * table.cell_padding
                    assert width >= column.label.cell_len, (table.id, label)
            positions = s.app.screen.query_one("#positions-table", FittedTable)
            shown = [c.key for c in positions.shown]
            assert {"symbol", "upnl", "upnl-pct", "stale"} <= set(shown)
            if size[0] >= 200:
                assert shown == [c.key for c in positions.spec], "every column, beside the history"

    async def test_the_denying_rule_is_named_whole(self, size: tuple[int, int]) -> None:
        async with session(crowded_snapshot(), size=size) as s:
            portfolio = s.text("#portfolio")
            short = RULE_SHORT["holder_concentration"]
            # The rule's own count too where the column has room (120×24 has 16 cells).
            assert f"1,002 ({short} 999)" in portfolio or f"1,002 ({short})" in portfolio
            if size != (120, 24):
                assert f"1,002 ({short} 999)" in portfolio


def test_every_denial_rule_has_a_short_name() -> None:
    """A new rule must get a name that fits the portfolio's figure column (21 cells at 120)."""
    assert set(RULE_SHORT) == {rule.value for rule in DenialRule}
    longest = max(len(f"1,234 ({short} 999)") for short in RULE_SHORT.values())
    assert longest <= 21


async def test_the_help_spells_out_every_short_name() -> None:
    """Each short column label and each short rule name is listed beside what it stands for."""
    async with session(size=(80, 24)) as s:
        await s.pilot.press("question_mark")
        await s.pilot.pause()
        text = help_text(s)
        shown = [(short, full) for short, full in SHORT_LABELS if short]
        assert ("Trips", "Round trips") in shown and ("Win %", "Win rate") in shown
        for short, full in shown:
            assert re.search(rf"^\s*{re.escape(short)}\s+{re.escape(full)}\s*$", text, re.M), short
        for rule, short in RULE_SHORT.items():
            assert re.search(rf"^\s*{re.escape(short)}\s+{rule}\s*$", text, re.M), rule


SHORT_LABELS = [
    (c.short, c.label)
    for columns in (
        positions.COLUMNS,
        scores.STRATEGY_COLUMNS,
        scores.SCORE_COLUMNS,
        fills.COLUMNS,
        api.COLUMNS,
    )
    for c in columns
    if c.short
]
