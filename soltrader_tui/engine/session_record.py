"""Provides what a session records about itself at its start: the version, mode, source and
effective config `journal` shows and compares between sessions."""

from __future__ import annotations

import os
import time

from soltrader_tui.alerts.targets import make_targets
from soltrader_tui.config.flat import flatten
from soltrader_tui.config.model import Config
from soltrader_tui.ledger.session_writes import SessionStart


def effective_config(config: Config) -> dict[str, str]:
    """The config as dotted keys, with no secret in it.

    Secrets live in the environment and the config names them (`*_env` keys hold a variable's
    name), so none is read here. An alert target's URL may still carry a token written into it
    (`tgram://TOKEN/chat`): it is stored as its label, every secret masked, as the ledger's
    deliveries name it.
    """
    data = config.model_dump(mode="json")
    for target, shown in zip(
        data["alerts"]["targets"], make_targets(config.alerts.targets), strict=True
    ):
        target["url"] = shown.label
    return flatten(data)


def session_start(config: Config, *, version: str, mode: str, source: str) -> SessionStart:
    """What this process records as its session's start."""
    return SessionStart(
        wall_ts=time.time(),
        pid=os.getpid(),
        version=version,
        mode=mode,
        source=source,
        config=effective_config(config),
    )
