"""Provides loaders for recorded market files: candle CSVs, freqtrade JSON candles, pump.fun tracks.

The format is told from the content (the first character, then the CSV header), never from
the file name alone:

- ``candles_csv``: header ``timestamp,open,high,low,close,volume``; ``timestamp`` is an ISO
  date-time, naive ones are UTC (Binance klines as ``YYYY-MM-DD HH:MM:SS``).
- ``candles_ms_csv``: header ``timestamp_ms,datetime_utc,open,high,low,close,volume``; epoch
  milliseconds, checked against ``datetime_utc`` on every row.
- ``freqtrade_json``: ``[[open_time_ms, open, high, low, close, volume], ...]``.
- ``pumpfun_tracks``: a CSV with at least ``timestamp``, ``mint`` and ``sol_in_pool``, rows of
  many mints interleaved; one series per mint, in order of first appearance.

Candle timestamps are open times, converted to unix seconds UTC. The candle interval is the
most common step between candles; every step must be a whole number of intervals, and longer
steps are gaps that stay gaps (no candle is ever invented). A file name like
``binance_SOL_USDT_5m_….csv`` or ``SOL_USDT-1h.json`` gives the symbol, and its timeframe, when
present, must agree with the data. Prices are read as USD (the files quote USDT).

A row that cannot be used raises RecordedDataError naming the file, its 1-based line and the
column, e.g. ``binance_x.csv:1042: column 'close': 'abc' is not a number``.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from solders.pubkey import Pubkey

from soltrader_tui.domain import Token
from soltrader_tui.errors import UserInputError
from soltrader_tui.market.series import (
    CandleSeries,
    RecordedSeries,
    TrackSeries,
    replay_token,
)

Format = Literal["candles_csv", "candles_ms_csv", "freqtrade_json", "pumpfun_tracks"]

PUMPFUN_DECIMALS = 6
"""Every pump.fun mint has 6 decimals."""

CANDLE_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
CANDLE_MS_COLUMNS = ("timestamp_ms", "datetime_utc", "open", "high", "low", "close", "volume")
FREQTRADE_COLUMNS = ("date", "open", "high", "low", "close", "volume")
TRACK_COLUMNS = ("timestamp", "mint", "sol_in_pool")

_INF = math.inf
_TIMEFRAME_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SYMBOL_RE = re.compile(r"(?:^|[_\-])([A-Z0-9]{2,12}?)_?(?:USDT|USDC|BUSD|USD)(?=[_\-.])")
_TIMEFRAME_RE = re.compile(r"[_\-](\d+)([smhdw])(?=[_\-.])")


class RecordedDataError(UserInputError, ValueError):
    """A recorded market file that cannot be replayed; the message says where and why."""


def detect_format(path: Path) -> Format:
    """Tells a recorded file's format from its first character and CSV header.

    Raises:
        RecordedDataError: If the file is empty, unreadable or of no known format.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            head = f.read(4096)
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordedDataError(f"{path.name}: cannot read: {exc}") from exc
    if head.lstrip().startswith("["):
        return "freqtrade_json"
    header = tuple(c.strip().lower() for c in next(csv.reader([head.split("\n", 1)[0]]), []))
    if header == CANDLE_COLUMNS:
        return "candles_csv"
    if header == CANDLE_MS_COLUMNS:
        return "candles_ms_csv"
    if set(TRACK_COLUMNS) <= set(header):
        return "pumpfun_tracks"
    raise RecordedDataError(
        f"{path.name}:1: unrecognised header {','.join(header)!r}; expected "
        f"{','.join(CANDLE_COLUMNS)!r}, {','.join(CANDLE_MS_COLUMNS)!r}, a freqtrade JSON "
        f"array, or a pump.fun tracks CSV with {', '.join(TRACK_COLUMNS)}"
    )


def load(path: Path, symbol: str | None = None) -> list[RecordedSeries]:
    """Loads one recorded file: one series for a candle file, one per mint for a tracks file.

    Args:
        path: The file.
        symbol: The candle file's token symbol; by default read from the file name.

    Returns:
        The file's series.

    Raises:
        RecordedDataError: If the file cannot be read or a row is bad (file, line, column).
    """
    fmt = detect_format(path)
    if fmt == "pumpfun_tracks":
        return list(_load_tracks(path))
    if fmt == "freqtrade_json":
        columns, line_of = _read_freqtrade_json(path)
    else:
        columns, line_of = _read_candles_csv(path, fmt == "candles_ms_csv")
    return [_candle_series(path, symbol, columns, line_of, fmt)]


def load_all(paths: Iterable[Path]) -> list[RecordedSeries]:
    """Loads several recorded files, in order; see `load`."""
    return [series for path in paths for series in load(path)]


# -- candles -------------------------------------------------------------------------------------

_Columns = tuple[list[int], list[float], list[float], list[float], list[float], list[float]]


def _read_candles_csv(path: Path, ms: bool) -> tuple[_Columns, Callable[[int], int]]:
    names = CANDLE_MS_COLUMNS if ms else CANDLE_COLUMNS
    width, p = len(names), len(names) - 5  # p: index of the open price
    to_seconds: Callable[[list[str]], int] = _ms_time if ms else _first_iso_seconds
    cols: _Columns = ([], [], [], [], [], [])
    add_t, add_ohlcv = _appenders(cols)
    lines: list[int] = []
    add_line = lines.append
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            if len(row) != width:
                if not row:
                    continue
                raise _candle_error(path, reader.line_num, names, row)
            try:
                t = to_seconds(row)
                o, h, lo = float(row[p]), float(row[p + 1]), float(row[p + 2])
                c, v = float(row[p + 3]), float(row[p + 4])
            except ValueError:
                raise _candle_error(path, reader.line_num, names, row) from None
            if not (0.0 < lo <= o <= h < _INF and lo <= c <= h and 0.0 <= v < _INF):
                raise _candle_error(path, reader.line_num, names, row)
            add_t(t)
            add_ohlcv(o, h, lo, c, v)
            add_line(reader.line_num)
    return cols, lines.__getitem__


def _appenders(
    cols: _Columns,
) -> tuple[Callable[[int], None], Callable[[float, float, float, float, float], None]]:
    """Returns quick appends for the time column and the five value columns (~50k rows a file)."""
    add_o, add_h, add_l, add_c, add_v = (c.append for c in cols[1:])

    def add_ohlcv(o: float, h: float, lo: float, c: float, v: float) -> None:
        add_o(o)
        add_h(h)
        add_l(lo)
        add_c(c)
        add_v(v)

    return cols[0].append, add_ohlcv


def _iso_seconds(text: str) -> int:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.microsecond:
        raise ValueError("not a whole second")
    return int(moment.timestamp())


def _first_iso_seconds(row: Sequence[str]) -> int:
    return _iso_seconds(row[0])


def _ms_time(row: Sequence[str]) -> int:
    ms = int(row[0])
    if ms % 1000 or _iso_seconds(row[1]) * 1000 != ms:
        raise ValueError("timestamp_ms and datetime_utc disagree")
    return ms // 1000


def _read_freqtrade_json(path: Path) -> tuple[_Columns, Callable[[int], int]]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordedDataError(f"{path.name}:{exc.lineno}: not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise RecordedDataError(f"{path.name}:1: expected a JSON array of candles")
    cols: _Columns = ([], [], [], [], [], [])
    add_t, add_ohlcv = _appenders(cols)
    for i, row in enumerate(data):
        try:
            ms, o, h, lo, c, v = row
            if type(ms) is not int or ms % 1000:
                raise ValueError(ms)
            o, h, lo, c, v = float(o), float(h), float(lo), float(c), float(v)
        except (ValueError, TypeError):
            raise _candle_error(path, _json_line(text, i), FREQTRADE_COLUMNS, row) from None
        if not (0.0 < lo <= o <= h < _INF and lo <= c <= h and 0.0 <= v < _INF):
            raise _candle_error(path, _json_line(text, i), FREQTRADE_COLUMNS, row)
        add_t(ms // 1000)
        add_ohlcv(o, h, lo, c, v)
    return cols, lambda i: _json_line(text, i)


def _json_line(text: str, index: int) -> int:
    """Returns the 1-based line where element `index` of the top-level array starts."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    for _ in range(index + 1):
        while text[pos] in " \t\r\n,":
            pos += 1
        start = pos
        _, pos = decoder.raw_decode(text, pos)
    return text.count("\n", 0, start) + 1


def _candle_error(path: Path, line: int, names: Sequence[str], row: object) -> RecordedDataError:
    """Builds the error for a bad candle row, naming the first column at fault."""
    where = f"{path.name}:{line}"
    if not isinstance(row, (list, tuple)):
        return RecordedDataError(f"{where}: expected a list of {len(names)} values, found {row!r}")
    if len(row) != len(names):
        shape = f"{len(row)} of {len(names)} columns ({', '.join(names)})"
        if len(row) < len(names):
            return RecordedDataError(
                f"{where}: column {names[len(row)]!r}: missing, row has {shape}"
            )
        return RecordedDataError(f"{where}: row has {len(row)} columns, expected {shape[5:]}")
    time_cols = 2 if names == CANDLE_MS_COLUMNS else 1
    try:
        if names == CANDLE_MS_COLUMNS:
            _ms_time(row)
        elif names == CANDLE_COLUMNS:
            _iso_seconds(row[0])
        elif type(row[0]) is not int or row[0] % 1000:
            raise ValueError
    except ValueError:
        col = names[1] if names == CANDLE_MS_COLUMNS and row[0].isdigit() else names[0]
        return RecordedDataError(
            f"{where}: column {col!r}: {row[names.index(col)]!r} is not a whole-second UTC "
            "time" + (" matching timestamp_ms" if col == "datetime_utc" else "")
        )
    values: list[float] = []
    for name, raw in zip(names[time_cols:], row[time_cols:], strict=True):
        problem = _number_problem(raw, allow_zero=name == "volume")
        if problem:
            return RecordedDataError(f"{where}: column {name!r}: {raw!r} {problem}")
        values.append(float(raw))
    o, h, lo, c, _ = values
    for other, value in (("open", o), ("close", c), ("low", lo)):
        if h < value:
            return RecordedDataError(f"{where}: column 'high': {h!r} is below {other} {value!r}")
    worse = ("open", o) if lo > o else ("close", c)
    return RecordedDataError(f"{where}: column 'low': {lo!r} is above {worse[0]} {worse[1]!r}")


def _number_problem(raw: object, *, allow_zero: bool) -> str | None:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "is not a number"
    if not math.isfinite(value):
        return "is not a finite number"
    if value < 0 or (value == 0 and not allow_zero):
        return "is not positive" if not allow_zero else "is negative"
    return None


def _candle_series(
    path: Path,
    symbol: str | None,
    cols: _Columns,
    line_of: Callable[[int], int],
    fmt: Format,
) -> CandleSeries:
    name = path.name
    found = _SYMBOL_RE.search(name)
    symbol = symbol or (found.group(1) if found else None)
    if not symbol:
        raise RecordedDataError(
            f"{name}: cannot tell the token from the file name; name it like "
            "binance_SOL_USDT_5m.csv or give the symbol"
        )
    ts = cols[0]
    if not ts:
        raise RecordedDataError(f"{name}: no candles")
    tf = _TIMEFRAME_RE.search(name)
    named = int(tf.group(1)) * _TIMEFRAME_S[tf.group(2)] if tf else None
    steps = Counter(b - a for a, b in itertools.pairwise(ts) if b > a)
    interval = min(steps, key=lambda s: (-steps[s], s)) if steps else named
    if interval is None:
        raise RecordedDataError(f"{name}: cannot tell the candle interval from one candle")
    if named is not None and named != interval:
        raise RecordedDataError(
            f"{name}: the name says {named} s candles but they are {interval} s apart"
        )
    col = {"candles_csv": "timestamp", "candles_ms_csv": "timestamp_ms"}.get(fmt, "date")
    for i in range(1, len(ts)):
        step = ts[i] - ts[i - 1]
        if step <= 0 or step % interval:
            why = "is not after" if step <= 0 else f"is off the {interval} s grid of"
            raise RecordedDataError(
                f"{name}:{line_of(i)}: column {col!r}: open time "
                f"{_iso(ts[i])} {why} the previous candle ({_iso(ts[i - 1])})"
            )
    token = replay_token(symbol)
    return CandleSeries(token, interval, name, tuple(ts), *(tuple(c) for c in cols[1:]))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


# -- pump.fun tracks -----------------------------------------------------------------------------


def _load_tracks(path: Path) -> list[TrackSeries]:
    name = path.name
    per_mint: dict[str, tuple[list[float], list[float], list[int]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = [c.strip().lower() for c in next(reader)]
        it, im, isol = (header.index(c) for c in TRACK_COLUMNS)
        width = len(header)
        for row in reader:
            if not row:
                continue
            where = f"{name}:{reader.line_num}"
            if len(row) != width:
                raise RecordedDataError(f"{where}: expected {width} columns, found {len(row)}")
            try:
                moment = datetime.fromisoformat(row[it])
            except ValueError:
                raise RecordedDataError(
                    f"{where}: column 'timestamp': {row[it]!r} is not an ISO date-time"
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            problem = _number_problem(row[isol], allow_zero=False)
            if problem:
                raise RecordedDataError(f"{where}: column 'sol_in_pool': {row[isol]!r} {problem}")
            mint = row[im]
            series = per_mint.get(mint)
            if series is None:
                _check_mint(where, mint)
                series = per_mint[mint] = ([], [], [])
            t = moment.timestamp()
            if series[0] and t <= series[0][-1]:
                raise RecordedDataError(
                    f"{where}: column 'timestamp': {row[it]} is not after this mint's previous "
                    f"sample (line {series[2][-1]})"
                )
            series[0].append(t)
            series[1].append(float(row[isol]))
            series[2].append(reader.line_num)
    if not per_mint:
        raise RecordedDataError(f"{name}: no samples")
    return [
        TrackSeries(Token(mint, mint[:6], PUMPFUN_DECIMALS), name, tuple(t), tuple(sol))
        for mint, (t, sol, _) in per_mint.items()
    ]


def _check_mint(where: str, mint: str) -> None:
    try:
        Pubkey.from_string(mint)
    except ValueError:
        raise RecordedDataError(f"{where}: column 'mint': {mint!r} is not a base58 mint") from None
