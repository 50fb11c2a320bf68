"""Provides the optuna study behind `optimize`: one study, any number of worker processes.

Every worker, on this machine or another, opens the same study in the same storage (a local
SQLite file by default, or any database URL optuna supports) and runs trials until the study
holds the number asked for. A trial's number is given by the storage, so each is counted once
whichever worker ran it; a worker that is handed a number past the budget (several asked at the
same moment) marks that trial failed, `over_budget`, and stops.

The search runs on the in-sample part of the data; the end of the data (`research.holdout_pct`)
is kept out of it, to check the best trial out of sample. The configured parameters are
enqueued as the study's first trial, so the best trial is never worse in sample than them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.backtest.search import quiet_optuna, suggest
from soltrader_tui.backtest.tuning import Params, Scored, current_params, score_run
from soltrader_tui.config.model import Config
from soltrader_tui.market.series import CandleSeries

if TYPE_CHECKING:
    import optuna

OVER_BUDGET = "over_budget"


@dataclass(frozen=True, slots=True)
class StudySpec:
    """What every worker of one study needs; it pickles, for worker processes."""

    storage: str
    study: str
    strategy: str
    trials: int
    files: tuple[str, ...]
    config_data: dict[str, object] = field(hash=False)
    from_ts: float | None = None
    to_ts: float | None = None
    seed: int | None = None
    """Worker k's sampler seed is seed + k; None: random (workers on several machines)."""
    cache: str | None = None
    """The candle cache folder (see `market.candle_cache`)."""

    @property
    def config(self) -> Config:
        return Config.model_validate(self.config_data)


@dataclass(frozen=True, slots=True)
class Split:
    """The in-sample and holdout stretches, as candle open times: [start, holdout) and
    [holdout, end)."""

    start: float
    holdout: float
    end: float


def load_series(spec: StudySpec) -> list[CandleSeries]:
    """The candle files of the study."""
    from soltrader_tui.market.candle_cache import load_candles

    cache = None if spec.cache is None else Path(spec.cache)
    loaded = load_candles([Path(f) for f in spec.files], cache)
    return [s for s in loaded if isinstance(s, CandleSeries)]


def split(series: Sequence[CandleSeries], spec: StudySpec, holdout_pct: float) -> Split:
    """Cuts the span into in-sample and holdout on the candle grid."""
    interval = series[0].interval_s
    start = float(min(s.ts[0] for s in series))
    end = float(max(s.ts[-1] for s in series) + interval)
    if spec.from_ts is not None:
        start = max(start, spec.from_ts)
    if spec.to_ts is not None:
        end = min(end, spec.to_ts)
    candles = int((end - start) // interval)
    holdout = start + (candles - int(candles * holdout_pct / 100)) * interval
    return Split(start, holdout, end)


def open_study(spec: StudySpec, seed: int | None) -> optuna.Study:
    """Opens (or creates) the study; every worker calls it."""
    import optuna

    quiet_optuna()
    storage: str | optuna.storages.BaseStorage = spec.storage
    if spec.storage.startswith("sqlite"):
        # Several processes write one SQLite file: wait for the lock instead of failing.
        storage = optuna.storages.RDBStorage(
            spec.storage, engine_kwargs={"connect_args": {"timeout": 60}}
        )
    return optuna.create_study(
        study_name=spec.study,
        storage=storage,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        load_if_exists=True,
    )


OnTrial = Callable[[int, float | None], None]
"""Told (trials done in the study, best value so far) after each trial this worker ran."""


def prepare(spec: StudySpec) -> None:
    """Creates the storage's tables and the study, and enqueues the configured parameters as
    its first trial, before any worker starts: workers starting together must not race to
    create them."""
    study = open_study(spec, seed=None)
    study.enqueue_trial(current_params(spec.config, spec.strategy), skip_if_exists=True)


def work(spec: StudySpec, worker: int, on_trial: OnTrial | None = None) -> int:
    """Runs trials of the study until it holds `spec.trials`; returns how many this ran."""
    from optuna.trial import TrialState

    config = spec.config
    series = load_series(spec)
    cut = split(series, spec, config.research.holdout_pct)
    study = open_study(spec, seed=None if spec.seed is None else spec.seed + worker)
    ran = 0
    while len(study.get_trials(deepcopy=False)) < spec.trials:
        trial = study.ask()
        if trial.number >= spec.trials:
            trial.set_user_attr(OVER_BUDGET, True)
            study.tell(trial, state=TrialState.FAIL)
            break
        params = suggest(trial, spec.strategy)
        scored = score_run(
            config, spec.strategy, params, series, from_ts=cut.start, to_ts=cut.holdout
        )
        trial.set_user_attr("worker", f"{os.getpid()}")
        if scored.figures is not None:
            trial.set_user_attr("round_trips", scored.figures.round_trips)
        study.tell(trial, scored.score)
        ran += 1
        if on_trial is not None:
            on_trial(_finished(study), _best(study))
    return ran


def _finished(study: optuna.Study) -> int:
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def _best(study: optuna.Study) -> float | None:
    try:
        return float(study.best_value)
    except ValueError:  # no completed trial yet
        return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The study's result: the best trial and the configured parameters, in and out of sample."""

    best_params: Params
    best_in: Scored
    best_out: Scored
    default_params: Params
    default_in: Scored
    default_out: Scored
    trials: int
    split: Split


def outcome(spec: StudySpec) -> Outcome:
    """Checks the best trial and the configured parameters on both stretches."""
    config = spec.config
    series = load_series(spec)
    cut = split(series, spec, config.research.holdout_pct)
    study = open_study(spec, seed=None)
    best = dict(study.best_trial.params)
    default = current_params(config, spec.strategy)

    def runs(params: Params) -> tuple[Scored, Scored]:
        name = spec.strategy
        inside = score_run(config, name, params, series, from_ts=cut.start, to_ts=cut.holdout)
        outside = score_run(config, name, params, series, from_ts=cut.holdout, to_ts=cut.end)
        return inside, outside

    best_in, best_out = runs(best)
    default_in, default_out = runs(default)
    done = _finished(study)
    return Outcome(best, best_in, best_out, default, default_in, default_out, done, cut)
