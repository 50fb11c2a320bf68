"""A Jupiter-shaped API that answers absurd prices for one token: nothing is traded on them.

The embedded market server answers in Jupiter's and DexScreener's shapes; a loopback proxy in
front of it rewrites one token's `usdPrice` in every Price API answer (1e308, 1e-300, 0, -1,
NaN, Infinity, text, a missing field) after a few sane ones, while its quotes stay sane. The
engine holds a position in that token, so before the plausibility screen one absurd tick sold
it as a "take-profit" at a loss and the next crashed the equity computation.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.server import MarketServer
from soltrader_tui.market.sim import SimMarket, sim_mint
from soltrader_tui.market.sources import build_market
from soltrader_tui.monitor.health import assess
from soltrader_tui.monitor.health_reads import read_recent
from soltrader_tui.monitor.ledger_view import read_status, status_json
from tests.factories import record_sim_position
from tests.loopback import LoopbackServer, RecordedRequest, Reply

TARGET = "SOLX"
SANE_ANSWERS = 6
"""Price answers passed through unchanged first, so the position has an accepted price."""
ABSURD: list[object] = [
    1e308,
    1e-300,
    0,
    -1,
    float("nan"),
    float("inf"),
    "NaN",
    "2.5",
    None,  # the field left out
]


class AbsurdProxy:
    """Forwards every request to the market server; spoils TARGET's price once warmed up."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.price_answers = 0
        self.spoiled: list[object] = []
        self._values: Iterator[object] = itertools.cycle(ABSURD)

    def __call__(self, request: RecordedRequest) -> Reply:
        url = f"{self.upstream}{request.path}"
        if request.raw_query:
            url += f"?{request.raw_query}"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            status, body = refused.code, refused.read()
        if request.path != "/price/v3" or status != 200:
            return Reply(status, {"content-type": "application/json"}, body)
        self.price_answers += 1
        prices = json.loads(body)
        mint = sim_mint(TARGET)
        if self.price_answers > SANE_ANSWERS and mint in prices:
            value = next(self._values)
            self.spoiled.append(value)
            if value is None:
                del prices[mint]["usdPrice"]
            else:
                prices[mint]["usdPrice"] = value
        # allow_nan (the default) writes NaN and Infinity, as a broken server would.
        return Reply(200, {"content-type": "application/json"}, json.dumps(prices).encode())


class TestAbsurdPricesForOneToken:
    """No fill on the spoiled token, no crash, one refusal line per rule, others unaffected."""

    async def test_absurd_prices_are_refused_and_never_traded(self, tmp_path: Path) -> None:
        start = time.time()
        sim = SimMarket(3, start)
        db = tmp_path / "absurd.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        record_sim_position(ledger, sim, start - 600, TARGET)
        with MarketServer(sim, Config().market.sim.faults) as market, LoopbackServer() as proxy:
            spoiler = AbsurdProxy(market.url)
            proxy.route("/", spoiler, prefix=True)
            config = Config.model_validate(
                {
                    "market": {
                        "source": "jupiter",
                        "watchlist": [t.mint for t in sim.tokens()],
                        "stale_after_s": 3,
                        "jupiter": {"base_url": proxy.url, "requests_per_second": 8},
                        "dexscreener": {"base_url": proxy.url},
                        "geckoterminal": {"base_url": proxy.url},
                    }
                }
            )
            setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=9)
            engine = Engine(
                config=config,
                ledger=ledger,
                feed=setup.feed,
                clock=setup.clock,
                version="t",
                duration_s=setup.duration_s,
            )
            try:
                await engine.run()
            finally:
                setup.close()
                ledger.close()
            assert proxy.errors == []
        assert engine.snapshot().error is None, "no crash"
        assert len(spoiler.spoiled) >= len(ABSURD), "every kind of absurd value was served"

        conn = sqlite3.connect(db)
        fills = conn.execute(
            "SELECT side FROM fills WHERE symbol = ? ORDER BY id", (TARGET,)
        ).fetchall()
        assert fills == [("buy",)], "only the position held before: nothing traded since"
        refused = conn.execute(
            "SELECT 'refused:' || rule, message FROM events WHERE kind = 'refused' ORDER BY id"
        ).fetchall()
        kinds = [kind for kind, _ in refused]
        assert sorted(kinds) == [
            "refused:not_positive",
            "refused:out_of_range",
            "refused:unreadable",
        ]
        messages = dict(refused)
        assert messages["refused:out_of_range"].startswith(f"PRICE REFUSED {TARGET} 1e+308 ")
        assert messages["refused:not_positive"].startswith(f"PRICE REFUSED {TARGET} 0 ")
        assert messages["refused:unreadable"].startswith(f"PRICE REFUSED {TARGET} nan ")
        counts = engine.price_refusals
        served = spoiler.spoiled
        expected_min = {
            "out_of_range": sum(v in (1e308, 1e-300) for v in served if isinstance(v, float)),
            "not_positive": sum(v in (0, -1) for v in served if not isinstance(v, float)),
        }
        # The feed hands each answer over once; a poll the engine had not yet read when the
        # session ended may be missing, never one more.
        for rule, n in expected_min.items():
            assert n - 2 <= counts.get(rule, 0) <= n, (rule, counts, n)
        assert counts.get("unreadable", 0) >= 5

        # Counted through the ledger: what `health` and `status --json` read.
        report = read_status(db)
        assert status_json(report)["price_refusals"] == counts
        now = time.time()
        health = assess(report, read_recent(db, report, now_wall=now), now)
        prices = next(c for c in health.checks if c.name == "prices")
        total = sum(counts.values())
        assert f"{total} prices refused as implausible this session (not_positive " in prices.detail

        stale_lines = [
            m
            for (m,) in conn.execute("SELECT message FROM events WHERE kind = 'stale'")
            if TARGET in m
        ]
        assert any(
            m.startswith(f"STALE {TARGET}: no fresh price accepted since ") for m in stale_lines
        )
        assert any(
            m.startswith(f"stop-loss for {TARGET} needs a price: last accepted is ")
            for m in stale_lines
        )
        others = {
            symbol
            for (symbol,) in conn.execute("SELECT symbol FROM marks WHERE symbol != ?", (TARGET,))
        }
        assert len(others) >= 3, "the other tokens stayed priced"
