"""Whole-process tests of the small commands: config check, paths, --version."""

from __future__ import annotations

from pathlib import Path

from soltrader_tui import __version__
from tests.conftest import Cli


class TestConfigCheck:
    """`config check` says OK or lists each problem with its key and line, exit 0 or 2."""

    def test_shipped_config_is_valid(self, cli: Cli) -> None:
        shipped = Path(__file__).resolve().parents[2] / "config.yaml"
        proc = cli.run("config", "check", "--config", shipped)
        assert proc.returncode == 0, proc.stderr
        assert "OK" in proc.stdout

    def test_bad_config_names_key_and_line(self, cli: Cli, tmp_path: Path) -> None:
        bad = tmp_path / "bad.yaml"
        bad.write_text("mode: paper\nrisk:\n  stop_loss_pct: 150\n  stop_los: 3\n")
        proc = cli.run("config", "check", "--config", bad)
        assert proc.returncode == 2
        assert f"{bad}:3: risk.stop_loss_pct" in proc.stderr
        assert f"{bad}:4: risk.stop_los" in proc.stderr
        assert "Traceback" not in proc.stderr

    def test_run_refuses_bad_config(self, cli: Cli, tmp_path: Path) -> None:
        bad = tmp_path / "bad.yaml"
        bad.write_text("paper:\n  starting_cash_usd: lots\n")
        proc = cli.run("run", "--headless", "--config", bad, "--duration", "1m", "--speed", "max")
        assert proc.returncode == 2
        assert "paper.starting_cash_usd" in proc.stderr and "Traceback" not in proc.stderr


class TestPaths:
    """Wherever the terminal opens, the same config finds the same ledger."""

    def test_same_ledger_from_any_folder(self, cli: Cli, tmp_path: Path) -> None:
        user_config = Path(cli.env["XDG_CONFIG_HOME"]) / "soltrader-tui" / "config.yaml"
        user_config.parent.mkdir(parents=True)
        user_config.write_text("storage:\n  data_dir: trading-data\n")
        outputs = []
        for folder in ("a", "b"):
            cli.cwd = tmp_path / folder
            cli.cwd.mkdir()
            proc = cli.run("paths")
            assert proc.returncode == 0, proc.stderr
            outputs.append(proc.stdout)
        assert outputs[0] == outputs[1]
        assert str(user_config.parent / "trading-data" / "soltrader.sqlite") in outputs[0]

    def test_version(self, cli: Cli) -> None:
        proc = cli.run("--version")
        assert proc.returncode == 0 and proc.stdout.strip() == f"soltrader-tui {__version__}"
