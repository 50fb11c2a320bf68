"""Soaks the default session on the wall clock under `supervise`, with faults and one kill -9.

The embedded market over loopback HTTP at speed 1, faults at modest shares (429s, 5xx,
timeouts, one outage), the engine a child of `soltrader-tui supervise`. Every `--every`
seconds it samples the engine's RSS, CPU (share of one core over the interval), open files,
threads and the ledger's WAL size; at `--kill-at` of the run it kills the engine (kill -9 on
POSIX, TerminateProcess on Windows) and checks that the supervisor brings it back. At the end
it asks for a clean stop (Ctrl+C to the supervisor) and checks the ledger: no fill lost or
recorded twice, and `status --json` equal to an independent recomputation from SQL rows.

python benchmarks/soak_wallclock.py [--minutes 120] [--every 60] [--seed 7] [--out DIR]

Writes `samples.csv` and `summary.json` to DIR and prints the summary.
"""

from __future__ import annotations

import argparse
import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.recompute import recompute  # noqa: E402

CONFIG = """\
market:
  sim:
    seed: SEED
    faults:
      share_429: 0.02
      share_5xx: 0.02
      share_timeout: 0.002
      outages:
        - {start_s: OUTAGE_S, duration_s: 120}
      seed: 17
storage:
  data_dir: data
"""
WARM_UP_MIN = 5.0
"""Minutes after an engine (re)start before its RSS counts as the baseline of its growth."""


@dataclass(slots=True)
class Sample:
    minute: float
    pid: int
    rss_mib: float
    cpu_pct: float
    open_files: int
    threads: int
    wal_kib: float
    fills: int


def _cli() -> list[str]:
    return [sys.executable, "-m", "soltrader_tui"]


def _engine(supervisor: psutil.Process) -> psutil.Process | None:
    children = supervisor.children()
    return children[0] if children else None


def _fills(db: Path) -> list[str]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT order_id FROM fills ORDER BY id")]
    except sqlite3.Error:
        return []
    finally:
        conn.close()


class Sampler:
    """CPU share over the interval needs the previous reading of the same process."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._last: tuple[int, float, float] | None = None

    def take(self, engine: psutil.Process, minute: float) -> Sample | None:
        try:
            with engine.oneshot():
                times = engine.cpu_times()
                cpu = times.user + times.system
                rss = engine.memory_info().rss / 2**20
                files = len(engine.open_files())
                threads = engine.num_threads()
        except psutil.Error:
            return None
        now = time.monotonic()
        share = 0.0
        if self._last is not None and self._last[0] == engine.pid:
            share = 100 * (cpu - self._last[1]) / max(now - self._last[2], 1e-9)
        self._last = (engine.pid, cpu, now)
        wal = self.db.with_name(self.db.name + "-wal")
        wal_kib = wal.stat().st_size / 1024 if wal.exists() else 0.0
        return Sample(minute, engine.pid, rss, share, files, threads, wal_kib, len(_fills(self.db)))


def _wait_engine(
    supervisor: psutil.Process, not_pid: int | None, timeout_s: float
) -> psutil.Process:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        engine = _engine(supervisor)
        if engine is not None and engine.pid != not_pid:
            return engine
        time.sleep(0.2)
    raise SystemExit(f"no engine under the supervisor after {timeout_s:g} s")


def _lives(samples: list[Sample]) -> list[dict[str, object]]:
    """RSS start (after warm-up), peak and end, CPU median, per engine process."""
    out: list[dict[str, object]] = []
    for pid in dict.fromkeys(s.pid for s in samples):
        mine = [s for s in samples if s.pid == pid]
        warm = [s for s in mine if s.minute - mine[0].minute >= WARM_UP_MIN] or mine
        cpu = sorted(s.cpu_pct for s in mine[1:]) or [0.0]
        out.append(
            {
                "pid": pid,
                "minutes": round(mine[-1].minute - mine[0].minute, 1),
                "rss_start_mib": round(warm[0].rss_mib, 1),
                "rss_peak_mib": round(max(s.rss_mib for s in warm), 1),
                "rss_end_mib": round(warm[-1].rss_mib, 1),
                "rss_growth_mib": round(warm[-1].rss_mib - warm[0].rss_mib, 2),
                "cpu_median_pct": round(cpu[len(cpu) // 2], 2),
                "cpu_peak_pct": round(cpu[-1], 2),
                "open_files_peak": max(s.open_files for s in mine),
                "threads_peak": max(s.threads for s in mine),
                "wal_peak_kib": round(max(s.wal_kib for s in mine), 1),
            }
        )
    return out


def _check(db: Path, fills_before_kill: list[str]) -> dict[str, object]:
    ids = _fills(db)
    status = subprocess.run(
        [*_cli(), "status", "--json", "--db", str(db)], capture_output=True, text=True, check=True
    )
    s = json.loads(status.stdout)
    truth = recompute(db)
    return {
        "fills": len(ids),
        "duplicated_fills": len(ids) - len(set(ids)),
        "fills_lost_at_kill": len([i for i in fills_before_kill if i not in set(ids)]),
        "status_equals_recomputation": s["fills"] == truth.fills
        and s["cash_usd"] == round(truth.cash_micro / 1e6, 6)
        and {p["mint"]: p["qty"] for p in s["open_positions"]} == truth.holdings,
        "round_trips": truth.round_trips,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of the run")
    parser.add_argument("--out", type=Path, default=Path("soak-out"))
    parser.add_argument("--seed", type=int, default=7, help="market.sim.seed (7: the default)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # One outage at three eighths of the run, before the kill at the half (by default).
    config = CONFIG.replace("SEED", str(args.seed))
    config = config.replace("OUTAGE_S", str(round(args.minutes * 60 * 3 / 8)))
    (args.out / "config.yaml").write_text(config, encoding="utf-8")
    db = args.out / "data" / "soltrader.sqlite"
    log = (args.out / "supervise.log").open("w", encoding="utf-8")
    cmd = [*_cli(), "supervise", "--config", str(args.out / "config.yaml")]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    supervisor = psutil.Process(proc.pid)
    sampler = Sampler(db)
    samples: list[Sample] = []
    t0 = time.monotonic()
    engine = _wait_engine(supervisor, None, 120)
    killed: dict[str, object] = {}
    fills_before_kill: list[str] = []
    writer = csv.writer((args.out / "samples.csv").open("w", newline="", encoding="utf-8"))
    writer.writerow(list(Sample.__dataclass_fields__))
    next_sample = t0
    while (minute := (time.monotonic() - t0) / 60) < args.minutes:
        if not killed and minute >= args.minutes * args.kill_at:
            fills_before_kill = _fills(db)
            old = engine.pid
            engine.kill()
            k0 = time.monotonic()
            engine = _wait_engine(supervisor, old, 300)
            killed = {
                "minute": round(minute, 1),
                "old_pid": old,
                "new_pid": engine.pid,
                "restarted_after_s": round(time.monotonic() - k0, 1),
            }
            print(
                f"killed engine {old} at minute {minute:.1f}; supervisor restarted it as "
                f"{engine.pid} after {killed['restarted_after_s']} s",
                flush=True,
            )
        if time.monotonic() >= next_sample:
            engine = _engine(supervisor) or engine
            sample = sampler.take(engine, minute)
            if sample is not None:
                samples.append(sample)
                writer.writerow(list(asdict(sample).values()))
                print(
                    " ".join(
                        f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in asdict(sample).items()
                    ),
                    flush=True,
                )
            next_sample += args.every
        if proc.poll() is not None:
            raise SystemExit(f"the supervisor exited early ({proc.returncode}); see supervise.log")
        time.sleep(1)
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=120)
    summary = {
        "command": " ".join(sys.argv),
        "minutes": args.minutes,
        "supervisor_exit": code,
        "kill": killed,
        "lives": _lives(samples),
        "ledger": _check(db, fills_before_kill),
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
