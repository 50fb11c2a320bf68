"""Benchmarks the dashboard: fill committed -> shown in the fills table, and the dashboard's CPU.

Three parts, each on 50 simulated tokens (`market.sim.extra_tokens: 45`) ticking at 4 Hz on the
wall clock, with entry rules loosened (short momentum windows, most risk limits off) so the
engine trades a few times a second and a p95 has enough fills under it:

- inprocess: the real app (`make_app`) over the real engine in this process, in Textual's
  headless terminal (`App.run_test`, 120x40). A fill's commit time is taken when
  `Ledger.record_fill` returns (the engine's one commit of a fill; wrapped on the instance, the
  engine is unchanged); it is shown when the compositor first renders the fills table holding
  its row (the table's `render_lines`, wrapped on the instance).
- watch: `soltrader-tui run --headless` in a subprocess on a ledger, and the `watch` dashboard
  (`LedgerWatcher` host, `make_app`) in this process, headless. A fill's commit time is when a
  thread polling the ledger every 2 ms first sees its row; shown as above.
- cpu: processes in a real terminal (tmux, 120x40), CPU time over wall time from psutil:
  a bare Textual app with a 50-row DataTable whose cells change at 4 Hz (the baseline), the
  dashboard over the engine with the default rules (default: at most 3 open positions) and
  with the loosened ones (load: tens of positions, fills every second), and the dashboard after
  its engine stopped (idle: `--duration 5s`, then nothing ticks) or paused (`p`, default
  rules: prices still tick). Rounds alternate, so the ratio to the baseline is read from the
  same minutes. Needs tmux (Linux/macOS); the product itself does not.

    python benchmarks/bench_dashboard.py [--part all|inprocess|watch|cpu] [--seconds 60]
        [--cpu-seconds 15] [--runs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SIZE = (120, 40)
CONFIG: dict[str, Any] = {
    "market": {"tick_seconds": 0.25, "sim": {"extra_tokens": 45}},
    "risk": {
        "order_usd": 10,
        "max_open_positions": 50,
        "loss_cooldown_minutes": 0,
        "max_entries_per_hour": 1000,
        "min_pool_age_minutes": 0,
        "min_liquidity_usd": 0,
        "max_price_impact_bps": 10_000,
        "max_consecutive_losses": 100,
        "daily_loss_limit_usd": 100_000,
        "max_drawdown_pct": 99,
        "max_total_exposure_usd": 100_000,
    },
    "paper": {"starting_cash_usd": 5000},
    "strategies": {
        "momentum": {
            "fast_window_s": 2,
            "slow_window_s": 8,
            "entry_threshold": 0.55,
            "exit_threshold": 0.45,
        }
    },
}


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def report(name: str, values: list[float]) -> None:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        print(f"{name}: no fills shown")
        return
    print(
        f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95(ms):.1f} ms, "
        f"max {ms[-1]:.1f} ms over {len(ms)} fills"
    )


def hook_fills_table(table: Any, shown: dict[str, float]) -> None:
    """Notes when each row key is first rendered by the compositor (the frame that shows it)."""
    original = table.render_lines

    def render_lines(crop: Any) -> Any:
        strips = original(crop)
        now = time.perf_counter()
        for key in table.rows:
            if key.value not in shown:
                shown[key.value] = now
        return strips

    table.render_lines = render_lines


def note_new(stage: dict[str, float], keys: Any) -> None:
    """Notes now as the first time each of `keys` reached `stage`."""
    now = time.perf_counter()
    for key in keys:
        stage.setdefault(key, now)


def hook_stages(
    engine: Any, panel: Any, built: dict[str, float], applied: dict[str, float]
) -> None:
    """Notes when a fill is first in a snapshot the engine built, and first given to the fills
    panel (after the screen's coalescing), by wrapping the two on their instances."""
    snapshot = engine.snapshot

    def timed_snapshot() -> Any:
        snap = snapshot()
        note_new(built, (f.order_id for f in snap.recent_fills))
        return snap

    engine.snapshot = timed_snapshot
    show = panel.show

    def timed_show(snap: Any) -> None:
        note_new(applied, (f.order_id for f in snap.recent_fills))
        show(snap)

    panel.show = timed_show


def breakdown(stages: list[tuple[str, dict[str, float]]]) -> None:
    """Median and p95 of each step between consecutive stages, over fills that reached all."""
    keys = [k for k in stages[0][1] if all(k in times for _, times in stages)]
    for (a, ta), (b, tb) in itertools.pairwise(stages):
        steps = [tb[k] - ta[k] for k in keys]
        report(f"  {a} -> {b}", steps)


def latencies(commits: dict[str, float], shown: dict[str, float]) -> tuple[list[float], int]:
    """(shown - committed for every fill that was both, fills committed but never shown)."""
    both = [shown[oid] - t for oid, t in commits.items() if oid in shown]
    return both, len(commits) - len(both)


async def drive(
    app: Any, seconds: float, shown: dict[str, float], hook: Callable[[Any], None] | None = None
) -> float:
    """Runs `app` headless for `seconds` with the fills table hooked (and `hook` called with
    the app), then quits it cleanly; returns when the hooks were set."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        hook_fills_table(app.screen.query_one("#fills-table"), shown)
        if hook is not None:
            hook(app)
        hooked = time.perf_counter()
        await asyncio.sleep(seconds)
        await pilot.press("q")
        await app.workers.wait_for_complete()
        await pilot.pause()
    return hooked


# -- part 1: in-process ----------------------------------------------------------------------


async def inprocess(folder: Path, seconds: float) -> tuple[list[float], int]:
    from soltrader_tui import __version__
    from soltrader_tui.engine.runtime import RunOptions, configure_logging, open_session
    from soltrader_tui.tui.app import make_app

    # The session `soltrader-tui run` opens: the simulated market served on 127.0.0.1.
    opts = RunOptions(config=write_config(folder), db=folder / "inprocess.sqlite")
    session = open_session(opts, "bench_dashboard")
    configure_logging(session.paths, to_stderr=False)
    commits: dict[str, float] = {}
    record_fill = session.ledger.record_fill

    def timed_record_fill(order: Any, *args: Any, **kwargs: Any) -> int:
        fill_id = record_fill(order, *args, **kwargs)
        commits[order.client_order_id] = time.perf_counter()  # returned: committed
        return fill_id

    session.ledger.record_fill = timed_record_fill  # type: ignore[method-assign]
    shown: dict[str, float] = {}
    built: dict[str, float] = {}
    applied: dict[str, float] = {}

    def hook(app: Any) -> None:
        hook_stages(session.engine, app.screen.query_one("#fills"), built, applied)

    try:
        app = make_app(session.config, session.engine, version=__version__)
        await drive(app, seconds, shown, hook)
    finally:
        session.close()
    stages = [("committed", commits), ("in a snapshot", built), ("panel updated", applied)]
    breakdown([*stages, ("rendered", shown)])
    return latencies(commits, shown)


# -- part 2: watch ---------------------------------------------------------------------------


class FillPoller(threading.Thread):
    """Notes when each fill row first becomes visible to a reader of the ledger (its commit)."""

    def __init__(self, db: Path, every_s: float = 0.002) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.every_s = every_s
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        last = 0
        try:
            while not self.stop.wait(self.every_s):
                rows = conn.execute(
                    "SELECT id, order_id FROM fills WHERE id > ? ORDER BY id", (last,)
                ).fetchall()
                now = time.perf_counter()
                for fill_id, order_id in rows:
                    self.seen[order_id] = now
                    last = fill_id
        finally:
            conn.close()


def python_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine (see bench_startup)
    return env


def write_config(folder: Path, **extra: Any) -> Path:
    path = folder / "bench-dashboard.yaml"
    path.write_text(yaml.safe_dump({**CONFIG, **extra}))
    return path


def watcher_on(db: Path, proc: subprocess.Popen[bytes]) -> Any:
    """The `watch` dashboard's host on `db`, once the engine in `proc` has written to it."""
    from soltrader_tui.config.model import Config
    from soltrader_tui.ledger.errors import LedgerError
    from soltrader_tui.monitor.watcher import LedgerWatcher

    config = Config.model_validate(CONFIG)
    deadline = time.monotonic() + 30
    while True:
        try:
            return LedgerWatcher(db, risk=config.risk, recent_fills=config.tui.recent_fills)
        except LedgerError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


async def watch(folder: Path, seconds: float) -> tuple[list[float], int]:
    from soltrader_tui import __version__
    from soltrader_tui.config.model import Config
    from soltrader_tui.tui.app import make_app

    db = folder / "watch.sqlite"
    cfg = write_config(folder)
    argv = [sys.executable, "-m", "soltrader_tui", "run", "--headless"]
    engine = subprocess.Popen(
        [*argv, "--config", str(cfg), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=python_env(),
    )
    poller = FillPoller(db)
    try:
        watcher = watcher_on(db, engine)
        poller.start()
        config = Config.model_validate(CONFIG)
        shown: dict[str, float] = {}
        hooked = await drive(make_app(config, watcher, version=__version__), seconds, shown)
    finally:
        poller.stop.set()
        engine.terminate()
        engine.wait(timeout=30)
    poller.join()
    # Fills already in the table when it was hooked were never timed from their commit.
    return latencies({k: v for k, v in poller.seen.items() if v > hooked}, shown)


# -- part 3: CPU -----------------------------------------------------------------------------


def baseline_app(rows: int = 50, hz: float = 4.0) -> None:
    """A bare Textual app: one 50-row DataTable whose price and change cells update at 4 Hz."""
    import random

    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Baseline(App[None]):
        BINDINGS = [("q", "quit", "Quit")]  # noqa: RUF012

        def compose(self) -> ComposeResult:
            yield DataTable(id="table")

        def on_mount(self) -> None:
            table: DataTable[str] = self.query_one(DataTable)
            for key, label in (("sym", "Symbol"), ("price", "Price"), ("chg", "Change")):
                table.add_column(label, key=key, width=14)
            self.prices = [1.0 + n for n in range(rows)]
            for n in range(rows):
                table.add_row(f"SIM{n:02d}", f"{self.prices[n]:.6f}", "+0.00%", key=str(n))
            self.set_interval(1.0 / hz, self.tick)

        def tick(self) -> None:
            table: DataTable[str] = self.query_one(DataTable)
            for n in range(rows):
                change = random.gauss(0, 0.002)
                self.prices[n] *= 1 + change
                table.update_cell(str(n), "price", f"{self.prices[n]:.6f}")
                table.update_cell(str(n), "chg", f"{change:+.2%}")

    Baseline().run()


class Tmux:
    """One tmux server of our own (its own socket), so other sessions are never touched."""

    def __init__(self) -> None:
        self.socket = f"bench-dashboard-{os.getpid()}"

    def cmd(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def start(self, name: str, argv: list[str], cwd: Path) -> int:
        """Starts `argv` in a new 120x40 session; returns its process id."""
        env = [f"{k}={v}" for k, v in python_env().items() if k.startswith("PYTHON")]
        words = ["exec", "env", "-u", "PYTHONDONTWRITEBYTECODE", *env, *argv]
        line = f"cd {shlex.quote(str(cwd))} && " + " ".join(map(shlex.quote, words))
        self.cmd("new-session", "-d", "-x", str(SIZE[0]), "-y", str(SIZE[1]), "-s", name, line)
        return int(self.cmd("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def quit(self, name: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", name, "q"], check=False)
        time.sleep(1.5)
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-session", "-t", name],
            check=False,
            stderr=subprocess.DEVNULL,
        )

    def close(self) -> None:
        """Ends the server; its socket file too, which tmux leaves behind after `kill-server`."""
        found = subprocess.run(
            ["tmux", "-L", self.socket, "display-message", "-p", "#{socket_path}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False, capture_output=True)
        if found:
            Path(found).unlink(missing_ok=True)


def cpu_share(pid: int, warm_s: float, seconds: float) -> float:
    """Percent of one core the process used over `seconds`, after `warm_s` of start."""
    import psutil

    proc = psutil.Process(pid)
    time.sleep(warm_s)
    c0, t0 = proc.cpu_times(), time.perf_counter()
    time.sleep(seconds)
    c1, t1 = proc.cpu_times(), time.perf_counter()
    used = (c1.user - c0.user) + (c1.system - c0.system)
    return used / (t1 - t0) * 100


CPU_KINDS = ("baseline", "idle", "paused", "default", "load")
"""The processes timed: the bare table, the dashboard after its engine stopped, the dashboard
over 50 tokens with the default rules paused (`p`: prices still tick, nothing is bought) and
trading (at most 3 positions), and with the loosened rules."""


def cpu_argv(kind: str, folder: Path, n: int) -> tuple[list[str], float]:
    """The command line of a `kind` of process, and the seconds it is given to settle."""
    py = sys.executable
    if kind == "baseline":
        return [py, str(Path(__file__).resolve()), "--child-baseline"], 5.0
    run = [py, "-m", "soltrader_tui", "run", "--db", str(folder / f"{kind}-{n}.sqlite")]
    if kind in ("default", "paused"):
        market = {"market": CONFIG["market"]}
        cfg = folder / "bench-default.yaml"
        cfg.write_text(yaml.safe_dump(market))
        return [*run, "--config", str(cfg)], 8.0
    cfg = write_config(folder)
    if kind == "idle":
        return [*run, "--config", str(cfg), "--duration", "5s"], 10.0
    return [*run, "--config", str(cfg)], 8.0


def cpu_round(tmux: Tmux, folder: Path, n: int, seconds: float) -> dict[str, float]:
    order = list(CPU_KINDS) if n % 2 == 0 else list(reversed(CPU_KINDS))
    shares = {}
    for kind in order:
        argv, warm = cpu_argv(kind, folder, n)
        name = f"{kind}-{n}"
        pid = tmux.start(name, argv, folder)
        try:
            if kind == "paused":
                time.sleep(4.0)  # the dashboard is up and its engine running
                tmux.cmd("send-keys", "-t", name, "p")
            shares[kind] = cpu_share(pid, warm, seconds)
        finally:
            tmux.quit(name)
        print(f"round {n + 1} {kind}: {shares[kind]:.1f} % of a core")
    return shares


def cpu(folder: Path, runs: int, seconds: float) -> None:
    tmux = Tmux()
    rounds = []
    try:
        for n in range(runs):
            rounds.append(cpu_round(tmux, folder, n, seconds))
    finally:
        tmux.close()
    for kind in CPU_KINDS:
        values = [r[kind] for r in rounds]
        print(
            f"cpu {kind}: median {statistics.median(values):.1f} % of a core "
            f"({', '.join(f'{v:.1f}' for v in values)})"
        )
    for kind in ("default", "load"):
        ratios = [r[kind] / r["baseline"] for r in rounds]
        print(
            f"cpu {kind} / baseline: median {statistics.median(ratios):.2f} "
            f"({', '.join(f'{v:.2f}' for v in ratios)}; aim <= 1.5)"
        )


# -- main ------------------------------------------------------------------------------------


def run_part(part: str, folder: Path, args: argparse.Namespace) -> None:
    parts: dict[str, Callable[[], None]] = {
        "inprocess": lambda: show_latency(
            "in-process: fill committed -> rendered (aim p95 < 100 ms)",
            asyncio.run(inprocess(folder, args.seconds)),
        ),
        "watch": lambda: show_latency(
            "watch: fill committed -> rendered (aim p95 < 1000 ms)",
            asyncio.run(watch(folder, args.seconds)),
        ),
        "cpu": lambda: cpu(folder, args.runs, args.cpu_seconds),
    }
    parts[part]()


def show_latency(name: str, result: tuple[list[float], int]) -> None:
    values, missed = result
    report(name, values)
    if missed:
        print(f"  ({missed} fills committed but not shown before the end)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "inprocess", "watch", "cpu"), default="all")
    parser.add_argument("--seconds", type=float, default=60.0, help="wall seconds of trading")
    parser.add_argument("--cpu-seconds", type=float, default=15.0, help="CPU window per process")
    parser.add_argument("--runs", type=int, default=2, help="CPU rounds")
    parser.add_argument("--child-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_baseline:
        baseline_app()
        return 0
    parts = ("inprocess", "watch", "cpu") if args.part == "all" else (args.part,)
    with tempfile.TemporaryDirectory() as tmp:
        for part in parts:
            run_part(part, Path(tmp), args)
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
