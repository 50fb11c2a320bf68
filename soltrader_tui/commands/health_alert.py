"""Provides `health --alert`: the verdict of `health` sent to the alert targets when it changes.

Run by a scheduled task every few minutes, `health` sees what the engine cannot report itself: a
heartbeat that stopped (a hung or killed engine), a ledger that fails its check, a full disk.
With `--alert` a verdict that is not ok is sent to `alerts.targets`; the same verdict again is
sent once per `alerts.cooldown_s`, and the return to ok once. What was last sent is kept beside
the ledger (`<ledger>.health-alert.json`): `health` never writes the ledger itself.
Delivery is direct, as `supervise`'s is, and waits at most `DRAIN_S`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from soltrader_tui.commands.supervise_alerts import SupervisorAlerts
from soltrader_tui.config.model import AlertsConfig
from soltrader_tui.monitor.health import HealthReport

STATE_SUFFIX = ".health-alert.json"


def state_file(ledger: Path) -> Path:
    """Where `health --alert` keeps what it last sent about `ledger`."""
    return ledger.with_name(ledger.name + STATE_SUFFIX)


def alert_on(result: HealthReport, ledger: Path, config: AlertsConfig, now_wall: float) -> None:
    """Sends the verdict when it is news (see the module docstring); says what it did on stderr."""
    state = state_file(ledger)
    previous = _read(state)
    bad = [c for c in result.checks if c.level != "ok"]
    key = sorted(f"{c.name}:{c.level}" for c in bad)
    if result.level == "ok":
        if previous is None:
            return
        if _send(config, "info", "health: OK again", f"{ledger}: every check is ok"):
            state.unlink(missing_ok=True)
        return
    sent_ts = None if previous is None else previous.get("ts")
    if (
        previous is not None
        and previous.get("key") == key
        and isinstance(sent_ts, int | float)
        and now_wall - sent_ts < config.cooldown_s
    ):
        return
    names = ", ".join(c.name for c in bad)
    title = f"health: {result.level.upper()} ({names})"
    body = "\n".join([str(ledger), *(f"{c.level}: {c.name}: {c.detail}" for c in bad)])
    severity = "critical" if result.level == "failing" else "warning"
    if _send(config, severity, title, body):
        _write(state, {"key": key, "ts": now_wall, "level": result.level})


def _send(config: AlertsConfig, severity: str, title: str, body: str) -> bool:
    """Delivers one alert to every target; True when at least one target received it."""
    failures: list[str] = []
    alerts = SupervisorAlerts.start(config, failures.append)
    if alerts is None:
        print("soltrader-tui: health --alert: no alert target (alerts.targets)", file=sys.stderr)
        return False
    alerts.alert(severity, title, body)
    alerts.close()
    for line in failures:
        print(
            f"soltrader-tui: health --alert: {line.removeprefix('supervisor: ')}", file=sys.stderr
        )
    return len(failures) < len(config.targets)


def _read(path: Path) -> dict[str, object] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write(path: Path, value: dict[str, object]) -> None:
    try:
        path.write_text(json.dumps(value), encoding="utf-8")
    except OSError as exc:  # the alert went out; only its repeat guard is lost
        print(f"soltrader-tui: health --alert: cannot keep {path}: {exc}", file=sys.stderr)
