"""Provides `alerts test`: one test message to every alert target, each result printed."""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.commands.common import fail, fail_with
from soltrader_tui.errors import EXIT_OK, SoltraderError

if TYPE_CHECKING:
    from soltrader_tui.alerts.targets import Target

EXIT_SOME_FAILED = 1


def alerts_command(args: argparse.Namespace) -> int:
    """Sends a test message to every target of `alerts.targets`, one attempt each.

    Returns:
        0 when every target took it, 1 when some did not, 2 for a bad config or no target.
    """
    from soltrader_tui.alerts.targets import make_targets
    from soltrader_tui.config.load import load_config
    from soltrader_tui.config.paths import find_config

    path = find_config(args.config, Path.cwd())
    try:
        loaded = load_config(path)
    except SoltraderError as exc:
        return fail_with(exc)
    targets = make_targets(loaded.config.alerts.targets)
    if not targets:
        where = loaded.path or "the built-in defaults"
        return fail(f"no alert targets in {where}: add alerts.targets (see docs/monitoring.md)")
    failed = 0
    results = send_test_messages(targets)
    for label, error in results:
        if error is None:
            print(f"{label}: sent")
        else:
            failed += 1
            print(f"{label}: FAILED: {error}")
    if failed:
        print(f"{failed} of {len(targets)} targets failed")
        return EXIT_SOME_FAILED
    print(f"all {len(targets)} targets took the test message")
    return EXIT_OK


def send_test_messages(targets: Sequence[Target]) -> list[tuple[str, str | None]]:
    """Sends the test message to each target, one attempt each (`alerts test`, `preflight`).

    Returns:
        Each target's label and why its delivery failed (None: it was sent).
    """
    from soltrader_tui import __version__
    from soltrader_tui.alerts.targets import deliver

    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return [
        (
            target.label,
            deliver(
                target,
                "soltrader-tui test alert",
                f"A test message from soltrader-tui {__version__} on {platform.node()} at "
                f"{stamp}, to check the alert target {target.label}. Nothing is wrong.",
                "info",
            ),
        )
        for target in targets
    ]
