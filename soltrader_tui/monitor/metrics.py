"""Provides the `/metrics` text: the engine's snapshot and process figures in Prometheus form.

Every figure comes from the `EngineSnapshot` the engine published (the same one the screen and
`status` render) and from its resource monitor, so `/metrics` cannot disagree with `status
--json`. Names carry the `soltrader_` prefix and their unit; a figure not known yet (equity
without a mark, a win rate before the first round trip) is left out rather than sent as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from soltrader_tui.domain import TradingState
from soltrader_tui.snapshot import EngineSnapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The exposition format's media type."""


@dataclass(frozen=True, slots=True)
class ProcessFigures:
    """What the engine's resource monitor knows of its process and the machine."""

    rss_bytes: int | None = None
    cpu_percent: float | None = None
    loop_lag_s: float | None = None
    sleeps: int = 0
    disk_free_bytes: int | None = None
    wal_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """One immutable picture the endpoints serve: the snapshot and the process figures."""

    snapshot: EngineSnapshot
    process: ProcessFigures


def _gauge(name: str, doc: str, value: float | None) -> Iterator[Metric]:
    if value is not None:
        yield GaugeMetricFamily(name, doc, value=value)


def _counter(name: str, doc: str, value: float) -> Metric:
    return CounterMetricFamily(name, doc, value=value)


def _portfolio(s: EngineSnapshot) -> Iterator[Metric]:
    yield from _gauge(
        "soltrader_equity_usd", "Cash plus open positions at their marks.", s.equity_usd
    )
    yield from _gauge("soltrader_cash_usd", "Cash (USDC).", s.cash_usd)
    yield from _gauge("soltrader_realized_pnl_usd", "Realized P&L.", s.realized_pnl_usd)
    yield from _gauge(
        "soltrader_unrealized_pnl_usd", "Unrealized P&L of open positions.", s.unrealized_pnl_usd
    )
    yield from _gauge("soltrader_open_positions", "Open positions.", len(s.positions))
    yield _counter("soltrader_fills", "Fills recorded in the ledger.", s.fills)
    yield _counter("soltrader_round_trips", "Positions closed (flat to flat).", s.round_trips)
    yield _counter("soltrader_round_trip_wins", "Round trips with a realized gain.", s.wins)
    yield from _gauge("soltrader_win_rate_ratio", "Wins over closed round trips.", s.win_rate)
    state = GaugeMetricFamily(
        "soltrader_trading_state", "1 for the current trading state.", labels=["state"]
    )
    for option in TradingState:
        state.add_metric([option.value], 1.0 if option is s.trading_state else 0.0)
    yield state
    yield from _gauge("soltrader_engine_running", "1 while the engine runs.", float(s.running))


def _api(s: EngineSnapshot) -> Iterator[Metric]:
    calls = CounterMetricFamily("soltrader_api_calls", "API calls.", labels=["provider"])
    errors = CounterMetricFamily("soltrader_api_errors", "Failed API calls.", labels=["provider"])
    limited = CounterMetricFamily(
        "soltrader_api_rate_limited", "API calls answered 429.", labels=["provider"]
    )
    p95 = GaugeMetricFamily(
        "soltrader_api_latency_p95_seconds", "95th percentile API latency.", labels=["provider"]
    )
    for a in s.api:
        calls.add_metric([a.provider], a.calls)
        errors.add_metric([a.provider], a.errors)
        limited.add_metric([a.provider], a.rate_limited)
        if a.p95_ms is not None:
            p95.add_metric([a.provider], a.p95_ms / 1000)
    denials = CounterMetricFamily(
        "soltrader_risk_denials", "Entries denied, by risk rule.", labels=["rule"]
    )
    for rule, count in s.risk_rejections:
        denials.add_metric([rule], count)
    yield from (calls, errors, limited, p95, denials)


def _process(p: ProcessFigures) -> Iterator[Metric]:
    yield from _gauge(
        "soltrader_process_resident_memory_bytes", "Resident memory of the engine.", p.rss_bytes
    )
    cpu = None if p.cpu_percent is None else p.cpu_percent / 100
    yield from _gauge("soltrader_process_cpu_ratio", "CPU used, cores (1 = one core).", cpu)
    yield from _gauge(
        "soltrader_event_loop_lag_seconds", "How late the engine loop woke (worst).", p.loop_lag_s
    )
    yield _counter(
        "soltrader_machine_sleeps", "Times the machine slept under the engine.", p.sleeps
    )
    yield from _gauge(
        "soltrader_disk_free_bytes", "Free space on the ledger's disk.", p.disk_free_bytes
    )
    yield from _gauge("soltrader_ledger_wal_bytes", "Size of the ledger's WAL.", p.wal_bytes)


class _SnapshotCollector(Collector):
    """Collects from one published picture."""

    def __init__(self, published: Published) -> None:
        self._published = published

    def collect(self) -> Iterable[Metric]:
        p = self._published
        info = GaugeMetricFamily(
            "soltrader_build_info", "Version and mode.", labels=["version", "mode"]
        )
        info.add_metric([p.snapshot.version, p.snapshot.mode], 1.0)
        yield info
        yield from _portfolio(p.snapshot)
        yield from _api(p.snapshot)
        yield from _process(p.process)


def render(published: Published) -> bytes:
    """Returns the exposition text of one published picture."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(published))
    return generate_latest(registry)
