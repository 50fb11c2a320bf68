"""Provides tune: an optuna TPE search of a strategy's parameters on one stretch of candles.

The configured parameters are always the first trial, so a search can only match or beat them
on the data it sees. Invalid combinations (a fast window not shorter than the slow one) score
as `WORST` rather than failing the search: TPE learns to avoid them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from soltrader_tui.backtest.tuning import Params, Scored, current_params, params_of, score_run
from soltrader_tui.config.model import Config
from soltrader_tui.market.series import CandleSeries

if TYPE_CHECKING:
    import optuna


def suggest(trial: optuna.Trial, strategy: str) -> Params:
    """The trial's values for each tunable parameter of the strategy, in its declared range."""
    values: Params = {}
    for p in params_of(strategy):
        if p.integer:
            values[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
        else:
            values[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
    return values


def quiet_optuna() -> None:
    """Silences optuna's per-trial log lines (progress is ours to show)."""
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)


def tune(
    config: Config,
    strategy: str,
    series: Sequence[CandleSeries],
    *,
    from_ts: float,
    to_ts: float,
    trials: int,
    seed: int,
) -> tuple[Params, Scored]:
    """Searches the strategy's parameters on candles opening in [from_ts, to_ts).

    Returns:
        The best parameters and their run; with `trials` 1, the configured ones.
    """
    import optuna

    quiet_optuna()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial(current_params(config, strategy))
    runs: dict[int, tuple[Params, Scored]] = {}

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, strategy)
        scored = score_run(config, strategy, params, series, from_ts=from_ts, to_ts=to_ts)
        runs[trial.number] = (params, scored)
        return scored.score

    study.optimize(objective, n_trials=trials)
    return runs[study.best_trial.number]
