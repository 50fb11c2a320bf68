"""Token-2022, v0 messages, landed failures and blockhash replacement, as a Solana node has them."""

from __future__ import annotations

import asyncio

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.keypair import Keypair
from solders.rpc.errors import RpcCustomErrorFieldless
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from spl.token.instructions import get_associated_token_address

from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import WALLET_CLEAN, World, seeded
from tests.solana.devnet_kit import result, token_transfer


async def test_token_2022_transfer_withholds_its_fee(
    client: AsyncClient, server: DevnetServer, world: World
) -> None:
    """The packed TransferFeeConfig is real to the Token-2022 program: 5% stays withheld."""
    fee22 = world.mint("FEE22")
    holder = seeded("holder:FEE22:0")
    result(server.url, "devnet_airdrop", [str(holder.pubkey()), 10**9])
    recipient = Keypair().pubkey()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = token_transfer(holder, recipient, fee22, 1_000_000, blockhash)
    signature = (await client.send_raw_transaction(bytes(tx))).value
    found = (await client.get_transaction(signature)).value
    assert found is not None and found.transaction.meta is not None
    post = {b.owner: b for b in found.transaction.meta.post_token_balances or []}
    assert post[recipient].ui_token_amount.amount == "950000"
    assert str(post[recipient].program_id) == str(fee22.program)
    dest = get_associated_token_address(recipient, fee22.mint, fee22.program)
    assert (await client.get_token_account_balance(dest)).value.ui_amount_string == "0.95"


async def test_failure_with_skip_preflight_lands_with_its_error(
    client: AsyncClient, world: World
) -> None:
    clean = world.mint("CLEAN")
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    too_much = WALLET_CLEAN * 10**6 + 1
    tx = token_transfer(world.wallet, Keypair().pubkey(), clean, too_much, blockhash)
    sent = await client.send_raw_transaction(bytes(tx), TxOpts(skip_preflight=True))
    (status,) = (await client.get_signature_statuses([sent.value])).value
    assert status is not None and status.err is not None  # landed, failed
    found = (await client.get_transaction(sent.value)).value
    assert found is not None and found.transaction.meta is not None
    meta = found.transaction.meta
    assert meta.fee == 5000
    assert meta.pre_balances[0] - meta.post_balances[0] == 5000  # the fee alone: nothing moved
    assert [b.ui_token_amount.amount for b in meta.post_token_balances or []] == [
        str(WALLET_CLEAN * 10**6)
    ]


async def test_v0_transaction_needs_max_supported_version(
    client: AsyncClient, world: World
) -> None:
    clean = world.mint("CLEAN")
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = token_transfer(world.wallet, Keypair().pubkey(), clean, 3, blockhash, v0=True)
    signature = (await client.send_raw_transaction(bytes(tx))).value
    with pytest.raises(RPCException) as raised:
        await client.get_transaction(signature)
    assert "maxSupportedTransactionVersion" in str(raised.value)
    found = (await client.get_transaction(signature, max_supported_transaction_version=0)).value
    assert found is not None and found.transaction.version == 0


async def test_simulation_replaces_an_expired_blockhash(
    client: AsyncClient, server: DevnetServer, world: World
) -> None:
    stale = (await client.get_latest_blockhash()).value.blockhash
    tx = token_transfer(world.wallet, Keypair().pubkey(), world.mint("CLEAN"), 1, stale)
    result(server.url, "devnet_advanceBlocks", [151])
    refused = (await client.simulate_transaction(tx)).value
    assert refused.err is not None and "BlockhashNotFound" in str(refused.err)
    replaced = (await client.simulate_transaction(tx, replace_recent_blockhash=True)).value
    assert replaced.err is None
    assert replaced.replacement_blockhash is not None
    latest = (await client.get_latest_blockhash()).value
    assert replaced.replacement_blockhash.blockhash == latest.blockhash
    assert (await client.get_fee_for_message(tx.message)).value is None  # type: ignore[arg-type]


async def test_concurrent_sends_each_land_in_their_own_block(
    client: AsyncClient, world: World
) -> None:
    """Request threads share one LiteSVM: five sends at once land one block each."""
    height = (await client.get_block_height()).value
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    clean = world.mint("CLEAN")
    txs = [token_transfer(world.wallet, Keypair().pubkey(), clean, 10, blockhash) for _ in range(5)]
    sent = await asyncio.gather(*(client.send_raw_transaction(bytes(tx)) for tx in txs))
    statuses = (await client.get_signature_statuses([s.value for s in sent])).value
    slots = sorted(s.slot for s in statuses if s is not None and s.err is None)
    assert slots == [height + i for i in range(1, 6)]


async def test_bad_signature_refused(client: AsyncClient, world: World) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    signed = token_transfer(world.wallet, Keypair().pubkey(), world.mint("CLEAN"), 1, blockhash)
    forged = VersionedTransaction.populate(signed.message, [Signature.new_unique()])
    with pytest.raises(RPCException) as raised:
        await client.send_raw_transaction(bytes(forged))
    # solders recognises the code as Solana's own -32003.
    assert raised.value.args[0] == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure
