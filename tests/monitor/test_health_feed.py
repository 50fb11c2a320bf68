"""`health` names an outage: open circuits and their next probe, failures by kind, stale tokens."""

from __future__ import annotations

from dataclasses import replace

from soltrader_tui.market.feed_status import FeedStatus, ProviderStatus, StaleToken, from_json
from soltrader_tui.monitor.health import Check, RecentActivity, RecentProviderUsage, assess
from soltrader_tui.monitor.ledger_view import status_json
from tests.monitor.test_health import NOW, make_report

OPEN = ProviderStatus(
    provider="jupiter",
    circuit="open",
    next_probe_wall=NOW + 4,
    consecutive_failures=5,
    recent_failures={"connection": 14, "rate_limited": 3},
    last_error="connection error (ConnectError) on /price/v3",
)
FEED = FeedStatus(
    written_wall=NOW - 1,
    market_ts=NOW,
    providers=(OPEN,),
    stale=(StaleToken("m1", "SOLX", NOW - 45), StaleToken("m2", "NEWB", None)),
    refusals={"out_of_range": 3, "unreadable": 2},
    last_refusal_ts=NOW - 12,
)
BUSY = RecentActivity(api=(RecentProviderUsage("jupiter", 40, 17, 3, 3),))


def check(feed: FeedStatus | None, name: str, running: bool = True) -> Check:
    report = replace(make_report(running=running), feed=feed)
    return next(c for c in assess(report, BUSY, NOW).checks if c.name == name)


class TestApiNamesTheOutage:
    """Connection failures and the open circuit come first; 429s no longer hide them."""

    def test_open_circuit_next_probe_and_failure_kinds(self) -> None:
        c = check(FEED, "api")
        assert c.level == "degraded"
        assert c.detail == (
            "jupiter: circuit open after 5 failed calls in a row, next probe at 08:00:04 "
            "(in 4 s); last error: connection error (ConnectError) on /price/v3; "
            "14 connection failures, 3 rate-limited (429) in the last 2 min"
        )

    def test_a_closed_circuit_with_failures_still_names_their_kinds(self) -> None:
        closed = replace(OPEN, circuit="closed", next_probe_wall=None, consecutive_failures=1)
        c = check(replace(FEED, providers=(closed,)), "api")
        assert c.level == "degraded"
        assert c.detail == "jupiter: 14 connection failures, 3 rate-limited (429) in the last 2 min"

    def test_a_feed_status_of_a_stopped_engine_says_nothing_of_circuits(self) -> None:
        c = check(FEED, "api", running=False)
        assert "circuit" not in c.detail

    def test_an_old_feed_status_says_nothing_of_circuits(self) -> None:
        c = check(replace(FEED, written_wall=NOW - 3600), "api")
        assert "circuit" not in c.detail


class TestPricesNameStaleTokensAndRefusals:
    """Stale tokens with the time of their last price; refused prices counted by rule."""

    def test_stale_with_last_price_time_and_refusals(self) -> None:
        c = check(FEED, "prices")
        assert c.level == "degraded"
        assert c.detail == (
            "stale prices for SOLX (last price 07:59:15, 45 s ago), NEWB (no price accepted "
            "yet): no entries or exits on them until fresh ones; 5 prices refused as "
            "implausible this session (out_of_range 3, unreadable 2), the newest 12 s ago"
        )

    def test_a_recent_refusal_degrades_an_old_one_does_not(self) -> None:
        fresh = replace(FEED, stale=())
        assert check(fresh, "prices").level == "degraded"
        old = replace(fresh, last_refusal_ts=NOW - 3600)
        assert check(old, "prices").level == "ok"


class TestStatusJson:
    """`status --json` carries circuits, next probes, stale tokens and refusal counts."""

    def test_fields(self) -> None:
        from soltrader_tui.snapshot import ApiView

        snapshot = make_report().snapshot
        report = replace(make_report(api=(ApiView("jupiter", 40, 17, 3, 12.0),)), feed=FEED)
        assert snapshot.running
        out = status_json(report)
        api = out["api"][0]
        assert (api["circuit"], api["next_probe"]) == ("open", "2027-01-15T08:00:04.000Z")
        assert api["recent_failures"] == {"connection": 14, "rate_limited": 3}
        assert out["stale_tokens"] == [
            {"mint": "m1", "symbol": "SOLX", "last_price_ts": NOW - 45, "last_price_age_s": 45.0},
            {"mint": "m2", "symbol": "NEWB", "last_price_ts": None, "last_price_age_s": None},
        ]
        assert out["price_refusals"] == {"out_of_range": 3, "unreadable": 2}

    def test_round_trip_through_the_stored_text(self) -> None:
        assert from_json(FEED.to_json()) == FEED
        assert from_json("{not json") is None
        assert from_json('{"written_wall": 1}') is None
