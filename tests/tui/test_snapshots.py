"""What the dashboard looks like, as SVG snapshots: the main screen at 80×24, 120×36 and
200×60, and the help screen. Review the report before `--snapshot-update`.

They are stable because nothing on screen comes from the wall clock: every time shown is the
snapshot's market time (`MARKET_T0`), and the host publishes only the snapshot built here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from soltrader_tui.config.model import Config
from soltrader_tui.domain import TradingState
from soltrader_tui.tui.app import SolTraderApp, make_app
from tests.tui.harness import VERSION, SnapshotHost
from tests.tui.snapshot_factory import make_log, make_position, make_snapshot

SnapCompare = Callable[..., bool]


def seeded_app() -> SolTraderApp:
    """A paused session with three positions, a loss limit and a log of every level."""
    log = (
        *make_log(1, 3, prefix="entry signal"),
        *make_log(4, 4, level="warning", prefix="price stale for"),
        *make_log(5, 5, level="error", prefix="quote request failed:"),
        *make_log(6, 7, prefix="filled"),
    )
    positions = (
        make_position("BONK"),
        make_position("WIF", whole=17.5),
        make_position("SOL", whole=0.5),
    )
    snapshot = make_snapshot(
        trading_state=TradingState.PAUSED,
        state_reason="paused by the operator",
        positions=positions,
        day_pnl_usd=-4.2,
        daily_loss_limit_usd=25.0,
        log=log,
    )
    return make_app(Config(), SnapshotHost(snapshot), version=VERSION)


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(seeded_app(), terminal_size=size)


def test_help_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(seeded_app(), press=["question_mark"], terminal_size=(120, 36))


def test_log_filtered_to_warnings(snap_compare: SnapCompare) -> None:
    assert snap_compare(seeded_app(), press=["3", "f"], terminal_size=(80, 24))


def test_stop_confirmation(snap_compare: SnapCompare) -> None:
    assert snap_compare(seeded_app(), press=["ctrl+e"], terminal_size=(120, 36))


def test_position_detail(snap_compare: SnapCompare) -> None:
    async def open_first_position(pilot: Pilot[int]) -> None:
        await pilot.pause()
        for _ in range(12):  # tab to the positions table, as the keyboard alone does
            focused = pilot.app.focused
            if focused is not None and focused.id == "positions-table":
                break
            await pilot.press("tab")
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(seeded_app(), run_before=open_first_position, terminal_size=(120, 36))
