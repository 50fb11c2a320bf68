"""Provides the health assessment: is the bot OK, judged from what the ledger says.

`assess` is pure: it takes a `StatusReport` (from `ledger_view.read_status`) and the few recent
figures the report lacks (`RecentActivity`, read by `health_reads`), and returns one `Check`
per concern. The overall level is the worst check, and it is also the exit code of
`soltrader-tui health`: 0 ok, 1 degraded, 2 failing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from soltrader_tui import __version__
from soltrader_tui import format as fmt
from soltrader_tui.config.model import Config
from soltrader_tui.domain import TradingState
from soltrader_tui.ledger.alert_rows import DeliveryRow
from soltrader_tui.market.feed_status import FeedStatus
from soltrader_tui.monitor.health_alerts import alert_delivery
from soltrader_tui.monitor.health_feed import (
    live_feed,
    provider_problem,
    recent_refusal,
    refusals_text,
    stale_text,
)
from soltrader_tui.monitor.resources import MB, ResourceStatus
from soltrader_tui.snapshot import STALE_PRICE

if TYPE_CHECKING:
    from soltrader_tui.monitor.ledger_view import StatusReport
    from soltrader_tui.snapshot import LogLine

Level = Literal["ok", "degraded", "failing"]

EXIT_CODES: dict[Level, int] = {"ok": 0, "degraded": 1, "failing": 2}
"""Exit code per level; also the order of severity."""

HEARTBEAT_DEGRADED_S = 10.0
"""The engine flushes every wall second; ten missed flushes is more than a slow disk or an
antivirus scan of the WAL explains, but the engine may still catch up."""
HEARTBEAT_FAILING_S = 60.0
"""A minute without a flush while the engine holds the lock: the tick loop is stuck, so risk
exits are not being checked either (a hung engine)."""
RECENT_WINDOW_S = 300.0
"""How far back "recent" reaches for logged errors: long enough that a monitor polling every
few minutes sees each error once, short enough that an error the engine got over clears."""
API_WINDOW_MINUTES = 5
"""`api_usage` rows are per UTC minute: the current minute and the four before it."""
API_ERROR_SHARE = 0.20
"""Share of failed calls above which a provider is degraded. The metered client retries, so
a few failures are absorbed; one call in five failing means quotes go missing regularly."""
API_MIN_ERRORS = 3
"""Fewest failed calls that can degrade a provider: on a quiet minute one timeout out of
three calls is bad luck, not a trend."""
RATE_LIMIT_WINDOW_MINUTES = 2
"""Minutes (the current one and the one before) in which any 429 degrades a provider: the
client keeps under the configured limit, so a 429 means the limit is set above what the
provider allows (or something else shares the key)."""
WAL_DEGRADED_MB = 512.0
"""A write-ahead log this large is not being checkpointed back into the ledger (a reader that
never lets go, such as a backup or sync tool holding the file): every read gets slower."""
SAMPLE_FRESH_S = 60.0
"""A resource sample older than this (wall seconds) says nothing about the engine now."""
SLEEP_RECENT_S = RECENT_WINDOW_S
"""How long after a wake the sleep keeps `resources` degraded: its stops were not watched."""
DETAIL_QUOTE_CHARS = 160
"""Longest quoted log line in a detail, so one check stays on one line."""


@dataclass(frozen=True, slots=True)
class RecentProviderUsage:
    """One provider's calls in the recent `api_usage` rows."""

    provider: str
    calls: int
    errors: int
    """Failed attempts (429s included) in the last `API_WINDOW_MINUTES`."""
    rate_limited: int
    """429 responses in the last `API_WINDOW_MINUTES`."""
    recent_rate_limited: int
    """429 responses in the last `RATE_LIMIT_WINDOW_MINUTES`."""


@dataclass(frozen=True, slots=True)
class EngineOwner:
    """Who holds the engine lock, as its owner file says."""

    pid: int
    since_wall: float | None
    """When it took the lock, unix seconds; None when the file does not say."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The thresholds the config sets for the resource and storage checks."""

    rss_mb: float
    loop_lag_ms: float
    disk_free_mb: float
    """Below it: degraded."""
    min_free_mb: float
    """Below it: failing (a session would be refused the start)."""
    checkpoint_every_s: float

    @classmethod
    def of(cls, config: Config) -> Limits:
        """The limits `config` sets."""
        m, s = config.monitor, config.storage
        return cls(
            m.rss_mb, m.loop_lag_ms, m.disk_free_mb, s.min_free_mb, s.checkpoint_every_minutes * 60
        )


@dataclass(frozen=True, slots=True)
class StorageFigures:
    """The ledger's files and disk as the checking process sees them now."""

    wal_bytes: int
    disk_free_bytes: int | None
    """None when the ledger's folder cannot be read."""
    newest_checkpoint_wall: float | None
    """When the newest checkpoint was taken, unix seconds; None when there is none."""


@dataclass(frozen=True, slots=True)
class RecentActivity:
    """What the status report lacks: recent errors and API usage, and the lock's owner."""

    api: tuple[RecentProviderUsage, ...] = ()
    errors: int = 0
    """Error-level log lines in the last `RECENT_WINDOW_S` of the engine's clock."""
    newest_error: LogLine | None = None
    owner: EngineOwner | None = None
    """None when no engine holds the lock, or its owner file is unreadable."""
    resources: ResourceStatus | None = None
    """The engine's newest resource row (None: none written)."""
    storage: StorageFigures | None = None
    """None when not measured (a report built without the files)."""
    limits: Limits | None = None
    """None: the default config's."""
    deliveries: tuple[DeliveryRow, ...] = ()
    """Each alert target's newest delivery."""


@dataclass(frozen=True, slots=True)
class Check:
    """One concern, how it stands, and the figure that decided it."""

    name: str
    level: Level
    detail: str


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Every check of one ledger at one instant."""

    ledger: Path | None
    """None when not even the ledger's path could be worked out (a bad config)."""
    checked_at: float
    """Wall time of the check, unix seconds."""
    checks: tuple[Check, ...]

    @property
    def level(self) -> Level:
        """The worst level of any check."""
        return worst(c.level for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 ok, 1 degraded, 2 failing."""
        return EXIT_CODES[self.level]

    @property
    def checked_at_iso(self) -> str:
        """`checked_at` as UTC ISO-8601 text, in the ledger's form ('…T12:00:00.000Z')."""
        # Formatted here rather than with the ledger's helper: this module stays free of I/O.
        text = datetime.fromtimestamp(self.checked_at, UTC).isoformat(timespec="milliseconds")
        return text.removesuffix("+00:00") + "Z"


def worst(levels: Iterable[Level]) -> Level:
    """Returns the most severe of `levels` ("ok" when there are none)."""
    result: Level = "ok"
    for level in levels:
        if EXIT_CODES[level] > EXIT_CODES[result]:
            result = level
    return result


def engine_now(report: StatusReport, now_wall: float) -> float:
    """Returns the engine's clock now, against which log lines' times are measured.

    Log lines carry market time. On the wall clock that is wall time, but an accelerated
    session runs ahead of it and a replay runs in the past, so the last heartbeat's market
    time is the anchor; the wall seconds since it are added one for one.
    """
    beat = report.heartbeat
    if beat is None or beat.market_ts is None:
        return now_wall
    return beat.market_ts + max(0.0, now_wall - beat.wall_ts)


def assess(report: StatusReport, recent: RecentActivity, now_wall: float) -> HealthReport:
    """Judges a ledger's health.

    Args:
        report: What `ledger_view.read_status` read.
        recent: The recent figures `health_reads.read_recent` read.
        now_wall: Wall time of the check, unix seconds.

    Returns:
        One check each for the engine, its heartbeat, the trading state, prices, API use and
        logged errors.
    """
    feed = live_feed(report.feed, report.snapshot.running, now_wall)
    checks = (
        _engine(report, recent.owner),
        _heartbeat(report, recent.owner, now_wall),
        _trading_state(report),
        _prices(report, feed),
        _api(recent.api, feed, now_wall),
        _errors(recent),
        *resource_checks(recent, report.snapshot.running, now_wall),
    )
    return HealthReport(report.ledger, now_wall, checks)


def _engine(report: StatusReport, owner: EngineOwner | None) -> Check:
    s, beat, age = report.snapshot, report.heartbeat, report.heartbeat_age_s
    if s.running:
        about: list[str] = [s.mode]
        if beat is not None and (owner is None or owner.pid == beat.pid):
            about = [f"pid {beat.pid}", s.mode, beat.version]
        elif owner is not None:
            about = [f"pid {owner.pid}", "starting"]
        return Check("engine", "ok", f"an engine holds the ledger ({', '.join(about)})")
    detail = "no engine holds the ledger: nothing is trading or watching exits"
    if beat is not None and age is not None:
        if beat.running:
            detail += (
                f"; the last one (pid {beat.pid}) did not shut down cleanly (killed or crashed), "
                f"last heartbeat {fmt.elapsed(age)} ago"
            )
        else:
            detail += f"; the last one (pid {beat.pid}) stopped {fmt.elapsed(age)} ago"
    return Check("engine", "failing", detail)


def _age_level(age: float) -> Level:
    if age > HEARTBEAT_FAILING_S:
        return "failing"
    if age > HEARTBEAT_DEGRADED_S:
        return "degraded"
    return "ok"


def _heartbeat(report: StatusReport, owner: EngineOwner | None, now_wall: float) -> Check:
    beat, age = report.heartbeat, report.heartbeat_age_s
    if not report.snapshot.running:
        last = "none written" if age is None else f"the last one {fmt.elapsed(age)} ago"
        return Check("heartbeat", "ok", f"none expected: no engine runs ({last})")
    # A heartbeat from an earlier session (another pid) says nothing about the engine now
    # holding the lock: until it flushes, judge it by how long ago it took the lock.
    if beat is not None and age is not None and (owner is None or owner.pid == beat.pid):
        level = _age_level(age)
        detail = f"last flush {fmt.elapsed(age)} ago (flushes every second)"
        if level == "failing":
            detail += ": the engine holds the lock but has stopped flushing (hung?)"
        return Check("heartbeat", level, detail)
    if owner is None or owner.since_wall is None:
        return Check("heartbeat", "degraded", "the running engine has written no heartbeat yet")
    started = max(0.0, now_wall - owner.since_wall)
    level = _age_level(started)
    detail = f"engine pid {owner.pid} took the lock {fmt.elapsed(started)} ago, no heartbeat yet"
    if level == "failing":
        detail += " (stuck starting?)"
    return Check("heartbeat", level, detail)


def _trading_state(report: StatusReport) -> Check:
    s = report.snapshot
    name = s.trading_state.value.upper()
    if s.trading_state is TradingState.ACTIVE:
        return Check("trading state", "ok", f"{name} ({s.state_reason})")
    if s.trading_state is TradingState.PAUSED:
        detail = f"{name}: {s.state_reason}; exits only, no new entries"
        return Check("trading state", "degraded", detail)
    return Check(
        "trading state",
        "degraded",
        f"{name}: {s.state_reason}; safe, but it will not trade until resumed "
        "(soltrader-tui resume)",
    )


def _prices(report: StatusReport, feed: FeedStatus | None) -> Check:
    scores = report.snapshot.scores
    # Refusals are the session's count: still worth saying after the engine stopped.
    refused = None if report.feed is None else refusals_text(report.feed)
    stale_line = None if feed is None else stale_text(feed)
    if stale_line is None:
        stale = sorted({v.symbol for v in scores if v.reason.startswith(STALE_PRICE)})
        if stale:
            stale_line = (
                f"stale prices for {', '.join(stale)}: no entries in them until fresh prices return"
            )
    if stale_line is not None:
        return Check("prices", "degraded", "; ".join(t for t in (stale_line, refused) if t))
    tokens = len({v.mint for v in scores})
    detail = "no token scored yet" if tokens == 0 else f"{tokens} tokens priced, none stale"
    if refused is None:
        return Check("prices", "ok", detail)
    if feed is None:
        return Check("prices", "ok", f"{detail}; last session: {refused}")
    # A refusal is the screen doing its job, but a source that sends absurd prices needs a look.
    level: Level = "degraded" if recent_refusal(feed, RECENT_WINDOW_S) else "ok"
    return Check("prices", level, f"{detail}; {refused}")


def provider_level(usage: RecentProviderUsage) -> Level:
    """Returns how one provider's recent usage stands (see the API_* constants)."""
    if usage.recent_rate_limited > 0:
        return "degraded"
    if usage.errors >= API_MIN_ERRORS and usage.errors > API_ERROR_SHARE * usage.calls:
        return "degraded"
    return "ok"


def _api(usage: tuple[RecentProviderUsage, ...], feed: FeedStatus | None, now_wall: float) -> Check:
    window = f"last {API_WINDOW_MINUTES} min"
    if feed is not None:
        # What the engine's client sees now names the outage: an open circuit, its next
        # probe, and failures by kind (connection, timeout, 5xx, 429).
        live = [
            problem
            for p in feed.providers
            if (problem := provider_problem(p, now_wall, f"last {RATE_LIMIT_WINDOW_MINUTES} min"))
            and (p.circuit != "closed" or provider_level(_usage_of(usage, p.provider)) != "ok")
        ]
        if live:
            return Check("api", "degraded", "; ".join(live))
    if not usage or sum(u.calls for u in usage) == 0:
        # Also the case when the market is read in-process (an accelerated or replayed
        # session): no calls is not a fault by itself.
        return Check("api", "ok", f"no API calls in the {window}")
    problems = []
    for u in usage:
        if provider_level(u) == "ok":
            continue
        if u.recent_rate_limited:
            problems.append(
                f"{u.provider}: {u.recent_rate_limited} rate-limited (429) in the last "
                f"{RATE_LIMIT_WINDOW_MINUTES} min"
            )
        else:
            problems.append(
                f"{u.provider}: {u.errors} of {u.calls} calls failed "
                f"({u.errors / max(u.calls, 1):.0%}) in the {window}"
            )
    if problems:
        return Check("api", "degraded", "; ".join(problems))
    calls = sum(u.calls for u in usage)
    errors = sum(u.errors for u in usage)
    return Check("api", "ok", f"{calls} calls, {errors} failed in the {window}")


def _usage_of(usage: tuple[RecentProviderUsage, ...], provider: str) -> RecentProviderUsage:
    for u in usage:
        if u.provider == provider:
            return u
    return RecentProviderUsage(provider, 0, 0, 0, 0)


def _errors(recent: RecentActivity) -> Check:
    window = f"last {RECENT_WINDOW_S / 60:.0f} min"
    if recent.errors == 0:
        return Check("errors", "ok", f"no errors logged in the {window}")
    detail = f"{recent.errors} logged in the {window}"
    if recent.newest_error is not None:
        message = " ".join(recent.newest_error.message.split())  # one line, whatever it held
        if len(message) > DETAIL_QUOTE_CHARS:
            message = message[: DETAIL_QUOTE_CHARS - 1] + "…"
        detail += f"; newest: {message}"
    return Check("errors", "degraded", detail)


def unreadable(ledger: Path | None, message: str, now_wall: float) -> HealthReport:
    """Returns the report for a ledger that could not be read: failing, saying why."""
    return HealthReport(ledger, now_wall, (Check("ledger", "failing", message),))


def health_json(health: HealthReport) -> dict[str, Any]:
    """Returns the `health --json` object."""
    return {
        "status": health.level,
        "exit_code": health.exit_code,
        "ledger": None if health.ledger is None else str(health.ledger),
        "checked_at": health.checked_at_iso,
        "version": __version__,
        "checks": [{"name": c.name, "status": c.level, "detail": c.detail} for c in health.checks],
    }


def resource_checks(recent: RecentActivity, running: bool, now_wall: float) -> tuple[Check, ...]:
    """The checks of the process, the disk and the alerts: `resources`, `storage`, `alerts`."""
    limits = recent.limits or Limits.of(Config())
    return (
        _resources(recent.resources, limits, running, now_wall),
        _storage(recent.storage, limits, running, now_wall),
        _alerts(recent, now_wall),
    )


def _alerts(recent: RecentActivity, now_wall: float) -> Check:
    degraded, detail = alert_delivery(recent.deliveries, now_wall)
    return Check("alerts", "degraded" if degraded else "ok", detail)


def _resources(
    status: ResourceStatus | None, limits: Limits, running: bool, now_wall: float
) -> Check:
    if not running:
        return Check("resources", "ok", f"{fmt.MISSING} (no engine runs)")
    if status is None or now_wall - status.sample.wall_ts > SAMPLE_FRESH_S:
        return Check("resources", "ok", f"{fmt.MISSING} (no recent sample from the engine)")
    s = status.sample
    rss_mb, lag = s.rss_bytes / MB, status.loop_lag_ms
    lag_text = fmt.MISSING if lag is None else f"{lag:,.0f} ms"
    parts = [f"RSS {rss_mb:,.0f} MB, CPU {s.cpu_percent:.1f} %, loop lag {lag_text}"]
    level: Level = "ok"
    if rss_mb > limits.rss_mb:
        level = "degraded"
        parts.append(f"memory above its limit of {limits.rss_mb:,.0f} MB")
    if lag is not None and lag > limits.loop_lag_ms:
        level = "degraded"
        parts.append(f"loop lag above its limit of {limits.loop_lag_ms:,.0f} ms")
    woke, away = status.last_sleep_wall, status.last_sleep_s
    if woke is not None and away is not None and now_wall - woke <= SLEEP_RECENT_S:
        level = "degraded"
        parts.append(
            f"the machine slept {fmt.elapsed(away)} until {fmt.ts(woke)} UTC: stops were not "
            "watched; prices are re-read before any trade"
        )
    return Check("resources", level, "; ".join(parts))


def _storage(
    figures: StorageFigures | None, limits: Limits, running: bool, now_wall: float
) -> Check:
    if figures is None:
        return Check("storage", "ok", fmt.MISSING)
    free = figures.disk_free_bytes
    free_text = fmt.MISSING if free is None else f"{free / MB:,.0f} MB"
    ckpt = figures.newest_checkpoint_wall
    ckpt_age = None if ckpt is None else max(0.0, now_wall - ckpt)
    ckpt_text = "none yet" if ckpt_age is None else f"{fmt.elapsed(ckpt_age)} ago"
    detail = (
        f"disk free {free_text}, WAL {figures.wal_bytes / MB:,.1f} MB, "
        f"newest checkpoint {ckpt_text}"
    )
    if free is not None and limits.min_free_mb > 0 and free / MB < limits.min_free_mb:
        return Check(
            "storage",
            "failing",
            f"{detail}: below storage.min_free_mb ({limits.min_free_mb:,.0f} MB); a full disk "
            "halts the engine",
        )
    problems = []
    if free is not None and free / MB < limits.disk_free_mb:
        problems.append(f"disk free below monitor.disk_free_mb ({limits.disk_free_mb:,.0f} MB)")
    if figures.wal_bytes / MB > WAL_DEGRADED_MB:
        problems.append("the WAL is not being checkpointed (a reader holding the ledger open?)")
    if running and ckpt_age is not None and ckpt_age > 2 * limits.checkpoint_every_s:
        problems.append(
            f"no checkpoint for over twice storage.checkpoint_every_minutes "
            f"({limits.checkpoint_every_s / 60:,.0f} min)"
        )
    if problems:
        return Check("storage", "degraded", f"{detail}: {'; '.join(problems)}")
    return Check("storage", "ok", detail)
