"""Tests of the rules that keep the product honest: one version string, engine free of the TUI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from soltrader_tui import __version__
from soltrader_tui.cli import main
from tests.commands.test_stop import ledger_with_position

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "soltrader_tui"


class TestOneVersion:
    """The version comes from package metadata; no other version or phase string exists."""

    def test_version_flag(self, capsys: object) -> None:
        try:
            main(["--version"])
        except SystemExit as exit_:
            assert exit_.code == 0
        out = capsys.readouterr().out  # type: ignore[attr-defined]
        assert out.strip() == f"soltrader-tui {__version__}"
        assert __version__ != "0+unknown"

    def test_no_other_version_or_phase_string_in_code(self) -> None:
        offenders = []
        semver = re.compile(r"""["']v?\d+\.\d+\.\d+(?![.\d])""")
        versioned = re.compile(r"""version\w*\s*[:=]\s*["']v?\d""", re.IGNORECASE)
        phase = re.compile(r"\bphase\b", re.IGNORECASE)
        for path in PACKAGE.rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if semver.search(line) or versioned.search(line) or phase.search(line):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
        assert offenders == []


class TestLayering:
    """The engine runs without Textual; `status` does not pay for the TUI."""

    def test_engine_and_status_do_not_import_textual(self) -> None:
        code = (
            "import sys, soltrader_tui.engine.engine, soltrader_tui.monitor.ledger_view, "
            "soltrader_tui.engine.runtime, soltrader_tui.commands.run\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual' "
            "or m.startswith('soltrader_tui.tui')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert out.stdout.strip() == "[]"

    def test_tui_package_does_not_import_the_app(self) -> None:
        code = (
            "import sys, soltrader_tui.tui\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual' "
            "or m.startswith('soltrader_tui.tui.')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert out.stdout.strip() == "[]"


class TestPureCore:
    """Money, risk and strategy logic import no I/O: they are testable without files or network."""

    PURE = (
        "soltrader_tui.domain",
        "soltrader_tui.clock",
        "soltrader_tui.portfolio.portfolio",
        "soltrader_tui.portfolio.equity_curve",
        "soltrader_tui.portfolio.codec",
        "soltrader_tui.risk",
        "soltrader_tui.strategies",
    )
    IO = ("sqlite3", "httpx2", "textual", "soltrader_tui.ledger", "soltrader_tui.net")

    def test_pure_modules_pull_in_no_io(self) -> None:
        code = (
            f"import sys\nfor m in {self.PURE!r}: __import__(m)\n"
            f"print(sorted(m for m in sys.modules if m.startswith({self.IO!r})))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert out.stdout.strip() == "[]"


class TestReadOnlyCommands:
    """Commands that only read the ledger load neither the engine, the simulator, the strategies
    nor solders: they answer fast, and a broken engine module cannot take them down."""

    HEAVY = (
        "soltrader_tui.engine",
        "soltrader_tui.market.sim",
        "soltrader_tui.market.sources",
        "soltrader_tui.strategies",
        "solders",
        "solana",
        "textual",
    )
    COMMANDS = (
        # (argv, exit code): `health` exits 2 (FAILING) because no engine holds the ledger.
        (("status", "--config", "{config}"), 0),
        (("status", "--json", "--db", "{db}"), 0),
        (("health", "--config", "{config}"), 2),
        (("paths", "--config", "{config}"), 0),
        (("journal", "--config", "{config}"), 0),
        (("journal", "--json", "--db", "{db}"), 0),
        (("checkpoints", "--config", "{config}"), 0),
        (("config", "check", "--config", "{config}"), 0),
        (("stop", "--config", "{config}"), 0),
        (("resume", "--config", "{config}"), 0),
    )

    @pytest.fixture(scope="class")
    def folder(self, tmp_path_factory: pytest.TempPathFactory) -> Path:
        """A config file and the ledger it names (by the folder it is in)."""
        folder = tmp_path_factory.mktemp("readonly")
        ledger_with_position(folder / "ledger.sqlite")
        (folder / "config.yaml").write_text("storage:\n  ledger_file: ledger.sqlite\n")
        return folder

    @pytest.mark.parametrize(
        ("argv", "exit_code"), COMMANDS, ids=[" ".join(argv[:2]) for argv, _ in COMMANDS]
    )
    def test_imports_only_what_it_reads(
        self, argv: tuple[str, ...], exit_code: int, folder: Path, tmp_path: Path
    ) -> None:
        config, db = folder / "config.yaml", folder / "ledger.sqlite"
        args = [a.format(db=db, config=config) for a in argv]
        code = (
            "import json, sys\n"
            "from soltrader_tui.cli import main\n"
            f"code = main({args!r})\n"
            f"heavy = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') "
            f"for h in {self.HEAVY!r}))\n"
            "print('IMPORTED', json.dumps({'code': code, 'heavy': heavy}))\n"
        )
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        }
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            cwd=tmp_path,
            env=env,
        )
        line = next(x for x in out.stdout.splitlines() if x.startswith("IMPORTED "))
        result = json.loads(line.removeprefix("IMPORTED "))
        assert result["code"] == exit_code, out.stdout + out.stderr
        assert result["heavy"] == []

    def test_serve_loads_neither_the_engine_nor_textual(self) -> None:
        """`serve` itself only serves: each browser tab's `watch` loads the dashboard."""
        modules = ("serve", "serve_gate", "serve_web")
        code = (
            "import sys\n"
            f"for m in {modules!r}: __import__('soltrader_tui.commands.' + m)\n"
            "import soltrader_tui.config.load, soltrader_tui.monitor.ledger_view\n"
            f"print(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') "
            f"for h in {self.HEAVY!r})))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert out.stdout.strip() == "[]"
