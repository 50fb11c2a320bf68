"""Benchmarks alert latency: from an event (the operator's stop, which HALTS trading) to the
alert email's arrival at an SMTP server on loopback.

Each run: a fresh ledger, the engine on the wall clock on the simulated market with one email
target (an aiosmtpd server in this process, a login with a password from the environment),
the stop command given mid-session, and the clock stopped when the server has the message.
The path measured is the whole one: the state change's commit, the alert rule, the cooldown,
the alert row's commit (the engine flushes at once when an alert is ready), the sender's
thread, apprise and SMTP.

    python benchmarks/bench_alert_latency.py [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from soltrader_tui.alerts.sender import AlertSender
from soltrader_tui.alerts.targets import make_targets
from soltrader_tui.clock import WallClock
from soltrader_tui.config.model import AlertsConfig, AlertTarget, Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket

SECRET_ENV = "BENCH_SMTP_PASSWORD"


class Inbox:
    """An SMTP server's handler that notes when each message arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.arrivals.append(time.perf_counter())
        self.arrived.set()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def once(folder: Path, n: int, inbox: Inbox, port: int) -> float:
    url = (
        f"mailto://bot:{{password}}@example.com?smtp=127.0.0.1&port={port}"
        "&from=bot@example.com&to=me@example.com&mode=insecure"
    )
    alerts = AlertsConfig(targets=[AlertTarget(url=url, password_env=SECRET_ENV)])
    config = Config(alerts=alerts)
    ledger = Ledger.open(
        folder / f"run-{n}.sqlite", starting_cash_micro=500_000_000, mode="paper", version="b"
    )
    market = SimMarket(7, time.time(), tick_seconds=config.market.tick_seconds)
    sender = AlertSender(make_targets(alerts.targets), environ={SECRET_ENV: "bench-pw"})
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=SimFeed(market),
        clock=WallClock(),
        version="bench",
        alert_sender=sender,
    )
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(1.0)  # mid-session, waiting for its next tick
    inbox.arrived.clear()
    t0 = time.perf_counter()
    engine.command("stop", "bench")
    while not inbox.arrived.is_set():
        await asyncio.sleep(0.001)
    elapsed = inbox.arrivals[-1] - t0
    engine.request_stop()
    await task
    ledger.close()
    return elapsed


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=lambda *_: AuthResult(success=True),
        auth_require_tls=False,
    )
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            runs = [asyncio.run(once(Path(tmp), n, inbox, port)) for n in range(args.runs)]
    finally:
        controller.stop()
    ms = [r * 1000 for r in runs]
    for n, value in enumerate(ms):
        print(f"run {n}: {value:.1f} ms")
    print(
        f"stop command -> alert email received: median {statistics.median(ms):.1f} ms, "
        f"p95 {p95(ms):.1f} ms over {len(ms)} runs (aim < 2000 ms)"
    )
    print(f"command: python benchmarks/bench_alert_latency.py --runs {args.runs}")


if __name__ == "__main__":
    main()
