"""Benchmarks what the metered client adds per call over a bare httpx2 GET of the same JSON.

The loopback server runs in a child process, so its threads don't share the client's GIL.
Both clients fetch and parse the same small JSON body from the same server in the same run,
in alternating blocks so drift hits both alike. The metered client's limit is set far above
the request rate: this measures bookkeeping (limiter, breaker, tenacity, tally), not waiting.

    python benchmarks/bench_metered_client.py [--n 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx2

from soltrader_tui.net import MeteredClient, ProviderPolicy

# The loopback test server lives with the tests; make the repository root importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BODY = {"So11111111111111111111111111111111111111112": {"usdPrice": 147.25, "decimals": 9}}


def serve(conn: Connection) -> None:
    """Child process: serve BODY on /price/v3 until told to stop."""
    from tests.loopback import LoopbackServer, Reply

    with LoopbackServer() as server:
        server.route("/price/v3", lambda _request: Reply.json(BODY))
        conn.send(server.url_for("/price/v3"))
        conn.recv()


async def bare_latencies(http: httpx2.AsyncClient, url: str, n: int) -> tuple[list[float], float]:
    """Times `GET` + `json.loads` with a plain AsyncClient; returns latencies and CPU s."""
    out = []
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        response = await http.get(url, params={"ids": "SOL"})
        json.loads(response.content)
        out.append(time.perf_counter() - t0)
    return out, time.process_time() - cpu0


async def metered_latencies(client: MeteredClient, url: str, n: int) -> tuple[list[float], float]:
    """Times `MeteredClient.get_json`; returns latencies and CPU s."""
    out = []
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        await client.get_json("bench", url, params={"ids": "SOL"})
        out.append(time.perf_counter() - t0)
    return out, time.process_time() - cpu0


async def measure(url: str, n: int, runs: int) -> None:
    policy = ProviderPolicy("bench", max_requests=10**9, per_seconds=1.0)
    bare_runs, metered_runs, bare_cpu, metered_cpu = [], [], 0.0, 0.0
    async with httpx2.AsyncClient() as http, MeteredClient({"bench": policy}) as client:
        await bare_latencies(http, url, 50)  # warm both connection pools
        await metered_latencies(client, url, 50)
        for i in range(runs):
            bare, cpu_b = await bare_latencies(http, url, n)
            metered, cpu_m = await metered_latencies(client, url, n)
            bare_cpu += cpu_b
            metered_cpu += cpu_m
            b, m = statistics.median(bare), statistics.median(metered)
            bare_runs.append(b)
            metered_runs.append(m)
            print(
                f"run {i + 1}: bare {b * 1e6:,.0f} µs, metered {m * 1e6:,.0f} µs, "
                f"overhead {(m - b) * 1e6:,.0f} µs"
            )
        usage = client.usage()[0]
    b, m = statistics.median(bare_runs), statistics.median(metered_runs)
    calls = n * runs
    print(
        f"median of {runs} runs x {n} calls: bare {b * 1e6:,.0f} µs, metered {m * 1e6:,.0f} µs, "
        f"overhead {(m - b) * 1e6:,.0f} µs per call ({(m - b) / b:.0%})"
    )
    print(
        f"client CPU per call: bare {bare_cpu / calls * 1e6:,.0f} µs, "
        f"metered {metered_cpu / calls * 1e6:,.0f} µs"
    )
    print(f"metered tally: calls {usage.calls}, errors {usage.errors}, p95 {usage.p95_ms:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="calls per client per run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child,), daemon=True)
    server.start()
    try:
        url = parent.recv()
        asyncio.run(measure(url, args.n, args.runs))
    finally:
        parent.send("stop")
        server.join(timeout=5)
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
