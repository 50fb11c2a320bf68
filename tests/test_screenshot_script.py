"""`scripts/screenshot.py` writes the README's picture from a real session: it runs, and what it
writes is an SVG of the dashboard."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}svg"


def svg_text(path: Path) -> str:
    """Every text of the SVG, spaces as spaces (Rich writes them as no-break spaces)."""
    root = ET.parse(path).getroot()
    assert root.tag == SVG, root.tag
    return "".join(root.itertext()).replace("\xa0", " ")


def test_the_script_writes_an_svg_of_the_dashboard(tmp_path: Path) -> None:
    out = tmp_path / "pictures" / "dashboard.svg"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot.py"), "--out", str(out),
         "--duration", "1h"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out}"
    text = svg_text(out)
    for panel in ("Portfolio", "Open positions", "Strategies and scores", "Recent fills"):
        assert panel in text, panel
    assert "Equity" in text and "$" in text


def test_the_readme_shows_the_picture() -> None:
    text = svg_text(ROOT / "docs" / "dashboard.svg")
    assert "Portfolio" in text and "Recent fills" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/dashboard.svg)" in "\n".join(readme.splitlines()[:20])  # near the top
