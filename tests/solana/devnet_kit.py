"""Helpers for the devnet tests: raw JSON-RPC calls, SPL Token transactions signed with solders."""

from __future__ import annotations

import json
import urllib.request

from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from spl.token.instructions import (
    create_associated_token_account,
    get_associated_token_address,
    transfer_checked,
)
from spl.token.models import TransferCheckedParams

from soltrader_tui.solana.devnet.world import WorldMint


def rpc(url: str, method: str, params: list[object] | None = None) -> dict[str, object]:
    """One JSON-RPC call; returns the whole response object (result or error)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
    return post(url, json.dumps(body).encode())


def post(url: str, body: bytes) -> dict[str, object]:
    """POSTs raw bytes; returns the decoded response."""
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        decoded: dict[str, object] = json.loads(answer.read())
    return decoded


def result(url: str, method: str, params: list[object] | None = None) -> object:
    """The result of a call that must succeed."""
    answer = rpc(url, method, params)
    assert "error" not in answer, answer
    return answer["result"]


def token_transfer(
    sender: Keypair,
    recipient: Pubkey,
    mint: WorldMint,
    amount: int,
    blockhash: Hash,
    *,
    v0: bool = False,
) -> VersionedTransaction:
    """A signed transaction (legacy, or v0 with `v0`): create the recipient's token account,
    transfer to it."""
    source = get_associated_token_address(sender.pubkey(), mint.mint, mint.program)
    dest = get_associated_token_address(recipient, mint.mint, mint.program)
    create = create_associated_token_account(sender.pubkey(), recipient, mint.mint, mint.program)
    move = transfer_checked(
        TransferCheckedParams(
            program_id=mint.program,
            source=source,
            mint=mint.mint,
            dest=dest,
            owner=sender.pubkey(),
            amount=amount,
            decimals=mint.decimals,
        )
    )
    if v0:
        compiled = MessageV0.try_compile(sender.pubkey(), [create, move], [], blockhash)
        return VersionedTransaction(compiled, [sender])
    message = Message.new_with_blockhash([create, move], sender.pubkey(), blockhash)
    return VersionedTransaction(message, [sender])
