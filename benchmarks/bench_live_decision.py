"""Benchmarks a live decision: from `LiveExecutor.prepare` to the signed swap handed to the network.

The real live order manager (tests/execution/live_rig.py) trades on the devnet JSON-RPC server
over solders.litesvm, through the Jupiter-shaped fake on a loopback server, both on threads of
this process. Each swap is an order submitted as the engine submits it (with the quote the
decision was made on): the paper twin, Jupiter's `/swap/v2/order`, every check before signing
(reads and `simulateTransaction` on the devnet), the signature, the fsync'd ledger commit of the
sent swap, then `send`. A swap's time runs from the call of `prepare` to the moment the fake's
`/swap/v2/execute` handler has the signed bytes (read off the socket, nothing done with them).
Buys of `--buy-usdc` and sells of the whole position alternate, so the wallet never runs dry;
each swap is settled (untimed) before the next is decided.

"Our overhead" is that time less the time the servers spent handling our requests inside the
window (their HTTP handling included: timed on the server threads by wrappers this script
installs), which a real network would replace with its own round trips.

    python benchmarks/bench_live_decision.py [--runs 200] [--buy-usdc 10] [--dir PATH] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import io
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The live rig, the Jupiter fake and the loopback server live with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import soltrader_tui.execution.live as live_module
import soltrader_tui.solana.devnet.server as devnet_module
import tests.loopback as loopback_module
from soltrader_tui.domain import Side, Token
from soltrader_tui.execution.jupiter_swap import EXECUTE_PATH, ORDER_PATH
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import World, build_world
from soltrader_tui.solana.wallet import Wallet
from tests.execution.jupiter_fake import FakeJupiter
from tests.execution.live_rig import Endpoints, LiveRig, PoolQuotes, live_rig
from tests.loopback import LoopbackServer, RecordedRequest, Reply

PHASES = (
    "twin",
    "order",
    "accounts",
    "verify",
    "rpc reads",
    "simulate",
    "checks",
    "sign",
    "commit",
    "send",
)
"""The phases of a swap, in order. `accounts` (our accounts to watch) runs beside `order`;
`verify` = `rpc reads` + `simulate` + `checks`, counting only the reads made inside it."""


@dataclass(slots=True)
class Clock:
    """Intervals of the client's phases and of the servers' work, `perf_counter` seconds."""

    phases: list[tuple[str, float, float]] = field(default_factory=list)
    servers: list[tuple[float, float]] = field(default_factory=list)
    """Appended from the server threads (list.append is atomic)."""
    starts: list[float] = field(default_factory=list)
    handoffs: list[float] = field(default_factory=list)

    def timed_async(
        self, label: str, call: Callable[..., Awaitable[Any]], *, start: bool = False
    ) -> Callable[..., Awaitable[Any]]:
        """`call`, its time recorded as `label` (and its start as a swap's, if `start`)."""

        @functools.wraps(call)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            if start:
                self.starts.append(t0)
            try:
                return await call(*args, **kwargs)
            finally:
                self.phases.append((label, t0, time.perf_counter()))

        return timed

    def timed_sync(self, label: str, call: Callable[..., Any]) -> Callable[..., Any]:
        """`call`, its time recorded as `label`."""

        @functools.wraps(call)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.phases.append((label, t0, time.perf_counter()))

        return timed

    def server_side(self, handle: Callable[[Any], None]) -> Callable[[Any], None]:
        """A server handler method whose whole run is recorded as server time."""

        @functools.wraps(handle)
        def timed(handler: Any) -> None:
            t0 = time.perf_counter()
            try:
                handle(handler)
            finally:
                self.servers.append((t0, time.perf_counter()))

        return timed


def instrument_servers(clock: Clock, fake: FakeJupiter, api: LoopbackServer) -> None:
    """Times every request the two servers handle; marks the moment `/execute` has the bytes."""
    # The fake is asked by GET (`/order`) and POST (`/execute`), the devnet by POST.
    for handler, name in (
        (loopback_module._Handler, "do_GET"),
        (loopback_module._Handler, "do_POST"),
        (devnet_module._Handler, "do_POST"),
    ):
        setattr(handler, name, clock.server_side(getattr(handler, name)))

    def execute(request: RecordedRequest) -> Reply:
        clock.handoffs.append(time.perf_counter())
        return fake.execute(request)

    api.route(ORDER_PATH, fake.order)
    api.route(EXECUTE_PATH, execute)


def instrument_client(clock: Clock, rig: LiveRig) -> None:
    """Times each phase of `prepare`, the commit of the sent swap and `send`."""
    ex: Any = rig.executor
    ex.prepare = clock.timed_async("prepare", ex.prepare, start=True)
    ex._paper.execute = clock.timed_async("twin", ex._paper.execute)
    ex._swaps.order = clock.timed_async("order", ex._swaps.order)
    ex.send = clock.timed_async("send", ex.send)
    for method in ("token_account_addresses", "accounts", "account_data"):
        setattr(rig.rpc, method, clock.timed_async("rpc reads", getattr(rig.rpc, method)))
    setattr(rig.rpc, "simulate", clock.timed_async("simulate", rig.rpc.simulate))  # noqa: B010
    # `prepare` calls these two by their names in its own module.
    watched = getattr(live_module, "watched_addresses")  # noqa: B009
    setattr(live_module, "watched_addresses", clock.timed_async("accounts", watched))  # noqa: B010
    verify = getattr(live_module, "verify_before_signing")  # noqa: B009
    setattr(live_module, "verify_before_signing", clock.timed_async("verify", verify))  # noqa: B010
    setattr(live_module, "sign", clock.timed_sync("sign", getattr(live_module, "sign")))  # noqa: B009, B010
    swaps: Any = rig.ledger.swaps
    swaps.record_sent = clock.timed_sync("commit", swaps.record_sent)


def _overlap(window: tuple[float, float], spans: list[tuple[float, float]]) -> float:
    lo, hi = window
    return sum(max(0.0, min(hi, b) - max(lo, a)) for a, b in spans)


def per_swap(clock: Clock) -> list[dict[str, float]]:
    """Each swap's total, server time, overhead and phases, in seconds."""
    out = []
    for start, handoff in zip(clock.starts, clock.handoffs, strict=True):
        window = (start, handoff)
        row = {p: 0.0 for p in PHASES}
        verifying = [(a, b) for label, a, b in clock.phases if label == "verify"]
        for label, a, b in clock.phases:
            if label == "rpc reads" and not any(lo <= a <= hi for lo, hi in verifying):
                continue  # a read beside the order: part of `accounts`, not of `verify`
            if label in row and start <= a <= handoff:
                row[label] += min(b, handoff) - a
        row["checks"] = row["verify"] - row["rpc reads"] - row["simulate"]
        row["total"] = handoff - start
        row["servers"] = _overlap(window, clock.servers)
        row["overhead"] = row["total"] - row["servers"]
        row["requests"] = sum(1 for a, _ in clock.servers if start <= a <= handoff)
        out.append(row)
    return out


async def trade(rig: LiveRig, world: World, ends: Endpoints, runs: int, buy_micro: int) -> None:
    """`runs` swaps, buy and sell alternating, each decided on a fresh quote and settled."""
    mint = world.mint("CLEAN")
    token = Token(str(mint.mint), "CLEAN", mint.decimals)
    quotes = PoolQuotes(rig.rpc, ends.pool, ends.usdc_mint)
    for i in range(runs):
        held = rig.orders.portfolio.positions.get(token.mint)
        side: Side = "sell" if held is not None else "buy"
        amount = held.qty if held is not None else buy_micro
        quote = await quotes.quote(token, side, amount)  # the decision's quote: untimed
        order = rig.orders.order(token, time.time(), side, amount, "momentum", "bench")
        effect = await rig.orders.submit(order, quote)
        if effect is None:
            raise RuntimeError(f"swap {i + 1} ({side}) did not fill: see the ledger's log")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def report(rows: list[dict[str, float]], warmup: int) -> None:
    """Prints median and p95 of each figure, in ms, after the warm-up swaps."""
    kept = rows[warmup:] or rows
    requests = statistics.median(r["requests"] for r in kept)
    print(f"{len(kept)} swaps (after {len(rows) - len(kept)} warm-up), {requests:.0f} requests to")
    print("the servers in each (the last one is the hand-off), ms:")
    print(f"  {'':<34} {'median':>8} {'p95':>8}")
    names = {
        "total": "(a) decision -> handed to network",
        "servers": "(b) inside the local servers",
        "overhead": "(a) - (b): our overhead",
    }
    for key in ("total", "servers", "overhead", *PHASES):
        values = [r[key] * 1e3 for r in kept]
        label = names.get(key, f"    {key}")
        print(f"  {label:<34} {statistics.median(values):>8.2f} {_p95(values):>8.2f}")


async def run(args: argparse.Namespace, folder: Path) -> list[dict[str, float]]:
    """Builds the servers and the rig, trades, returns each swap's figures."""
    world = build_world()
    clock = Clock()
    with DevnetServer(world.chain) as devnet, LoopbackServer() as api:
        fake = FakeJupiter(devnet, world)
        instrument_servers(clock, fake, api)
        ends = Endpoints(
            devnet_url=devnet.url,
            api_url=api.url,
            ledger=folder / "live.sqlite",
            pool=str(fake.pool.pubkey()),
            usdc_mint=str(world.mint("dUSDC").mint),
        )
        async with live_rig(ends, Wallet(world.wallet)) as rig:
            instrument_client(clock, rig)
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            await trade(rig, world, ends, args.runs, args.buy_usdc * 1_000_000)
            if profiler is not None:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
                print(out.getvalue())
        if api.errors:
            raise RuntimeError(f"the Jupiter fake failed: {api.errors}")
    return per_swap(clock)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--runs", type=int, default=200, help="swaps (buy and sell alternate)")
    parser.add_argument("--warmup", type=int, default=4, help="first swaps left out")
    parser.add_argument("--buy-usdc", type=int, default=10, help="dUSDC per buy")
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk for the ledger")
    parser.add_argument("--profile", action="store_true", help="cProfile the client thread")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rows = asyncio.run(run(args, Path(tmp)))
    report(rows, min(args.warmup, max(0, len(rows) - 1)))
    print("command: python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
