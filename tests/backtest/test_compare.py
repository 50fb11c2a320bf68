"""Tests the walk-forward comparison: blind to the future, ranked by evidence, ONE chosen."""

from __future__ import annotations

from dataclasses import replace

import yaml

from soltrader_tui.backtest.compare import Ranked, evaluate, rank, recommend, snippet
from soltrader_tui.backtest.walkforward import walk_forward
from soltrader_tui.config.model import Config
from soltrader_tui.market import samples
from soltrader_tui.market.recorded import load_all
from soltrader_tui.market.series import CandleSeries

SOL_1H = samples.FOLDER / "binance_SOL_USDT_1h_2025-05-19_2025-06-18.csv"
CONFIG = Config.model_validate(
    {"research": {"windows": 2, "trials_per_window": 3, "min_round_trips": 1}}
)


def sol() -> CandleSeries:
    (series,) = load_all([SOL_1H])
    assert isinstance(series, CandleSeries)
    return series


def corrupt_after(s: CandleSeries, ts: float) -> CandleSeries:
    """The same candles, with every one opening at or after `ts` ten times dearer."""
    k = sum(1 for t in s.ts if t < ts)

    def scaled(column: tuple[float, ...]) -> tuple[float, ...]:
        return column[:k] + tuple(v * 10 for v in column[k:])

    return replace(
        s, open=scaled(s.open), high=scaled(s.high), low=scaled(s.low), close=scaled(s.close)
    )


def test_tuning_never_sees_the_out_of_sample_candles() -> None:
    series = sol()
    end = series.ts[-1] + series.interval_s
    first = walk_forward(series.ts[0], end, series.interval_s, count=2, train_ratio=3.0)[0]
    clean = evaluate(CONFIG, "ema_cross", "sol", [series], seed=7)
    dirty = evaluate(CONFIG, "ema_cross", "sol", [corrupt_after(series, first.test_from)], seed=7)
    a, b = clean.windows[0], dirty.windows[0]
    assert a.window == b.window == first
    assert (a.params, a.in_sample) == (b.params, b.in_sample), "tuning saw the future"
    assert a.out_of_sample != b.out_of_sample, "the corruption does reach the out-of-sample run"


def row(name: str, oos: float | None, evidence: int, ret: float = 1.0) -> Ranked:
    return Ranked(name, 0.5, oos, ret, 20, 3.0, 3, 4, evidence, {"fast_span": 9})


class TestChoosing:
    def test_evidence_in_more_windows_ranks_first(self) -> None:
        ranked = rank_rows([row("a", 2.0, 2), row("b", 0.5, 4), row("c", None, 0)])
        assert [r.strategy for r in ranked] == ["b", "a", "c"]

    def test_one_strategy_is_named_with_its_reasons(self) -> None:
        choice = recommend([row("b", 0.5, 4), row("a", 2.0, 2)], "sharpe_drawdown")
        assert choice is not None and choice.strategy == "b"
        assert any("3 of 4 out-of-sample windows" in r for r in choice.reasons)
        assert any("runner-up: a" in r for r in choice.reasons)

    def test_none_when_nothing_made_money_out_of_sample(self) -> None:
        assert recommend([row("b", 0.5, 4, ret=-0.2), row("a", 2.0, 2)], "sharpe") is None

    def test_the_snippet_enables_the_choice_alone(self) -> None:
        choice = recommend([row("ema_cross", 0.5, 4)], "sharpe")
        assert choice is not None
        text = snippet(choice, ["momentum", "ema_cross"])
        loaded = Config.model_validate(yaml.safe_load(text))
        assert loaded.strategies.ema_cross.enabled and loaded.strategies.ema_cross.fast_span == 9
        assert not loaded.strategies.momentum.enabled


def rank_rows(rows: list[Ranked]) -> list[Ranked]:
    """`rank`'s order applied to ready-made rows (rank itself builds them from evaluations)."""
    from soltrader_tui.backtest.compare import _rank_key

    return sorted(rows, key=_rank_key)


def test_rank_builds_rows_from_real_evaluations() -> None:
    evaluation = evaluate(CONFIG, "momentum", "sol", [sol()], seed=1)
    (ranked,) = rank([evaluation])
    assert ranked.strategy == "momentum" and ranked.windows == 2
    assert ranked.params == evaluation.windows[-1].params
