"""Provides Cooldown: repeats of an alert within its cooldown folded into one message with their
count, so a flapping rule sends two messages, not fifty.

Pure: the caller passes the time in (wall seconds), so tests drive it without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from soltrader_tui.format import duration
from soltrader_tui.ledger.alert_rows import AlertRow

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
"""Least to most severe."""


def rank(severity: str) -> int:
    """Orders severities: info 0, warning 1, critical 2 (an unknown one counts as critical)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES) - 1


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """What a rule says should be told, before the cooldown decides when."""

    rule: str
    """The rule that raised it (`engine_failed`, `breaker`, `stale`, ...)."""
    key: str
    """What repeats are folded by: the rule and its subject (`breaker:daily_loss`)."""
    severity: Severity
    title: str
    body: str


@dataclass(slots=True)
class _Held:
    until: float
    """Wall time the cooldown of the last message sent ends."""
    folded: int = 0
    latest: AlertDraft | None = None
    worst: int = 0
    since: float = 0.0


class Cooldown:
    """The first alert of a key goes out at once; repeats within `cooldown_s` of it are counted
    and go out as one message when the cooldown ends (`due`), which starts a new cooldown."""

    def __init__(self, cooldown_s: float) -> None:
        self._cooldown_s = cooldown_s
        self._held: dict[str, _Held] = {}

    def offer(self, draft: AlertDraft, now: float) -> list[AlertRow]:
        """Takes one alert; returns the messages to send now (none while it is folded)."""
        held = self._held.get(draft.key)
        if held is not None and (now < held.until or held.folded):
            if held.folded == 0:
                held.since = now
            held.folded += 1
            held.latest = draft
            held.worst = max(held.worst, rank(draft.severity))
            # Past the cooldown with repeats still held (no `due` came in between): this one
            # joins them and they go out together, not as two messages at once.
            return [] if now < held.until else self.due(now)
        self._held[draft.key] = _Held(until=now + self._cooldown_s)
        return [AlertRow(now, draft.rule, draft.severity, draft.title, draft.body)]

    def due(self, now: float) -> list[AlertRow]:
        """Returns the folded messages whose cooldown ended by `now`, and forgets quiet keys."""
        out: list[AlertRow] = []
        for key, held in list(self._held.items()):
            if now < held.until:
                continue
            if held.folded:
                out += self._release(held, now)
                self._held[key] = _Held(until=now + self._cooldown_s)
            else:
                del self._held[key]
        return out

    def flush(self, now: float) -> list[AlertRow]:
        """Returns every folded message still held, cooldown over or not (when leaving)."""
        out: list[AlertRow] = []
        for held in self._held.values():
            out += self._release(held, now)
        self._held.clear()
        return out

    def _release(self, held: _Held, now: float) -> list[AlertRow]:
        draft = held.latest
        if not held.folded or draft is None:
            return []
        n = held.folded
        body = (
            f"{n} more time{'s' if n != 1 else ''} in the last {duration(now - held.since)} "
            f"(cooldown {duration(self._cooldown_s)}); the latest: {draft.body}"
        )
        severity = SEVERITIES[held.worst]
        return [AlertRow(now, draft.rule, severity, f"{draft.title} (x{n})", body, n)]
