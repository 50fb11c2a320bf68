"""Tests SolanaRpc against a JSON-RPC node on a real loopback server: typed answers, exact
amounts, and faults that go through the metered client and are counted as `solana_rpc`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from soltrader_tui.config.model import SolanaConfig
from soltrader_tui.net import MeteredClient
from soltrader_tui.solana.accounts import LatestBlockhash, TokenAmount, TokenBalance
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint, rpc_endpoint
from soltrader_tui.solana.errors import RpcError, RpcSetupError
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.transport import is_read_only
from tests.loopback import LoopbackServer, Reply
from tests.net import make_policy
from tests.solana import FakeNode, new_address


@pytest.fixture
def node() -> FakeNode:
    return FakeNode()


@pytest.fixture
def server(node: FakeNode) -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        running.route("/", node.handle)
        yield running


@pytest.fixture
async def metered() -> AsyncIterator[MeteredClient]:
    policy = make_policy(SOLANA_RPC, timeout_s=0.3, max_attempts=3)
    async with MeteredClient({SOLANA_RPC: policy}) as client:
        yield client


def rpc_for(server: LoopbackServer, metered: MeteredClient) -> SolanaRpc:
    url = server.url_for("/")
    return SolanaRpc(RpcEndpoint(url, url), metered)


class TestTypedReads:
    """Each helper returns this package's types with amounts exactly as the node holds them."""

    async def test_balances_summed_per_mint_with_decimals(
        self, node: FakeNode, server: LoopbackServer, metered: MeteredClient
    ) -> None:
        owner, other = new_address(), new_address()
        node.lamports[owner] = 1_234_567_891
        usdc, meme = node.add_mint(6), node.add_mint(9)
        node.add_token_account(usdc, owner, 250_000_001)
        node.add_token_account(meme, owner, 7)
        node.add_token_account(meme, owner, 10**18)
        node.add_token_account(meme, other, 5)
        async with rpc_for(server, metered) as rpc:
            assert await rpc.sol_balance(owner) == 1_234_567_891
            held = await rpc.token_balances(owner)
        expected = [
            TokenBalance(usdc, TokenAmount(250_000_001, 6)),
            TokenBalance(meme, TokenAmount(10**18 + 7, 9)),
        ]
        assert sorted(held, key=lambda b: b.mint) == sorted(expected, key=lambda b: b.mint)
        assert metered.usage()[0].provider == SOLANA_RPC
        assert "getMultipleAccounts" in node.methods

    async def test_supply_largest_account_info_blockhash(
        self, node: FakeNode, server: LoopbackServer, metered: MeteredClient
    ) -> None:
        mint = node.add_mint(5, supply=123_456)
        big = node.add_token_account(mint, new_address(), 100)
        node.add_token_account(mint, new_address(), 3)
        async with rpc_for(server, metered) as rpc:
            assert await rpc.token_supply(mint) == TokenAmount(123_456, 5)
            largest = await rpc.largest_token_accounts(mint)
            data = await rpc.account_data(mint)
            missing = await rpc.account_data(new_address())
            blockhash = await rpc.latest_blockhash()
        assert [(h.address, h.amount.amount) for h in largest] == [
            (big, 100),
            (largest[1].address, 3),
        ]
        assert data is not None and data[44] == 5
        assert missing is None
        assert blockhash == LatestBlockhash("EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", 1234)

    async def test_a_bad_address_names_what_it_is(
        self, server: LoopbackServer, metered: MeteredClient
    ) -> None:
        async with rpc_for(server, metered) as rpc:
            with pytest.raises(RpcSetupError, match="owner: 'nope' is not a base58 public key"):
                await rpc.sol_balance("nope")
        assert server.count() == 0


class TestFaultsAreMetered:
    """A node's 429, 5xx and timeouts are retried for reads and counted like any provider's."""

    @pytest.mark.parametrize(
        ("fault", "rate_limited"),
        [(Reply.json({}, status=429), 1), (Reply.json({}, status=503), 0)],
        ids=["429", "5xx"],
    )
    async def test_retried_then_answered(
        self,
        node: FakeNode,
        server: LoopbackServer,
        metered: MeteredClient,
        fault: Reply,
        rate_limited: int,
    ) -> None:
        owner = new_address()
        node.lamports[owner] = 5
        server.script("/", [fault, node.handle])
        async with rpc_for(server, metered) as rpc:
            assert await rpc.sol_balance(owner) == 5
        usage = metered.usage()[0]
        assert (usage.calls, usage.errors, usage.rate_limited) == (2, 1, rate_limited)

    async def test_timeouts_exhaust_the_attempts_with_a_clear_message(
        self, server: LoopbackServer, metered: MeteredClient
    ) -> None:
        server.route("/", lambda _: Reply.json({}, delay_s=2))
        async with rpc_for(server, metered) as rpc:
            with pytest.raises(RpcError) as failed:
                await rpc.sol_balance(new_address())
        assert str(failed.value) == (
            f"Solana RPC {server.url_for('/')}: getBalance failed: solana_rpc: POST / failed "
            "after 3 attempts: timeout after 0.3s"
        )
        usage = metered.usage()[0]
        assert (usage.calls, usage.errors) == (3, 3)

    async def test_a_node_error_answer_is_named(
        self, server: LoopbackServer, metered: MeteredClient
    ) -> None:
        error = {"code": -32602, "message": "Invalid param: WrongSize"}
        server.route("/", lambda _: Reply.json({"jsonrpc": "2.0", "id": 0, "error": error}))
        async with rpc_for(server, metered) as rpc:
            with pytest.raises(RpcError, match=r"getBalance failed: Invalid param: WrongSize$"):
                await rpc.sol_balance(new_address())

    async def test_a_send_is_one_attempt(
        self, server: LoopbackServer, metered: MeteredClient
    ) -> None:
        server.route("/", lambda _: Reply.json({}, status=503))
        body = b'{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AA=="]}'
        with pytest.raises(Exception, match="failed after 1 attempt: HTTP 503"):
            await metered.post_json(SOLANA_RPC, server.url_for("/"), body)
        assert server.count("/") == 1


class TestEndpoint:
    """The keyed URL from the environment wins and is never shown in full."""

    def test_keyed_url_wins_and_is_hidden(self) -> None:
        config = SolanaConfig(rpc_url_env="MY_RPC")
        keyed = "https://rpc.example.com/tok3n/?api-key=s3cret"
        endpoint = rpc_endpoint(config, {"MY_RPC": keyed})
        assert endpoint.url == keyed
        assert str(endpoint) == "https://rpc.example.com (from $MY_RPC)"
        assert "s3cret" not in repr(endpoint) and "tok3n" not in repr(endpoint)
        assert "tok3n" in endpoint.secret_parts

    def test_default_is_the_configured_url(self) -> None:
        endpoint = rpc_endpoint(SolanaConfig(), {})
        assert endpoint.url == endpoint.label == "https://api.mainnet-beta.solana.com"

    @pytest.mark.parametrize("bad", ["not a url", "ftp://x", "http://:99"])
    def test_a_bad_env_url_is_refused_without_its_value(self, bad: str) -> None:
        with pytest.raises(RpcSetupError) as refused:
            rpc_endpoint(SolanaConfig(rpc_url_env="MY_RPC"), {"MY_RPC": bad})
        assert "MY_RPC" in str(refused.value) and bad not in str(refused.value)


class TestWhatIsRetried:
    """Only calls that read are sent again after a failure; anything else gets one attempt."""

    @pytest.mark.parametrize(
        ("body", "read_only"),
        [
            (b'{"jsonrpc":"2.0","id":1,"method":"getBalance","params":[]}', True),
            (b'{"jsonrpc":"2.0","id":1,"method":"simulateTransaction","params":[]}', True),
            (b'[{"method":"getSlot"},{"method":"getHealth"}]', True),
            (b'{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":[]}', False),
            (b'{"jsonrpc":"2.0","id":1,"method":"requestAirdrop","params":[]}', False),
            (b'[{"method":"getSlot"},{"method":"sendTransaction"}]', False),
            (b"[]", False),
            (b"not json", False),
        ],
    )
    def test_read_only(self, body: bytes, read_only: bool) -> None:
        assert is_read_only(body) is read_only
