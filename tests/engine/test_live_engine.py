"""Tests the engine in live mode on the devnet: a strategy's round trip becomes two verified
swaps whose fills are what the chain moved; an emergency stop sells on the slippage ladder.

The engine is built as a live session builds it (`live_setup.live_executor`, the live caps on
the risk limits); its market is the fake Jupiter's pool on the devnet, read through the RPC.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import MarketTick, Side, Signal, SwapQuote, Token, TradingState
from soltrader_tui.engine.engine import Engine
from soltrader_tui.engine.live_setup import SOL, live_config, live_executor
from soltrader_tui.execution.jupiter_swap import EXECUTE_PROVIDER, ORDER_PROVIDER
from soltrader_tui.ledger import Ledger, requests
from soltrader_tui.market.feed import OfflineFeed
from soltrader_tui.market.sources import MarketSetup
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.net import MeteredClient
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import WALLET_CLEAN, World, build_world
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.wallet import LoadedWallet, Wallet
from soltrader_tui.strategies.base import ScoreReading
from tests.execution.jupiter_fake import FakeJupiter
from tests.loopback import LoopbackServer
from tests.net import make_policy

START = 1_767_225_600.0
SOL_USD = 150.0


class PoolFeed(OfflineFeed):
    """The devnet pool as a market: CLEAN's price and quotes from the pool's reserves, read
    over the RPC; one SOL quotes at $150 (the devnet has no SOL pool)."""

    source = "devnet"
    api_note = "the fake Jupiter's pool on the devnet"

    def __init__(self, rpc: SolanaRpc, pool: str, usdc: str, token: Token) -> None:
        self._rpc, self._pool, self._usdc, self._token = rpc, pool, usdc, token

    async def _reserves(self) -> tuple[int, int]:
        held = {b.mint: b.amount.amount for b in await self._rpc.token_balances(self._pool)}
        return held[self._usdc], held[self._token.mint]

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        usdc, token = await self._reserves()
        return [MarketTick(self._token, ts, usdc / token, 2 * usdc / 1e6)]

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        return ()

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        if token.mint == SOL.mint:
            return SwapQuote(token, side, in_amount, round(SOL_USD * in_amount / 1000), 0.0)
        usdc, held = await self._reserves()
        r_in, r_out = (usdc, held) if side == "buy" else (held, usdc)
        return SwapQuote(token, side, in_amount, r_out * in_amount // (r_in + in_amount), 0.0)

    def token(self, mint: str) -> Token | None:
        return self._token if mint == self._token.mint else None

    def listed_ts(self, mint: str) -> float | None:
        return 0.0


@dataclass(slots=True)
class RoundTrip:
    """Buys the token at its `buy_at`-th tick and sells at its `sell_at`-th (0: never)."""

    buy_at: int
    sell_at: int
    name: str = "scripted"
    enabled: bool = True
    entry_threshold: float = 0.5
    timeframe_s: int | None = None
    warmup_s: float = 0.0
    ticks: int = 0
    then: Callable[[int, bool], None] | None = None
    """Called at each tick with the tick's number and whether the token is held."""

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        self.ticks += 1
        if self.then is not None:
            self.then(self.ticks, holding)
        if not holding and self.ticks == self.buy_at:
            return Signal(tick.token, self.name, "buy", 1.0, "scripted entry")
        if holding and self.ticks == self.sell_at:
            return Signal(tick.token, self.name, "sell", 0.0, "scripted exit")
        return None

    def on_candle(self, token: Token, candle: object, holding: bool) -> Signal | None:
        return None

    def score(self, mint: str) -> ScoreReading:
        return ScoreReading(0.5, "scripted")

    def forget(self, mint: str) -> None:
        return None


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


@dataclass(slots=True)
class Session:
    engine: Engine
    ledger: Path
    rpc: SolanaRpc
    wallet: str
    clean: str
    usdc: str
    seen: list[EngineSnapshot]

    async def held(self) -> dict[str, int]:
        found = {b.mint: b.amount.amount for b in await self.rpc.token_balances(self.wallet)}
        return found


@asynccontextmanager
async def live_session(
    tmp_path: Path,
    world: World,
    devnet: DevnetServer,
    fake: FakeJupiter,
    strategy: RoundTrip,
    duration_s: float = 12.0,
) -> AsyncIterator[Session]:
    usdc, clean = str(world.mint("dUSDC").mint), world.mint("CLEAN")
    token = Token(str(clean.mint), "CLEAN", clean.decimals)
    config = live_config(
        Config.model_validate(
            {
                "solana": {"usdc_mint": usdc},
                "market": {"jupiter": {"base_url": "http://127.0.0.1:9"}},
                "live": {"confirm_timeout_s": 5},
            }
        )
    )
    policies = {
        n: make_policy(n, max_attempts=1) for n in (ORDER_PROVIDER, EXECUTE_PROVIDER, SOLANA_RPC)
    }
    path = tmp_path / "live.sqlite"
    with LoopbackServer() as api:
        fake.install(api)
        jupiter = config.market.jupiter.model_copy(update={"base_url": api.url})
        market = config.market.model_copy(update={"jupiter": jupiter})
        config = config.model_copy(update={"market": market})
        async with (
            MeteredClient(policies) as metered,
            SolanaRpc(RpcEndpoint(devnet.url, devnet.url), metered) as rpc,
        ):
            feed = PoolFeed(rpc, str(fake.pool.pubkey()), usdc, token)
            clock = VirtualClock(START)
            setup = MarketSetup(feed, clock, duration_s, "live", rpc=rpc, client=metered)  # type: ignore[arg-type]
            wallet = LoadedWallet(Wallet(world.wallet), "test")
            ledger = Ledger.open(path, starting_cash_micro=1_000_000_000, mode="live", version="t")
            engine = Engine(
                config=config,
                ledger=ledger,
                feed=feed,  # type: ignore[arg-type]
                clock=clock,
                version="t",
                mode="live",
                duration_s=duration_s,
                strategies=[strategy],  # type: ignore[list-item]
                live=live_executor(config, setup, wallet),
            )
            seen: list[EngineSnapshot] = []
            engine.on_snapshot = seen.append
            try:
                yield Session(engine, path, rpc, wallet.wallet.pubkey, token.mint, usdc, seen)
            finally:
                ledger.close()
        assert api.errors == []


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


class TestLiveEngine:
    async def test_a_round_trip_is_two_swaps_and_the_ledger_is_the_chain(
        self, tmp_path: Path, world: World, devnet: DevnetServer, fake: FakeJupiter
    ) -> None:
        async with live_session(tmp_path, world, devnet, fake, RoundTrip(2, 5)) as s:
            before = await s.held()
            await s.engine.run()
            after = await s.held()
            snapshot = s.seen[-1]
        fills = rows(s.ledger, "SELECT side, qty, quote_amount, fee, mode FROM fills ORDER BY id")
        assert [(f[0], f[4]) for f in fills] == [("buy", "live"), ("sell", "live")]
        (_, bought, paid, _, _), (_, sold, got, _, _) = fills
        assert bought == sold and after[s.clean] == before[s.clean] == WALLET_CLEAN * 10**6
        assert paid == 25_000_000  # live.max_order_usd caps the risk section's $50
        assert after[s.usdc] - before[s.usdc] == got - paid
        assert rows(s.ledger, "SELECT status FROM swaps") == [("landed",), ("landed",)]
        assert snapshot.mode == "live" and snapshot.round_trips == 1
        # Fees paid today, network costs in, as the engine and `status`/`watch` show them.
        fees = sum(int(f[3]) for f in fills)  # type: ignore[call-overload]
        assert fees > 0 and snapshot.fees_today_usd == fees / 1e6
        watched = read_status(s.ledger).snapshot
        assert watched.fees_today_usd == fees / 1e6
        # Live against paper, the same figure on the engine's dashboard and on `watch`.
        assert snapshot.live_vs_paper == watched.live_vs_paper
        assert (
            snapshot.live_vs_paper.endswith("awaiting") is False
            and "fees" in snapshot.live_vs_paper
        )
        checkpoints = rows(s.ledger, "SELECT message FROM events WHERE kind = 'swap'")
        assert sum("SENT" in str(m) for (m,) in checkpoints) == 2

    async def test_an_emergency_stop_sells_on_the_ladder_and_halts(
        self, tmp_path: Path, world: World, devnet: DevnetServer, fake: FakeJupiter
    ) -> None:
        strategy = RoundTrip(2, 0)
        asked: list[int] = []
        async with live_session(tmp_path, world, devnet, fake, strategy, 600.0) as s:

            def stop_after_the_buy(ticks: int, holding: bool) -> None:
                # The stop comes as `soltrader-tui stop` sends it, through the ledger; the
                # session ends once it is answered.
                if holding and ticks == 4:
                    fake.switches.deliver = 1  # no step's minimum is met
                    asked.append(requests.submit(s.ledger, "stop", "test"))
                elif asked and ticks % 5 == 0 and requests.result(s.ledger, asked[0]):
                    s.engine.request_stop()

            strategy.then = stop_after_the_buy
            await s.engine.run()
            snapshot = s.seen[-1]
        answer = requests.result(s.ledger, asked[0])
        assert answer is not None and answer.startswith("HALTED; could not sell yet: CLEAN (")
        assert "refused before signing (output)" in answer
        assert snapshot.trading_state is TradingState.HALTED
        orders = rows(s.ledger, "SELECT side, status, reason FROM orders ORDER BY id")
        assert orders[0][:2] == ("buy", "filled")
        sells = [o for o in orders if o[0] == "sell"]
        # Every step refused (the pool delivers nothing): the position is still held, named.
        assert {o[1] for o in sells} == {"rejected"} and len(sells) >= 3
        assert [p.symbol for p in snapshot.positions] == ["CLEAN"]
