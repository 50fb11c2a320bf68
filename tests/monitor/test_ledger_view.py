"""`status --json` keeps DESIGN.md's contract: scripts and checks rely on every field."""

from __future__ import annotations

import time
from pathlib import Path

from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import MarkRow, UsageMinute
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.monitor.ledger_view import read_status, status_json
from soltrader_tui.net.usage import minute_text
from tests.factories import WIF, engine_on_sim, make_token, record_buy

START = 1_767_225_600.0
TOP = {
    "version",
    "mode",
    "trading_state",
    "starting_cash_usd",
    "equity_usd",
    "cash_usd",
    "realized_pnl_usd",
    "unrealized_pnl_usd",
    "win_rate",
    "round_trips",
    "wins",
    "losses",
    "fills",
    "open_positions",
    "strategies",
    "api",
    "heartbeat_age_s",
    "risk_rejections",
}
STRATEGY = {"name", "enabled", "score", "round_trips", "realized_pnl_usd", "win_rate"}
API = {"provider", "calls", "errors", "rate_limited", "p95_ms"}


class TestStatusContract:
    """Every field the contract names is there, with the type it promises."""

    async def test_fields(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        await engine_on_sim(ledger, SimMarket(4, START), START, hours=3, version="t").run()
        # Two flushes of the same minute add up: the api list must carry the sums (of the
        # latest session's minutes: this one's, in wall time).
        now = minute_text(int(time.time() // 60))
        for calls in (3, 4):
            ledger.flush(usage=[UsageMinute("jupiter", now, calls, 1, 0, 2.0, 9.0)])
        ledger.close()
        out = status_json(read_status(db))
        assert set(out) >= TOP
        assert out["mode"] in ("backtest", "paper", "live")
        assert out["trading_state"] in ("active", "paused", "halted")
        assert isinstance(out["fills"], int) and out["fills"] > 0
        assert out["win_rate"] is None or 0.0 <= out["win_rate"] <= 1.0
        assert out["strategies"] and all(set(s) >= STRATEGY for s in out["strategies"])
        assert [set(a) >= API for a in out["api"]] == [True]
        assert (out["api"][0]["calls"], out["api"][0]["errors"]) == (7, 2)
        assert isinstance(out["heartbeat_age_s"], float)

    def test_open_positions(self, tmp_path: Path) -> None:
        """Each open position's fields, by value: one marked, one the engine never priced."""
        db = tmp_path / "l.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        # 100 WIF (6 decimals) for $100 plus $0.20 of fees: average cost $1.002 a token.
        record_buy(ledger, WIF, ts=START, qty=100_000_000, quote_amount=100_000_000, fee=200_000)
        # 2,500 RAY (8 decimals) for $25, no fee: $0.01 a token, and no mark in the ledger.
        ray = make_token("RAY", 8)
        record_buy(ledger, ray, ts=START + 60, qty=250_000_000_000, quote_amount=25_000_000)
        ledger.flush(marks=[MarkRow(WIF.mint, "WIF", 6, 1.25, 800_000.0, START + 120)])
        ledger.close()
        out = status_json(read_status(db))
        assert out["open_positions"] == [
            {
                "mint": WIF.mint,
                "symbol": "WIF",
                "qty": 100_000_000,
                "avg_cost": 1.002,
                "mark": 1.25,
                "unrealized_pnl_usd": 24.8,  # 100 × $1.25 − $100.20
            },
            {
                "mint": ray.mint,
                "symbol": "RAY",
                "qty": 250_000_000_000,
                "avg_cost": 0.01,
                "mark": None,
                "unrealized_pnl_usd": None,  # unknown without a mark, never a made-up 0
            },
        ]
        assert (out["cash_usd"], out["fills"]) == (374.8, 2)  # $500 − $100.20 − $25


class TestStatusTable:
    """The plain `status` table writes each figure as the dashboard does (the one formatter)."""

    def test_figures(self, tmp_path: Path) -> None:
        from rich.console import Console

        from soltrader_tui.monitor.ledger_view import render_status

        db = tmp_path / "l.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        # 100 WIF at an average $1.002 (fees included), marked at $1.25: $24.80 unrealized.
        record_buy(ledger, WIF, ts=START, qty=100_000_000, quote_amount=100_000_000, fee=200_000)
        # 2,500 RAY at $0.01, never marked: its mark and P&L are not known.
        ray = make_token("RAY", 8)
        record_buy(ledger, ray, ts=START + 60, qty=250_000_000_000, quote_amount=25_000_000)
        ledger.flush(marks=[MarkRow(WIF.mint, "WIF", 6, 1.25, 800_000.0, START + 120)])
        ledger.close()
        console = Console(record=True, width=200, color_system=None)
        console.print(render_status(read_status(db)))
        lines = [
            " ".join(line.replace("│", " ").split()) for line in console.export_text().split("\n")
        ]
        assert "Cash $374.80" in lines
        assert "Starting cash $500.00" in lines
        assert "Fills 2" in lines
        assert "WIF 100.00 $1.002 $1.250 $24.80" in lines
        assert "RAY 2,500 $0.01000 — —" in lines
