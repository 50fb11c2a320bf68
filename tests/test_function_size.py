"""Tests that no function of the package grows past 60 lines (STYLE: split past ~50)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "soltrader_tui"
MAX_LINES = 60


def long_functions(root: Path, limit: int) -> list[str]:
    """Every function or method under `root` longer than `limit` lines, decorators excluded."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    where = path.relative_to(root.parent)
                    found.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_over_60_lines() -> None:
    offenders = long_functions(PACKAGE, MAX_LINES)
    assert not offenders, "split these along their seams:\n" + "\n".join(offenders)


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    fits = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES - 1))  # 60 lines with its def
    long = "".join(f"        x{i} = {i}\n" for i in range(MAX_LINES))  # one more
    (package / "sub" / "mod.py").write_text(
        f"class C:\n    async def long(self):\n{long}\n\ndef fits():\n{fits}", encoding="utf-8"
    )
    assert long_functions(package, MAX_LINES) == ["pkg/sub/mod.py:2 long (61 lines)"]
