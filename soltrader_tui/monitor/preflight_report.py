"""Provides GO-NO-GO.md and `preflight --json`: every check's verdict and why, for people and
for programs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from soltrader_tui.monitor.preflight_checks import CheckResult, is_go

REPORT_FILE = "GO-NO-GO.md"


@dataclass(frozen=True, slots=True)
class PreflightFacts:
    """What the report says about the run besides the checks."""

    version: str
    ts: float
    """Wall time the checks finished, unix seconds."""
    config_file: Path | None
    ledger: Path
    checkpoint: str | None = None
    """The checkpoint a GO took, holding this report; None for NO-GO."""


def verdict_line(results: Sequence[CheckResult]) -> str:
    """`GO: all 17 checks passed` or `NO-GO: 3 of 17 checks failed`."""
    if is_go(results):
        return f"GO: all {len(results)} checks passed"
    failed = sum(not r.passed for r in results)
    return f"NO-GO: {failed} of {len(results)} checks failed"


def _cell(text: str) -> str:
    # A pipe or a line break inside a cell would break the Markdown table.
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(results: Sequence[CheckResult], facts: PreflightFacts) -> str:
    """GO-NO-GO.md: the verdict, when and on what, then one table row per check."""
    when = datetime.fromtimestamp(facts.ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    config = str(facts.config_file) if facts.config_file is not None else "built-in defaults"
    lines = [
        f"# {verdict_line(results)}",
        "",
        f"- When: {when}",
        f"- soltrader-tui: {facts.version}",
        f"- Config: {config}",
        f"- Ledger: {facts.ledger}",
    ]
    if facts.checkpoint is not None:
        lines.append(f"- Checkpoint: {facts.checkpoint}")
    lines += ["", "| # | Check | Result | Why |", "|---|---|---|---|"]
    lines += [
        f"| {n} | {_cell(r.name)} | {'pass' if r.passed else 'FAIL'} | {_cell(r.reason)} |"
        for n, r in enumerate(results, 1)
    ]
    lines += [
        "",
        "What each check needs and what to do when it fails: docs/live.md, Preflight.",
        "",
    ]
    return "\n".join(lines)


def preflight_json(
    results: Sequence[CheckResult], facts: PreflightFacts, report: Path | None
) -> dict[str, object]:
    """The `--json` object: the verdict, each check, and where GO-NO-GO.md was written."""
    return {
        "go": is_go(results),
        "verdict": verdict_line(results),
        "version": facts.version,
        "ts": facts.ts,
        "config": None if facts.config_file is None else str(facts.config_file),
        "ledger": str(facts.ledger),
        "checkpoint": facts.checkpoint,
        "report": None if report is None else str(report),
        "checks": [{"name": r.name, "passed": r.passed, "reason": r.reason} for r in results],
    }
