"""Provides load_candles: recorded candle files, parsed once and then read from a binary cache.

Parsing half a year of 5m candles takes longer than backtesting them, and `compare` and
`optimize` read the same files again and again. The first load checks every row as
`recorded.load` does and writes the columns as raw 64-bit numbers into the cache folder; a later
load of the same file (same path, size and modification time) reads them back in a few
milliseconds. A cache entry that is missing, stale or unreadable is simply rebuilt: the file is
the truth, the cache only a copy.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from collections.abc import Iterable
from pathlib import Path

from soltrader_tui.domain import Token
from soltrader_tui.market.series import CandleSeries, RecordedSeries

_MAGIC = b"soltrader-candles 1\n"


def load_candles(paths: Iterable[Path], cache_dir: Path | None) -> list[RecordedSeries]:
    """Loads recorded files like `recorded.load_all`, through the cache for candle files.

    Args:
        paths: The files, in order.
        cache_dir: Where cached columns live; None: no cache.

    Raises:
        RecordedDataError: a file cannot be replayed (from `recorded.load`).
    """
    out: list[RecordedSeries] = []
    for path in paths:
        entry = None if cache_dir is None else _entry(path, cache_dir)
        cached = None if entry is None else _read(entry)
        if cached is not None:
            out.append(cached)
            continue
        from soltrader_tui.market.recorded import load  # a parse: only on a cache miss

        loaded = load(path)
        if entry is not None and len(loaded) == 1 and isinstance(loaded[0], CandleSeries):
            _write(entry, loaded[0])
        out.extend(loaded)
    return out


def _entry(path: Path, cache_dir: Path) -> Path | None:
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except OSError:
        return None  # `load` reports the missing file
    key = f"{resolved}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    return cache_dir / f"{path.stem}-{hashlib.sha256(key).hexdigest()[:16]}.bin"


def _read(entry: Path) -> CandleSeries | None:
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_MAGIC):
            return None
        head_end = data.index(b"\n", len(_MAGIC))
        head = json.loads(data[len(_MAGIC) : head_end])
        n = int(head["n"])
        body = memoryview(data)[head_end + 1 :]
        columns = []
        for k, code in enumerate("qddddd"):
            column = array(code)
            column.frombytes(body[k * 8 * n : (k + 1) * 8 * n])
            columns.append(tuple(column))
        if any(len(c) != n for c in columns):
            return None
        token = Token(head["mint"], head["symbol"], int(head["decimals"]))
        return CandleSeries(token, int(head["interval_s"]), head["source"], *columns)
    except (ValueError, KeyError, TypeError):
        return None


def _write(entry: Path, s: CandleSeries) -> None:
    head = {
        "n": len(s),
        "mint": s.token.mint,
        "symbol": s.token.symbol,
        "decimals": s.token.decimals,
        "interval_s": s.interval_s,
        "source": s.source,
    }
    parts = [_MAGIC, json.dumps(head).encode() + b"\n", array("q", s.ts).tobytes()]
    parts += [array("d", column).tobytes() for column in (s.open, s.high, s.low, s.close, s.volume)]
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial = entry.with_name(f"{entry.name}.{os.getpid()}.partial")
        partial.write_bytes(b"".join(parts))
        partial.replace(entry)
    except OSError:
        return  # a cache that cannot be written only costs the next load its parse
