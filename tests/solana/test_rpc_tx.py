"""Tests SolanaRpc's transaction calls on the real devnet (accounts, simulation with accounts,
send, statuses) and how a malformed or refusing node is reported: by method and field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.token.associated import get_associated_token_address

from soltrader_tui.net import MeteredClient
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import World, build_world
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.errors import RpcError
from soltrader_tui.solana.rpc import SolanaRpc
from tests.loopback import LoopbackServer, Reply
from tests.net import make_policy
from tests.solana.devnet_kit import token_transfer


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def devnet(world: World) -> Iterator[DevnetServer]:
    with DevnetServer(world.chain) as served:
        yield served


@pytest.fixture
async def metered() -> AsyncIterator[MeteredClient]:
    async with MeteredClient({SOLANA_RPC: make_policy(SOLANA_RPC, max_attempts=2)}) as client:
        yield client


def rpc_at(url: str, metered: MeteredClient) -> SolanaRpc:
    return SolanaRpc(RpcEndpoint(url, url), metered)


def blockhash(world: World) -> Hash:
    with world.chain.lock:
        return world.chain.latest_blockhash()[0]


class TestOnTheDevnet:
    """Simulate shows the accounts after; send lands; the status follows."""

    async def test_simulate_send_and_status(
        self, world: World, devnet: DevnetServer, metered: MeteredClient
    ) -> None:
        usdc, friend = world.mint("dUSDC"), Keypair().pubkey()
        tx = bytes(token_transfer(world.wallet, friend, usdc, 7, blockhash(world), v0=True))
        wallet = str(world.wallet.pubkey())
        async with rpc_at(devnet.url, metered) as rpc:
            held = await rpc.token_account_addresses(wallet)
            source = str(get_associated_token_address(world.wallet.pubkey(), usdc.mint))
            assert source in held and len(held) == 2
            missing = str(Keypair().pubkey())
            before = await rpc.accounts([wallet, source, missing])
            simulated = await rpc.simulate(tx, [wallet, source, missing])
            assert await rpc.accounts([wallet, source, missing]) == before
            signature = await rpc.send_raw(tx)
            (status,) = await rpc.signature_statuses([signature])
            after = await rpc.accounts([wallet, source, missing])
        assert before[2] is None and simulated.err is None
        assert simulated.accounts == after
        assert status is not None and status.err is None and status.confirmation == "finalized"

    async def test_a_failing_simulation_and_a_refused_send(
        self, world: World, devnet: DevnetServer, metered: MeteredClient
    ) -> None:
        stranger = Keypair()
        tx = bytes(
            token_transfer(stranger, Pubkey.default(), world.mint("dUSDC"), 1, blockhash(world))
        )
        async with rpc_at(devnet.url, metered) as rpc:
            simulated = await rpc.simulate(tx, [str(stranger.pubkey())])
            with pytest.raises(RpcError, match="sendTransaction failed: error -32002"):
                await rpc.send_raw(tx)
            (status,) = await rpc.signature_statuses([str(Keypair().sign_message(b"x"))])
        assert simulated.err is not None and simulated.accounts == ()
        assert status is None


class TestBadNodes:
    """A malformed answer is an RpcError naming the method and the field."""

    @pytest.mark.parametrize(
        ("result", "words"),
        [
            ({"context": {}, "value": [{"lamports": "1", "owner": "x", "data": []}]}, "lamports"),
            (
                {"context": {}, "value": [{"lamports": 1, "owner": "x", "data": ["?", "base64"]}]},
                "value[0]",
            ),
            ({"context": {}}, "result.value is missing"),
            ({"context": {}, "value": []}, "not a list of 1 accounts"),
        ],
    )
    async def test_malformed_accounts(
        self, metered: MeteredClient, result: object, words: str
    ) -> None:
        with LoopbackServer() as node:
            node.route("/", lambda _r: Reply.json({"jsonrpc": "2.0", "id": 1, "result": result}))
            async with rpc_at(node.url_for("/"), metered) as rpc:
                with pytest.raises(RpcError, match="getMultipleAccounts failed") as caught:
                    await rpc.accounts([str(Pubkey.default())])
        assert words in caught.value.reason

    async def test_send_is_not_retried(self, metered: MeteredClient) -> None:
        with LoopbackServer() as node:
            node.route("/", lambda _r: Reply.json({}, status=503))
            async with rpc_at(node.url_for("/"), metered) as rpc:
                with pytest.raises(RpcError, match="sendTransaction failed"):
                    await rpc.send_raw(b"\x01")
                with pytest.raises(RpcError, match="getSignatureStatuses failed"):
                    await rpc.signature_statuses(["sig"])
            assert node.count("/") == 1 + 2
