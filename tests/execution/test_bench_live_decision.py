"""Tests that benchmarks/bench_live_decision.py still runs and still times what it says.

A few swaps through the real rig: every swap fills (the script fails otherwise), each one's
window holds the six requests before the hand-off (order, two token-account reads, the
accounts, the simulation, the execute that is the hand-off) so no server time goes uncounted,
and the overhead is the total less the servers' share.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_few_swaps_are_timed_with_every_request_to_the_servers() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_live_decision.py", "--runs", "4", "--warmup", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "3 swaps (after 1 warm-up), 6 requests to" in out
    labels = {"total": r"\(a\) decision", "servers": r"\(b\) inside", "overhead": "our overhead"}
    figures = {}
    for name, label in labels.items():
        found = re.search(label + r".*?([\d.]+)\s+([\d.]+)\n", out)
        assert found is not None, out
        figures[name] = float(found[1])
    assert 0 < figures["servers"] < figures["total"]
    assert abs(figures["total"] - figures["servers"] - figures["overhead"]) < 5.0
    assert "command: python benchmarks/bench_live_decision.py --runs 4 --warmup 1" in out
