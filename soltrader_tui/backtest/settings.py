"""Provides BacktestSettings: what a backtest runs, what it costs, and which limits apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from soltrader_tui.config.model import Config, PaperConfig, RiskConfig
from soltrader_tui.risk import ExitPolicy

Impact = Literal["pool", "none"]
"""How a fill's price moves with its size: `pool` prices it against a constant-product pool of
the liquidity model's depth; `none` fills at the price itself (the common backtester
convention)."""


@dataclass(frozen=True, slots=True)
class BacktestSettings:
    """One backtest's choices, from the config and the command line."""

    strategy: str
    """The one strategy that may trade; the others are not run."""
    config: Config
    """The session's config: the strategy's parameters, and the risk limits unless `no_risk`."""
    paper: PaperConfig
    """Starting cash, swap fee (bps per side) and network fee."""
    risk: RiskConfig
    """The risk limits (unless `no_risk`), and the stake per entry (`order_usd`)."""
    exits: ExitPolicy
    """The exit rules a held position is walked against in every candle."""
    no_risk: bool = False
    """Risk limits other than the exits off, one position at a time, `risk.order_usd` (or the
    stake) per entry."""
    impact: Impact = "pool"
    from_ts: float | None = None
    """First candle opening at or after it is traded; the candles before it warm the strategy."""
    to_ts: float | None = None
    """Candles opening at or after it are not used."""


def settings_from(
    config: Config,
    strategy: str,
    *,
    stake_usd: float | None = None,
    fee_bps: float | None = None,
    stop_loss_pct: float | None = None,
    no_risk: bool = False,
    impact: Impact = "pool",
    from_ts: float | None = None,
    to_ts: float | None = None,
) -> BacktestSettings:
    """Builds the settings: the config, with the command line's overrides validated by it.

    With `no_risk` the only exits besides the strategy's are a stop, and only when
    `stop_loss_pct` is given, as in the common convention of Python backtesters; the config's
    take-profit, trailing stop and holding limit are not used.

    Raises:
        pydantic.ValidationError: an override outside what its config key accepts.
    """
    paper = config.paper
    if fee_bps is not None:
        paper = PaperConfig.model_validate({**paper.model_dump(), "swap_fee_bps": fee_bps})
    risk = config.risk.model_dump()
    if stop_loss_pct is not None:
        risk["stop_loss_pct"] = stop_loss_pct
    if stake_usd is not None:
        risk["order_usd"] = stake_usd
        risk["min_order_usd"] = min(risk["min_order_usd"], stake_usd)
    limits = RiskConfig.model_validate(risk)
    exits = ExitPolicy.from_config(limits)
    if no_risk:
        stop = 0.0 if stop_loss_pct is None else exits.stop_factor
        exits = ExitPolicy(stop, float("inf"), 0.0, float("inf"))
    return BacktestSettings(
        strategy=strategy,
        config=config,
        paper=paper,
        risk=limits,
        exits=exits,
        no_risk=no_risk,
        impact=impact,
        from_ts=from_ts,
        to_ts=to_ts,
    )
