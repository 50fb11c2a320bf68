"""Tests live orders end to end on the devnet: the ledger records what the chain moved, once.

A buy and a sell land and the ledger's fills equal the wallet's balance changes on chain; a
swap whose answer is lost, or that is dropped and expires, or that a crash leaves in flight,
resolves by its signature to one fill or to `expired`, never to a second swap; a malicious
order is refused before signing and the order ends `rejected` with an alert-worthy line.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import psutil
import pytest

from soltrader_tui.domain import Order
from soltrader_tui.engine.alert_rules import alert_for
from soltrader_tui.engine.live_events import SwapRefused
from soltrader_tui.execution.chain_fill import lamports_to_micro
from soltrader_tui.execution.jupiter_swap import EXECUTE_PATH
from soltrader_tui.execution.live_results import RefusedSwap
from soltrader_tui.execution.paper import Rejected
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import WALLET_CLEAN, World, build_world
from soltrader_tui.solana.wallet import Wallet
from tests.execution.jupiter_fake import FakeJupiter
from tests.execution.live_rig import SOL_USD, Endpoints, LiveRig, PoolQuotes, live_rig
from tests.loopback import LoopbackServer

REPO = Path(__file__).resolve().parents[2]
BUY_MICRO = 10_000_000
"""10 dUSDC per test buy."""


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def devnet(world: World) -> Iterator[DevnetServer]:
    with DevnetServer(world.chain) as served:
        yield served


@pytest.fixture
def fake(world: World, devnet: DevnetServer) -> FakeJupiter:
    return FakeJupiter(devnet, world)


@pytest.fixture
def api(fake: FakeJupiter) -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        fake.install(server)
        yield server
        assert server.errors == []


@pytest.fixture
def ends(
    tmp_path: Path, world: World, devnet: DevnetServer, fake: FakeJupiter, api: LoopbackServer
) -> Endpoints:
    return Endpoints(
        devnet_url=devnet.url,
        api_url=api.url,
        ledger=tmp_path / "live.sqlite",
        pool=str(fake.pool.pubkey()),
        usdc_mint=str(world.mint("dUSDC").mint),
    )


@pytest.fixture
async def rig(ends: Endpoints, world: World) -> AsyncIterator[LiveRig]:
    async with live_rig(ends, Wallet(world.wallet)) as made:
        yield made


def buy(rig: LiveRig, world: World, amount: int = BUY_MICRO) -> Order:
    token = _clean(world)
    return rig.orders.order(token, time.time(), "buy", amount, "momentum", "momentum_entry")


def _clean(world: World):
    from soltrader_tui.domain import Token

    mint = world.mint("CLEAN")
    return Token(str(mint.mint), "CLEAN", mint.decimals)


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def advance(devnet: DevnetServer, blocks: int) -> None:
    answer = devnet.call(
        {"jsonrpc": "2.0", "id": 1, "method": "devnet_advanceBlocks", "params": [blocks]}
    )
    assert "result" in answer, answer


def drop_next(devnet: DevnetServer) -> None:
    answer = devnet.call({"jsonrpc": "2.0", "id": 1, "method": "devnet_dropNext", "params": []})
    assert "result" in answer, answer


class TestLanded:
    async def test_a_buy_then_a_sell_record_what_the_chain_moved(
        self, rig: LiveRig, world: World, ends: Endpoints
    ) -> None:
        usdc, clean = ends.usdc_mint, _clean(world).mint
        before = await rig.holdings()
        effect = await rig.orders.submit(buy(rig, world))
        assert effect is not None
        after_buy = await rig.holdings()
        [stored] = rig.ledger.recent_fills(1)
        fill = stored.fill
        assert fill.mode == "live" and fill.side == "buy"
        assert fill.qty == after_buy[clean] - before[clean] > 0
        assert fill.quote_amount == before[usdc] - after_buy[usdc] == BUY_MICRO
        spent = before["SOL"] - after_buy["SOL"]
        assert spent > 0 and fill.fee == lamports_to_micro(spent, SOL_USD)
        position = rig.orders.portfolio.positions[clean]
        assert position.qty == fill.qty

        sold = await rig.orders.sell_all(_clean(world), time.time(), "take_profit")
        assert sold is not None and clean not in rig.orders.portfolio.positions
        after_sell = await rig.holdings()
        [stored_sell] = rig.ledger.recent_fills(1)
        assert stored_sell.fill.qty == after_buy[clean] - after_sell[clean] == fill.qty
        assert stored_sell.fill.quote_amount == after_sell[usdc] - after_buy[usdc] > 0
        # Cash moved by exactly the USDC the wallet moved, less the SOL costs valued in USDC.
        p = rig.orders.portfolio
        sol_costs = fill.fee + stored_sell.fill.fee
        assert p.cash_micro == 1_000_000_000 + (after_sell[usdc] - before[usdc]) - sol_costs

        swaps = rows(
            ends.ledger, "SELECT side, status, fill_id IS NOT NULL, twin_qty FROM swaps ORDER BY id"
        )
        assert [s[:3] for s in swaps] == [("buy", "landed", 1), ("sell", "landed", 1)]
        assert all(s[3] is not None and s[3] > 0 for s in swaps)  # each has its paper twin
        assert rows(ends.ledger, "SELECT status FROM orders") == [("filled",), ("filled",)]

    async def test_the_paper_twin_is_the_same_quote_at_the_same_moment(
        self, rig: LiveRig, world: World, ends: Endpoints
    ) -> None:
        await rig.orders.submit(buy(rig, world))
        [(twin_qty, twin_amount, quoted)] = rows(
            ends.ledger, "SELECT twin_qty, twin_quote_amount, quoted_out FROM swaps"
        )
        [stored] = rig.ledger.recent_fills(1)
        # The fake delivers its quote exactly: twin, quote and chain agree to the unit.
        assert twin_qty == quoted == stored.fill.qty
        assert twin_amount == BUY_MICRO


class TestUnknownOutcomes:
    async def test_a_lost_answer_resolves_to_the_one_landing(
        self, rig: LiveRig, world: World, fake: FakeJupiter, ends: Endpoints
    ) -> None:
        fake.switches.execute_answer_lost = True
        before = await rig.holdings()
        effect = await rig.orders.submit(buy(rig, world))
        assert effect is not None
        after = await rig.holdings()
        assert before[ends.usdc_mint] - after[ends.usdc_mint] == BUY_MICRO  # spent once
        assert len(rig.ledger.recent_fills(10)) == 1
        assert rows(ends.ledger, "SELECT count(*) FROM swaps WHERE status = 'landed'") == [(1,)]

    async def test_a_dropped_swap_waits_then_expires_and_blocks_every_order_meanwhile(
        self, ends: Endpoints, world: World, devnet: DevnetServer
    ) -> None:
        drop_next(devnet)
        async with live_rig(ends, Wallet(world.wallet), confirm_timeout_s=0.3) as rig:
            before = await rig.holdings()
            assert await rig.orders.submit(buy(rig, world)) is None
            live = rig.orders.live
            assert live is not None and len(live.awaiting) == 1
            # Not landed, block height not passed: unknown. No other swap meanwhile.
            assert await rig.orders.submit(buy(rig, world)) is None
            assert rows(ends.ledger, "SELECT status FROM swaps") == [("sent",)]
            advance(devnet, 151)
            assert await live.settle_awaiting() is True
            assert rows(ends.ledger, "SELECT status FROM swaps") == [("expired",)]
            assert rows(ends.ledger, "SELECT status FROM orders") == [("expired",)]
            assert rig.ledger.recent_fills(1) == []
            assert await rig.holdings() == before  # nothing moved, no fee paid
            # A new decision may follow: it lands.
            assert await rig.orders.submit(buy(rig, world)) is not None

    async def test_a_restart_resolves_a_swap_left_in_flight_to_one_fill(
        self, ends: Endpoints, world: World, fake: FakeJupiter
    ) -> None:
        fake.switches.execute_delay_s = 1.0
        async with live_rig(ends, Wallet(world.wallet), confirm_timeout_s=0.2) as rig:
            live = rig.orders.live
            assert live is not None
            prepared = await rig.executor.prepare(buy(rig, world))
            from soltrader_tui.execution.live_results import Prepared

            assert isinstance(prepared, Prepared)
            live._commit_sent(prepared.order, prepared.sent)
            await rig.executor.send(prepared.sent)
            # The process "dies" here: nothing after the send ran.
        fake.switches.execute_delay_s = 0.0
        async with live_rig(ends, Wallet(world.wallet)) as again:
            live = again.orders.live
            assert live is not None and len(live.awaiting) == 1
            assert await live.settle_awaiting() is True
            assert len(again.ledger.recent_fills(10)) == 1
            assert rows(ends.ledger, "SELECT status FROM swaps") == [("landed",)]


class TestRefused:
    async def test_an_extra_transfer_is_refused_before_signing(
        self, rig: LiveRig, world: World, fake: FakeJupiter, ends: Endpoints
    ) -> None:
        fake.switches.extra_transfer = 1
        before = await rig.holdings()
        assert await rig.orders.submit(buy(rig, world)) is None
        assert await rig.holdings() == before
        assert rows(ends.ledger, "SELECT count(*) FROM swaps") == [(0,)]
        [(status, detail)] = rows(ends.ledger, "SELECT status, detail FROM orders")
        assert status == "rejected" and detail.startswith("refused before signing (")
        lines = rows(ends.ledger, "SELECT level, kind, message FROM events WHERE kind = 'swap'")
        assert (
            len(lines) == 1 and lines[0][0] == "error" and "REFUSED BUY CLEAN" in str(lines[0][2])
        )
        draft = alert_for(SwapRefused(0.0, "buy", "CLEAN", "effects", "why"), live=True)
        assert draft is not None and draft.severity == "critical"

    async def test_one_decision_is_never_two_swaps(self, rig: LiveRig, world: World) -> None:
        order = buy(rig, world)
        prepared = await rig.executor.prepare(order)
        from soltrader_tui.execution.live_results import Prepared

        assert isinstance(prepared, Prepared)
        rig.ledger.swaps.record_sent(order, prepared.sent)
        again = await rig.executor.prepare(order)
        assert isinstance(again, Prepared)
        with pytest.raises(sqlite3.IntegrityError):
            rig.ledger.swaps.record_sent(order, again.sent)


class TestKilledMidSwap:
    async def test_kill_9_after_send_resolves_to_one_fill_on_restart(
        self, ends: Endpoints, world: World, fake: FakeJupiter, tmp_path: Path
    ) -> None:
        # /execute lands the swap at once but answers only after 30 s: the process is killed
        # in between, with the swap committed as sent and its outcome unknown to it.
        fake.switches.execute_delay_s = 30.0
        spec = tmp_path / "ends.json"
        spec.write_text(
            json.dumps(
                {"ends": {**asdict(ends), "ledger": str(ends.ledger)}, "mint": _clean(world).mint}
            ),
            encoding="utf-8",
        )
        key = tmp_path / "wallet.json"
        key.write_text(json.dumps(list(bytes(world.wallet))), encoding="utf-8")
        landed_before = len(world.chain.landed)
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.execution.live_child", str(spec), str(key)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while len(world.chain.landed) == landed_before:
                assert child.poll() is None, "the child ended before its swap landed"
                assert time.monotonic() < deadline, "the swap never landed"
                await asyncio.sleep(0.02)
            psutil.Process(child.pid).kill()
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(10)
        assert rows(ends.ledger, "SELECT status FROM swaps") == [("sent",)]
        assert rows(ends.ledger, "SELECT count(*) FROM fills") == [(0,)]
        fake.switches.execute_delay_s = 0.0
        async with live_rig(ends, Wallet(world.wallet)) as again:
            live = again.orders.live
            assert live is not None and len(live.awaiting) == 1
            assert await live.settle_awaiting() is True
            [stored] = again.ledger.recent_fills(10)
            holdings = await again.holdings()
        assert stored.fill.qty == holdings[_clean(world).mint] - WALLET_CLEAN * 10**6
        assert len(world.chain.landed) == landed_before + 1  # one swap, never a second
        assert rows(ends.ledger, "SELECT status FROM swaps") == [("landed",)]


class TestSentThroughTheNode:
    async def test_a_buy_sent_with_send_transaction_lands_the_same_way(
        self, ends: Endpoints, world: World, api: LoopbackServer
    ) -> None:
        async with live_rig(ends, Wallet(world.wallet), route="rpc") as rig:
            before = await rig.holdings()
            assert await rig.orders.submit(buy(rig, world)) is not None
            after = await rig.holdings()
            [stored] = rig.ledger.recent_fills(1)
        assert stored.fill.quote_amount == before[ends.usdc_mint] - after[ends.usdc_mint]
        assert rows(ends.ledger, "SELECT route, status FROM swaps") == [("rpc", "landed")]
        assert api.count(EXECUTE_PATH) == 0  # never through Jupiter's /execute


class TestEmergencyLadder:
    """A live emergency sale climbs the slippage ladder, each step a fresh verified swap."""

    async def _bought(self, rig: LiveRig, world: World) -> int:
        assert await rig.orders.submit(buy(rig, world)) is not None
        return rig.orders.portfolio.positions[_clean(world).mint].qty

    async def test_a_pool_short_by_2_percent_sells_at_the_second_step(
        self, ends: Endpoints, world: World, fake: FakeJupiter
    ) -> None:
        async with live_rig(ends, Wallet(world.wallet), ladder=(100, 300, 1000)) as rig:
            qty = await self._bought(rig, world)
            quotes = PoolQuotes(rig.rpc, ends.pool, ends.usdc_mint)
            quote = await quotes.quote(_clean(world), "sell", qty)
            assert quote is not None
            fake.switches.deliver = quote.out_amount * 98 // 100  # 2 % short of the quote
            effect = await rig.orders.sell_all(_clean(world), time.time(), "emergency_stop")
            assert effect is not None
        orders = rows(ends.ledger, "SELECT side, status, detail FROM orders ORDER BY id")
        assert [o[:2] for o in orders] == [
            ("buy", "filled"),
            ("sell", "rejected"),
            ("sell", "filled"),
        ]
        assert "refused before signing" in str(orders[1][2])
        assert orders[2][2] == "emergency sale at up to 300 bps slippage"
        # Each step is its own decision: the refused one was never signed, so one swap sold.
        assert rows(ends.ledger, "SELECT side, status FROM swaps") == [
            ("buy", "landed"),
            ("sell", "landed"),
        ]

    async def test_what_no_step_sells_stays_with_its_reason(
        self, ends: Endpoints, world: World, fake: FakeJupiter
    ) -> None:
        async with live_rig(ends, Wallet(world.wallet), ladder=(100, 300)) as rig:
            await self._bought(rig, world)
            fake.switches.deliver = 1  # nothing any step accepts
            effect = await rig.orders.sell_all(_clean(world), time.time(), "emergency_stop")
            assert effect is None
            assert _clean(world).mint in rig.orders.portfolio.positions
            why = rig.orders.last_refusal[_clean(world).mint]
            assert why.startswith("refused before signing (")
        statuses = rows(ends.ledger, "SELECT status FROM orders WHERE side = 'sell'")
        assert statuses == [("rejected",), ("rejected",)]  # one attempt per step, then stop


class TestExpiryBoundary:
    async def test_at_its_last_valid_block_a_swap_may_still_land_one_past_it_cannot(
        self, ends: Endpoints, world: World, devnet: DevnetServer
    ) -> None:
        drop_next(devnet)
        async with live_rig(ends, Wallet(world.wallet), confirm_timeout_s=0.2) as rig:
            assert await rig.orders.submit(buy(rig, world)) is None
            live = rig.orders.live
            assert live is not None
            [(last_valid,)] = rows(ends.ledger, "SELECT last_valid_block_height FROM swaps")
            height = await rig.rpc.block_height()
            assert isinstance(last_valid, int) and last_valid > height
            advance(devnet, last_valid - height)
            assert await rig.rpc.block_height() == last_valid
            assert await live.settle_awaiting() is False  # still valid: unknown, not expired
            advance(devnet, 1)
            assert await live.settle_awaiting() is True
        assert rows(ends.ledger, "SELECT status FROM swaps") == [("expired",)]


class TestOneOutcome:
    async def test_a_settled_swap_cannot_be_settled_again(
        self, rig: LiveRig, world: World, ends: Endpoints
    ) -> None:
        from soltrader_tui.execution.live_results import Landed
        from soltrader_tui.ledger.swap_book import SwapNotPending

        order = buy(rig, world)
        prepared = await rig.executor.prepare(order)
        assert not isinstance(prepared, (Rejected, RefusedSwap))
        rig.ledger.swaps.record_sent(order, prepared.sent)
        await rig.executor.send(prepared.sent)
        landed = await rig.executor.settle(order, prepared.sent, 5.0)
        assert isinstance(landed, Landed)
        rig.ledger.swaps.record_landed(order, landed.fill, landed.settled, realized_micro=None)
        with pytest.raises(SwapNotPending):
            rig.ledger.swaps.record_ended(order, "expired", "again", None)
        again = replace(order, client_order_id="other")
        with pytest.raises(SwapNotPending):  # never recorded as sent: refused, nothing kept
            rig.ledger.swaps.record_landed(
                again, replace(landed.fill, order_id="other"), landed.settled, realized_micro=None
            )
        assert rows(ends.ledger, "SELECT count(*) FROM fills") == [(1,)]
        assert rows(ends.ledger, "SELECT status FROM orders") == [("filled",)]


class TestCheckpointFirst:
    async def test_the_first_live_order_of_a_session_waits_for_a_checkpoint(
        self, ends: Endpoints, world: World
    ) -> None:
        taken: list[tuple[str, int]] = []

        def checkpoint(reason: str) -> str:
            # What the ledger held when the checkpoint was taken: no swap yet.
            taken.append((reason, rows(ends.ledger, "SELECT count(*) FROM swaps")[0][0]))
            return f"cp-{len(taken)}"

        async with live_rig(ends, Wallet(world.wallet), checkpointer=checkpoint) as rig:
            assert await rig.orders.submit(buy(rig, world)) is not None
            assert await rig.orders.submit(buy(rig, world)) is not None
        assert taken == [("before the first live order", 0)]  # once, before anything was sent

    async def test_no_checkpoint_no_live_order(self, ends: Endpoints, world: World) -> None:
        def broken(reason: str) -> str:
            raise OSError("disk full")

        async with live_rig(ends, Wallet(world.wallet), checkpointer=broken) as rig:
            before = await rig.holdings()
            assert await rig.orders.submit(buy(rig, world)) is None
            assert await rig.holdings() == before
        [(status, detail)] = rows(ends.ledger, "SELECT status, detail FROM orders")
        assert status == "rejected" and "no checkpoint" in str(detail)
        assert rows(ends.ledger, "SELECT count(*) FROM swaps") == [(0,)]
