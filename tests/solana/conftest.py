"""Fixtures for the devnet tests: the demo world served on 127.0.0.1, and a solana-py client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from solana.rpc.async_api import AsyncClient

from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import World, build_world


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def server(world: World) -> Iterator[DevnetServer]:
    with DevnetServer(world.chain) as served:
        yield served


@pytest.fixture
async def client(server: DevnetServer) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(server.url) as rpc:
        yield rpc
