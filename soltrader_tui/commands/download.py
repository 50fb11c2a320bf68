"""Provides `soltrader-tui download`: candles from a public keyless API into a file replay reads.

    soltrader-tui download binance SOLUSDT --interval 5m --since 2025-01-01
    soltrader-tui download geckoterminal POOL --interval 5m --since 2025-06-01 --symbol WIF

Run again, it continues the file after its last candle. Exit codes: 0 done; 1 the provider
failed or answered something unusable (what was written stays; run it again to continue);
2 bad input: a flag, an unknown pair or pool, an output file that is not a candle file.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from soltrader_tui.commands.common import EXIT_OK, fail, fail_with
from soltrader_tui.errors import EXIT_NEEDS_HUMAN, SoltraderError
from soltrader_tui.market.download import (
    DEFAULT_RATE,
    DownloadPlan,
    DownloadResult,
    Progress,
    download,
    make_client,
)
from soltrader_tui.market.ohlcv_api import (
    BINANCE,
    BINANCE_URL,
    GECKOTERMINAL_URL,
    DownloadInputError,
    interval_seconds,
    iso,
)
from soltrader_tui.net import RequestFailed

_STATUS = re.compile(r"HTTP (\d{3})")
_RESUME_HINT = "the candles written before it are kept: run the same command to continue"


def download_command(args: argparse.Namespace) -> int:
    """Runs `download PROVIDER TARGET`; returns the exit code (0, 1 or 2)."""
    try:
        plan = plan_from(args, time.time())
        result = asyncio.run(_run(plan))
    except RequestFailed as exc:
        refused = _refused(exc, args.provider, args.target)
        if refused is not None:
            return fail_with(refused)
        banned = " (Binance bans an IP that goes on after 429s: wait before retrying)"
        why = banned if "HTTP 418" in exc.reason else ""
        return fail_with(exc, f"{exc}{why}; {_RESUME_HINT}")
    except SoltraderError as exc:
        is_input = isinstance(exc, DownloadInputError)
        return fail_with(exc, None if is_input else f"{exc}; {_RESUME_HINT}")
    except OSError as exc:
        where = exc.filename if exc.filename is not None else "the output file"
        return fail(f"cannot write {where}: {exc.strerror or exc}", EXIT_NEEDS_HUMAN)
    print(_summary(plan, result))
    return EXIT_OK


def plan_from(args: argparse.Namespace, now: float) -> DownloadPlan:
    """The download the flags ask for; only closed candles (open time + interval <= now).

    Raises:
        DownloadInputError: A time, interval or rate that cannot be used.
    """
    provider = args.provider
    interval_s = interval_seconds(provider, args.interval)
    since = parse_time(args.since, "--since") if args.since is not None else None
    closed_end = int(now) - interval_s + 1
    until = closed_end if args.until is None else min(parse_time(args.until, "--until"), closed_end)
    if since is not None and since >= until:
        raise DownloadInputError(
            f"--since {iso(since)} is not before the end of the download ({iso(until)})"
        )
    rate = DEFAULT_RATE[provider] if args.rate is None else args.rate
    if not 1 <= rate <= 100_000:
        raise DownloadInputError(f"--rate {rate}: give calls per minute, 1 or more")
    default_url = BINANCE_URL if provider == BINANCE else GECKOTERMINAL_URL
    return DownloadPlan(
        provider=provider,
        target=args.target.strip().upper() if provider == BINANCE else args.target.strip(),
        interval=args.interval,
        since=since,
        until=until,
        out=args.out,
        symbol=getattr(args, "symbol", None),
        base_url=args.base_url or default_url,
        requests_per_minute=rate,
    )


def parse_time(text: str, flag: str) -> int:
    """Parses `2025-01-01`, `2025-01-01T12:00` or `2025-01-01 12:00:00+02:00` (UTC when no
    offset is given) into unix seconds.

    Raises:
        DownloadInputError: It is not such a date or time.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DownloadInputError(
            f"{flag} {text!r} is not a date or time: use 2025-01-01 or 2025-01-01T12:00 (UTC)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


async def _run(plan: DownloadPlan) -> DownloadResult:
    async with make_client(plan) as client:
        return await download(plan, client, _progress(plan))


def _progress(plan: DownloadPlan) -> Callable[[Progress], None]:
    what = f"{plan.provider} {plan.target} {plan.interval}"

    def report(progress: Progress) -> None:
        print(
            f"{what}: {progress.rows} candles written, last {iso(progress.last_ts)}",
            file=sys.stderr,
            flush=True,
        )

    return report


def _refused(exc: RequestFailed, provider: str, target: str) -> DownloadInputError | None:
    """The input error a provider's refusal means (an unknown pair or pool), if it means one."""
    found = _STATUS.search(exc.reason)
    status = int(found.group(1)) if found else 0
    if provider == BINANCE and status == 400:
        return DownloadInputError(
            f"binance: pair {target!r} refused (HTTP 400 on {exc.path}): Binance answers 400 "
            "'Invalid symbol.' for a pair it does not list; check the spot pair, e.g. SOLUSDT"
        )
    if provider != BINANCE and status in (400, 404):
        what = "not found" if status == 404 else "refused"
        return DownloadInputError(
            f"geckoterminal: pool {target!r} {what} on network solana (HTTP {status}); check the "
            "pool address (not the token's mint) on geckoterminal.com"
        )
    return None


def _summary(plan: DownloadPlan, result: DownloadResult) -> str:
    lines = []
    if result.dropped_bytes:
        lines.append(
            f"dropped an unfinished last row ({result.dropped_bytes} bytes) of {result.path}: "
            "the previous download was cut off while writing it"
        )
    what = f"{plan.provider} {plan.target} {plan.interval}"
    if result.first_ts is None or result.last_ts is None:
        if result.last_ts is None:
            lines.append(f"{what}: no candles before {iso(plan.until)}; nothing written")
        else:
            lines.append(
                f"{result.path} is up to date: its last candle is {iso(result.last_ts)}, "
                f"no newer closed candle before {iso(plan.until)}"
            )
        return "\n".join(lines)
    how = (
        f"continued after {iso(result.resumed_after)}"
        if result.resumed_after is not None
        else "new file"
    )
    lines.append(
        f"downloaded {result.rows} candles of {what} to {result.path} ({iso(result.first_ts)} "
        f"to {iso(result.last_ts)}, {how}; {result.calls} call{'s' if result.calls != 1 else ''})"
    )
    return "\n".join(lines)
