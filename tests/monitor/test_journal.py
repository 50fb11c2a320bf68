"""The journal's timeline from its rows: `--since` forms, how a session without an end is
told, which keys a config change lists, and what an alert says of its delivery."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from soltrader_tui.ledger.journal_reads import AlertRecord, SessionRecord
from soltrader_tui.monitor.journal import (
    JournalInput,
    build_journal,
    config_changes,
    parse_since,
    render_lines,
)

NOW = 1_800_000_000.0


def session(sid: int, started: float, *, ended: float | None = None, pid: int = 7) -> SessionRecord:
    return SessionRecord(
        sid,
        started,
        pid,
        "0.1.0",
        "paper",
        "sim",
        {},
        ended,
        None if ended is None else "clean",
        "",
    )


class TestSince:
    """Spans count back from now; times are local unless they name their offset."""

    @pytest.mark.parametrize(
        ("text", "back_s"), [("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400)]
    )
    def test_spans(self, text: str, back_s: float) -> None:
        assert parse_since(text, NOW) == NOW - back_s

    def test_times(self) -> None:
        assert parse_since("2027-01-15T08:00:00Z", NOW) == NOW
        local = datetime(2027, 1, 15, 9, 30).timestamp()
        assert parse_since("2027-01-15T09:30", NOW) == local
        assert parse_since("2027-01-15", NOW) == datetime(2027, 1, 15).timestamp()
        assert datetime.fromtimestamp(NOW, UTC).hour == 8

    @pytest.mark.parametrize("text", ["", "2", "h", "2 h", "soon", "2027-13-01"])
    def test_refused_naming_the_flag(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"^--since .*30m, 2h, 1d"):
            parse_since(text, NOW)


class TestSessionWithoutEnd:
    """A session that recorded no end runs (the engine lock is held) or was killed."""

    def test_running_session_has_no_end(self) -> None:
        entries = build_journal(JournalInput(sessions=[session(1, NOW)], engine_running=True))
        assert [e.text for e in entries] == ["session 1 started: 0.1.0, paper on sim (pid 7)"]

    def test_killed_last_session_is_placed_at_its_last_heartbeat(self) -> None:
        data = JournalInput(sessions=[session(1, NOW, pid=7)], last_beat=(7, NOW + 90))
        [_, killed] = build_journal(data)
        assert killed.ts == NOW + 90 and "KILLED" in killed.text
        assert "last heartbeat" in killed.text
        assert killed.detail == {"event": "ended", "session": 1, "how": "killed"}

    def test_since_drops_what_came_before(self) -> None:
        data = JournalInput(sessions=[session(1, NOW, ended=NOW + 5), session(2, NOW + 60)])
        since = build_journal(data, since=NOW + 10)
        assert [e.text for e in since] == [
            "session 2 started: 0.1.0, paper on sim (pid 7)",
            "session 2 KILLED: its process went without closing the session "
            "(no heartbeat after its start)",
        ]


class TestConfigChanges:
    """Only the keys that differ are listed, each with its old and new value."""

    def test_changed_added_removed(self) -> None:
        before = {"risk.order_usd": "50.0", "alerts.targets.0.url": '"json://a"', "x": "1"}
        after = {"risk.order_usd": "25.0", "x": "1", "market.tokens": '["SOL"]'}
        assert config_changes(before, after) == [
            ("alerts.targets.0.url", '"json://a"', None),
            ("market.tokens", None, '["SOL"]'),
            ("risk.order_usd", "50.0", "25.0"),
        ]

    def test_shown_between_sessions(self) -> None:
        second = SessionRecord(
            2,
            NOW + 9,
            8,
            "0.1.0",
            "paper",
            "sim",
            {"monitor.bind": '"0.0.0.0"'},
            NOW + 10,
            "clean",
            "",
        )
        first = SessionRecord(
            1,
            NOW,
            7,
            "0.1.0",
            "paper",
            "sim",
            {"monitor.bind": '"127.0.0.1"'},
            NOW + 1,
            "clean",
            "",
        )
        [change] = [
            e for e in build_journal(JournalInput(sessions=[first, second])) if e.kind == "config"
        ]
        assert change.text == "config changed since session 1: monitor.bind 127.0.0.1 → 0.0.0.0"


class TestAlerts:
    """An alert says where it went, or that it was only recorded."""

    def test_deliveries(self) -> None:
        alerts = [
            AlertRecord(NOW, "state", "critical", "Trading HALTED", 1, {"json://h/****": "sent"}),
            AlertRecord(NOW + 1, "stale", "warning", "Price stale", 3, {}),
        ]
        lines = render_lines(build_journal(JournalInput(alerts=alerts)))
        assert lines[0].endswith("alert  CRITICAL Trading HALTED: sent to json://h/****")
        assert lines[1].endswith("alert  WARNING Price stale (×3): recorded, sent to no target")
