"""Tests a swap from Jupiter's order to its landing on the real local chain: an honest order is
verified, signed, executed and lands exactly as simulated; a malicious one is refused before
the wallet signs anything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace

import pytest
from solders.keypair import Keypair
from solders.message import to_bytes_versioned
from solders.transaction import VersionedTransaction

from soltrader_tui.config.model import LiveConfig
from soltrader_tui.execution.jupiter_swap import (
    EXECUTE_PATH,
    EXECUTE_PROVIDER,
    ORDER_PATH,
    ORDER_PROVIDER,
    JupiterSwapClient,
    SwapRequest,
)
from soltrader_tui.execution.verify import Refused, SwapLimits
from soltrader_tui.execution.verify_chain import Approved, sign, verify_before_signing
from soltrader_tui.net import MeteredClient
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import World, build_world
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.wallet import Wallet
from tests.execution.jupiter_fake import FakeJupiter
from tests.loopback import LoopbackServer
from tests.net import make_policy

LIMITS = SwapLimits.from_config(LiveConfig())


@dataclass(slots=True)
class Desk:
    """Everything one test trades with."""

    world: World
    fake: FakeJupiter
    api: LoopbackServer
    rpc: SolanaRpc
    jupiter: JupiterSwapClient

    @property
    def wallet(self) -> str:
        return str(self.world.wallet.pubkey())

    def request(self, sell: str, buy: str, amount: int, slippage_bps: int = 50) -> SwapRequest:
        """A request to sell `amount` base units of symbol `sell` for symbol `buy`."""
        return SwapRequest(
            str(self.world.mint(sell).mint),
            str(self.world.mint(buy).mint),
            amount,
            self.wallet,
            slippage_bps,
        )

    async def holdings(self) -> dict[str, int]:
        """The wallet's lamports and its balance of each mint, base units."""
        held = {b.mint: b.amount.amount for b in await self.rpc.token_balances(self.wallet)}
        held["SOL"] = await self.rpc.sol_balance(self.wallet)
        return held

    async def verified(
        self, request: SwapRequest, limits: SwapLimits = LIMITS
    ) -> tuple[Approved | Refused, bytes, str]:
        """Orders, then verifies; returns the verdict, the raw transaction and request id."""
        order = await self.jupiter.order(request)
        verdict = await verify_before_signing(self.rpc, order, request, limits)
        return verdict, order.transaction, order.request_id


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def devnet(world: World) -> Iterator[DevnetServer]:
    with DevnetServer(world.chain) as served:
        yield served


@pytest.fixture
async def desk(world: World, devnet: DevnetServer) -> AsyncIterator[Desk]:
    fake = FakeJupiter(devnet, world)
    policies = {
        name: make_policy(name, max_attempts=1)
        for name in (ORDER_PROVIDER, EXECUTE_PROVIDER, SOLANA_RPC)
    }
    with LoopbackServer() as api:
        fake.install(api)
        async with (
            MeteredClient(policies) as metered,
            SolanaRpc(RpcEndpoint(devnet.url, devnet.url), metered) as rpc,
        ):
            yield Desk(world, fake, api, rpc, JupiterSwapClient(metered, api.url))
        assert api.errors == []


async def swap_and_land(desk: Desk, request: SwapRequest) -> None:
    """An honest swap end to end: balances move exactly as the simulation said."""
    before = await desk.holdings()
    verdict, _raw, request_id = await desk.verified(request)
    assert isinstance(verdict, Approved), verdict
    signed = sign(verdict, Wallet(desk.world.wallet))
    executed = await desk.jupiter.execute(signed, request_id)
    assert executed.status == "Success" and executed.code == 0, executed
    assert executed.signature is not None
    (status,) = await desk.rpc.signature_statuses([executed.signature])
    assert status is not None and status.err is None
    after = await desk.holdings()
    effects = verdict.effects
    assert before[request.input_mint] - after[request.input_mint] == effects.input_spent
    assert after[request.output_mint] - before[request.output_mint] == effects.output_received
    assert before["SOL"] - after["SOL"] == effects.sol_spent_lamports
    assert effects.input_spent == request.amount
    assert effects.output_received == executed.total_output_amount
    assert effects.sol_spent_lamports == verdict.base_fee_lamports + verdict.priority_fee_lamports


class TestHonestSwaps:
    """An honest order is approved, signed by the wallet alone, and lands as simulated."""

    async def test_a_buy_lands_as_simulated(self, desk: Desk) -> None:
        await swap_and_land(desk, desk.request("dUSDC", "CLEAN", 25 * 10**6))

    async def test_a_sell_lands_as_simulated(self, desk: Desk) -> None:
        await swap_and_land(desk, desk.request("CLEAN", "dUSDC", 1_000 * 10**6))

    async def test_a_legacy_transaction_lands_too(self, desk: Desk) -> None:
        desk.fake.switches.v0 = False
        await swap_and_land(desk, desk.request("dUSDC", "CLEAN", 3 * 10**6))

    async def test_accounts_loaded_from_a_lookup_table_land_too(self, desk: Desk) -> None:
        desk.fake.switches.lookup_table = True
        await swap_and_land(desk, desk.request("CLEAN", "dUSDC", 500 * 10**6))

    async def test_a_co_signer_who_already_signed_validly_is_accepted(self, desk: Desk) -> None:
        desk.fake.switches.pool_signs = True
        await swap_and_land(desk, desk.request("dUSDC", "CLEAN", 4 * 10**6))


REFUSALS = [
    ("extra_transfer", 1_000_000, "input", "spends 11000000"),
    ("drain_lamports", 50_000_000, "sol", "live.max_sol_spend_lamports"),
    ("fee_payer_pool", True, "fee_payer", "not our wallet"),
    ("unknown_program", True, "program", "instruction 4 invokes unknown program"),
    ("second_signer", True, "signatures", "is missing"),
    ("forged_pool_signature", True, "signatures", "does not verify"),
    ("approve_stranger", True, "other_account", "delegate"),
    ("unit_price", 20_000_000, "priority_fee", "4000000 lamports"),
    ("answer_slippage_bps", 101, "slippage", "101 bps"),
    ("missing_table", True, "lookup_tables", "does not exist"),
]


class TestMaliciousOrdersAreRefusedBeforeSigning:
    """Each trick is named in the refusal; nothing is signed or sent, no balance moves."""

    @pytest.mark.parametrize(("switch", "value", "check", "words"), REFUSALS)
    async def test_refused(
        self, desk: Desk, switch: str, value: object, check: str, words: str
    ) -> None:
        setattr(desk.fake.switches, switch, value)
        before = await desk.holdings()
        verdict, _raw, _id = await desk.verified(desk.request("dUSDC", "CLEAN", 10 * 10**6))
        assert isinstance(verdict, Refused), verdict
        assert verdict.check == check
        assert words in verdict.reason
        assert desk.api.count(EXECUTE_PATH) == 0
        assert desk.world.chain.landed == {}
        assert await desk.holdings() == before

    async def test_output_below_the_minimum_in_simulation(self, desk: Desk) -> None:
        request = desk.request("dUSDC", "CLEAN", 10 * 10**6)
        order = await desk.jupiter.order(request)
        desk.fake.switches.deliver = order.other_amount_threshold - 1
        verdict, _raw, _id = await desk.verified(request)
        assert isinstance(verdict, Refused)
        assert verdict.check == "output"
        assert "the order's minimum is" in verdict.reason


class TestLimitsAreInclusive:
    """A swap exactly at a limit passes; one unit over is refused (each bound is tested on
    both sides, so a flipped comparison fails a test)."""

    async def test_output_exactly_at_the_minimum_passes(self, desk: Desk) -> None:
        request = desk.request("dUSDC", "CLEAN", 10 * 10**6)
        order = await desk.jupiter.order(request)
        desk.fake.switches.deliver = order.other_amount_threshold
        verdict, _raw, _id = await desk.verified(request)
        assert isinstance(verdict, Approved), verdict
        assert verdict.effects.output_received == order.other_amount_threshold

    async def test_priority_fee_at_the_cap_passes_and_one_over_is_refused(self, desk: Desk) -> None:
        desk.fake.switches.unit_price = 5_000  # 200,000 units: exactly 1,000 lamports
        request = desk.request("dUSDC", "CLEAN", 10 * 10**6)
        at_cap = replace(LIMITS, max_priority_fee_lamports=1_000)
        verdict, _raw, _id = await desk.verified(request, at_cap)
        assert isinstance(verdict, Approved), verdict
        assert verdict.priority_fee_lamports == 1_000
        under = replace(LIMITS, max_priority_fee_lamports=999)
        verdict, _raw, _id = await desk.verified(request, under)
        assert isinstance(verdict, Refused) and verdict.check == "priority_fee"

    async def test_sol_spend_at_the_cap_passes_and_one_under_is_refused(self, desk: Desk) -> None:
        request = desk.request("dUSDC", "CLEAN", 10 * 10**6)
        verdict, _raw, _id = await desk.verified(request)
        assert isinstance(verdict, Approved), verdict
        spent = verdict.effects.sol_spent_lamports
        exact = replace(LIMITS, max_sol_spend_lamports=spent)
        assert isinstance((await desk.verified(request, exact))[0], Approved)
        short = replace(LIMITS, max_sol_spend_lamports=spent - 1)
        verdict, _raw, _id = await desk.verified(request, short)
        assert isinstance(verdict, Refused) and verdict.check == "sol"

    async def test_slippage_at_the_cap_passes_and_one_under_is_refused(self, desk: Desk) -> None:
        request = desk.request("dUSDC", "CLEAN", 10 * 10**6, slippage_bps=80)
        exact = replace(LIMITS, max_slippage_bps=80)
        assert isinstance((await desk.verified(request, exact))[0], Approved)
        short = replace(LIMITS, max_slippage_bps=79)
        verdict, _raw, _id = await desk.verified(request, short)
        assert isinstance(verdict, Refused) and verdict.check == "slippage"

    async def test_input_one_unit_over_the_order_is_refused(self, desk: Desk) -> None:
        desk.fake.switches.extra_transfer = 1
        verdict, _raw, _id = await desk.verified(desk.request("dUSDC", "CLEAN", 10 * 10**6))
        assert isinstance(verdict, Refused) and verdict.check == "input"


class TestOrderAnswers:
    """The order is the one asked for; the API's calls are metered under their own names."""

    async def test_order_fields_and_metering(self, desk: Desk) -> None:
        request = desk.request("dUSDC", "CLEAN", 10 * 10**6, slippage_bps=30)
        order = await desk.jupiter.order(request)
        assert (order.in_amount, order.slippage_bps) == (10 * 10**6, 30)
        assert order.other_amount_threshold == order.out_amount * 9970 // 10_000
        (sent,) = desk.api.requests(ORDER_PATH)
        assert sent.param("taker") == desk.wallet
        assert sent.param("slippageBps") == "30"

    async def test_only_the_fee_payer_signs_and_only_the_simulated_message(
        self, desk: Desk
    ) -> None:
        verdict, raw, _id = await desk.verified(desk.request("dUSDC", "CLEAN", 10 * 10**6))
        assert isinstance(verdict, Approved)
        with pytest.raises(ValueError, match="is not this transaction's fee payer"):
            sign(verdict, Wallet(Keypair()))
        signed = VersionedTransaction.from_bytes(sign(verdict, Wallet(desk.world.wallet)))
        assert to_bytes_versioned(signed.message) == verdict.message
        assert bytes(signed.message) == bytes(VersionedTransaction.from_bytes(raw).message)
        assert signed.verify_with_results() == [True]
