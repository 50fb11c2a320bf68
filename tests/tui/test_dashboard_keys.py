"""The dashboard's keys at 80×24, 120×36 and 200×60: the log's filters and follow mode, panel
focus, the help screen, escape in every dialog, and the key bar listing every key."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from textual.containers import VerticalScroll
from textual.widgets import Input, RichLog, Static

from soltrader_tui.config.model import Config, TuiConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.tui.screens.confirm import ConfirmModal
from soltrader_tui.tui.screens.dashboard import DashboardScreen
from soltrader_tui.tui.screens.error_modal import ErrorModal
from soltrader_tui.tui.screens.help import HelpModal
from soltrader_tui.tui.screens.strategy_picker import StrategyPicker
from soltrader_tui.tui.widgets.log_pane import LogPane
from soltrader_tui.tui.widgets.panel import SnapshotPanel
from tests.tui.harness import Session, session
from tests.tui.snapshot_factory import make_log, make_snapshot

SIZES = [(80, 24), (120, 36), (200, 60)]

MIXED_LOG = (
    *make_log(1, 2, prefix="tick"),
    *make_log(3, 3, level="warning", prefix="rug pull"),
    *make_log(4, 4, level="error", prefix="quote failed"),
    *make_log(5, 5, prefix="filled rug"),
)
"""Two info lines, a warning, an error and an info line that mentions "rug"."""


def shown(s: Session) -> list[str]:
    """The messages the log view shows (the text after the level word)."""
    return [" ".join(line.split()[2:]) for line in s.log_lines()]


def pane(s: Session) -> LogPane:
    return s.app.dashboard.query_one(LogPane)


def screen_text(s: Session) -> str:
    """Every character on screen, line by line."""
    strips = s.app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def press(s: Session, *keys: str) -> None:
    await s.pilot.press(*keys)
    await s.pilot.pause()


@pytest.mark.parametrize("size", SIZES)
class TestLogKeys:
    """1–4 pick the quietest level shown, `/` filters by text, `f` holds the log still; the
    pane's border says what it shows."""

    async def test_level_keys_filter_and_say_so(self, size: tuple[int, int]) -> None:
        async with session(make_snapshot(log=MIXED_LOG), size=size) as s:
            await press(s, "3")
            assert shown(s) == ["rug pull 3", "quote failed 4"]
            assert "Log · warnings and above" in screen_text(s)
            await press(s, "4")
            assert shown(s) == ["quote failed 4"]
            assert "Log · errors only" in screen_text(s)
            await press(s, "2")
            assert len(shown(s)) == 5
            assert "Log · info and above" in screen_text(s)
            await press(s, "1")
            assert len(shown(s)) == 5
            assert "Log · all levels" in screen_text(s)

    async def test_text_filter_applies_on_enter_and_escape_clears(
        self, size: tuple[int, int]
    ) -> None:
        async with session(make_snapshot(log=MIXED_LOG), size=size) as s:
            await press(s, "slash")
            box = s.app.screen.query_one("#log-filter", Input)
            assert s.app.focused is box
            await press(s, *"rug", "enter")
            assert shown(s) == ["rug pull 3", "filled rug 5"]
            assert 'Log · all levels · "rug"' in screen_text(s)
            assert not box.display, "enter closes the box; the filter stays"
            await press(s, "slash", "escape")
            assert len(shown(s)) == 5
            assert "Log · all levels" in screen_text(s) and '"rug"' not in screen_text(s)
            assert not box.display

    async def test_keys_typed_in_the_filter_box_are_text(self, size: tuple[int, int]) -> None:
        async with session(make_snapshot(log=MIXED_LOG), size=size) as s:
            await press(s, "slash", "4", "q", "question_mark", "f", "l", "p")
            assert s.app.screen.query_one("#log-filter", Input).value == "4q?flp"
            assert pane(s).log_filter.min_rank == 0 and pane(s).follow
            assert isinstance(s.app.screen, DashboardScreen)
            assert s.host.stop_requests == 0 and s.host.commands == []
            await press(s, "escape")
            assert len(shown(s)) == 5

    async def test_follow_off_keeps_the_view_still(self, size: tuple[int, int]) -> None:
        async with session(make_snapshot(log=make_log(1, 80)), size=size) as s:
            view = s.app.screen.query_one("#log-view", RichLog)
            assert view.scroll_y == view.max_scroll_y > 0, "follows the newest line"
            await press(s, "f")
            assert "follow off (f)" in screen_text(s)
            view.scroll_home(animate=False, immediate=True)
            await s.publish(make_snapshot(log=make_log(60, 120)))
            assert view.scroll_y == 0, "a new line does not move a held log"
            await press(s, "f")
            assert view.scroll_y == view.max_scroll_y
            assert "follow off" not in screen_text(s)


class TestLogPane:
    """The pane keeps a bounded buffer, shows it again through any filter, and makes errors
    stand out."""

    async def test_buffer_is_bounded_through_a_filter_change(self) -> None:
        config = Config(tui=TuiConfig(log_lines=50))
        async with session(make_snapshot(log=()), config=config) as s:
            await s.publish(make_snapshot(log=make_log(1, 120)))
            await press(s, "3", "1")
            assert [e.message for e in pane(s).entries] == [f"line {n}" for n in range(71, 121)]
            assert shown(s)[0] == "line 71" and shown(s)[-1] == "line 120"

    async def test_an_error_line_is_highlighted(self) -> None:
        async with session(make_snapshot(log=MIXED_LOG)) as s:
            view = s.app.screen.query_one("#log-view", RichLog)
            error = next(strip for strip in view.lines if "quote failed" in strip.text)
            info = next(strip for strip in view.lines if "tick 1" in strip.text)
            assert any(seg.style and seg.style.bgcolor for seg in error)
            assert not any(seg.style and seg.style.bgcolor for seg in info)


def panel_ids(s: Session) -> str | None:
    focused = s.app.focused
    for node in focused.ancestors_with_self if focused is not None else ():
        if isinstance(node, SnapshotPanel):
            return node.id
    return None


EXPECTED_STOPS = {
    (80, 24): ["positions", "log"],
    (120, 36): ["positions", "scores", "fills", "api", "log"],
    (200, 60): ["positions", "scores", "fills", "api", "log"],
}
"""The panels tab stops at: those that can take the keyboard and are on screen."""


@pytest.mark.parametrize("size", SIZES)
class TestPanelKeys:
    """`tab` and `shift+tab` go round the panels, one panel a press; `l` goes to the log."""

    async def test_tab_cycles_the_panels(self, size: tuple[int, int]) -> None:
        async with session(size=size) as s:
            stops = EXPECTED_STOPS[size]
            seen = [panel_ids(s)]  # the first table has the focus from the start
            for _ in stops:
                await press(s, "tab")
                seen.append(panel_ids(s))
            assert seen == [*stops, stops[0]]
            await press(s, "shift+tab")
            assert panel_ids(s) == stops[-1]

    async def test_l_focuses_the_log(self, size: tuple[int, int]) -> None:
        async with session(size=size) as s:
            await press(s, "l")
            assert s.app.focused is s.app.screen.query_one("#log-view", RichLog)


def dashboard_keys(s: Session) -> list[tuple[str, str]]:
    """(key as shown, description) of every key bound on the dashboard and the app."""
    app = s.app
    bindings = [*app.dashboard._bindings, *app._bindings]
    return [(app.get_key_display(b), b.description) for _, b in bindings if b.description]


def help_text(s: Session) -> str:
    """The help's tables as plain text, wide enough that no line wraps."""
    console = Console(width=250, file=io.StringIO(), record=True)
    for table in s.app.screen.query(".help-table").results(Static):
        console.print(table.content)
    return console.export_text()


@pytest.mark.parametrize("size", SIZES)
class TestHelpAndDialogs:
    """`?` lists every key; escape closes every dialog; in the help, q closes the help and does
    not quit (quitting stops the engine: too much for a key pressed to leave a help page)."""

    async def test_help_lists_every_binding(self, size: tuple[int, int]) -> None:
        async with session(size=size) as s:
            await press(s, "question_mark")
            assert isinstance(s.app.screen, HelpModal)
            text = help_text(s)
            for key, label in dashboard_keys(s):
                row = rf"^{re.escape(key)} +{re.escape(label)}\b"
                assert re.search(row, text, re.MULTILINE), f"the help does not list {key} {label}"
            assert "Moves the focus to the previous panel." in text  # not in the footer
            assert "Log shows errors only." in text
            assert "Closes without a change." in text  # the strategy list's escape

    async def test_the_help_scrolls_with_the_keyboard(self, size: tuple[int, int]) -> None:
        async with session(size=size) as s:
            await press(s, "question_mark")
            keys = s.app.screen.query_one("#help-keys", VerticalScroll)
            assert s.app.focused is keys
            if keys.max_scroll_y:  # the whole list fits at 200×60
                await press(s, "pagedown")
                assert keys.scroll_y > 0

    async def test_escape_q_and_question_mark_close_the_help(self, size: tuple[int, int]) -> None:
        async with session(make_snapshot(log=MIXED_LOG), size=size) as s:
            for key in ("escape", "q", "question_mark"):
                await press(s, "question_mark")
                assert isinstance(s.app.screen, HelpModal)
                await press(s, "4")
                assert pane(s).log_filter.min_rank == 0, "the dashboard's keys wait"
                await press(s, key)
                assert isinstance(s.app.screen, DashboardScreen), key
            assert s.host.stop_requests == 0 and s.app.is_running

    @pytest.mark.parametrize("open_key", ["ctrl+e", "r", "s"])
    async def test_escape_closes_a_dialog(self, size: tuple[int, int], open_key: str) -> None:
        async with session(make_snapshot(), size=size) as s:
            if open_key == "r":
                await s.publish(make_snapshot(trading_state=TradingState.PAUSED))
            await press(s, open_key)
            assert isinstance(s.app.screen, ConfirmModal | StrategyPicker)
            await press(s, "escape")
            assert isinstance(s.app.screen, DashboardScreen)
            assert s.host.commands == []

    async def test_escape_closes_the_error_window(self, size: tuple[int, int]) -> None:
        async with session(failure=RuntimeError("boom"), size=size) as s:
            await s.app.workers.wait_for_complete()
            await s.pilot.pause()
            assert isinstance(s.app.screen, ErrorModal)
            await press(s, "escape")
            assert isinstance(s.app.screen, DashboardScreen)
