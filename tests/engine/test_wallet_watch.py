"""The trading wallet's balances on the dashboard: read over RPC from a real local chain, in
the background, the last figures kept (and the failure said) when a read fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.engine.wallet_watch import WalletWatch
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.server import MarketServer
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.market.sources import build_market
from soltrader_tui.net import MeteredClient
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import (
    WALLET_CLEAN,
    WALLET_SOL,
    WALLET_USDC,
    World,
    build_world,
)
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.tui.widgets.portfolio import PortfolioPanel
from tests.e2e.live_market import live_config
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from tests.net import make_policy
from tests.solana import FakeNode, new_address
from tests.tui.harness import session
from tests.tui.snapshot_factory import make_snapshot

assert WALLET_CLEAN > 0  # the demo wallet holds one token besides USDC


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def devnet(world: World) -> Iterator[DevnetServer]:
    with DevnetServer(world.chain) as served:
        yield served


async def read_once(watch: WalletWatch) -> None:
    watch.poll()
    for _ in range(200):
        await asyncio.sleep(0.01)
        if watch.view.read_at is not None or watch.view.error:
            return
    raise AssertionError("the read never finished")


async def test_balances_read_back_exactly(world: World, devnet: DevnetServer) -> None:
    usdc = str(world.mint("dUSDC").mint)
    async with MeteredClient({SOLANA_RPC: make_policy(SOLANA_RPC)}) as metered:
        rpc = SolanaRpc(RpcEndpoint(devnet.url, devnet.url), metered)
        watch = WalletWatch(rpc, str(world.wallet.pubkey()), usdc, every_s=60)
        await read_once(watch)
        first = watch.view
        calls = metered.usage()[0].calls
        watch.poll()  # not due for a minute: no second read
        await asyncio.sleep(0.05)
        assert metered.usage()[0].calls == calls
        await watch.aclose()
        await rpc.aclose()
    assert (first.sol, first.usdc, first.other_tokens) == (WALLET_SOL, WALLET_USDC, 1)
    assert first.error == ""


async def test_a_failed_read_keeps_the_figures_and_says_why() -> None:
    node = FakeNode()
    owner, usdc = new_address(), node.add_mint(6)
    node.lamports[owner] = 2 * 10**9
    node.add_token_account(usdc, owner, 98_100_000)
    failing = False

    def answer(request: RecordedRequest) -> Reply:
        return Reply.json({"error": "down"}, status=503) if failing else node.handle(request)

    policy = make_policy(SOLANA_RPC, timeout_s=0.3, max_attempts=2)
    with LoopbackServer() as server:
        server.route("/", answer)
        async with MeteredClient({SOLANA_RPC: policy}) as metered:
            rpc = SolanaRpc(RpcEndpoint(server.url, server.url), metered)
            watch = WalletWatch(rpc, owner, usdc, every_s=0)
            await read_once(watch)
            before = watch.view
            failing = True
            watch.poll()
            for _ in range(300):
                await asyncio.sleep(0.01)
                if watch.view.error:
                    break
            await watch.aclose()
            await rpc.aclose()
    assert (before.sol, before.usdc) == (2.0, 98.1)
    assert "503" in watch.view.error, watch.view.error
    kept = (watch.view.sol, watch.view.usdc, watch.view.read_at)
    assert kept == (before.sol, before.usdc, before.read_at)


async def test_a_live_market_session_shows_the_wallet(
    world: World, devnet: DevnetServer, tmp_path: Path
) -> None:
    # Prices from the simulated market served in Jupiter's shapes, the chain from the devnet:
    # the RPC client the market setup builds is the one the wallet is read through.
    sim = SimMarket(3, time.time())
    usdc = str(world.mint("dUSDC").mint)
    with MarketServer(sim, Config().market.sim.faults) as server:
        watchlist = [t.mint for t in sim.tokens()]
        config = live_config(server.url, watchlist, rpc_url=devnet.url, warm_up=False)
        setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=3)
        assert setup.rpc is not None
        ledger = Ledger.open(
            tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=setup.feed,
            clock=setup.clock,
            version="t",
            duration_s=setup.duration_s,
            wallet=WalletWatch(setup.rpc, str(world.wallet.pubkey()), usdc, every_s=0.5),
        )
        seen: list[EngineSnapshot] = []
        engine.on_snapshot = seen.append
        await engine.run()
        setup.close()
        ledger.close()
    shown = [s.wallet for s in seen if s.wallet is not None and s.wallet.read_at is not None]
    assert shown, "the wallet was read during the session"
    assert (shown[-1].sol, shown[-1].usdc) == (WALLET_SOL, WALLET_USDC)


async def test_the_portfolio_panel_shows_the_wallet() -> None:
    from soltrader_tui.snapshot import WalletView

    plain = make_snapshot()
    async with session(plain) as s:
        panel = s.app.screen.query_one(PortfolioPanel)
        assert panel.border_subtitle == "", "no wallet watched: nothing said"
        view = WalletView("W", 1.5, 98.1, 2, time.time())
        watched = replace(plain, wallet=view)
        await s.publish(watched)
        assert panel.border_subtitle == "wallet 1.500 SOL · 98.10 USDC"
        failing = replace(watched, wallet=replace(view, error="timeout"))
        await s.publish(failing)
        assert panel.border_subtitle.endswith("(last read failed)")
