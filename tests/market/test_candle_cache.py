"""Tests the candle cache: the same series as a fresh parse, rebuilt when stale or damaged."""

from __future__ import annotations

import os
from pathlib import Path

from soltrader_tui.market import samples
from soltrader_tui.market.candle_cache import load_candles
from soltrader_tui.market.recorded import load_all

SOL_5M = samples.FOLDER / "binance_SOL_USDT_5m_2025-01-19.csv"


def copy_of(path: Path, folder: Path) -> Path:
    target = folder / path.name
    target.write_bytes(path.read_bytes())
    return target


def test_a_cached_load_equals_a_fresh_parse(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_candles([SOL_5M], cache)
    assert len(list(cache.glob("*.bin"))) == 1
    second = load_candles([SOL_5M], cache)
    assert first == second == load_all([SOL_5M])


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    data, cache = copy_of(SOL_5M, tmp_path), tmp_path / "cache"
    load_candles([data], cache)
    rows = data.read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join(rows[:-10]) + "\n", encoding="utf-8")  # ten candles fewer
    os.utime(data, ns=(1, 1))
    (series,) = load_candles([data], cache)
    assert len(series) == len(rows) - 1 - 10


def test_a_damaged_cache_entry_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_candles([SOL_5M], cache)
    (entry,) = cache.glob("*.bin")
    entry.write_bytes(entry.read_bytes()[:100])
    assert load_candles([SOL_5M], cache) == load_all([SOL_5M])
    assert entry.stat().st_size > 100, "the entry was written again"


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    assert load_candles([SOL_5M], blocked / "cache") == load_all([SOL_5M])
