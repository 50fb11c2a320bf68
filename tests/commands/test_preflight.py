"""Tests `soltrader-tui preflight`: the live go/no-go, every check against real parts on
loopback (the devnet chain, the simulated market's Jupiter quotes, an SMTP server, a ledger with
a paper record), each failing check alone giving NO-GO with its reason."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from solders.keypair import Keypair

from soltrader_tui.checkpoints.store import list_checkpoints, take_checkpoint
from soltrader_tui.cli import main
from soltrader_tui.commands.preflight import decide
from soltrader_tui.config.load import load_settings
from soltrader_tui.config.model import Config
from tests.alerts.smtp import free_port
from tests.commands.preflight_rig import PreflightRig, preflight_rig
from tests.factories import mint_for
from tests.solana.devnet_kit import result

ALL_CHECKS = [
    "live caps",
    "mode",
    "wallet key",
    "rpc",
    "usdc balance",
    "sol balance",
    "jupiter quotes",
    "clock skew",
    "ledger",
    "checkpoint",
    "alerts",
    "paper hours",
    "paper round trips",
    "paper win rate",
    "paper pnl",
    "paper drawdown",
    "paper risk trips",
]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[PreflightRig]:
    with preflight_rig(tmp_path) as made:
        yield made


def run_live(
    rig: PreflightRig,
    capsys: pytest.CaptureFixture[str],
    extra: dict[str, Any] | None = None,
    *,
    wall_shift_s: float = 0.0,
) -> tuple[int, dict[str, Any]]:
    """Runs the checks on the rig's config with `mode: live` (see `live_config`)."""
    config = rig.live_config(extra)
    _, paths, _ = load_settings(rig.folder / "config.yaml", None)
    code = decide(config, paths, as_json=True, wall=lambda: time.time() + wall_shift_s)
    return code, json.loads(capsys.readouterr().out)


def failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["reason"] for c in report["checks"] if not c["passed"]}


class TestGo:
    """Everything in place: GO, exit 0, and GO-NO-GO.md in a fresh checkpoint."""

    def test_all_pass(self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = run_live(rig, capsys)
        assert failed(report) == {}
        assert code == 0 and report["go"] is True
        assert [c["name"] for c in report["checks"]] == ALL_CHECKS
        reasons = {c["name"]: c["reason"] for c in report["checks"]}
        assert reasons["usdc balance"] == "1000 USDC, at least one order"
        assert reasons["sol balance"] == "10 SOL, at least 0.05"
        assert reasons["paper round trips"] == "4, at least 4"
        assert reasons["paper win rate"] == "75.0%, at least 70.0%"
        assert reasons["paper pnl"] == "$4.00, at least $3.00"
        assert reasons["paper drawdown"] == "max drawdown 0.40 %, at most 1 %"
        assert reasons["paper hours"] == "30.0 h, at least 24"
        assert reasons["paper risk trips"] == "1 circuit-breaker halts, at most 1"
        assert "risk.order_usd $20.00" not in reasons["live caps"]
        newest = list_checkpoints(rig.checkpoints)[0]
        assert newest.reason == "preflight" and report["checkpoint"] == newest.name
        text = (newest.path / "GO-NO-GO.md").read_text(encoding="utf-8")
        assert text.startswith("# GO: all 17 checks passed")
        assert all(f"| {name} | pass |" in text for name in ALL_CHECKS)
        assert report["report"] == str(newest.path / "GO-NO-GO.md")
        [mail] = rig.smtp.wait_for(1)
        assert mail.subject == "soltrader-tui test alert"

    def test_the_command_on_a_paper_config_is_no_go_for_the_mode_alone(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        config = rig.write()
        code = main(["preflight", "--config", str(config)])
        out = capsys.readouterr().out
        assert code == 1
        lines = out.splitlines()
        fails = [line for line in lines if line.startswith("FAIL")]
        assert len(fails) == 1 and fails[0].split()[1] == "mode", out
        assert "live needs mode: live, --live and a typed confirmation" in fails[0]
        assert "NO-GO: 1 of 17 checks failed" in lines
        report = rig.checkpoints / "GO-NO-GO.md"
        assert lines[-1] == f"report: {report}"
        assert "| 2 | mode | FAIL |" in report.read_text(encoding="utf-8")
        assert [c.reason for c in list_checkpoints(rig.checkpoints)] == ["t"]  # none taken

    def test_json_prints_one_object(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["preflight", "--json", "--config", str(rig.write())])
        report = json.loads(capsys.readouterr().out)
        assert code == 1 and report["go"] is False
        assert list(failed(report)) == ["mode"]
        assert report["verdict"] == "NO-GO: 1 of 17 checks failed"

    def test_an_unreadable_config_is_exit_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        bad = tmp_path / "bad.yaml"
        bad.write_text("live:\n  max_order_usd: lots\n", encoding="utf-8")
        assert main(["preflight", "--config", str(bad)]) == 2
        assert f"{bad}:2: live.max_order_usd" in capsys.readouterr().err


class TestEachFailure:
    """Each check failing alone: NO-GO (exit 1), that check named with its reason, no other."""

    @pytest.mark.parametrize(
        ("extra", "check", "says"),
        [
            ({"live": {"max_slippage_bps": 500}}, "live caps", "max_slippage_bps 500 is above 300"),
            (
                {"live": {"max_capital_usd": 2000, "allow_above_500": True, "max_order_usd": 1500}},
                "usdc balance",
                "holds 1000 USDC, less than live.max_order_usd $1,500.00",
            ),
            ({"live": {"preflight": {"min_paper_hours": 31}}}, "paper hours", "30.0 h, below"),
            ({"live": {"preflight": {"min_round_trips": 5}}}, "paper round trips", "4, below"),
            ({"live": {"preflight": {"min_win_rate": 0.8}}}, "paper win rate", "75.0%, below"),
            ({"live": {"preflight": {"min_pnl_usd": 4.5}}}, "paper pnl", "$4.00, below"),
            (
                {"live": {"preflight": {"max_drawdown_pct": 0.3}}},
                "paper drawdown",
                "max drawdown 0.40 %, above live.preflight.max_drawdown_pct 0.3 %",
            ),
            (
                {"live": {"preflight": {"max_risk_trips": 0}}},
                "paper risk trips",
                "1 circuit-breaker halts, more than live.preflight.max_risk_trips 0",
            ),
            ({"alerts": {"targets": []}}, "alerts", "no alert target: a live bot must be able"),
        ],
    )
    def test_one_setting(
        self,
        rig: PreflightRig,
        capsys: pytest.CaptureFixture[str],
        extra: dict[str, Any],
        check: str,
        says: str,
    ) -> None:
        code, report = run_live(rig, capsys, extra)
        assert code == 1 and list(failed(report)) == [check], failed(report)
        assert says in failed(report)[check]

    def test_wrong_key(self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]) -> None:
        other = rig.folder / "other.json"
        other.write_text(json.dumps(list(bytes(Keypair()))), encoding="utf-8")
        other.chmod(0o600)
        code, report = run_live(rig, capsys, {"solana": {"keypair_path": "other.json"}})
        assert code == 1 and list(failed(report)) == ["wallet key"]
        assert f"solana.pubkey pins {rig.wallet.pubkey()}" in failed(report)["wallet key"]

    @pytest.mark.skipif(os.name != "posix", reason="Windows files have no mode bits for others")
    def test_a_key_others_can_read(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (rig.folder / "wallet.json").chmod(0o644)
        code, report = run_live(rig, capsys)
        assert code == 1 and list(failed(report)) == ["wallet key"]
        assert (
            "can be read by other users (mode 644); make it private" in failed(report)["wallet key"]
        )

    def test_unpinned_key(self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = run_live(rig, capsys, {"solana": {"pubkey": None}})
        assert code == 1 and list(failed(report)) == ["wallet key"]
        assert "solana.pubkey is not pinned" in failed(report)["wallet key"]

    def test_rpc_down(self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]) -> None:
        down = f"http://127.0.0.1:{free_port()}"
        code, report = run_live(rig, capsys, {"solana": {"rpc_url": down}})
        assert code == 1
        assert list(failed(report)) == ["rpc", "usdc balance", "sol balance", "clock skew"]
        assert "getHealth failed" in failed(report)["rpc"]
        assert failed(report)["clock skew"] == "not checked: the RPC node failed its check"

    def test_too_little_sol_on_chain(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # A second wallet with USDC but 0.04999 SOL, 1 lamport short of 0.05.
        poor = Keypair()
        owner = str(poor.pubkey())
        (rig.folder / "poor.json").write_text(json.dumps(list(bytes(poor))), encoding="utf-8")
        (rig.folder / "poor.json").chmod(0o600)
        result(rig.devnet_url, "devnet_airdrop", [owner, 49_999_999])
        result(rig.devnet_url, "devnet_setTokenBalance", [owner, rig.usdc_mint, 25_000_000])
        extra = {"solana": {"keypair_path": "poor.json", "pubkey": owner}}
        code, report = run_live(rig, capsys, extra)
        assert code == 1 and list(failed(report)) == ["sol balance"]
        assert (
            "holds 0.049999999 SOL, less than live.preflight.min_sol_lamports (0.05 SOL)"
            in failed(report)["sol balance"]
        )

    def test_too_little_usdc_on_chain(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        owner = str(rig.wallet.pubkey())
        result(rig.devnet_url, "devnet_setTokenBalance", [owner, rig.usdc_mint, 24_999_999])
        code, report = run_live(rig, capsys)
        assert code == 1 and list(failed(report)) == ["usdc balance"]
        assert (
            "holds 24.999999 USDC, less than live.max_order_usd $25.00"
            in failed(report)["usdc balance"]
        )

    def test_a_token_that_does_not_quote(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        stranger = mint_for("NOQUOTE")
        extra = {"market": {"watchlist": [*rig.watchlist, stranger]}}
        code, report = run_live(rig, capsys, extra)
        assert code == 1 and list(failed(report)) == ["jupiter quotes"]
        reason = failed(report)["jupiter quotes"]
        assert reason.startswith(f"1 of 3 tokens do not quote: {stranger}: ")
        assert rig.watchlist[0] not in reason

    def test_clock_skew(self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = run_live(rig, capsys, wall_shift_s=-30)
        assert code == 1 and list(failed(report)) == ["clock skew"]
        assert (
            "behind the node, more than live.preflight.max_clock_skew_s 5"
            in failed(report)["clock skew"]
        )

    def test_no_checkpoint(self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]) -> None:
        for info in list_checkpoints(rig.checkpoints):
            for item in info.path.iterdir():
                item.unlink()
            info.path.rmdir()
        code, report = run_live(rig, capsys)
        assert code == 1 and list(failed(report)) == ["checkpoint"]
        assert "no restorable checkpoint" in failed(report)["checkpoint"]
        assert (rig.checkpoints / "GO-NO-GO.md").is_file()

    def test_checkpoint_too_old(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Only the old one is kept: the rig's fresh one is rotated out.
        take_checkpoint(
            rig.ledger, rig.checkpoints, config_file=None, reason="old", keep=1,
            now=time.time() - 30 * 3600,
        )  # fmt: skip
        code, report = run_live(rig, capsys)
        assert code == 1 and list(failed(report)) == ["checkpoint"]
        assert (
            "h old, more than live.preflight.max_checkpoint_age_h 24"
            in failed(report)["checkpoint"]
        )

    def test_smtp_refusing(self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]) -> None:
        refusing = rig.smtp.url("pw").replace(str(rig.smtp.port), str(free_port()))
        code, report = run_live(rig, capsys, {"alerts": {"targets": [{"url": refusing}]}})
        assert code == 1 and list(failed(report)) == ["alerts"]
        assert failed(report)["alerts"].startswith("1 of 1 targets failed: mailto://")

    def test_a_damaged_ledger_is_no_paper_record(
        self, rig: PreflightRig, capsys: pytest.CaptureFixture[str]
    ) -> None:
        rig.ledger.write_bytes(b"not a ledger at all" * 100)
        for side in ("-wal", "-shm"):
            Path(f"{rig.ledger}{side}").unlink(missing_ok=True)
        code, report = run_live(rig, capsys)
        assert code == 1
        assert list(failed(report)) == [
            "ledger",
            "paper hours",
            "paper round trips",
            "paper win rate",
            "paper pnl",
            "paper drawdown",
            "paper risk trips",
        ]
        assert failed(report)["paper pnl"] == "not checked: the ledger check failed"


class TestConfigShape:
    """The caps check reads the same model every config loads into."""

    def test_defaults_are_conservative(self) -> None:
        from soltrader_tui.monitor.preflight_checks import judge_caps

        verdict = judge_caps(Config())
        assert verdict.passed, verdict
        assert "risk.order_usd $50.00 is shrunk to live.max_order_usd $25.00" in verdict.reason
