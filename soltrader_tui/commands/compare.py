"""Provides `soltrader-tui compare`: every strategy on every data set, walked forward, ranked.

It prints one table with in-sample and out-of-sample figures side by side, names ONE
recommended strategy with its reasons, and writes the config lines that enable it alone.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from soltrader_tui.backtest.compare import (
    Evaluation,
    Ranked,
    evaluate_file,
    rank,
    recommend,
    snippet,
)
from soltrader_tui.commands.common import EXIT_OK, fail, fail_with
from soltrader_tui.commands.progress import LateProgress
from soltrader_tui.config.model import Config
from soltrader_tui.errors import SoltraderError, UserInputError


class CompareInputError(UserInputError):
    """A flag or a file `compare` cannot use; the message names it."""


def compare(args: argparse.Namespace) -> int:
    """Runs `soltrader-tui compare`; returns the exit code."""
    started = time.perf_counter()
    try:
        config, names, files, cache = _inputs(args)
        evaluations = _run_all(config.model_dump(), names, files, args.jobs, started, cache)
    except SoltraderError as exc:
        return fail_with(exc)
    except ValueError as exc:  # too little data for the windows, or a bad override
        return fail(f"compare: {exc}")
    ranked = rank(evaluations)
    choice = recommend(ranked, config.research.objective)
    out = sys.stdout
    for line in table(ranked):
        print(line, file=out)
    target: Path = args.snippet
    if choice is None:
        print("\nNo strategy qualifies: none made money out of sample with enough round "
              "trips in every window. Run none of them live.", file=out)  # fmt: skip
    else:
        text = snippet(choice, names)
        target.write_text(text, encoding="utf-8")
        print(f"\nRecommended: {choice.strategy}", file=out)
        for reason in choice.reasons:
            print(f"  - {reason}", file=out)
        print(f"\nConfig lines written to {target}:\n\n{text}", file=out)
    if args.json_out is not None:
        _write_json(args.json_out, ranked, None if choice is None else choice.strategy)
    return EXIT_OK


def _inputs(args: argparse.Namespace) -> tuple[Config, list[str], list[Path], str]:
    from soltrader_tui.backtest.tuning import section_model
    from soltrader_tui.config.load import load_settings
    from soltrader_tui.config.model import StrategiesConfig

    config, paths, _ = load_settings(args.config, None)
    research = config.research.model_dump()
    for key, value in (("trials_per_window", args.trials), ("windows", args.windows)):
        if value is not None:
            research[key] = value
    config = Config.model_validate({**config.model_dump(), "research": research})
    names = list(StrategiesConfig.model_fields) if args.strategies is None else args.strategies
    for name in names:
        try:
            section_model(name)
        except KeyError:
            known = ", ".join(StrategiesConfig.model_fields)
            raise CompareInputError(f"--strategies: no strategy named {name!r} ({known})") from None
    files = [Path(f) for f in args.data]
    missing = [str(f.resolve()) for f in files if not f.is_file()]
    if missing:
        raise CompareInputError("--data: no such file " + ", ".join(missing))
    return config, names, files, str(paths.data_dir / "cache" / "candles")


def _run_all(
    config_data: dict[str, object],
    names: list[str],
    files: list[Path],
    jobs: int,
    started: float,
    cache: str,
) -> list[Evaluation]:
    tasks = [(name, str(f), seed) for seed, f in enumerate(files) for name in names]
    progress = LateProgress("compare", started)
    done: list[Evaluation] = []
    try:
        if jobs <= 1:
            for name, path, seed in tasks:
                done.append(evaluate_file(config_data, name, path, seed, cache))
                progress.update(len(done), len(tasks))
            return done
        # spawn on every platform: what Windows does anyway, so both behave alike.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures: list[Future[Evaluation]] = [
                pool.submit(evaluate_file, config_data, name, path, seed, cache)
                for name, path, seed in tasks
            ]
            for future in futures:
                done.append(future.result())
                progress.update(len(done), len(tasks))
        return done
    finally:
        progress.close()


def table(ranked: Sequence[Ranked]) -> list[str]:
    """The ranking, in-sample and out-of-sample side by side, best first."""
    head = ("#", "Strategy", "IS obj", "OOS obj", "OOS ret/win", "OOS trips", "OOS max DD",
            "Profitable", "Evidence")  # fmt: skip
    rows = [head]
    for n, r in enumerate(ranked, 1):
        rows.append(
            (
                str(n),
                r.strategy,
                _objective(r.in_sample),
                _objective(r.out_of_sample),
                f"{r.oos_return_pct:+.2f}%",
                str(r.oos_round_trips),
                f"{r.oos_max_drawdown_pct:.1f}%",
                f"{r.profitable_windows}/{r.windows}",
                f"{r.evidence_windows}/{r.windows}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]


def _objective(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _write_json(path: Path, ranked: Sequence[Ranked], chosen: str | None) -> None:
    rows = [
        {
            "strategy": r.strategy,
            "in_sample_objective": r.in_sample,
            "out_of_sample_objective": r.out_of_sample,
            "oos_return_pct_per_window": r.oos_return_pct,
            "oos_round_trips": r.oos_round_trips,
            "oos_max_drawdown_pct": r.oos_max_drawdown_pct,
            "profitable_windows": r.profitable_windows,
            "windows": r.windows,
            "evidence_windows": r.evidence_windows,
            "params": r.params,
        }
        for r in ranked
    ]
    text = json.dumps({"recommended": chosen, "ranking": rows}, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
