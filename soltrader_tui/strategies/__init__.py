"""Provides the strategies: the Strategy protocol, its implementations and their indicators."""

from __future__ import annotations

from soltrader_tui.config.model import StrategiesConfig
from soltrader_tui.strategies.base import ScoreReading, Strategy
from soltrader_tui.strategies.breakout import Breakout
from soltrader_tui.strategies.ema_cross import EmaCross
from soltrader_tui.strategies.fresh_memecoin import FreshMemecoin
from soltrader_tui.strategies.mean_reversion import MeanReversion
from soltrader_tui.strategies.momentum import Momentum

__all__ = [
    "Breakout",
    "EmaCross",
    "FreshMemecoin",
    "MeanReversion",
    "Momentum",
    "ScoreReading",
    "Strategy",
    "make_strategies",
]


def make_strategies(config: StrategiesConfig) -> tuple[Strategy, ...]:
    """Builds every configured strategy, disabled ones included (they still show scores).

    Args:
        config: The `strategies` section of the config.

    Returns:
        One instance per strategy, in a stable order.
    """
    return (
        Momentum(config.momentum),
        EmaCross(config.ema_cross),
        MeanReversion(config.mean_reversion),
        Breakout(config.breakout),
        FreshMemecoin(config.fresh_memecoin),
    )
