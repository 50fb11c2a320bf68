"""Provides `soltrader-tui backtest`: one strategy over recorded candles, into its own ledger.

The backtest runs in memory, commits its ledger in one transaction, and only then prints its
report and writes `--json` and the SVG equity curve beside it: nothing is shown that the ledger
does not hold. `status`, `watch` and the dashboard read the ledger as they read a paper one.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from soltrader_tui import __version__
from soltrader_tui.backtest.metrics import Figures, figures
from soltrader_tui.backtest.record import BacktestRecord
from soltrader_tui.backtest.report import report_lines, sparkline, write_json, write_svg
from soltrader_tui.backtest.runner import Backtest
from soltrader_tui.backtest.settings import settings_from
from soltrader_tui.commands.common import EXIT_OK, fail, fail_with
from soltrader_tui.commands.progress import LateProgress
from soltrader_tui.errors import SoltraderError, UserInputError
from soltrader_tui.market.series import CandleSeries


class BacktestInputError(UserInputError):
    """A flag or a file the backtest cannot use; the message names it."""


def backtest(args: argparse.Namespace) -> int:
    """Runs `soltrader-tui backtest`; returns the exit code."""
    started = time.perf_counter()
    try:
        config, db, cache = _config_and_db(args)
        series = _load(args.data, cache)
        settings = settings_from(
            config,
            args.strategy,
            stake_usd=args.stake_usd,
            fee_bps=args.fee_bps,
            stop_loss_pct=args.stop_loss_pct,
            no_risk=args.no_risk,
            impact=args.impact,
            from_ts=args.from_ts,
            to_ts=args.to_ts,
        )
        progress = LateProgress("backtest", started)
        try:
            runner = Backtest(settings, series, progress=progress.update)
            record = runner.run_now()
        finally:
            progress.close()
        _commit(record, db, series)
    except SoltraderError as exc:
        return fail_with(exc)
    except ValueError as exc:  # a flag outside what its config key accepts
        return fail(f"backtest: {exc}")
    _report(record, series, db, args.json_out)
    return EXIT_OK


def _config_and_db(args: argparse.Namespace) -> tuple[Any, Path, Path]:
    from soltrader_tui.config.load import load_settings

    config, paths, _ = load_settings(args.config, args.db)
    if args.db is not None:
        db = Path(args.db).resolve()
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        db = paths.data_dir / "backtests" / f"backtest-{args.strategy}-{stamp}.sqlite"
    if db.exists():
        raise BacktestInputError(
            f"--db {db} exists: a backtest writes a new ledger; remove it or name another file"
        )
    db.parent.mkdir(parents=True, exist_ok=True)
    return config, db, paths.data_dir / "cache" / "candles"


def _load(files: list[Path], cache: Path) -> list[CandleSeries]:
    """The candle series of the files; a pump.fun track file gives one 1m series per mint."""
    from soltrader_tui.market import samples
    from soltrader_tui.market.candle_cache import load_candles
    from soltrader_tui.market.replay import track_candles
    from soltrader_tui.market.series import TrackSeries

    found = []
    for given in files:
        sample = samples.find(given.name) if given.name == str(given) else None
        path = given if given.is_file() else sample
        if path is None:
            raise BacktestInputError(f"--data: no such file {given.resolve()}")
        found.append(path)
    series = load_candles(found, cache)
    return [track_candles(s) if isinstance(s, TrackSeries) else s for s in series]


def _commit(record: BacktestRecord, db: Path, series: list[CandleSeries]) -> None:
    from soltrader_tui.ledger.store import Ledger

    ledger = Ledger.open(
        db, starting_cash_micro=record.starting_cash_micro, mode="backtest", version=__version__
    )
    try:
        record.write(ledger, version=__version__, source=", ".join(s.source for s in series))
    finally:
        ledger.close()


def _figures(record: BacktestRecord, series: list[CandleSeries]) -> Figures:
    return figures(
        [t.pnl_usd for t in record.closed_trips if t.pnl_usd is not None],
        [e / 1e6 for e in record.equity_micro],
        starting_equity_usd=record.starting_cash_micro / 1e6,
        interval_s=series[0].interval_s,
        exposed_candles=record.exposed_candles,
        candles=record.candles,
        fees_usd=record.fees_micro / 1e6,
    )


def _report(
    record: BacktestRecord, series: list[CandleSeries], db: Path, json_out: Path | None
) -> None:
    result = _figures(record, series)
    names = [s.token.symbol for s in series]
    symbols = ", ".join(names) if len(names) <= 4 else f"{len(names)} tokens ({names[0]}, …)"
    first, last = record.equity_ts[0], record.equity_ts[-1]
    span = f"{_day(first)} → {_day(last)}"
    title = f"backtest {record.strategy} on {symbols}, {record.candles:,} candles, {span}"
    out = sys.stdout
    for line in report_lines(record, result, title=title):
        print(line, file=out)
    print("  Equity curve  " + sparkline(record.equity_micro, 60), file=out)
    print(f"  Ledger        {db}", file=out)
    if json_out is not None:
        meta = {"strategy": record.strategy, "symbols": symbols, "ledger": str(db)}
        write_json(json_out, record, result, meta)
        svg = json_out.with_suffix(".svg")
        write_svg(svg, record, title=title)
        print(f"  JSON          {json_out}\n  SVG           {svg}", file=out)


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")
