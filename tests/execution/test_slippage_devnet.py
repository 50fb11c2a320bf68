"""Tests `slippage` and `status --json`'s `live` object on a ledger a live buy and sell wrote on
the devnet, through the Jupiter-shaped fake: the report's figures are the ledger's."""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from soltrader_tui.solana.devnet.world import World
from soltrader_tui.solana.wallet import Wallet
from tests.execution.live_rig import Endpoints, live_rig
from tests.execution.test_live_orders import (  # noqa: F401 (fixtures)
    _clean,
    api,
    buy,
    devnet,
    ends,
    fake,
    world,
)

REPO = Path(__file__).resolve().parents[2]


def soltrader(*argv: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "soltrader_tui", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ledger_swaps(path: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT s.*, f.qty, f.price, f.quote_amount, f.fee FROM swaps s"
            " LEFT JOIN fills f ON f.id = s.fill_id ORDER BY s.id"
        ).fetchall()


async def test_the_report_of_a_live_buy_and_sell_is_the_ledgers(
    ends: Endpoints,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    async with live_rig(ends, Wallet(world.wallet)) as rig:
        assert await rig.orders.submit(buy(rig, world)) is not None
        assert await rig.orders.sell_all(_clean(world), time.time(), "take_profit") is not None

    report = soltrader("slippage", "--json", "--db", str(ends.ledger))
    rows = ledger_swaps(ends.ledger)
    assert [s["side"] for s in report["swaps"]] == ["buy", "sell"]
    for shown, row in zip(report["swaps"], rows, strict=True):
        assert shown["status"] == row["status"] == "landed"
        assert shown["signature"] == row["signature"]
        assert shown["live"] == {
            "qty": row["qty"],
            "price": row["price"],
            "quote_amount": row["quote_amount"],
            "fee": row["fee"],
        }
        assert shown["paper"] == {
            "qty": row["twin_qty"],
            "price": row["twin_price"],
            "quote_amount": row["twin_quote_amount"],
            "fee": row["twin_fee"],
        }
        # Worse for us is negative: a buy paid more than its twin, a sell got less.
        sign = -1 if row["side"] == "buy" else 1
        better = sign * (row["price"] - row["twin_price"])
        assert shown["price_diff_bps"] == round(better / row["twin_price"] * 10_000, 4)
        assert shown["signed_ms"] == round((row["signed_wall"] - row["decided_wall"]) * 1000, 1)
        assert shown["landed_ms"] == round((row["settled_wall"] - row["decided_wall"]) * 1000, 1)
        assert shown["landed_ms"] > 0
    # The fake delivers its quote exactly, so the buy matched its twin to the unit; the live fee
    # is the SOL the wallet paid, the paper fee the configured swap and network fees.
    [bought, sold] = report["swaps"]
    assert bought["received_diff"] == 0 and bought["slippage_usd"] == 0
    assert bought["live"]["fee"] > 0 and bought["paper"]["fee"] > 0

    totals = report["totals"]
    assert totals["swaps"] == {"landed": 2, "failed": 0, "expired": 0, "sent": 0}
    assert totals["compared"] == 2 and totals["awaiting"] == 0
    assert totals["fees_live_usd"] == round(sum(r["fee"] for r in rows) / 1e6, 6)
    assert totals["fees_paper_usd"] == round(sum(r["twin_fee"] for r in rows) / 1e6, 6)
    assert totals["slippage_usd"] == round(bought["slippage_usd"] + sold["slippage_usd"], 6)
    landed = [(r["settled_wall"] - r["decided_wall"]) * 1000 for r in rows]
    assert totals["latency_ms_median"] == round(statistics.median(landed), 1)

    live = soltrader("status", "--json", "--db", str(ends.ledger))["live"]
    assert live["swaps"] == totals["swaps"] and live["awaiting"] == 0
    for key in ("slippage_usd", "fees_live_usd", "fees_paper_usd", "latency_ms_median"):
        assert live[key] == totals[key], key
