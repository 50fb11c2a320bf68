"""Tests of the rules that keep the product honest: one version string, engine free of the TUI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.cli import main

PACKAGE = Path(__file__).resolve().parents[1] / "soltrader_tui"


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
