"""Token safety on the local chain: the devnet's mints read over JSON-RPC through the metered
client, decoded and judged by the rules an entry meets, each denied by its own rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from soltrader_tui.config.model import TokenSafetyConfig
from soltrader_tui.net import MeteredClient
from soltrader_tui.risk.checks import DenialRule
from soltrader_tui.risk.token_safety import check_token
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import World, build_world
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.rpc_accounts import RpcMintAccounts
from soltrader_tui.solana.safety import ChainSafetySource
from tests.net import make_policy

T = 1_767_225_600.0
EXPECTED = {
    "CLEAN": None,
    "MINTY": DenialRule.MINT_AUTHORITY,
    "FROST": DenialRule.FREEZE_AUTHORITY,
    "WHALE": DenialRule.HOLDER_CONCENTRATION,
    "FEE22": DenialRule.TOKEN_EXTENSION,
}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def devnet(world: World) -> Iterator[DevnetServer]:
    with DevnetServer(world.chain) as served:
        yield served


@pytest.mark.parametrize("symbol", sorted(EXPECTED))
async def test_each_mint_meets_its_rule(symbol: str, world: World, devnet: DevnetServer) -> None:
    mint = str(world.mint(symbol).mint)
    async with MeteredClient({SOLANA_RPC: make_policy(SOLANA_RPC)}) as metered:
        rpc = SolanaRpc(RpcEndpoint(devnet.url, devnet.url), metered)
        facts = await ChainSafetySource(RpcMintAccounts(rpc)).facts(mint, T)
        await rpc.aclose()
        calls = metered.usage()[0].calls
    denial = check_token(symbol, facts, TokenSafetyConfig())
    expected = EXPECTED[symbol]
    assert (denial.rule if denial else None) is expected, denial
    assert calls == 2, "its mint and its largest holders, both through the metered client"


async def test_an_unknown_mint_is_not_passed(world: World, devnet: DevnetServer) -> None:
    nowhere = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"  # no such account on the devnet
    async with MeteredClient({SOLANA_RPC: make_policy(SOLANA_RPC)}) as metered:
        rpc = SolanaRpc(RpcEndpoint(devnet.url, devnet.url), metered)
        facts = await ChainSafetySource(RpcMintAccounts(rpc)).facts(nowhere, T)
        await rpc.aclose()
    denial = check_token("NOPE", facts, TokenSafetyConfig())
    assert denial is not None and denial.rule is DenialRule.SAFETY_UNKNOWN
