"""A fill reaches the screen the moment its commit returns, not at the end of its tick: the
order manager tells the engine after each commit (and never before it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from soltrader_tui.config.model import Config
from soltrader_tui.domain import Order
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.orders import OrderManager
from soltrader_tui.execution.paper import PaperExecutor
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.portfolio.resume import restore
from tests.factories import next_order_id

START = 1_767_225_600.0


def test_each_fill_is_announced_once_after_its_commit(tmp_path: Path) -> None:
    market = SimMarket(3, START)
    ledger = Ledger.open(
        tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
    )
    fills_at_announce: list[int] = []
    restored = restore(ledger)
    orders = OrderManager(
        ledger=ledger,
        executor=PaperExecutor(SimFeed(market), Config().paper, "paper"),
        log=DecisionLog(keep=10),
        mode="paper",
        recent_fills=5,
        portfolio=restored.portfolio,
        last_fill_id=restored.last_fill_id,
        on_filled=lambda: fills_at_announce.append(len(ledger.recent_fills(10))),
    )
    market.advance(START + 1)
    tokens = market.tokens()[:2]
    for n, token in enumerate(tokens):
        order = Order(
            client_order_id=next_order_id("buy"),
            token=token,
            side="buy",
            in_amount=20_000_000,
            strategy="momentum",
            reason="test",
            ts=START + 1 + n,
        )
        assert asyncio.run(orders.submit(order)) is not None
    ledger.close()
    # Two fills in one "tick": each announced on its own, with its row already committed.
    assert fills_at_announce == [1, 2]
