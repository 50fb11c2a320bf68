"""Provides the `watch` command: the dashboard of an engine running in another process."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui import __version__
from soltrader_tui.commands.common import fail_with, ledger_error_message
from soltrader_tui.errors import SoltraderError

if TYPE_CHECKING:
    from soltrader_tui.commands.supervise_alerts import SupervisorAlerts
    from soltrader_tui.config.model import AlertsConfig
    from soltrader_tui.monitor.watcher import LedgerWatcher


def watch(args: argparse.Namespace) -> int:
    """Opens the read-only dashboard over a ledger; exit 2 when it cannot be read."""
    from soltrader_tui.config.load import load_settings
    from soltrader_tui.monitor.watcher import LedgerWatcher

    try:
        config, paths, _ = load_settings(args.config, args.db)
        ledger = paths.ledger.resolve()
        watcher = LedgerWatcher(ledger, risk=config.risk, recent_fills=config.tui.recent_fills)
    except SoltraderError as exc:
        return fail_with(exc, ledger_error_message(exc, given=args.db is not None))
    from soltrader_tui.ledger.log import log_file
    from soltrader_tui.tui.app import make_app
    from soltrader_tui.tui.checkpoint_key import CheckpointTarget

    app = make_app(
        config,
        watcher,
        version=__version__,
        checkpoint=CheckpointTarget(
            ledger=ledger,
            checkpoints_dir=paths.checkpoints_dir,
            config_file=paths.config_file,
            keep=config.storage.keep_checkpoints,
            log_file=log_file(paths.logs_dir, ledger),
        ),
    )
    app.title = f"soltrader-tui {__version__} · watching {ledger}"
    alerts = _heartbeat_alerts(watcher, ledger, config.alerts)
    try:
        return int(app.run() or 0)
    finally:
        if alerts is not None:
            alerts.close()


HEARTBEAT_EVERY_S = 5.0
"""Wall seconds between two looks at the engine's heartbeat for its alert."""


def _heartbeat_alerts(
    watcher: LedgerWatcher, ledger: Path, config: AlertsConfig
) -> SupervisorAlerts | None:
    """While `watch` runs, alerts when the watched engine's heartbeat stops (and comes back),
    delivered straight to the targets as `supervise`'s alerts are."""
    from soltrader_tui.commands.supervise_alerts import HeartbeatWatch, SupervisorAlerts

    alerts = SupervisorAlerts.start(config, lambda line: None)  # failures: in the engine's log
    if alerts is None:
        return None
    check = HeartbeatWatch(ledger, config.heartbeat_missed_s, alerts.alert, who="watch")
    due = [0.0]

    def look() -> None:
        now = time.monotonic()
        if now >= due[0]:
            due[0] = now + HEARTBEAT_EVERY_S
            check()

    watcher.after_read = look
    return alerts
