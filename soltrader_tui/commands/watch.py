"""Provides the `watch` command: the dashboard of an engine running in another process."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui import __version__
from soltrader_tui.commands.common import fail_with, ledger_error_message
from soltrader_tui.errors import SoltraderError

if TYPE_CHECKING:
    from filelock import FileLock

    from soltrader_tui.commands.supervise_alerts import SupervisorAlerts
    from soltrader_tui.config.model import AlertsConfig
    from soltrader_tui.monitor.watcher import LedgerWatcher
    from soltrader_tui.tui.app import SolTraderApp


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
    turn = AlertTurn(ledger)
    alerts = _heartbeat_alerts(watcher, ledger, config.alerts, turn)
    if alerts is not None and not turn.mine():
        _say_quiet(app)
    try:
        return int(app.run() or 0)
    finally:
        if alerts is not None:
            alerts.close()
        turn.release()


HEARTBEAT_EVERY_S = 5.0
"""Wall seconds between two looks at the engine's heartbeat for its alert."""


class AlertTurn:
    """Which `watch` of a ledger sends its heartbeat alerts: the one holding a lock beside the
    ledger. `serve` runs one `watch` per browser tab, and five tabs must not send five alerts;
    the others stay quiet and try again at each look, so one takes over when the holder ends
    (the OS frees the lock of a process that died)."""

    def __init__(self, ledger: Path) -> None:
        from filelock import FileLock

        real = ledger.resolve()
        # Not thread-local: the looks run on worker threads, one after another.
        self._lock: FileLock = FileLock(
            real.with_name(real.name + ".watch-alerts.lock"), timeout=0, thread_local=False
        )

    def mine(self) -> bool:
        """Whether this watch sends the alerts (taking the turn when it is free)."""
        from filelock import Timeout

        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire()
        except Timeout:
            return False
        except OSError:
            return True  # no lock file can be made there: better two alerts than none
        return True

    def release(self) -> None:
        """Gives the turn up (at the end of `watch`)."""
        self._lock.release(force=True)


def _say_quiet(app: SolTraderApp) -> None:
    app.notify(
        "Another watch of this ledger sends the heartbeat alerts; this one stays quiet and "
        "takes over if that one ends.",
        title="Heartbeat alerts",
    )


def alerting_look(turn: AlertTurn, check: Callable[[], None]) -> Callable[[], None]:
    """What a watch does after each read: at most every `HEARTBEAT_EVERY_S`, if it is its turn
    to alert, it looks at the heartbeat (`check`)."""
    due = [0.0]

    def look() -> None:
        now = time.monotonic()
        if now >= due[0]:
            due[0] = now + HEARTBEAT_EVERY_S
            if turn.mine():
                check()

    return look


def _heartbeat_alerts(
    watcher: LedgerWatcher, ledger: Path, config: AlertsConfig, turn: AlertTurn
) -> SupervisorAlerts | None:
    """While `watch` runs, alerts when the watched engine's heartbeat stops (and comes back),
    delivered straight to the targets as `supervise`'s alerts are; only the watch whose `turn`
    it is sends them."""
    from soltrader_tui.commands.supervise_alerts import HeartbeatWatch, SupervisorAlerts

    alerts = SupervisorAlerts.start(config, lambda line: None)  # failures: in the engine's log
    if alerts is None:
        return None
    check = HeartbeatWatch(ledger, config.heartbeat_missed_s, alerts.alert, who="watch")
    watcher.after_read = alerting_look(turn, check)
    return alerts
