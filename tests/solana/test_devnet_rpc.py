"""The devnet answers solana-py's AsyncClient as a Solana node does: reads, sends, statuses."""

from __future__ import annotations

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.models import TokenAccountOpts, TxOpts
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.token.state import Mint, TokenAccount
from solders.transaction_status import TransactionConfirmationStatus
from spl.token.instructions import get_associated_token_address

from soltrader_tui.solana.devnet.accounts import ACCOUNT_LEN, TOKEN_2022_PROGRAM
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import WALLET_CLEAN, WALLET_SOL, World
from tests.solana.devnet_kit import result, token_transfer

SOL = 1_000_000_000


class TestReads:
    """Balances, accounts and token figures read back exactly as the world set them."""

    async def test_health_blockhash_height(self, client: AsyncClient) -> None:
        assert await client.is_connected()
        height = (await client.get_block_height()).value
        slot = (await client.get_slot()).value
        latest = (await client.get_latest_blockhash()).value
        assert slot == height
        assert latest.last_valid_block_height == height + 150

    async def test_balances_as_set(
        self, client: AsyncClient, server: DevnetServer, world: World
    ) -> None:
        wallet = world.wallet.pubkey()
        assert (await client.get_balance(wallet)).value == WALLET_SOL * SOL
        stranger = Keypair().pubkey()
        assert (await client.get_balance(stranger)).value == 0
        assert result(server.url, "devnet_airdrop", [str(stranger), 1234]) == 1234
        assert (await client.get_balance(stranger)).value == 1234
        whale = world.mint("WHALE")
        answer = result(server.url, "devnet_setTokenBalance", [str(stranger), str(whale.mint), 77])
        account = Pubkey.from_string(answer["account"])  # type: ignore[index]
        balance = (await client.get_token_account_balance(account)).value
        assert (balance.amount, balance.decimals) == ("77", 6)

    async def test_account_info_of_mints(self, client: AsyncClient, world: World) -> None:
        usdc = (await client.get_account_info(world.mint("dUSDC").mint)).value
        assert usdc is not None
        mint = Mint.from_bytes(usdc.data)
        assert mint.decimals == 6
        assert mint.mint_authority == world.authority.pubkey()
        clean = Mint.from_bytes(await account_data(client, world.mint("CLEAN").mint))
        assert (clean.mint_authority, clean.freeze_authority) == (None, None)
        frost = Mint.from_bytes(await account_data(client, world.mint("FROST").mint))
        assert frost.freeze_authority == world.authority.pubkey()
        fee22 = (await client.get_account_info(world.mint("FEE22").mint)).value
        assert fee22 is not None and fee22.owner == TOKEN_2022_PROGRAM
        assert len(fee22.data) > ACCOUNT_LEN and fee22.data[ACCOUNT_LEN] == 1  # extended mint
        assert (await client.get_account_info(Keypair().pubkey())).value is None

    async def test_multiple_accounts(self, client: AsyncClient, world: World) -> None:
        keys = [world.wallet.pubkey(), Keypair().pubkey()]
        found = (await client.get_multiple_accounts(keys)).value
        assert found[0] is not None and found[0].lamports == WALLET_SOL * SOL
        assert found[1] is None

    async def test_token_accounts_by_owner(self, client: AsyncClient, world: World) -> None:
        wallet, clean = world.wallet.pubkey(), world.mint("CLEAN")
        by_mint = await client.get_token_accounts_by_owner(
            wallet, TokenAccountOpts(mint=clean.mint)
        )
        (only,) = by_mint.value
        assert only.pubkey == get_associated_token_address(wallet, clean.mint)
        assert TokenAccount.from_bytes(only.account.data).amount == WALLET_CLEAN * 10**6
        by_program = await client.get_token_accounts_by_owner(
            wallet, TokenAccountOpts(program_id=clean.program)
        )
        assert len(by_program.value) == 2  # dUSDC and CLEAN

    async def test_supply_and_largest(self, client: AsyncClient, world: World) -> None:
        whale = world.mint("WHALE").mint
        supply = (await client.get_token_supply(whale)).value
        largest = (await client.get_token_largest_accounts(whale)).value
        assert largest[0].amount.amount == str(6_000_000 * 10**6)
        assert int(largest[0].amount.amount) / int(supply.amount) == pytest.approx(0.6)
        assert supply.ui_amount_string == "10000000"
        assert len(largest) == 11

    async def test_rent_and_fee(self, client: AsyncClient, world: World) -> None:
        assert (await client.get_minimum_balance_for_rent_exemption(165)).value == 2_039_280
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        tx = token_transfer(world.wallet, Keypair().pubkey(), world.mint("CLEAN"), 1, blockhash)
        assert isinstance(tx.message, Message)
        fee = await client.get_fee_for_message(tx.message)  # type: ignore[arg-type]
        assert fee.value == 5000


class TestSend:
    """A real SPL Token transfer lands; preflight, expiry and lost sends behave as on Solana."""

    async def test_transfer_lands_with_token_balances(
        self, client: AsyncClient, world: World
    ) -> None:
        clean, recipient = world.mint("CLEAN"), Keypair().pubkey()
        height = (await client.get_block_height()).value
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        tx = token_transfer(world.wallet, recipient, clean, 2_500_000, blockhash)
        signature = (await client.send_raw_transaction(bytes(tx))).value
        (status,) = (await client.get_signature_statuses([signature])).value
        assert status is not None and status.err is None
        assert status.confirmation_status == TransactionConfirmationStatus.Finalized
        assert status.slot == height + 1 == (await client.get_block_height()).value
        found = (await client.get_transaction(signature)).value
        assert found is not None
        meta = found.transaction.meta
        assert meta is not None and meta.err is None and meta.fee == 5000
        pre = {b.owner: b.ui_token_amount.amount for b in meta.pre_token_balances or []}
        post = {b.owner: b.ui_token_amount.amount for b in meta.post_token_balances or []}
        assert pre == {world.wallet.pubkey(): str(WALLET_CLEAN * 10**6)}
        assert post == {world.wallet.pubkey(): str(WALLET_CLEAN * 10**6 - 2_500_000),
                        recipient: "2500000"}  # fmt: skip
        assert post_mints(meta) == {clean.mint}
        assert meta.post_balances[0] < meta.pre_balances[0]  # fee and the new account's rent

    async def test_simulation_returns_accounts_after(
        self, client: AsyncClient, world: World
    ) -> None:
        clean, recipient = world.mint("CLEAN"), Keypair().pubkey()
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        tx = token_transfer(world.wallet, recipient, clean, 1_000_000, blockhash)
        dest = get_associated_token_address(recipient, clean.mint)
        sim = (await client.simulate_transaction(tx, accounts_addresses=[dest])).value
        assert sim.err is None and sim.logs
        (after,) = sim.accounts or []
        assert after is not None and TokenAccount.from_bytes(after.data).amount == 1_000_000
        assert (await client.get_account_info(dest)).value is None  # nothing committed

    async def test_failing_transfer_refused_by_preflight(
        self, client: AsyncClient, world: World
    ) -> None:
        clean = world.mint("CLEAN")
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        too_much = WALLET_CLEAN * 10**6 + 1
        tx = token_transfer(world.wallet, Keypair().pubkey(), clean, too_much, blockhash)
        with pytest.raises(RPCException) as raised:
            await client.send_raw_transaction(bytes(tx))
        refusal = raised.value.args[0]
        assert isinstance(refusal, SendTransactionPreflightFailureMessage)
        assert "custom program error: 0x1" in refusal.message
        assert refusal.data.err is not None and refusal.data.logs
        balance = (await client.get_balance(world.wallet.pubkey())).value
        assert balance == WALLET_SOL * SOL  # no fee: it never left

    async def test_expired_blockhash(
        self, client: AsyncClient, server: DevnetServer, world: World
    ) -> None:
        latest = (await client.get_latest_blockhash()).value
        tx = token_transfer(
            world.wallet, Keypair().pubkey(), world.mint("CLEAN"), 1, latest.blockhash
        )
        result(server.url, "devnet_advanceBlocks", [150])
        assert (await client.get_block_height()).value == latest.last_valid_block_height
        result(server.url, "devnet_advanceBlocks", [1])
        with pytest.raises(RPCException) as raised:
            await client.send_raw_transaction(bytes(tx))
        assert "Blockhash not found" in raised.value.args[0].message
        skipped = await client.send_raw_transaction(bytes(tx), TxOpts(skip_preflight=True))
        assert (await client.get_signature_statuses([skipped.value])).value == [None]

    async def test_old_blockhash_in_lifetime_still_lands(
        self, client: AsyncClient, server: DevnetServer, world: World
    ) -> None:
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        result(server.url, "devnet_advanceBlocks", [100])
        assert (await client.get_latest_blockhash()).value.blockhash != blockhash
        tx = token_transfer(world.wallet, Keypair().pubkey(), world.mint("CLEAN"), 1, blockhash)
        signature = (await client.send_raw_transaction(bytes(tx))).value
        assert (await client.get_signature_statuses([signature])).value[0] is not None

    async def test_drop_next_answers_but_never_lands(
        self, client: AsyncClient, server: DevnetServer, world: World
    ) -> None:
        assert result(server.url, "devnet_dropNext") == 1
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        tx = token_transfer(world.wallet, Keypair().pubkey(), world.mint("CLEAN"), 5, blockhash)
        signature = (await client.send_raw_transaction(bytes(tx))).value
        assert signature == tx.signatures[0]
        assert (await client.get_signature_statuses([signature])).value == [None]
        assert (await client.get_transaction(signature)).value is None
        assert (await client.get_balance(world.wallet.pubkey())).value == WALLET_SOL * SOL
        again = (await client.send_raw_transaction(bytes(tx))).value  # the next one lands
        assert (await client.get_signature_statuses([again])).value[0] is not None


async def account_data(client: AsyncClient, key: Pubkey) -> bytes:
    account = (await client.get_account_info(key)).value
    assert account is not None, key
    return account.data


def post_mints(meta: object) -> set[Pubkey]:
    balances = getattr(meta, "post_token_balances", None) or []
    return {b.mint for b in balances}
