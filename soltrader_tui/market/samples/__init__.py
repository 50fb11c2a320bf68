"""Provides the recorded-data samples shipped with soltrader-tui, so replay works out of the box.

Real candles and pump.fun tracks cut from public recordings (sources in `SOURCES.md` here).
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
"""Where the sample files are installed."""

DEFAULT = ("binance_SOLUSDT_1m_2025-01-19.csv", "binance_TRUMP_USDT_5m_2025-01-19.csv")
"""Replayed when `market.replay.paths` is empty: SOL and TRUMP on TRUMP's listing day."""


def names() -> list[str]:
    """The sample files, by name."""
    return sorted(p.name for p in FOLDER.iterdir() if p.suffix in {".csv", ".json"})


def find(name: str) -> Path | None:
    """The sample of that bare file name, or None when there is no such sample."""
    return FOLDER / name if name in names() else None
