"""`status --json` keeps DESIGN.md's contract: scripts and checks rely on every field."""

from __future__ import annotations

import time
from pathlib import Path

from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.net.usage import UsageMinute, minute_text
from soltrader_tui.status import read_status, status_json
from tests.factories import engine_on_sim

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
POSITION = {"mint", "symbol", "qty", "avg_cost", "mark", "unrealized_pnl_usd"}
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
        assert all(set(p) >= POSITION and isinstance(p["qty"], int) for p in out["open_positions"])
        assert out["strategies"] and all(set(s) >= STRATEGY for s in out["strategies"])
        assert [set(a) >= API for a in out["api"]] == [True]
        assert (out["api"][0]["calls"], out["api"][0]["errors"]) == (7, 2)
        assert isinstance(out["heartbeat_age_s"], float)
