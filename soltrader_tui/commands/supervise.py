"""Provides `supervise`: the headless engine as a child process, restarted after a crash."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.commands.common import fail, fail_with
from soltrader_tui.errors import SoltraderError

if TYPE_CHECKING:
    from soltrader_tui.commands.supervise_alerts import SupervisorAlerts
    from soltrader_tui.config.model import Config


def supervise(args: argparse.Namespace) -> int:
    """Runs the headless engine as a child process and restarts it after a crash."""
    from soltrader_tui.commands.supervisor import SpaceWatch
    from soltrader_tui.commands.supervisor import supervise as run_supervised

    flags: list[str] = []
    for name in ("config", "db", "seed"):
        value = getattr(args, name)
        if value is not None:
            flags += [f"--{name}", str(value)]
    if args.speed is not None:
        flags += ["--speed", "max" if args.speed == float("inf") else repr(args.speed)]
    if args.duration is not None:
        flags += ["--duration", repr(args.duration)]
    if args.live:
        flags.append("--live")
    logger = logging.getLogger("soltrader_tui.supervisor")
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler())
    try:
        from soltrader_tui.config.load import load_settings
        from soltrader_tui.ledger.log import QuietFileHandler

        config, paths, _ = load_settings(args.config, args.db)
        child_env = _opt_in(config, bool(args.live))
        paths.logs_dir.mkdir(parents=True, exist_ok=True)
        logger.addHandler(
            QuietFileHandler(
                paths.logs_dir / "supervisor.log",
                maxBytes=1_000_000,
                backupCount=2,
                encoding="utf-8",
            )
        )
    except SoltraderError as exc:
        return fail_with(exc)
    except OSError as exc:
        return fail(str(exc))
    from soltrader_tui.commands.supervise_alerts import SupervisorAlerts

    alerts = SupervisorAlerts.start(config.alerts, logger.warning)
    try:
        return run_supervised(
            flags,
            log=logger.info,
            max_restarts=args.max_restarts,
            space=SpaceWatch(paths.ledger, config.storage.min_free_mb),
            alert=None if alerts is None else alerts.alert,
            watch=_heartbeat_watch(paths.ledger, config.alerts.heartbeat_missed_s, alerts),
            env=child_env,
        )
    finally:
        if alerts is not None:
            alerts.close()


def _opt_in(config: Config, live_flag: bool) -> dict[str, str] | None:
    """Checks live trading's opt-ins once, here, before any engine starts.

    The engine runs without a terminal, so it cannot be asked to type the confirmation; when
    it was typed here, the engine is started with `SOLTRADER_LIVE_CONFIRM` set in its own
    environment (never in this process's), and each restart inherits it: one confirmation
    covers the supervised session, as one does a dashboard's.

    Returns:
        The engine's environment, or None for this process's own.

    Raises:
        LiveRefused: an opt-in is missing; nothing was started.
    """
    from soltrader_tui.commands.live_optin import CONFIRM_ENV, CONFIRM_WORDS, require_opt_ins

    if not require_opt_ins(config, live_flag).typed:
        return None
    return {**os.environ, CONFIRM_ENV: CONFIRM_WORDS}


def _heartbeat_watch(
    ledger: Path, limit_s: float, alerts: SupervisorAlerts | None
) -> Callable[[int], None] | None:
    """The heartbeat check of the engine, logged always and also alerted when there are
    targets."""
    from soltrader_tui.commands.supervise_alerts import HeartbeatWatch

    logger = logging.getLogger("soltrader_tui.supervisor")

    def tell(severity: str, title: str, body: str) -> None:
        logger.warning(body)
        if alerts is not None:
            alerts.alert(severity, title, body)

    return HeartbeatWatch(ledger, limit_s, tell)
