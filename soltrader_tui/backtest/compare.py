"""Provides the walk-forward comparison: every strategy on every data set, ranked, and ONE chosen.

`evaluate` runs one strategy over one data set's walk-forward windows: tune in sample (a TPE
search starting from the configured parameters), then trade the next stretch out of sample
with the parameters found, warmed on the candles before it. `rank` averages each strategy's
windows over every data set; `recommend` names the strategy with the best out-of-sample
objective that is evidence (enough round trips) and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

from soltrader_tui.backtest.metrics import WORST
from soltrader_tui.backtest.search import tune
from soltrader_tui.backtest.tuning import Params, Scored, score_run
from soltrader_tui.backtest.walkforward import Window, walk_forward
from soltrader_tui.config.model import Config
from soltrader_tui.market.series import CandleSeries


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One walk-forward window of one strategy on one data set."""

    window: Window
    params: Params
    in_sample: Scored
    out_of_sample: Scored


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One strategy on one data set, window by window."""

    strategy: str
    dataset: str
    end_ts: float
    """The data set's end: its most recent window's parameters are the ones to run."""
    windows: tuple[WindowResult, ...]


def evaluate(
    config: Config, strategy: str, dataset: str, series: Sequence[CandleSeries], *, seed: int
) -> Evaluation:
    """Walks one strategy forward over one data set (see the module docstring).

    Raises:
        NotEnoughData: the data set is too short for the configured windows.
    """
    research = config.research
    first = min(s.ts[0] for s in series)
    end = max(s.ts[-1] for s in series) + series[0].interval_s
    results = []
    for k, w in enumerate(
        walk_forward(
            first,
            end,
            series[0].interval_s,
            count=research.windows,
            train_ratio=research.train_ratio,
        )
    ):
        params, in_sample = tune(
            config,
            strategy,
            series,
            from_ts=w.train_from,
            to_ts=w.test_from,
            trials=research.trials_per_window,
            seed=seed + k,
        )
        out = score_run(config, strategy, params, series, from_ts=w.test_from, to_ts=w.test_to)
        results.append(WindowResult(w, params, in_sample, out))
    return Evaluation(strategy, dataset, end, tuple(results))


@dataclass(frozen=True, slots=True)
class Ranked:
    """A strategy's walk-forward results over every data set, side by side."""

    strategy: str
    in_sample: float | None
    """Mean in-sample objective of the windows that are evidence; None: none is."""
    out_of_sample: float | None
    """Mean out-of-sample objective of the windows that are evidence: the ranking figure."""
    oos_return_pct: float
    """Mean out-of-sample return per window, percent."""
    oos_round_trips: int
    oos_max_drawdown_pct: float
    profitable_windows: int
    windows: int
    evidence_windows: int
    """Out-of-sample windows with enough round trips to count."""
    params: Params
    """Tuned on the most recent in-sample stretch (of the data set that ends last)."""


def rank(evaluations: Sequence[Evaluation]) -> list[Ranked]:
    """Each strategy's figures over all its windows, best out-of-sample objective first."""
    by_strategy: dict[str, list[Evaluation]] = {}
    for e in evaluations:
        by_strategy.setdefault(e.strategy, []).append(e)
    rows = [_ranked(name, evals) for name, evals in by_strategy.items()]
    return sorted(rows, key=_rank_key)


def _rank_key(r: Ranked) -> tuple[float, float, str]:
    """More windows of evidence first, then the higher out-of-sample objective."""
    oos = float("-inf") if r.out_of_sample is None else r.out_of_sample
    return (-r.evidence_windows / r.windows, -oos, r.strategy)


def _mean_of_evidence(scores: Sequence[float]) -> float | None:
    real = [s for s in scores if s > WORST]
    return fmean(real) if real else None


def _ranked(strategy: str, evaluations: list[Evaluation]) -> Ranked:
    windows = [w for e in evaluations for w in e.windows]
    oos = [w.out_of_sample for w in windows]
    figures = [s.figures for s in oos if s.figures is not None]
    latest = max(evaluations, key=lambda e: e.end_ts)
    return Ranked(
        strategy=strategy,
        in_sample=_mean_of_evidence([w.in_sample.score for w in windows]),
        out_of_sample=_mean_of_evidence([s.score for s in oos]),
        oos_return_pct=fmean(f.return_pct for f in figures) if figures else 0.0,
        oos_round_trips=sum(f.round_trips for f in figures),
        oos_max_drawdown_pct=max((f.max_drawdown_pct for f in figures), default=0.0),
        profitable_windows=sum(1 for f in figures if f.total_pnl_usd > 0),
        windows=len(windows),
        evidence_windows=sum(1 for s in oos if s.score > WORST),
        params=latest.windows[-1].params,
    )


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The one strategy to run, and why."""

    strategy: str
    reasons: tuple[str, ...]
    params: Params


def recommend(ranked: Sequence[Ranked], objective: str) -> Recommendation | None:
    """The best-ranked strategy whose out-of-sample windows are all evidence and that made
    money out of sample on average; None when no strategy qualifies (then run none)."""
    for row in ranked:
        if row.out_of_sample is None or row.evidence_windows < row.windows:
            continue
        if row.oos_return_pct <= 0:
            continue
        others = [r for r in ranked if r is not row]
        reasons = [
            f"best out-of-sample {objective} ({row.out_of_sample:.2f}) of the strategies "
            "with enough round trips in every window",
            f"made money in {row.profitable_windows} of {row.windows} out-of-sample windows, "
            f"{row.oos_return_pct:+.2f}% per window on average, worst drawdown "
            f"{row.oos_max_drawdown_pct:.1f}%",
            f"{row.oos_round_trips} out-of-sample round trips",
        ]
        if row.in_sample is not None and row.in_sample > row.out_of_sample:
            reasons.append(
                f"in-sample {row.in_sample:.2f} falls to {row.out_of_sample:.2f} out of "
                "sample: expect live results nearer the lower figure"
            )
        if others:
            reasons.append("runner-up: " + others[0].strategy)
        return Recommendation(row.strategy, tuple(reasons), row.params)
    return None


def snippet(
    recommendation: Recommendation,
    strategies: Sequence[str],
    origin: str = "chosen by `soltrader-tui compare`, parameters tuned on the most recent "
    "in-sample stretch",
) -> str:
    """The config lines that enable the recommended strategy alone, with its tuned parameters."""
    lines = [
        f"# {recommendation.strategy}: {origin}.",
        "# Paste over the `strategies:` section of config.yaml.",
        "strategies:",
    ]
    for name in strategies:
        lines.append(f"  {name}:")
        lines.append(f"    enabled: {'true' if name == recommendation.strategy else 'false'}")
        if name == recommendation.strategy:
            for key, value in recommendation.params.items():
                text = f"{value:.6g}" if isinstance(value, float) else str(value)
                lines.append(f"    {key}: {text}")
    return "\n".join(lines) + "\n"


def evaluate_file(
    config_data: dict[str, object], strategy: str, path: str, seed: int, cache: str | None
) -> Evaluation:
    """`evaluate` on one candle file, for a worker process (arguments that pickle cheaply)."""
    from pathlib import Path

    from soltrader_tui.market.candle_cache import load_candles

    folder = None if cache is None else Path(cache)
    series = [s for s in load_candles([Path(path)], folder) if isinstance(s, CandleSeries)]
    config = Config.model_validate(config_data)
    return evaluate(config, strategy, Path(path).name, series, seed=seed)
