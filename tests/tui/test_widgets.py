"""Tests of the dashboard: what each panel shows for the snapshots the engine publishes."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Label, Static, TextArea
from textual.worker import WorkerState

from soltrader_tui import format as fmt
from soltrader_tui.config.model import AlertsConfig, Config, TuiConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.errors import EXIT_LEDGER_WRITE_FAILED
from soltrader_tui.ledger.write_failure import disk_full
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui.messages import EngineUpdated
from soltrader_tui.tui.screens.error_modal import ErrorModal
from soltrader_tui.tui.toasts import ToastGate
from soltrader_tui.tui.widgets.portfolio import FIGURES
from soltrader_tui.tui.widgets.table import FittedTable
from tests.factories import mint_for
from tests.tui.harness import VERSION, Session, engine_states, session
from tests.tui.snapshot_factory import (
    MARKET_T0,
    make_api,
    make_fill_view,
    make_log,
    make_position,
    make_score,
    make_snapshot,
    make_strategy,
)


class TestHeader:
    """The top line names the version, the mode and the trading state with its reason."""

    async def test_shows_version_mode_and_state(self) -> None:
        async with session() as s:
            line = s.text("#status-bar")
            assert f"soltrader-tui {VERSION}" in line
            assert "PAPER" in line
            # Why nothing is bought now, not how the state began ("new ledger").
            assert "ACTIVE  best score 0.41 SOL (momentum), entry at 0.75" in line
            assert "● running" in line
            assert s.app.title == f"soltrader-tui {VERSION}"

    @pytest.mark.parametrize(
        ("state", "reason", "shown", "colour"),
        [
            # ACTIVE says why nothing is bought now, not how it began.
            (TradingState.ACTIVE, "resumed by operator", "best score 0.41 SOL", "green"),
            (TradingState.PAUSED, "daily loss limit", "daily loss limit", "yellow"),
            (TradingState.HALTED, "emergency stop from another terminal", None, "red"),
        ],
    )
    async def test_state_changes_show_in_colour(
        self, state: TradingState, reason: str, shown: str | None, colour: str
    ) -> None:
        async with session() as s:
            await s.publish(make_snapshot(trading_state=state, state_reason=reason))
            line = s.text("#status-bar")
            assert f"{state.value.upper()}  {shown or reason}" in line
            content = s.app.screen.query_one("#status-bar", Static).content
            assert isinstance(content, Text)
            styles = [str(span.style) for span in content.spans]
            assert any(colour in style for style in styles)
            assert s.app.sub_title == f"PAPER · {state.value.upper()}"


class TestPortfolioPanel:
    """The portfolio shows the snapshot's figures through the shared formatter."""

    @pytest.mark.parametrize("size", [(120, 40), (100, 30)])
    async def test_every_figure_is_on_screen(self, size: tuple[int, int]) -> None:
        snap = make_snapshot()
        async with session(snap, size=size) as s:
            shown = s.text("#portfolio")
            for label in (name for _, name in FIGURES):
                assert label in shown
            expected = [
                fmt.usd(snap.equity_usd),
                fmt.usd(snap.cash_usd),
                fmt.usd(snap.starting_cash_usd),
                fmt.signed_usd(snap.realized_pnl_usd),
                fmt.signed_usd(snap.unrealized_pnl_usd),
                "+2.47%",
                fmt.pct(snap.win_rate),
                "7 (4W/3L)",
                "16",
                "4.57%",
            ]
            for value in expected:
                assert value in shown

    async def test_unknown_figures_show_a_dash(self) -> None:
        snap = make_snapshot(
            equity_usd=None,
            unrealized_pnl_usd=None,
            win_rate=None,
            max_drawdown_pct=None,
            market_ts=None,
        )
        async with session(snap) as s:
            for key in ("equity", "unrealized", "return", "win-rate"):
                assert s.figure(key).plain == "—"
            assert s.figure("drawdown").plain == "— / —"
            assert "market —" in s.text("#status-bar")

    async def test_figures_update_and_pnl_is_coloured(self) -> None:
        async with session() as s:
            await s.publish(make_snapshot(realized_pnl_usd=-7.5, unrealized_pnl_usd=2.25))
            realized, unrealized = s.figure("realized"), s.figure("unrealized")
            assert (realized.plain, str(realized.style)) == ("-$7.50", "red")
            assert (unrealized.plain, str(unrealized.style)) == ("+$2.25", "green")

    async def test_stopped_engine_is_flagged(self) -> None:
        async with session() as s:
            await s.publish(make_snapshot(running=False))
            assert "■ engine stopped" in s.text("#status-bar")


class TestPositionsTable:
    """Open positions are one row per mint, updated in place as marks move."""

    async def test_rows_show_formatted_figures(self) -> None:
        bonk = make_position("BONK", whole=2_000_000)
        unmarked = make_position("WIF", mark_usd=None)
        async with session(make_snapshot(positions=(bonk, unmarked))) as s:
            rows = s.rows("#positions-table")
            assert rows[0][:5] == [
                "BONK",
                "2,000,000",
                fmt.price(bonk.avg_cost_usd),
                fmt.price(bonk.mark_usd),
                "",
            ]
            assert rows[0][5:] == [
                fmt.signed_usd(bonk.unrealized_pnl_usd),
                "+5.0%",
                fmt.price(bonk.stop_usd),
                fmt.price(bonk.target_usd),
                fmt.price(bonk.trailing_usd),
                "12m 34s",
            ]
            assert rows[1][3:7] == ["—", "", "—", "—"]
            assert rows[1][9] == "—", "no trailing level before a first mark"
            assert "Open positions (2)" in s.text("#positions")

    async def test_update_adds_removes_and_edits_rows_in_place(self) -> None:
        bonk, wif, sol = (
            make_position("BONK"),
            make_position("WIF"),
            make_position("SOL", whole=0.5),
        )
        async with session(make_snapshot(positions=(bonk, wif))) as s:
            table = s.app.screen.query_one("#positions-table", DataTable)
            table.move_cursor(row=0)
            moved = replace(bonk, mark_usd=0.00003, value_usd=60.0, unrealized_pnl_usd=11.38)
            await s.publish(make_snapshot(positions=(moved, sol)))
            assert s.row_keys("#positions-table") == [bonk.mint, sol.mint]
            rows = s.rows("#positions-table")
            assert rows[0][3] == "$0.00003000"
            assert rows[0][5] == "+$11.38"
            assert rows[1][:2] == ["SOL", "0.5000"]
            assert table.cursor_row == 0
            await s.publish(make_snapshot(positions=()))
            assert s.rows("#positions-table") == []
            assert "Open positions (0)" in s.text("#positions")


class TestFillsTable:
    """Recent fills are listed newest first, one row per fill."""

    async def test_rows_newest_first_with_realized_pnl(self) -> None:
        snap = make_snapshot()
        async with session(snap) as s:
            rows = s.rows("#fills-table")
            assert [row[2] for row in rows] == ["WIF", "SOL", "BONK"]
            sell = snap.recent_fills[1]
            assert rows[1] == [
                fmt.ts(sell.ts),
                "SELL",
                "SOL",
                fmt.qty(sell.qty_whole),
                fmt.price(sell.price_usd),
                "$50.00",
                fmt.usd(sell.fee_usd),
                "+$3.21",
                "momentum: score crossed 0.75",
            ]
            assert rows[0][7] == "—"

    async def test_new_fill_goes_on_top_and_the_oldest_drops_off(self) -> None:
        snap = make_snapshot()
        newest = make_fill_view("MOODENG", side="sell", realized_pnl_usd=-4.2, ts=MARKET_T0)
        async with session(snap) as s:
            await s.publish(replace(snap, recent_fills=(newest, *snap.recent_fills[:2]), fills=17))
            assert s.row_keys("#fills-table") == [
                newest.order_id,
                snap.recent_fills[0].order_id,
                snap.recent_fills[1].order_id,
            ]
            assert s.rows("#fills-table")[0][7] == "-$4.20"
            assert "17 total" in s.text("#fills")


class TestScoresPanel:
    """Each strategy's record, and one row per token: the enabled strategies' score closest to
    its entry, who gave it, the position's return, and the best of the other strategies."""

    async def test_scores_and_strategy_summary(self) -> None:
        snap = make_snapshot(
            scores=(make_score("SOL", score=0.41), make_score("WIF", score=None)),
            strategies=(make_strategy(win_rate=None, realized_pnl_usd=-1.5),),
        )
        async with session(snap) as s:
            sol, wif = s.rows("#scores-table")
            assert sol[:6] == ["SOL", f"0.41 {fmt.score_bar(0.41)}", "—", "momentum", "—", ""]
            assert sol[6:] == ["$152.37", "$184,250.00", "fast/slow trend 0.41"]
            assert wif[1] == "warming 40 s / 300 s", "no score yet: the cell says why"
            assert wif[5] == "+5.0%", "WIF is held, 5 % up"
            assert wif[8] == "warming 40 s / 300 s"
            assert s.rows("#strategies-table") == [
                ["momentum", "yes", "0.62", "0.75", "7", "-$1.50", "—"]
            ]

    async def test_score_changes_update_the_row(self) -> None:
        async with session() as s:
            await s.publish(make_snapshot(scores=(make_score("BONK", score=0.9),)))
            assert s.rows("#scores-table") == [
                [
                    "BONK",
                    f"0.90 {fmt.score_bar(0.9)}",
                    "—",
                    "momentum",
                    "—",
                    "+5.0%",
                    "$0.00002431",
                    "$184,250.00",
                    "fast/slow trend 0.90",
                ]
            ]

    async def test_five_strategies_one_row_per_token(self) -> None:
        names = ("momentum", "ema_cross", "breakout", "mean_reversion", "rsi")
        strategies = (
            make_strategy("momentum", score=0.7, entry_threshold=0.75),
            make_strategy("ema_cross", score=0.48, entry_threshold=0.5),
            *(make_strategy(n, score=0.9, enabled=False) for n in names[2:]),
        )
        by = {"SOL": (0.7, 0.3, 0.9, 0.2, 0.1), "MOODENG": (0.2, 0.48, 0.4, 0.3, 0.35)}
        scores = tuple(
            make_score(symbol, score=x, strategy=name)
            for symbol, values in by.items()
            for name, x in zip(names, values, strict=True)
        )
        snap = make_snapshot(scores=scores, strategies=strategies, positions=())
        async with session(snap, size=(160, 50)) as s:
            rows = {row[0]: row for row in s.rows("#scores-table")}
            assert set(rows) == {"SOL", "MOODENG"}, "one row per token, not per strategy"
            # SOL: momentum 0.70 is 0.05 short of its entry; ema_cross 0.30 is 0.20 short.
            assert rows["SOL"][1:4] == [f"0.70 {fmt.score_bar(0.7)}", "—", "momentum"]
            assert rows["SOL"][4] == "breakout 0.90", "a disabled strategy's score still shows"
            # MOODENG: ema_cross 0.48 is 0.02 short of 0.5, closer than momentum's 0.20.
            assert rows["MOODENG"][1:4] == [f"0.48 {fmt.score_bar(0.48)}", "—", "ema_cross"]
            assert rows["MOODENG"][4] == "breakout 0.40"
            summary = s.rows("#strategies-table")
            assert [r[0] for r in summary] == ["ema_cross", "momentum", *sorted(names[2:])]
            assert [r[2] for r in summary][:2] == ["0.48", "0.70"]

    async def test_colours_follow_the_score_band_and_the_pnl_sign(self) -> None:
        down = make_position("SOL", whole=1.0, avg_cost_usd=150.0, mark_usd=140.0)
        snap = make_snapshot(scores=(make_score("SOL", score=0.81),), positions=(down,))
        async with session(snap) as s:
            table = s.app.screen.query_one("#scores-table", FittedTable)
            row = table.full_row(mint_for("SOL")).cells
            assert isinstance(row[1], Text) and isinstance(row[5], Text)
            assert isinstance(row[0], Text)
            assert "green" in str(row[1].spans[0].style), "0.81 is in the entry band"
            assert row[5].plain == "-6.7%" and row[5].style == "red"
            assert row[0].style == "red", "at 80 columns the symbol carries the P&L sign"

    async def test_safety_verdict_beside_the_score(self) -> None:
        snap = make_snapshot(
            scores=(
                make_score("SOL", score=0.81),
                make_score("MEME", score=0.9),
                make_score("RUGX", score=0.2),
                make_score("WIF", score=0.5),
            ),
            safety=(
                (mint_for("SOL"), "safe"),
                (mint_for("MEME"), "freeze auth"),
                (mint_for("RUGX"), "top10 62%"),
            ),
        )
        async with session(snap) as s:
            rows = {row[0]: row for row in s.rows("#scores-table")}
            assert rows["SOL"][2] == "safe"
            assert rows["MEME"][2] == "freeze auth", "a high score that will not buy says why"
            assert rows["RUGX"][2] == "top10 62%"
            assert rows["WIF"][2] == "—", "a token not checked shows a dash, not a pass"
            table = s.app.screen.query_one("#scores-table", DataTable)
            assert table.get_row(mint_for("SOL"))[2].style == "green"
            assert "red" in str(table.get_row(mint_for("MEME"))[2].style)
            await s.publish(replace(snap, safety=((mint_for("WIF"), "mint auth"),)))
            rows = {row[0]: row for row in s.rows("#scores-table")}
            assert (rows["WIF"][2], rows["SOL"][2]) == ("mint auth", "—")


class TestApiPanel:
    """API usage per provider; without figures it says why instead of showing zeros."""

    async def test_usage_per_provider(self) -> None:
        async with session() as s:
            assert s.rows("#api-table") == [
                ["jupiter", "1,234", "2", "1", "87", "12/30", "18", "closed"],
                ["solana-rpc", "56", "0", "0", "87", "12/30", "18", "closed"],
            ]
            assert not s.app.screen.query_one("#api-note", Label).display

    async def test_open_circuit_and_unknown_budget(self) -> None:
        from dataclasses import replace

        api = replace(make_api(), circuit="open", provider_remaining=None, window_limit=None)
        async with session(make_snapshot(api=(api,))) as s:
            assert s.rows("#api-table")[0][5:] == ["—", "—", "open"]

    async def test_no_usage_shows_dashes_and_the_note(self) -> None:
        note = "market read in-process at --speed max: no API calls"
        async with session(make_snapshot(api=(), api_note=note)) as s:
            assert s.rows("#api-table") == [["—"] * 8]
            assert s.app.screen.query_one("#api-note", Label).display
            assert "market read in-process" in s.text("#api")
            assert s.label("#api-note").plain == note
            await s.publish(make_snapshot(api=(make_api(calls=3),)))
            assert s.rows("#api-table")[0][:2] == ["jupiter", "3"]


class TestLogPane:
    """Every engine log line appears exactly once, however snapshots overlap or coalesce."""

    async def test_overlapping_windows_neither_duplicate_nor_drop(self) -> None:
        async with session(make_snapshot(log=make_log(1, 5))) as s:
            for first, last in ((3, 9), (4, 9), (7, 12)):
                await s.publish(make_snapshot(log=make_log(first, last)))
            messages = [line.split("INFO")[-1].strip() for line in s.log_lines()]
            assert messages == [f"line {n}" for n in range(1, 13)]

    async def test_keeps_the_configured_number_of_lines(self) -> None:
        config = Config(tui=TuiConfig(log_lines=50))
        async with session(make_snapshot(log=()), config=config) as s:
            await s.publish(make_snapshot(log=make_log(1, 120)))
            lines = s.log_lines()
            assert len(lines) == 50
            assert lines[-1].endswith("line 120")
            assert lines[0].endswith("line 71")


class TestNotifications:
    """Log lines at or above the alert level also pop up, a few per second at most."""

    async def test_warnings_notify_and_info_does_not(self) -> None:
        async with session() as s:
            lines = (*make_log(6, 6), *make_log(7, 7, level="warning", prefix="rug pull"))
            await s.publish(make_snapshot(log=lines))
            toasts = list(s.app._notifications)
            assert [(t.message, t.severity) for t in toasts] == [("rug pull 7", "warning")]

    async def test_level_comes_from_config(self) -> None:
        config = Config(alerts=AlertsConfig(notify_level="error"))
        async with session(config=config) as s:
            lines = (*make_log(6, 6, level="warning"), *make_log(7, 7, level="error"))
            await s.publish(make_snapshot(log=lines))
            assert [t.severity for t in s.app._notifications] == ["error"]

    async def test_lines_from_before_start_do_not_notify(self) -> None:
        async with session(make_snapshot(log=make_log(1, 3, level="error"))) as s:
            await s.publish(make_snapshot(log=make_log(1, 3, level="error")))
            assert list(s.app._notifications) == []

    def test_bursts_are_summarised(self) -> None:
        now = [100.0]
        gate = ToastGate("warning", clock=lambda: now[0])
        burst = gate.admit(make_log(1, 10, level="warning"))
        assert [t.message for t in burst[:2]] == ["line 9", "line 10"]
        assert burst[2].message == "8 more alerts were held back: see the log."
        assert gate.admit(make_log(11, 11, level="error")) == []
        now[0] += 1.0
        later = gate.admit(make_log(11, 12, level="warning"))
        assert [t.message for t in later] == [
            "line 12",
            "1 more alerts were held back: see the log.",
        ]
        assert later[1].severity == "error"


class TestRefreshRate:
    """The screen shows at most `tui.refresh_hz` snapshots a second, ending on the newest."""

    async def _burst(self, s: Session, burst: list[EngineSnapshot]) -> list[float]:
        """Publishes `burst` at once; returns the gaps between the snapshots put on screen."""
        shown: list[tuple[float, int]] = []  # (when, fills) of every snapshot put on screen
        dashboard = s.app.dashboard
        dashboard.watch(
            dashboard,
            "snapshot",
            lambda snapshot: shown.append((time.monotonic(), snapshot.fills)),
            init=False,
        )
        for snapshot in burst:
            s.host.publish(snapshot)
        deadline = time.monotonic() + 10
        while dashboard.snapshot is not burst[-1] and time.monotonic() < deadline:
            await s.pilot.pause(0.02)
        assert dashboard.snapshot is burst[-1]
        assert shown[-1][1] == burst[-1].fills
        return [later[0] - earlier[0] for earlier, later in itertools.pairwise(shown)]

    async def test_a_burst_is_shown_once_as_its_newest_snapshot(self) -> None:
        async with session(config=Config(tui=TuiConfig(refresh_hz=4))) as s:
            await s.publish(make_snapshot(fills=20, cash_usd=400.0))
            burst = [make_snapshot(fills=20, cash_usd=400.0 + n) for n in range(1, 6)]
            gaps = await self._burst(s, burst)
            assert s.figure("cash").plain == "$405.00"
            # Whatever the machine's speed, shows are 1/refresh_hz = 0.25 s apart: a stalled
            # machine may show part of the burst, but never two snapshots in a row. (0.2: a
            # timer may fire up to a clock tick early.)
            assert not gaps or min(gaps) >= 0.2, gaps

    async def _delay(self, s: Session, snapshot: EngineSnapshot) -> float:
        """Seconds from publishing `snapshot` (just after another was shown) to its showing."""
        dashboard = s.app.dashboard
        began = time.monotonic()
        s.host.publish(snapshot)
        while dashboard.snapshot is not snapshot and time.monotonic() - began < 5:
            await s.pilot.pause(0.005)
        assert dashboard.snapshot is snapshot
        return time.monotonic() - began

    async def test_a_new_fill_waits_a_quarter_of_the_interval_at_most(self) -> None:
        async with session(config=Config(tui=TuiConfig(refresh_hz=4))) as s:
            await s.publish(make_snapshot(fills=20))
            # Right after a show: a new fill waits 0.25 / 4 s, anything else the whole 0.25.
            assert await self._delay(s, make_snapshot(fills=21)) < 0.15
            assert await self._delay(s, make_snapshot(fills=21, cash_usd=1.0)) >= 0.15

    async def test_the_final_snapshot_is_shown_at_once(self) -> None:
        async with session(config=Config(tui=TuiConfig(refresh_hz=4))) as s:
            await s.publish(make_snapshot(fills=20))
            s.host.publish(make_snapshot(fills=21, running=False))
            await s.pilot.pause()
            assert "engine stopped" in s.text("#status-bar")
            assert s.figure("fills").plain == "21"


class TestEngineFailure:
    """An engine exception is shown in a modal and the log; the app stays open."""

    async def test_failure_opens_the_error_modal(self) -> None:
        failure = RuntimeError("database is locked")
        async with session(failure=failure) as s:
            await s.pilot.pause()
            assert isinstance(s.app.screen, ErrorModal)
            text = s.app.screen.query_one(TextArea).text
            assert text.startswith("RuntimeError: database is locked")
            assert "Traceback" in text
            assert s.app.return_code is None
            assert WorkerState.ERROR in engine_states(s.seen)
            await s.pilot.press("escape")
            assert not isinstance(s.app.screen, ErrorModal)
            pane = " ".join(" ".join(s.log_lines()).split())  # lines wrap in a narrow pane
            assert "engine failed: RuntimeError: database is locked" in pane
            assert "✖ engine failed" in s.text("#status-bar")
            await s.pilot.press("q")
            assert s.app.return_code == 1

    async def test_error_text_can_be_copied(self) -> None:
        async with session(failure=ValueError("bad quote from jupiter")) as s:
            await s.pilot.pause()
            await s.pilot.press("c")
            assert s.app.clipboard.startswith("ValueError: bad quote from jupiter")

    async def test_failure_reported_in_the_final_snapshot_also_opens_the_modal(self) -> None:
        async with session() as s:
            await s.publish(make_snapshot(error="feed stopped answering"))
            await s.pilot.press("q")
            await s.pilot.pause()
            assert isinstance(s.app.screen, ErrorModal)
            assert s.app.screen.query_one(TextArea).text == "feed stopped answering"
            assert s.app.return_code is None
            await s.pilot.press("q")
            assert s.app.return_code == 1


class TestQuit:
    """`q` stops the engine, waits for its final commit, then exits."""

    async def test_q_stops_the_engine_then_exits(self) -> None:
        async with session() as s:
            await s.pilot.press("q")
            await s.pilot.pause()
            assert s.host.stop_requests == 1
            assert s.host.returned
            assert engine_states(s.seen)[-1] is WorkerState.SUCCESS
            assert s.app.return_code == 0

    async def test_second_q_while_waiting_is_harmless(self) -> None:
        release = asyncio.Event()
        async with session(hold_after_stop=release) as s:
            await s.pilot.press("q")
            await s.pilot.press("q")
            assert s.host.stop_requests == 1
            assert s.app.return_code is None
            release.set()
            await s.pilot.pause()
            assert s.host.returned
            assert s.app.return_code == 0

    async def test_snapshots_are_coalesced_messages(self) -> None:
        async with session() as s:
            await s.publish(make_snapshot(fills=99))
            updates = [m for m in s.seen if isinstance(m, EngineUpdated)]
            assert updates[-1].snapshot.fills == 99
            assert updates[-1].can_replace(EngineUpdated(make_snapshot()))


class TestLedgerWriteFailure:
    """A full disk is not a bug: one plain message, no traceback, and exit code 3 on quit."""

    async def test_disk_full_modal_and_exit_code(self, tmp_path: Path) -> None:
        failure = disk_full(tmp_path / "l.sqlite")
        async with session(failure=failure) as s:
            await s.pilot.pause()
            assert isinstance(s.app.screen, ErrorModal)
            assert s.app.screen.error_title == "The ledger could not be written"
            text = s.app.screen.query_one(TextArea).text
            assert text == str(failure)
            assert text.startswith("the ledger's disk is full: ")
            assert "Traceback" not in text
            await s.pilot.press("escape")
            await s.pilot.press("q")
            assert s.app.return_code == EXIT_LEDGER_WRITE_FAILED
