"""Tests the reads `preflight` asks the node for its health and its time (getHealth, getSlot,
getBlockTime), against the devnet on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from soltrader_tui.net import MeteredClient
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.errors import RpcError
from soltrader_tui.solana.rpc import SolanaRpc
from tests.net import make_policy
from tests.solana.devnet_kit import result, rpc


class TestNodeClock:
    """The node's health, newest slot and that slot's time, through the metered client."""

    async def test_health_slot_and_time(self, server: DevnetServer) -> None:
        result(server.url, "devnet_advanceBlocks", [3])
        policies = {SOLANA_RPC: make_policy(SOLANA_RPC)}
        endpoint = RpcEndpoint(server.url, server.url)
        async with MeteredClient(policies) as metered, SolanaRpc(endpoint, metered) as node:
            health = await node.health()
            slot = await node.slot()
            before = time.time()
            stamped = await node.block_time(slot)
            with pytest.raises(RpcError, match="Block not available for slot"):
                await node.block_time(slot + 1)
        assert health == "ok"
        assert slot == result(server.url, "getBlockHeight") and slot >= 3
        assert stamped is not None and before - 1 <= stamped <= time.time()

    def test_a_slot_that_is_not_a_number_is_refused(self, server: DevnetServer) -> None:
        answer = rpc(server.url, "getBlockTime", ["soon"])
        error = answer["error"]
        assert isinstance(error, dict) and error["code"] == -32602
