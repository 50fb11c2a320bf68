"""Tests the judging of preflight's figures at their limits: a figure exactly at its limit
passes, one unit past it fails; and the paper hours as the ledger's sessions give them."""

from __future__ import annotations

from pathlib import Path

import pytest

from soltrader_tui.config.model import Config, PreflightConfig
from soltrader_tui.domain import MICRO
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.preflight_reads import read_paper_record
from soltrader_tui.ledger.rows import Heartbeat
from soltrader_tui.ledger.session_writes import SessionStart
from soltrader_tui.monitor.preflight_checks import (
    CheckResult,
    PaperFigures,
    is_go,
    judge_caps,
    judge_checkpoint,
    judge_clock,
    judge_paper,
    judge_sol,
    judge_usdc,
)

HOUR = 3600.0
NOW = 1_800_000_000.0


def figures(**changed: object) -> PaperFigures:
    base: dict[str, object] = {
        "hours": 24.0,
        "unended_sessions": 0,
        "has_sessions": True,
        "round_trips": 20,
        "win_rate": 0.4,
        "realized_pnl_usd": 0.0,
        "max_drawdown_pct": 15.0,
        "risk_trips": 3,
    }
    return PaperFigures(**{**base, **changed})  # type: ignore[arg-type]


def failing(results: list[CheckResult]) -> list[str]:
    return [r.name for r in results if not r.passed]


class TestLimits:
    """At the limit passes; one unit beyond fails."""

    def test_usdc(self) -> None:
        assert judge_usdc(25 * MICRO, 25.0).passed
        assert not judge_usdc(25 * MICRO - 1, 25.0).passed

    def test_sol(self) -> None:
        assert judge_sol(50_000_000, 50_000_000).passed
        assert not judge_sol(49_999_999, 50_000_000).passed

    @pytest.mark.parametrize("sign", [1, -1])
    def test_clock(self, sign: int) -> None:
        assert judge_clock(NOW, NOW + sign * 2.0, 2.0).passed
        assert not judge_clock(NOW, NOW + sign * 2.01, 2.0).passed

    def test_checkpoint_age(self) -> None:
        assert judge_checkpoint(NOW - 24 * HOUR, "c", NOW, 24.0).passed
        assert not judge_checkpoint(NOW - 24 * HOUR - 1, "c", NOW, 24.0).passed
        assert not judge_checkpoint(None, None, NOW, 24.0).passed

    def test_paper_record_at_the_defaults_passes(self) -> None:
        assert failing(judge_paper(figures(), PreflightConfig())) == []

    @pytest.mark.parametrize(
        ("changed", "name"),
        [
            ({"hours": 23.99}, "paper hours"),
            ({"has_sessions": False}, "paper hours"),
            ({"round_trips": 19}, "paper round trips"),
            ({"win_rate": 0.399}, "paper win rate"),
            ({"win_rate": None}, "paper win rate"),
            ({"realized_pnl_usd": -0.01}, "paper pnl"),
            ({"max_drawdown_pct": 15.01}, "paper drawdown"),
            ({"max_drawdown_pct": None}, "paper drawdown"),
            ({"risk_trips": 4}, "paper risk trips"),
        ],
    )
    def test_paper_record_one_past(self, changed: dict[str, object], name: str) -> None:
        assert failing(judge_paper(figures(**changed), PreflightConfig())) == [name]

    def test_slippage_cap(self) -> None:
        at = Config.model_validate({"live": {"max_slippage_bps": 300}})
        above = Config.model_validate({"live": {"max_slippage_bps": 301}})
        assert judge_caps(at).passed and not judge_caps(above).passed

    def test_capital_above_500_when_allowed(self) -> None:
        config = Config.model_validate({"live": {"max_capital_usd": 800, "allow_above_500": True}})
        verdict = judge_caps(config)
        assert verdict.passed and "is above $500 (allowed)" in verdict.reason

    def test_no_checks_is_no_go(self) -> None:
        assert not is_go([])


class TestPaperHours:
    """Hours are wall hours of paper sessions, from their start to their recorded end."""

    def test_sessions(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500 * MICRO, mode="paper", version="t")
        sessions = [
            (NOW - 50 * HOUR, NOW - 40 * HOUR, "paper"),  # 10 h
            (NOW - 39 * HOUR, None, "paper"),  # killed, another ran after it: not counted
            (NOW - 30 * HOUR, NOW - 20 * HOUR, "live"),  # not paper
            (NOW - 10 * HOUR, None, "paper"),  # the newest, killed: up to its heartbeat
        ]
        for started, ended, mode in sessions:
            sid = ledger.start_session(SessionStart(started, 1, "t", mode, "sim", {}))
            if ended is not None:
                ledger.end_session(sid, wall_ts=ended, error=None)
        ledger.flush(heartbeat=Heartbeat(NOW - 4 * HOUR, None, 1, "t", "paper", False))
        ledger.close()
        record = read_paper_record(db)
        assert record.paper_hours == pytest.approx(16.0)
        assert (record.paper_sessions, record.unended_sessions) == (3, 1)
        assert record.risk_trips == 0
