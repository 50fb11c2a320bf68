"""Provides the operator's journal: what happened to the bot, from its ledger, as one timeline.

Sessions (version, mode, how each ended), the config keys that changed between two sessions,
operator commands, trading-state changes with their reasons, checkpoints and restores, breakers
and alerts. Pure: the reads are `ledger.journal_reads`, the command is `commands.journal`.

Times are unix seconds. Sessions, commands, restores and alerts are stamped in wall time; the
engine's own lines (state changes, toggles, checkpoints) in market time, which is the wall's
at speed 1 and runs ahead of it in an accelerated session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from soltrader_tui.format import duration
from soltrader_tui.ledger.journal_reads import (
    AlertRecord,
    LineRecord,
    RequestRecord,
    RestoreRecord,
    SessionRecord,
    StateRecord,
)

_SPAN = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
SESSION_LINES = ("session started", "session stopped", "engine failed", "final flush failed")
"""Starts of the engine's lines about its session: the `sessions` rows say the same for every
session since schema 7, so only older sessions are told from these lines."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the journal."""

    ts: float
    kind: str
    """'session' | 'config' | 'command' | 'state' | 'strategy' | 'checkpoint' | 'restore' |
    'alert' | 'breaker' | 'sleep' | 'engine'."""
    text: str
    detail: dict[str, object] = field(default_factory=dict)
    """The entry's facts for `--json` (keys per kind)."""


@dataclass(frozen=True, slots=True)
class JournalInput:
    """Everything the journal is built from (the `ledger.journal_reads` rows)."""

    sessions: Sequence[SessionRecord] = ()
    requests: Sequence[RequestRecord] = ()
    states: Sequence[StateRecord] = ()
    lines: Sequence[LineRecord] = ()
    alerts: Sequence[AlertRecord] = ()
    restores: Sequence[RestoreRecord] = ()
    engine_running: bool = False
    """Some process holds the ledger's engine lock now: a last session without an end runs."""
    last_beat: tuple[int, float] | None = None
    """The heartbeat's pid and wall time: when a killed last session was last alive."""


def parse_since(text: str, now: float) -> float:
    """Parses `--since`: a span back from `now` (`30m`, `2h`, `1d`, `1h30m`) or a time
    (`2026-12-02T14:00`, local unless it names its offset, e.g. `Z` or `+01:00`).

    Raises:
        ValueError: neither; the message names the flag and the forms it takes.
    """
    value = text.strip().lower()
    parts = _SPAN.findall(value)
    if parts and "".join(n + u for n, u in parts) == value:
        return now - sum(float(n) * _UNIT_S[u] for n, u in parts)
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise ValueError(
            f"--since {text!r} is neither a span back from now (30m, 2h, 1d, 1h30m) nor a time "
            "(2026-12-02 or 2026-12-02T14:00, local time unless it ends in Z or +HH:MM)"
        ) from None


def build_journal(data: JournalInput, since: float | None = None) -> list[Entry]:
    """Returns the journal's entries at or after `since` (all when None), oldest first."""
    entries = _session_entries(data)
    # A toggle's line is the answer of the request that asked for it: shown once, as that.
    answers = {r.result for r in data.requests}
    lines = [line for line in data.lines if line.kind != "strategy" or line.message not in answers]
    entries += _line_entries(lines, len(data.sessions))
    entries += [_request_entry(r) for r in data.requests]
    entries += [_state_entry(s) for s in data.states]
    entries += [_alert_entry(a) for a in data.alerts]
    entries += [_restore_entry(r) for r in data.restores]
    # Stable: entries of one instant keep the order above (a session before its config).
    entries.sort(key=lambda e: e.ts)
    return [e for e in entries if since is None or e.ts >= since]


def _session_entries(data: JournalInput) -> list[Entry]:
    entries: list[Entry] = []
    sessions = data.sessions
    for index, session in enumerate(sessions):
        entries.append(_started(session))
        if index > 0:
            change = _config_entry(sessions[index - 1], session)
            if change is not None:
                entries.append(change)
        following = sessions[index + 1] if index + 1 < len(sessions) else None
        ended = _ended(session, following, data)
        if ended is not None:
            entries.append(ended)
    return entries


def _started(s: SessionRecord) -> Entry:
    return Entry(
        s.started,
        "session",
        f"session {s.id} started: {s.version}, {s.mode} on {s.source} (pid {s.pid})",
        {
            "event": "started",
            "session": s.id,
            "version": s.version,
            "mode": s.mode,
            "source": s.source,
            "pid": s.pid,
        },
    )


def _ended(s: SessionRecord, following: SessionRecord | None, data: JournalInput) -> Entry | None:
    """How `s` ended: clean, crashed (with its error), killed; None while it runs."""
    detail: dict[str, object] = {"event": "ended", "session": s.id}
    if s.ended is not None:
        ran = duration(s.ended - s.started)
        if s.ending == "crashed":
            detail |= {"how": "crashed", "error": s.error}
            return Entry(
                s.ended, "session", f"session {s.id} CRASHED after {ran}: {s.error}", detail
            )
        detail["how"] = "clean"
        return Entry(s.ended, "session", f"session {s.id} ended cleanly after {ran}", detail)
    if following is None and data.engine_running:
        return None
    beat = data.last_beat
    if following is None and beat is not None and beat[0] == s.pid and beat[1] >= s.started:
        ts, seen = beat[1], "the time is its last heartbeat's"
    elif following is not None:
        ts, seen = following.started, f"noticed as session {following.id} began"
    else:
        ts, seen = s.started, "no heartbeat after its start"
    detail |= {"how": "killed"}
    return Entry(
        ts,
        "session",
        f"session {s.id} KILLED: its process went without closing the session ({seen})",
        detail,
    )


def _config_entry(before: SessionRecord, after: SessionRecord) -> Entry | None:
    changes = config_changes(before.config, after.config)
    if not changes:
        return None
    shown = "; ".join(f"{key} {_show(old)} → {_show(new)}" for key, old, new in changes)
    return Entry(
        after.started,
        "config",
        f"config changed since session {before.id}: {shown}",
        {
            "session": after.id,
            "since_session": before.id,
            "changes": [{"key": k, "old": _value(o), "new": _value(n)} for k, o, n in changes],
        },
    )


def config_changes(
    before: dict[str, str], after: dict[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """The keys whose value differs, sorted: (dotted key, old JSON text, new JSON text); None
    for a key only one side has (added, removed, or a list of sections that grew)."""
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def _value(text: str | None) -> object:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _show(text: str | None) -> str:
    if text is None:
        return "(unset)"
    value = _value(text)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _line_entries(lines: Sequence[LineRecord], session_rows: int) -> list[Entry]:
    entries = []
    first_with_row = _first_line_with_row(lines, session_rows)
    for index, line in enumerate(lines):
        about_session = line.message.startswith(SESSION_LINES)
        if line.kind == "engine":
            if about_session and index >= first_with_row:
                continue  # the session's row says it, with its version and how it ended
            if not about_session and line.level == "info":
                continue  # warm-up and check reports: the log has them
        kind = "session" if about_session else line.kind
        entries.append(Entry(line.ts, kind, line.message, {"level": line.level}))
    return entries


def _first_line_with_row(lines: Sequence[LineRecord], session_rows: int) -> int:
    """The index of the "session started" line of the first session that has a row.

    Every session since schema 7 writes one row and one such line, so the last `session_rows`
    of them are those sessions'; the ones before are older sessions', told from their lines
    alone. Compared by count, not by time: a line's market time need not be the wall's.
    """
    starts = [i for i, line in enumerate(lines) if line.message.startswith(SESSION_LINES[0])]
    if session_rows == 0:
        return len(lines)
    if session_rows >= len(starts):
        return 0
    return starts[len(starts) - session_rows]


def _request_entry(r: RequestRecord) -> Entry:
    what = r.command.upper() if r.target is None else f"{r.command.upper()} {r.target}"
    answer = f": {r.result}" if r.done is not None else " (not answered)"
    return Entry(
        r.ts,
        "command",
        f"{what} requested by {r.actor}{answer}",
        {
            "command": r.command,
            "actor": r.actor,
            "target": r.target,
            "answered": r.done is not None,
            "result": r.result,
        },
    )


def _state_entry(s: StateRecord) -> Entry:
    return Entry(
        s.ts,
        "state",
        f"{s.state.upper()} by {s.actor}: {s.reason}",
        {"state": s.state, "actor": s.actor, "reason": s.reason},
    )


def _alert_entry(a: AlertRecord) -> Entry:
    times = f" (×{a.count})" if a.count > 1 else ""
    by_status: dict[str, list[str]] = {}
    for target, status in a.deliveries.items():
        by_status.setdefault(status, []).append(target)
    went = "; ".join(f"{status} to {', '.join(t)}" for status, t in sorted(by_status.items()))
    return Entry(
        a.ts,
        "alert",
        f"{a.severity.upper()} {a.title}{times}: {went or 'recorded, sent to no target'}",
        {
            "rule": a.rule,
            "severity": a.severity,
            "title": a.title,
            "count": a.count,
            "deliveries": dict(a.deliveries),
        },
    )


def _restore_entry(r: RestoreRecord) -> Entry:
    aside = f"; the ledger it replaced is at {r.previous}" if r.previous else ""
    return Entry(
        r.ts,
        "restore",
        f"checkpoint {r.checkpoint} restored{aside}",
        {"checkpoint": r.checkpoint, "previous": r.previous},
    )


def local_time(ts: float) -> str:
    """A journal time: local, to the second."""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def render_lines(entries: Sequence[Entry]) -> list[str]:
    """One aligned text line per entry: local time, kind, what happened."""
    width = max((len(e.kind) for e in entries), default=0)
    return [f"{local_time(e.ts)}  {e.kind:<{width}}  {e.text}" for e in entries]


def render_json(entries: Sequence[Entry]) -> list[str]:
    """One JSON object per entry and line: its local time with offset, kind, text, facts."""
    return [
        json.dumps(
            {
                "time": datetime.fromtimestamp(e.ts).astimezone().isoformat(timespec="seconds"),
                "ts": e.ts,
                "kind": e.kind,
                "text": e.text,
                **e.detail,
            },
            ensure_ascii=False,
        )
        for e in entries
    ]
