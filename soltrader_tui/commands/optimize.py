"""Provides `soltrader-tui optimize`: an optuna search of one strategy's parameters.

`--jobs J` runs J worker processes on this machine; with a database `--storage` URL and the
same `--study` name, workers on other machines join the same study. The best trial is then
checked on the holdout (the end of the data, kept out of the search) beside the configured
parameters, and the config lines that run it are printed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from soltrader_tui.backtest.compare import Recommendation, snippet
from soltrader_tui.backtest.optimize import Outcome, StudySpec, outcome, prepare, work
from soltrader_tui.backtest.tuning import Scored, section_model
from soltrader_tui.commands.common import EXIT_OK, fail, fail_with
from soltrader_tui.commands.progress import LateProgress
from soltrader_tui.config.model import StrategiesConfig
from soltrader_tui.errors import SoltraderError, UserInputError


class OptimizeInputError(UserInputError):
    """A flag or a file `optimize` cannot use; the message names it."""


def optimize(args: argparse.Namespace) -> int:
    """Runs `soltrader-tui optimize`; returns the exit code."""
    started = time.perf_counter()
    try:
        spec = _spec(args)
        print(f"study {spec.study} in {spec.storage}: {spec.trials} trials", file=sys.stderr)
        _open(spec)
        _run_workers(spec, args.jobs, started)
        result = outcome(spec)
    except SoltraderError as exc:
        return fail_with(exc)
    except ValueError as exc:
        return fail(f"optimize: {exc}")
    _report(spec, result, args.json_out)
    return EXIT_OK


def _spec(args: argparse.Namespace) -> StudySpec:
    from soltrader_tui.config.load import load_settings

    config, paths, _ = load_settings(args.config, None)
    try:
        section_model(args.strategy)
    except KeyError:
        known = ", ".join(StrategiesConfig.model_fields)
        raise OptimizeInputError(
            f"--strategy: no strategy named {args.strategy!r} ({known})"
        ) from None
    if args.trials < 1 or args.jobs < 1:
        raise OptimizeInputError("--trials and --jobs must be 1 or more")
    missing = [str(f.resolve()) for f in args.data if not f.is_file()]
    if missing:
        raise OptimizeInputError("--data: no such file " + ", ".join(missing))
    storage = args.storage or f"sqlite:///{(paths.data_dir / 'optuna.sqlite3').as_posix()}"
    if storage.startswith("sqlite:///"):
        Path(storage.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StudySpec(
        storage=storage,
        study=args.study or f"{args.strategy}-{stamp}",
        strategy=args.strategy,
        trials=args.trials,
        files=tuple(str(f.resolve()) for f in args.data),
        config_data=config.model_dump(),
        from_ts=args.from_ts,
        to_ts=args.to_ts,
        seed=args.sampler_seed,
        cache=str(paths.data_dir / "cache" / "candles"),
    )


OPEN_ATTEMPTS = 5
"""Tries to create a study whose storage another worker is creating at the same moment."""


def _open(spec: StudySpec) -> None:
    """Opens the storage and the study, or says plainly why it cannot be opened."""
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            prepare(spec)
            return
        except IntegrityError as exc:
            # Workers started together (two machines, one new database) race to create the
            # storage's tables and the study: the loser finds them made a moment later.
            if attempt == OPEN_ATTEMPTS:
                raise _cannot_open(spec, exc) from None
            time.sleep(0.2 * attempt)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise _cannot_open(spec, exc) from None


def _cannot_open(spec: StudySpec, exc: Exception) -> OptimizeInputError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return OptimizeInputError(f"--storage {spec.storage}: cannot open it: {first}")


def _run_workers(spec: StudySpec, jobs: int, started: float) -> None:
    """This process is worker 0 (it draws the progress bar); the others are spawned."""
    progress = LateProgress("optimize", started)

    def on_trial(done: int, best: float | None) -> None:
        progress.update(done, spec.trials, "" if best is None else f"best {best:.3f}")

    context = multiprocessing.get_context("spawn")
    others = [context.Process(target=work, args=(spec, k)) for k in range(1, jobs)]
    try:
        for process in others:
            process.start()
        work(spec, 0, on_trial)
        for process in others:
            process.join()
    finally:
        progress.close()
        for process in others:
            if process.is_alive():
                process.terminate()
    failed = [p.exitcode for p in others if p.exitcode]
    if failed:
        raise OptimizeWorkerFailed(f"{len(failed)} worker process(es) failed (exit {failed})")


class OptimizeWorkerFailed(SoltraderError):
    """A worker process of the study died; the trials it finished stay in the study."""


def _line(label: str, scored: Scored) -> str:
    f = scored.figures
    if f is None:
        return f"  {label:<22} invalid parameters"
    sharpe = "—" if f.sharpe is None else f"{f.sharpe:.2f}"
    return (
        f"  {label:<22} objective {scored.score:9.3f}  return {f.return_pct:+7.2f}%  "
        f"Sharpe {sharpe:>6}  max DD {f.max_drawdown_pct:5.1f}%  {f.round_trips} round trips"
    )


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def _report(spec: StudySpec, result: Outcome, json_out: Path | None) -> None:
    out = sys.stdout
    cut = result.split
    print(f"optimize {spec.strategy}: {result.trials} trials in study {spec.study}", file=out)
    print(f"  in sample {_day(cut.start)} → {_day(cut.holdout)}, "
          f"holdout {_day(cut.holdout)} → {_day(cut.end)}", file=out)  # fmt: skip
    print(_line("best, in sample", result.best_in), file=out)
    print(_line("best, holdout", result.best_out), file=out)
    print(_line("configured, in sample", result.default_in), file=out)
    print(_line("configured, holdout", result.default_out), file=out)
    print("  best parameters: " + ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
          for k, v in result.best_params.items()), file=out)  # fmt: skip
    names = list(StrategiesConfig.model_fields)
    origin = f"the best of {result.trials} trials of study {spec.study}, in sample"
    text = snippet(Recommendation(spec.strategy, (), result.best_params), names, origin)
    print("\n" + text, file=out)
    print(f"More workers, here or on another machine: soltrader-tui optimize --strategy "
          f"{spec.strategy} --trials {spec.trials} --storage {spec.storage} --study {spec.study} "
          "--data ...", file=out)  # fmt: skip
    if json_out is not None:
        document = {
            "study": spec.study,
            "storage": spec.storage,
            "trials": result.trials,
            "best_params": result.best_params,
            "best_in_sample": result.best_in.score,
            "best_holdout": result.best_out.score,
            "configured_params": result.default_params,
            "configured_in_sample": result.default_in.score,
            "configured_holdout": result.default_out.score,
        }
        json_out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
