"""Tests the set of strategies: how the engine builds them, their shared shape, their configs."""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import annotated_types
import pytest
from pydantic import BaseModel

from soltrader_tui.config.load import ConfigError, load_config
from soltrader_tui.config.model import (
    BreakoutConfig,
    EmaCrossConfig,
    FreshMemecoinConfig,
    MeanReversionConfig,
    MomentumConfig,
    StrategiesConfig,
)
from soltrader_tui.domain import MarketTick, Token
from soltrader_tui.strategies import (
    Breakout,
    EmaCross,
    FreshMemecoin,
    MeanReversion,
    Momentum,
    Strategy,
    make_strategies,
)
from soltrader_tui.strategies.params import tunable

NAMES = ["momentum", "ema_cross", "mean_reversion", "breakout", "fresh_memecoin"]
SECTIONS: list[type[BaseModel]] = [
    MomentumConfig,
    EmaCrossConfig,
    MeanReversionConfig,
    BreakoutConfig,
    FreshMemecoinConfig,
]
T0 = 1_735_689_600.0  # 2025-01-01 00:00 UTC, on every timeframe's grid
TOKEN = Token("MintREG11111111111111111111111111111111111", "REG", 6)


def wavy_ticks(hours: float, step_s: float = 10.0) -> list[MarketTick]:
    """A token whose price swings ±5% over an hour, with a wiggle, in a $20k pool."""
    ticks = []
    for i in range(int(hours * 3600 / step_s)):
        ts = T0 + i * step_s
        price = 1.0 + 0.05 * math.sin(ts / 600.0) + (0.002 if i % 2 else -0.002)
        ticks.append(MarketTick(TOKEN, ts, price, 20_000.0 * math.sqrt(price)))
    return ticks


class TestFactory:
    """The engine builds every configured strategy, disabled ones included, in a stable order."""

    def test_all_five_in_order_with_unique_names(self) -> None:
        built = make_strategies(StrategiesConfig())
        assert [s.name for s in built] == NAMES
        assert len({s.name for s in built}) == len(built)

    def test_only_momentum_is_enabled_by_default(self) -> None:
        built = make_strategies(StrategiesConfig())
        assert [s.enabled for s in built] == [True, False, False, False, False]

    def test_enabled_follows_the_config(self) -> None:
        config = StrategiesConfig(
            momentum=MomentumConfig(enabled=False),
            mean_reversion=MeanReversionConfig(enabled=True),
            fresh_memecoin=FreshMemecoinConfig(enabled=True),
        )
        built = make_strategies(config)
        assert [(s.name, s.enabled) for s in built] == [
            ("momentum", False),
            ("ema_cross", False),
            ("mean_reversion", True),
            ("breakout", False),
            ("fresh_memecoin", True),
        ]

    def test_classes_are_exported(self) -> None:
        built = make_strategies(StrategiesConfig())
        classes = [Momentum, EmaCross, MeanReversion, Breakout, FreshMemecoin]
        assert [type(s) for s in built] == classes


class TestProtocol:
    """Every strategy has the shape the engine and the screen rely on."""

    @pytest.mark.parametrize("strategy", make_strategies(StrategiesConfig()), ids=NAMES)
    def test_declares_its_threshold_and_timeframe(self, strategy: Strategy) -> None:
        assert 0.0 < strategy.entry_threshold < 1.0
        assert strategy.timeframe_s is None or strategy.timeframe_s > 0

    def test_tick_and_candle_strategies(self) -> None:
        frames = [s.timeframe_s for s in make_strategies(StrategiesConfig())]
        assert frames == [None, 300, None, 300, None]

    @pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
    def test_unknown_token_scores_none_and_forget_is_harmless(self, index: int) -> None:
        strategy = make_strategies(StrategiesConfig())[index]
        strategy.forget(TOKEN.mint)
        reading = strategy.score(TOKEN.mint)
        assert reading.score is None
        assert reading.reason in {"no prices yet", "no candles yet"}

    def test_disabled_strategies_still_score_but_never_signal(self) -> None:
        # Three hours of ticks warms the slowest (26 five-minute candles); holding alternates
        # so that both buys and sells would be possible.
        built = make_strategies(StrategiesConfig(momentum=MomentumConfig(enabled=False)))
        signals = []
        for i, tick in enumerate(wavy_ticks(3.0)):
            for strategy in built:
                signal = strategy.on_tick(tick, holding=i % 200 < 100)
                if signal is not None:
                    signals.append(signal)
        assert signals == []
        for strategy in built:
            score, reason = strategy.score(TOKEN.mint)
            assert score is not None, f"{strategy.name}: {reason}"
            assert 0.0 <= score <= 1.0
            assert reason.endswith(f"→ {score:.2f}")


def bounds(section: type[BaseModel], name: str) -> tuple[float, float, bool, bool]:
    """A field's own (lower, upper, lower inclusive, upper inclusive) bounds."""
    low, high, low_in, high_in = -math.inf, math.inf, True, True
    for item in section.model_fields[name].metadata:
        if isinstance(item, annotated_types.Gt):
            low, low_in = float(item.gt), False  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Ge):
            low, low_in = float(item.ge), True  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Lt):
            high, high_in = float(item.lt), False  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            high, high_in = float(item.le), True  # type: ignore[arg-type]
    return low, high, low_in, high_in


class TestTunable:
    """Each section offers its numeric parameters to tuning, over ranges the field accepts."""

    @pytest.mark.parametrize("section", SECTIONS, ids=NAMES)
    def test_every_numeric_parameter_is_tunable(self, section: type[BaseModel]) -> None:
        numeric = [n for n, f in section.model_fields.items() if f.annotation in (int, float)]
        assert numeric
        assert [p.name for p in tunable(section)] == numeric

    @pytest.mark.parametrize("section", SECTIONS, ids=NAMES)
    def test_ranges_lie_within_the_fields_bounds(self, section: type[BaseModel]) -> None:
        for param in tunable(section):
            low, high, low_in, high_in = bounds(section, param.name)
            assert param.low < param.high, param
            assert param.low > low or (low_in and param.low == low), param
            assert param.high < high or (high_in and param.high == high), param
            assert param.integer is (section.model_fields[param.name].annotation is int)

    @pytest.mark.parametrize("section", SECTIONS, ids=NAMES)
    def test_defaults_lie_within_the_ranges(self, section: type[BaseModel]) -> None:
        defaults = section()
        for param in tunable(section):
            assert param.low <= getattr(defaults, param.name) <= param.high, param


INVERTED = [
    (MomentumConfig, {"fast_window_s": 400}, "fast_window_s (400) must be less than slow_window_s"),
    (
        MomentumConfig,
        {"exit_threshold": 0.9},
        "exit_threshold (0.9) must be less than entry_threshold (0.75)",
    ),
    (EmaCrossConfig, {"fast_span": 30}, "fast_span (30) must be less than slow_span (26)"),
    (MeanReversionConfig, {"turn_z": 2.5}, "turn_z (2.5) must be less than entry_z + exit_z (2)"),
    (
        MeanReversionConfig,
        {"entry_z": 1, "exit_z": -0.5, "turn_z": 0.5},
        "turn_z (0.5) must be less than entry_z + exit_z (0.5)",
    ),
    (
        BreakoutConfig,
        {"exit_candles": 30},
        "exit_candles (30) must not be more than entry_candles (20)",
    ),
    (
        FreshMemecoinConfig,
        {"exit_pressure": 0.7},
        "exit_pressure (0.7) must be less than min_pressure (0.65)",
    ),
    (FreshMemecoinConfig, {"window_s": 3600}, "window_s (3600) must be less than max_age_s (1800)"),
]


class TestConfigSections:
    """A section whose parameters contradict each other is refused, saying which and why."""

    @pytest.mark.parametrize(("section", "values", "message"), INVERTED)
    def test_inverted_parameters_are_refused(
        self, section: type[BaseModel], values: dict[str, float], message: str
    ) -> None:
        with pytest.raises(ValueError, match=re.escape(message)):
            section.model_validate(values)

    @pytest.mark.parametrize(
        ("key", "text", "message"),
        [
            ("mean_reversion", "turn_z: 3", "turn_z (3) must be less than entry_z + exit_z"),
            ("breakout", "exit_candles: 25", "exit_candles (25) must not be more than"),
            ("fresh_memecoin", "min_pressure: 0.4", "min_pressure: must be greater than 0.5"),
        ],
    )
    def test_config_file_names_the_section_and_line(
        self, tmp_path: Path, key: str, text: str, message: str
    ) -> None:
        path = tmp_path / "config.yaml"
        body = f"""
            strategies:
              {key}:
                enabled: true
                {text}
            """
        path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        shown = str(caught.value)
        assert f"{path}:" in shown
        assert f"strategies.{key}" in shown
        assert message in shown

    def test_inverted_defaults_are_not_shipped(self) -> None:
        for section in SECTIONS:
            section()
