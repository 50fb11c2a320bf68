"""Provides Param and tunable: the parameters a strategy's config section offers to tuning.

A config field is tunable when it is declared with `json_schema_extra=tune(low, high)` (with
`log=True` for a range searched on a log scale). The range is narrower than what the field
accepts: it is where a search is worth spending trials, while the field's own bounds say what
is valid at all. Keeping the range on the field keeps one place per parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from soltrader_tui.config.model import tune_range


@dataclass(frozen=True, slots=True)
class Param:
    """One tunable parameter of a strategy's config section."""

    name: str
    """The config key inside the strategy's section, e.g. `fast_span`."""
    low: float
    high: float
    integer: bool
    """Whole numbers only (spans, candle counts)."""
    log: bool
    """Searched on a log scale (windows that matter by ratio, not by difference)."""


def tunable(section: type[BaseModel]) -> tuple[Param, ...]:
    """Lists the tunable parameters of a strategy's config section, in declaration order.

    Args:
        section: The section's model, e.g. `EmaCrossConfig`.
    """
    params = []
    for name, field in section.model_fields.items():
        searched = tune_range(field)
        if searched is not None:
            low, high, log = searched
            params.append(Param(name, low, high, field.annotation is int, log))
    return tuple(params)
