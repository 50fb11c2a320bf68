"""Provides the pieces a search shares: a strategy's parameters as config, and one scored run.

`compare` and `optimize` both turn a set of parameter values into a `Config` (validated by the
strategy's own section, so a search can never run what a config file could not say) and run a
`Backtest` on a stretch of candles, scoring it by `research.objective`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from soltrader_tui.backtest.metrics import WORST, Figures, figures, objective
from soltrader_tui.backtest.record import BacktestRecord
from soltrader_tui.backtest.runner import Backtest
from soltrader_tui.backtest.settings import settings_from
from soltrader_tui.config.model import Config, StrategiesConfig
from soltrader_tui.market.series import CandleSeries
from soltrader_tui.strategies.params import Param, tunable

Params = dict[str, float | int]


@dataclass(frozen=True, slots=True)
class Scored:
    """One run: its figures and its objective (WORST when it is no evidence)."""

    figures: Figures | None
    """None when the parameters were invalid (nothing ran)."""
    score: float


def section_model(strategy: str) -> type[BaseModel]:
    """The config section of a strategy, by name.

    Raises:
        KeyError: no strategy of that name.
    """
    field = StrategiesConfig.model_fields.get(strategy)
    annotation = None if field is None else field.annotation
    if not isinstance(annotation, type) or not issubclass(annotation, BaseModel):
        raise KeyError(strategy)
    return annotation


def params_of(strategy: str) -> tuple[Param, ...]:
    """The tunable parameters of a strategy."""
    return tunable(section_model(strategy))


def current_params(config: Config, strategy: str) -> Params:
    """The strategy's tunable parameters as the config sets them."""
    section = getattr(config.strategies, strategy)
    return {p.name: getattr(section, p.name) for p in params_of(strategy)}


def with_params(config: Config, strategy: str, params: Mapping[str, float | int]) -> Config:
    """The config with `strategy` enabled alone and its parameters set.

    Raises:
        ValidationError: the values break the section's rules (e.g. fast ≥ slow).
    """
    data = config.model_dump()
    for name, section in data["strategies"].items():
        section["enabled"] = name == strategy
    data["strategies"][strategy].update(params)
    return Config.model_validate(data)


def record_figures(record: BacktestRecord, interval_s: float) -> Figures:
    """The figures of a finished backtest."""
    return figures(
        [t.pnl_usd for t in record.closed_trips if t.pnl_usd is not None],
        [e / 1e6 for e in record.equity_micro],
        starting_equity_usd=record.starting_cash_micro / 1e6,
        interval_s=interval_s,
        exposed_candles=record.exposed_candles,
        candles=record.candles,
        fees_usd=record.fees_micro / 1e6,
    )


def score_run(
    config: Config,
    strategy: str,
    params: Mapping[str, float | int],
    series: Sequence[CandleSeries],
    *,
    from_ts: float | None = None,
    to_ts: float | None = None,
) -> Scored:
    """Backtests `strategy` with `params` on candles opening in [from_ts, to_ts), warmed on the
    candles before `from_ts`, under the config's risk limits and costs."""
    try:
        tuned = with_params(config, strategy, params)
    except ValidationError:
        return Scored(None, WORST)
    settings = settings_from(tuned, strategy, from_ts=from_ts, to_ts=to_ts)
    record = Backtest(settings, series).run_now()
    result = record_figures(record, series[0].interval_s)
    return Scored(result, objective(result, config.research))
