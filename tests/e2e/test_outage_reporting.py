"""An outage of the embedded market server, as `health` and `status --json` tell it.

The real embedded server answers 503 for 24 s (`market.sim.faults.outages`) in the middle of a
wall-clock session. Read from the ledger alone while the outage lasts, `health` names the open
circuit with its next probe, the failures by kind and the stale tokens with the time of their
last price; `status --json` carries the same. Afterwards the log reads in time order, and
prices return within the short first cool-down, not after a fixed 30 s.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.lock import EngineLock
from soltrader_tui.ledger.rows import from_iso
from soltrader_tui.market.sources import build_market
from soltrader_tui.monitor.health import Check, HealthReport, assess
from soltrader_tui.monitor.health_reads import read_recent
from soltrader_tui.monitor.ledger_view import read_status, status_json

OUTAGE_START_S = 2.0
OUTAGE_S = 24.0
"""Long enough that the circuit is seen open on a busy machine: with the client's retries it
opens about 12 s into an outage, and a read sees it after the engine's next flush."""
SESSION_S = 35.0


def read_both(db: Path) -> tuple[HealthReport, dict[str, Any]]:
    now = time.time()
    report = read_status(db, now_wall=now)
    return assess(report, read_recent(db, report, now_wall=now), now), status_json(report)


class TestOutageIsNamed:
    """During an outage the read-only commands say what is wrong, not only a count."""

    async def test_health_and_status_name_circuit_failures_and_stale_tokens(
        self, tmp_path: Path
    ) -> None:
        db = tmp_path / "outage.sqlite"
        config = Config.model_validate(
            {
                "market": {
                    "stale_after_s": 3,
                    "sim": {
                        "faults": {"outages": [{"start_s": OUTAGE_START_S, "duration_s": OUTAGE_S}]}
                    },
                }
            }
        )
        setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=SESSION_S)
        assert setup.server is not None
        lock = EngineLock(db)  # as a session holds it: `health` sees a running engine
        lock.acquire("test")
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=setup.feed,
            clock=setup.clock,
            version="t",
            duration_s=setup.duration_s,
        )
        started = time.time()
        run = asyncio.create_task(engine.run())
        seen: list[tuple[HealthReport, dict[str, Any]]] = []
        try:
            await asyncio.sleep(OUTAGE_START_S + 1)
            while time.time() < started + OUTAGE_START_S + OUTAGE_S:
                seen.append(await asyncio.to_thread(read_both, db))
                await asyncio.sleep(0.5)
            await run
        finally:
            setup.close()
            ledger.close()
            lock.release()
        outage_end = started + OUTAGE_START_S + OUTAGE_S
        assert engine.snapshot().error is None

        def check(health: HealthReport, name: str) -> Check:
            return next(c for c in health.checks if c.name == name)

        api = [check(h, "api") for h, _ in seen]
        # Once the first failed calls are flushed, the check stays degraded while it lasts.
        first = next(i for i, c in enumerate(api) if c.level == "degraded")
        assert all(c.level == "degraded" for c in api[first:]), api
        assert not any("429" in c.detail for c in api), "an outage is not rate limiting"
        assert any("server errors (5xx)" in c.detail for c in api)
        open_lines = [c.detail for c in api if "jupiter: circuit open after" in c.detail]
        assert open_lines, [c.detail for c in api]
        assert all(re.search(r"next probe at \d\d:\d\d:\d\d \(in \d+ s\)", d) for d in open_lines)
        prices = [check(h, "prices") for h, _ in seen]
        stale = re.compile(r"stale prices for \w+ \(last price \d\d:\d\d:\d\d, \d+ s ago\)")
        assert any(c.level == "degraded" and stale.search(c.detail) for c in prices), prices

        statuses = [st for _, st in seen]
        for status in statuses:
            for key in ("equity_usd", "open_positions", "strategies", "heartbeat_age_s"):
                assert key in status, "every existing field is kept"
        jupiter = [next(a for a in st["api"] if a["provider"] == "jupiter") for st in statuses]
        assert any(j["recent_failures"].get("server_error", 0) > 0 for j in jupiter)
        opened = [j for j in jupiter if j["circuit"] == "open"]
        assert opened and all(j["next_probe"] is not None for j in opened)
        listed = [st["stale_tokens"] for st in statuses if st["stale_tokens"]]
        assert listed, "the tokens without prices are listed"
        assert all(t["last_price_age_s"] >= 3 for tokens in listed for t in tokens)

        conn = sqlite3.connect(db)
        rows = [
            (from_iso(ts), m)
            for ts, m in conn.execute("SELECT ts, message FROM events ORDER BY id")
        ]
        stamps = [ts for ts, _ in rows]
        assert stamps == sorted(stamps), "log lines carry the time they were written"
        fresh = [ts for ts, m in rows if m.startswith("FRESH")]
        assert fresh, "prices came back"
        # The circuit probes again after 2, 4, 8 s (the embedded server's cap is 10 s): prices
        # are back within one capped cool-down of the outage's end, plus a poll.
        assert min(t for t in fresh if t >= outage_end - 1) - outage_end <= 12
