"""Provides the config as flat dotted keys: how a session's config is stored and compared."""

from __future__ import annotations

import json
from collections.abc import Mapping


def flatten(data: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    """Flattens nested settings to `{"risk.max_positions": "3", ...}`.

    A list of sections is numbered (`alerts.targets.0.url`), so a change in one target names
    it; a list of plain values stays one value (`market.tokens`), compared whole. Each value
    is its JSON text, so `null`, `true` and a string stay told apart.

    Args:
        data: The settings as JSON-ready values (`Config.model_dump(mode="json")`).
        prefix: The dotted key of `data` itself ("" at the top).

    Returns:
        Every leaf's dotted key and its JSON text, in the order of `data`.
    """
    flat: dict[str, str] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted + "."))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for index, item in enumerate(value):
                flat.update(flatten(item, f"{dotted}.{index}."))
        else:
            flat[dotted] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return flat
