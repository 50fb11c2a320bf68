"""Provides the strategies: the Strategy protocol, its implementations and their indicators."""

from __future__ import annotations

from soltrader_tui.config.model import StrategiesConfig
from soltrader_tui.strategies.base import ScoreReading, Strategy
from soltrader_tui.strategies.ema_cross import EmaCross
from soltrader_tui.strategies.momentum import Momentum

__all__ = ["EmaCross", "Momentum", "ScoreReading", "Strategy", "make_strategies"]


def make_strategies(config: StrategiesConfig) -> tuple[Strategy, ...]:
    """Builds every configured strategy, disabled ones included (they still show scores).

    Args:
        config: The `strategies` section of the config.

    Returns:
        One instance per strategy, in a stable order.
    """
    return (Momentum(config.momentum), EmaCross(config.ema_cross))
