"""Provides `preflight`: the live go/no-go. Every check prints pass or fail with its reason,
and GO-NO-GO.md records them: a GO in the fresh checkpoint "preflight" it takes, a NO-GO in
the checkpoints folder, so the owner can see why."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.commands.common import EXIT_OK, fail_with
from soltrader_tui.errors import SoltraderError

if TYPE_CHECKING:
    from soltrader_tui.config.model import Config
    from soltrader_tui.config.paths import Paths
    from soltrader_tui.monitor.preflight_checks import CheckResult
    from soltrader_tui.monitor.preflight_report import PreflightFacts

EXIT_NO_GO = 1
CHECKPOINT_REASON = "preflight"


def preflight(args: argparse.Namespace) -> int:
    """Runs every preflight check and records the verdict.

    Returns:
        0 GO (every check passed), 1 NO-GO (some failed), 2 the config cannot be used.
    """
    from soltrader_tui.config.load import load_settings

    try:
        config, paths, notices = load_settings(args.config, args.db)
    except SoltraderError as exc:  # the config is unreadable or invalid
        return fail_with(exc)
    for notice in notices:
        print(f"soltrader-tui: warning: {notice}", file=sys.stderr)
    return decide(config, paths, as_json=args.json)


def decide(
    config: Config, paths: Paths, *, as_json: bool, wall: Callable[[], float] = time.time
) -> int:
    """Runs the checks on a loaded config, records GO-NO-GO.md and prints the verdict.

    Args:
        config: The config (its `mode` is judged like every other figure).
        paths: Where the ledger and the checkpoints are.
        as_json: Print one JSON object instead of one line per check.
        wall: This machine's clock, unix seconds.

    Returns:
        0 GO, 1 NO-GO.
    """
    from soltrader_tui import __version__
    from soltrader_tui.commands.preflight_gather import run_checks
    from soltrader_tui.monitor.preflight_checks import is_go
    from soltrader_tui.monitor.preflight_report import PreflightFacts, preflight_json

    results = run_checks(config, paths, wall=wall)
    checkpoint, results = _checkpoint_if_go(config, paths, results, wall())
    facts = PreflightFacts(__version__, wall(), paths.config_file, paths.ledger, checkpoint)
    report = _write_report(results, facts, paths)
    if as_json:
        print(json.dumps(preflight_json(results, facts, report), indent=2, ensure_ascii=False))
    else:
        _print(results, report)
    return EXIT_OK if is_go(results) else EXIT_NO_GO


def _checkpoint_if_go(
    config: Config, paths: Paths, results: list[CheckResult], now: float
) -> tuple[str | None, list[CheckResult]]:
    """On GO, takes the checkpoint "preflight" (the ledger as it went live). A checkpoint that
    cannot be taken turns GO into NO-GO: going live without one is what check 7 forbids."""
    from soltrader_tui.checkpoints.store import take_checkpoint
    from soltrader_tui.monitor.preflight_checks import CheckResult, is_go

    if not is_go(results):
        return None, results
    try:
        info = take_checkpoint(
            paths.ledger,
            paths.checkpoints_dir,
            config_file=paths.config_file,
            reason=CHECKPOINT_REASON,
            keep=config.storage.keep_checkpoints,
            now=now,
        )
    except SoltraderError as exc:
        failed = CheckResult("preflight checkpoint", False, str(exc))
        return None, [*results, failed]
    return info.name, results


def _write_report(results: list[CheckResult], facts: PreflightFacts, paths: Paths) -> Path | None:
    """Writes GO-NO-GO.md (in the new checkpoint on GO, else in the checkpoints folder);
    returns where, or None when it could not be written (said on stderr)."""
    from soltrader_tui.monitor.preflight_report import REPORT_FILE, render_markdown

    folder = paths.checkpoints_dir
    if facts.checkpoint is not None:
        folder = folder / facts.checkpoint
    target = folder / REPORT_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(render_markdown(results, facts), encoding="utf-8")
    except OSError as exc:
        print(f"soltrader-tui: warning: cannot write {target}: {exc}", file=sys.stderr)
        return None
    return target


def _print(results: list[CheckResult], report: Path | None) -> None:
    from soltrader_tui.monitor.preflight_report import verdict_line

    width = max(len(r.name) for r in results)
    for r in results:
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.name:<{width}}  {r.reason}")
    print(verdict_line(results))
    if report is not None:
        print(f"report: {report}")
