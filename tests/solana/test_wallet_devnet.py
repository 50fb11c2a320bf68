"""Tests the RPC client and `soltrader-tui wallet` against the real devnet: a LiteSVM chain
served as JSON-RPC on 127.0.0.1, whose demo wallet's balances must read back exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml
from solders.keypair import Keypair

from soltrader_tui.net import MeteredClient
from soltrader_tui.solana.accounts import TokenAmount, TokenBalance
from soltrader_tui.solana.balances import DEVNET_SYMBOLS, read_balances, symbol_of
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import (
    LAMPORTS_PER_SOL,
    WALLET_CLEAN,
    WALLET_SOL,
    WALLET_USDC,
    World,
    build_world,
)
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.rpc import SolanaRpc
from tests.conftest import Cli
from tests.net import make_policy


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def devnet(world: World) -> Iterator[DevnetServer]:
    with DevnetServer(world.chain) as served:
        yield served


def rpc_on(devnet: DevnetServer, metered: MeteredClient) -> SolanaRpc:
    return SolanaRpc(RpcEndpoint(devnet.url, devnet.url), metered)


class TestRpcOnTheDevnet:
    """Every typed read answers from the chain, through the metered client."""

    async def test_the_demo_wallet_reads_back_exactly(
        self, world: World, devnet: DevnetServer
    ) -> None:
        owner = str(world.wallet.pubkey())
        usdc, clean = str(world.mint("dUSDC").mint), str(world.mint("CLEAN").mint)
        async with MeteredClient({SOLANA_RPC: make_policy(SOLANA_RPC)}) as metered:
            async with rpc_on(devnet, metered) as rpc:
                balances = await read_balances(rpc, owner, usdc)
            usage = metered.usage()[0]
        assert balances.lamports == WALLET_SOL * LAMPORTS_PER_SOL
        assert balances.usdc == TokenAmount(WALLET_USDC * 10**6, 6)
        assert balances.tokens == (TokenBalance(clean, TokenAmount(WALLET_CLEAN * 10**6, 6)),)
        assert (usage.provider, usage.errors) == (SOLANA_RPC, 0)
        assert usage.calls == 4  # balance, two token programs, the mints' decimals

    async def test_mint_reads(self, world: World, devnet: DevnetServer) -> None:
        whale, fee22 = world.mint("WHALE"), world.mint("FEE22")
        policies = {SOLANA_RPC: make_policy(SOLANA_RPC)}
        async with MeteredClient(policies) as metered, rpc_on(devnet, metered) as rpc:
            supply = await rpc.token_supply(str(whale.mint))
            largest = await rpc.largest_token_accounts(str(whale.mint))
            data = await rpc.account_data(str(fee22.mint))
            blockhash = await rpc.latest_blockhash()
        assert supply.decimals == whale.decimals
        assert sum(h.amount.amount for h in largest) == supply.amount
        assert largest[0].amount.amount * 10 >= supply.amount * 6  # the whale holds 60%
        assert data is not None and data[44] == fee22.decimals
        assert blockhash.last_valid_block_height > 0 and len(blockhash.blockhash) >= 32

    def test_devnet_symbols_are_the_worlds(self, world: World) -> None:
        assert {str(m.mint): m.symbol for m in world.mints} == DEVNET_SYMBOLS
        assert symbol_of(str(world.mint("CLEAN").mint), "x") == "CLEAN"


class TestWalletCommandOnTheDevnet:
    """The documented demo: `devnet --keypair-out f.json`, then `wallet` with that key."""

    def test_devnet_command_then_wallet(self, cli: Cli, world: World) -> None:
        key = cli.cwd / "demo-wallet.json"
        served = cli.start("devnet", "--port", "0", "--keypair-out", key)
        assert served.stdout is not None
        first = served.stdout.readline()
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        config = cli.cwd / "demo.yaml"
        usdc = world.mint("dUSDC").mint  # the mints' addresses repeat at every start
        config.write_text(
            f'solana:\n  rpc_url: "{url}"\n  keypair_path: demo-wallet.json\n'
            f"  usdc_mint: {usdc}\n  rpc_url_env: SOLTRADER_TEST_UNSET_RPC_URL\n",
            encoding="utf-8",
        )
        try:
            text = cli.run("wallet", "--config", config)
            as_json = cli.run("wallet", "--json", "--config", config)
        finally:
            served.terminate()
            served.wait(timeout=30)
        assert (text.returncode, text.stderr) == (0, ""), text.stderr
        written = Keypair.from_bytes(bytes(json.loads(key.read_text(encoding="utf-8"))))
        assert text.stdout.splitlines()[0] == f"wallet  {written.pubkey()}"
        assert text.stdout.splitlines()[4:] == [
            "SOL    10",
            "USDC   1000",
            "CLEAN  50000",
        ]
        report = json.loads(as_json.stdout)
        assert report["sol"]["lamports"] == WALLET_SOL * LAMPORTS_PER_SOL
        assert [(t["symbol"], t["amount"]) for t in report["tokens"]] == [
            ("USDC", WALLET_USDC * 10**6),
            ("CLEAN", WALLET_CLEAN * 10**6),
        ]

    def test_three_commands_from_the_readme(self, cli: Cli) -> None:
        # README: `devnet --keypair-out … --config-out devnet.yaml`, then `wallet --config …`.
        served = cli.start(
            "devnet",
            "--port",
            "0",
            "--keypair-out",
            "demo-wallet.json",
            "--config-out",
            "devnet.yaml",
        )
        assert served.stdout is not None
        printed = [served.stdout.readline()]
        try:
            while not printed[-1].startswith("config: devnet.yaml"):
                assert printed[-1], "".join(printed)  # it ended before naming the config
                printed.append(served.stdout.readline())
            text = cli.run("wallet", "--config", "devnet.yaml")
        finally:
            served.terminate()
            served.wait(timeout=30)
        assert (text.returncode, text.stderr) == (0, ""), text.stderr
        assert text.stdout.splitlines()[4:] == ["SOL    10", "USDC   1000", "CLEAN  50000"]
        written = yaml.safe_load((cli.cwd / "devnet.yaml").read_text(encoding="utf-8"))
        assert written["solana"]["keypair_path"] == "demo-wallet.json"

    def test_config_out_needs_a_key_file(self, cli: Cli) -> None:
        done = cli.run("devnet", "--port", "0", "--config-out", "devnet.yaml", timeout=60)
        assert done.returncode == 2
        assert "--config-out needs --keypair-out" in done.stderr
        assert not (cli.cwd / "devnet.yaml").exists()
