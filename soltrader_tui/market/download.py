"""Provides download: candles from a public API appended to a CSV that replay reads, resumable.

The file is `market.recorded`'s ``candles_ms_csv`` shape (header
``timestamp_ms,datetime_utc,open,high,low,close,volume``), named so that `recorded.load` reads
the token and the interval from the name: ``binance_SOL_USDT_5m.csv``,
``geckoterminal_WIF_USD_5m_<pool>.csv``.

Each page is appended as whole rows in one write, then flushed to the disk, so a download cut
off (Ctrl+C, a kill, a crash) leaves every page before it. A row cut off half-written has no
line end: the next download drops it and continues after the last whole row, so no candle is
written twice or out of order. Gaps in the API's data stay gaps.

Every call goes through `MeteredClient` with one `ProviderPolicy` per provider: retries with
backoff on 429, 5xx and timeouts (a `Retry-After` is honoured), no retry on another 4xx, and
calls spread evenly under a per-minute budget: Binance 300 calls (600 of its 6000 weight a
minute; the client does not read `X-MBX-USED-WEIGHT-1M`, the budget keeps far below it),
GeckoTerminal 30 (its keyless limit).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui.market.ohlcv_api import (
    BINANCE,
    GECKOTERMINAL,
    DownloadInputError,
    Kline,
    Page,
    binance_request,
    check_continues,
    check_pool,
    file_symbol,
    gecko_request,
    interval_seconds,
    iso,
    parse_binance,
    parse_gecko,
    split_pair,
)
from soltrader_tui.market.recorded import CANDLE_MS_COLUMNS
from soltrader_tui.net import MeteredClient, ProviderPolicy

DEFAULT_RATE = {BINANCE: 300, GECKOTERMINAL: 30}
"""Calls a minute at most, by default (see the module docstring)."""

HEADER = ",".join(CANDLE_MS_COLUMNS).encode() + b"\n"
_TAIL_BYTES = 65536
"""How much of the file's end is read to find its last row (a row is under 200 bytes)."""
_TIMEFRAME = re.compile(r"[_\-](\d+)([smhdw])(?=[_\-.])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    """What to download, from where, and where to."""

    provider: str
    """`binance` or `geckoterminal`."""
    target: str
    """The Binance pair (`SOLUSDT`) or the Solana pool address."""
    interval: str
    """`5m`, `1h`, …: the provider's candle interval."""
    since: int | None
    """First open time wanted (unix seconds) for a new file; an existing file is continued."""
    until: int
    """Open times before this are downloaded (unix seconds, exclusive)."""
    out: Path | None
    """The file, or a folder for the default name; None: the current folder."""
    symbol: str | None
    """GeckoTerminal: the token's symbol for the file name (default: the pool's base token)."""
    base_url: str
    requests_per_minute: int


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a download stands after a page was written."""

    path: Path
    rows: int
    """Candles written by this download so far."""
    last_ts: int
    """Open time of the file's last candle."""


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """What a finished download did."""

    path: Path | None
    """The file; None when there was no file and nothing to write."""
    rows: int
    first_ts: int | None
    """Open time of the first candle written by this download."""
    last_ts: int | None
    """Open time of the file's last candle."""
    resumed_after: int | None
    """The existing file's last candle, when the download continued one."""
    dropped_bytes: int
    """Length of an unfinished last row dropped from the existing file."""
    calls: int


class CandleFile:
    """The output CSV: where it ends, and whole rows appended to it."""

    def __init__(self, path: Path, interval_s: int) -> None:
        """Opens `path` for appending, dropping an unfinished last row; nothing if it is new.

        Raises:
            DownloadInputError: The file exists and is not a candle file of this shape, or its
                name says another interval.
        """
        named = _TIMEFRAME.search(path.name)
        if named and int(named.group(1)) * _UNIT_S[named.group(2)] != interval_s:
            raise DownloadInputError(
                f"{path}: the name says {named.group(1)}{named.group(2)} candles, not the "
                f"{interval_s} s asked for; choose another --out"
            )
        self.path = path
        self.last_ts, self.dropped = _resume_point(path)

    def append(self, candles: list[Kline]) -> None:
        """Appends the candles as whole rows in one write, and flushes them to the disk."""
        text = b"".join(_row(c) for c in candles)
        is_new = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("ab") as f:
            f.write(HEADER + text if is_new else text)
            f.flush()
            os.fsync(f.fileno())
        self.last_ts = candles[-1].ts


def _row(c: Kline) -> bytes:
    return (
        f"{c.ts * 1000},{iso(c.ts)},{c.open!r},{c.high!r},{c.low!r},{c.close!r},{c.volume!r}\n"
    ).encode()


def _resume_point(path: Path) -> tuple[int | None, int]:
    """The file's last candle (None: no file, or no row yet) and the bytes of an unfinished
    last row it dropped.

    Raises:
        DownloadInputError: The file is not a candle file of this shape.
    """
    if not path.exists():
        return None, 0
    with path.open("r+b") as f:
        first = f.readline(len(HEADER) + 2)
        size = f.seek(0, os.SEEK_END)
        if not first.endswith(b"\n") and HEADER.startswith(first):
            f.truncate(0)  # the header itself was cut off: nothing was written yet
            return None, size
        if first.rstrip(b"\r\n") != HEADER.rstrip(b"\n"):
            raise DownloadInputError(
                f"{path}:1: not a candle file of this shape (its header is "
                f"{first[:80].decode(errors='replace').strip()!r}, expected "
                f"{HEADER.decode().strip()!r}); choose another --out"
            )
        start = max(0, size - _TAIL_BYTES)
        f.seek(start)
        tail = f.read()
        dropped = 0
        if not tail.endswith(b"\n"):
            if b"\n" not in tail:
                raise DownloadInputError(
                    f"{path}: its last {len(tail)} bytes hold no line end: not a candle file"
                )
            keep = start + tail.rfind(b"\n") + 1
            dropped = size - keep
            f.truncate(keep)
            tail = tail[: keep - start]
    last = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    if last.rstrip(b"\r") == HEADER.rstrip(b"\n"):
        return None, dropped
    return _row_time(path, last), dropped


def _row_time(path: Path, row: bytes) -> int:
    text = row.decode(errors="replace").split(",", 1)[0]
    if not text.isdigit() or int(text) % 1000:
        raise DownloadInputError(
            f"{path}: last row: column 'timestamp_ms': {text!r} is not whole seconds in ms"
        )
    return int(text) // 1000


def make_client(plan: DownloadPlan) -> MeteredClient:
    """The metered client of a download: one policy, for its provider."""
    rate = plan.requests_per_minute
    policy = ProviderPolicy(
        plan.provider,
        rate,
        60.0,
        min_interval_s=60.0 / rate,
        timeout_s=20.0,
        max_attempts=5,
        # A provider asking to wait up to a minute is waited for: a download is not a poll.
        backoff_max_s=60.0,
    )
    return MeteredClient({plan.provider: policy})


async def download(
    plan: DownloadPlan, client: MeteredClient, report: Callable[[Progress], None]
) -> DownloadResult:
    """Downloads the plan's candles into its file, continuing the file if it exists.

    Args:
        plan: What to download and where.
        client: The metered client (`make_client`).
        report: Called after each page written.

    Returns:
        What was written.

    Raises:
        DownloadInputError: A new file and no `since`; a symbol, pool or interval the provider
            cannot have; an existing file that is not a candle file.
        ProviderError: A call failed (after its retries): see `net`.
        ResponseInvalid: An answer that cannot be used; the rows before it are kept.
        OSError: The file cannot be read or written.
    """
    interval_s = interval_seconds(plan.provider, plan.interval)
    path = _known_path(plan)
    out = CandleFile(path, interval_s) if path is not None else None
    resumed = out.last_ts if out is not None else None
    if resumed is not None:
        start = resumed + interval_s
    elif plan.since is not None:
        start = plan.since
    else:
        raise DownloadInputError(
            f"{plan.provider}: give --since for a new download (nothing to continue"
            + (f" in {path})" if path is not None else ")")
        )
    rows = 0
    first: int | None = None
    async for page in _pages(plan, client, interval_s, start):
        if not page.candles:
            continue
        if out is None:
            out = CandleFile(_gecko_path(plan, page.base_symbol), interval_s)
        if out.last_ts is not None:
            check_continues(plan.provider, out.last_ts, page.candles[0].ts, interval_s)
        out.append(page.candles)
        rows += len(page.candles)
        first = page.candles[0].ts if first is None else first
        report(Progress(out.path, rows, page.candles[-1].ts))
    calls = sum(u.calls for u in client.usage())
    return DownloadResult(
        out.path if out is not None and out.path.exists() else None,
        rows,
        first,
        out.last_ts if out is not None else None,
        resumed,
        out.dropped if out is not None else 0,
        calls,
    )


def _pages(
    plan: DownloadPlan, client: MeteredClient, interval_s: int, start: int
) -> AsyncIterator[Page]:
    """The answers from `start` on, oldest first, until `plan.until` or the data ends."""
    if plan.provider == BINANCE:
        return _binance_pages(plan, client, interval_s, start)
    return _gecko_pages(plan, client, interval_s, start)


async def _binance_pages(
    plan: DownloadPlan, client: MeteredClient, interval_s: int, start: int
) -> AsyncIterator[Page]:
    pair = plan.target.upper()
    base, _ = split_pair(pair)
    cursor = start
    while cursor < plan.until:
        request = binance_request(plan.base_url, pair, plan.interval, cursor, plan.until)
        body = await client.get_json(BINANCE, request.url, params=request.params)
        candles = parse_binance(body, request, interval_s)
        if not candles:
            return  # Binance answers from the first candle on: none is left before `until`
        yield Page(candles, base)
        cursor = candles[-1].ts + interval_s


async def _gecko_pages(
    plan: DownloadPlan, client: MeteredClient, interval_s: int, start: int
) -> AsyncIterator[Page]:
    pool = check_pool(plan.target)
    # GeckoTerminal pages backwards only: each window is asked for by its end, oldest first.
    # Windows on the interval's grid: however the API rounds `before_timestamp`, a window's
    # end is a candle's open time, never inside a candle.
    cursor = -(-start // interval_s) * interval_s
    end = plan.until // interval_s * interval_s
    while cursor < end:
        request = gecko_request(plan.base_url, pool, plan.interval, cursor, end)
        body = await client.get_json(GECKOTERMINAL, request.url, params=request.params)
        yield parse_gecko(body, request, interval_s)
        cursor = request.end_ts


def default_name(plan: DownloadPlan, symbol: str) -> str:
    """The file name `recorded.load` reads the token and interval from."""
    if plan.provider == BINANCE:
        base, quote = split_pair(plan.target)
        return f"binance_{base}_{quote}_{plan.interval}.csv"
    return f"geckoterminal_{symbol}_USD_{plan.interval}_{plan.target}.csv"


def _folder(plan: DownloadPlan) -> Path:
    return plan.out if plan.out is not None else Path.cwd()


def _known_path(plan: DownloadPlan) -> Path | None:
    """The output file, when it is known before the first answer.

    A GeckoTerminal download without --symbol continues the one file of this pool and interval
    in the folder; with none, the file is named once the first answer names the base token.

    Raises:
        DownloadInputError: Several files of this pool and interval, and no --symbol.
    """
    if plan.out is not None and not plan.out.is_dir():
        return plan.out
    folder = _folder(plan)
    if plan.provider == BINANCE:
        base, _ = split_pair(plan.target)
        return folder / default_name(plan, base)
    check_pool(plan.target)
    if plan.symbol is not None:
        return folder / default_name(plan, _symbol(plan.symbol, "--symbol"))
    found = sorted(folder.glob(f"geckoterminal_*_USD_{plan.interval}_{plan.target}.csv"))
    if len(found) > 1:
        raise DownloadInputError(
            f"geckoterminal: {len(found)} files of this pool in {folder} "
            f"({', '.join(p.name for p in found)}): give --symbol or --out"
        )
    return found[0] if found else None


def _gecko_path(plan: DownloadPlan, base_symbol: str | None) -> Path:
    return _folder(plan) / default_name(plan, _symbol(base_symbol, "meta.base.symbol"))


def _symbol(text: str | None, where: str) -> str:
    symbol = file_symbol(text) if text is not None else None
    if symbol is None:
        raise DownloadInputError(
            f"geckoterminal: {where} {text!r} cannot name the file (2-12 letters or digits); "
            "give --symbol"
        )
    return symbol
