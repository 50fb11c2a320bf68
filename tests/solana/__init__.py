"""Tests of the wallet and the RPC client; shared: a JSON-RPC node served on a loopback server.

`FakeNode` answers the read methods `SolanaRpc` uses from accounts it holds, encoded as a
real node encodes them (base64 account data in SPL layouts), so solana-py and solders parse
real answers and the metered client meters real HTTP.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from soltrader_tui.solana.accounts import TOKEN_PROGRAM
from tests.loopback import RecordedRequest, Reply

SYSTEM_PROGRAM = "11111111111111111111111111111111"


def new_address() -> str:
    """A fresh random address."""
    return str(Keypair().pubkey())


def mint_data(decimals: int, supply: int) -> bytes:
    """An SPL mint account's 82 bytes: no authority, `supply`, `decimals`, initialized."""
    return bytes(36) + supply.to_bytes(8, "little") + bytes([decimals, 1]) + bytes(36)


def token_account_data(mint: str, owner: str, amount: int) -> bytes:
    """An SPL token account's 165 bytes: mint, owner, amount, initialized."""
    head = bytes(Pubkey.from_string(mint)) + bytes(Pubkey.from_string(owner))
    return head + amount.to_bytes(8, "little") + bytes(36) + b"\x01" + bytes(165 - 109)


@dataclass(slots=True)
class FakeNode:
    """Accounts by address, and the JSON-RPC answers built from them."""

    lamports: dict[str, int] = field(default_factory=dict)
    data: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Address: (owner program, data)."""
    methods: list[str] = field(default_factory=list)
    """Every method called, in order."""

    def add_mint(self, decimals: int, supply: int = 10**15, address: str | None = None) -> str:
        """Creates a mint (at `address`, or a new one); returns its address."""
        address = address or new_address()
        self.data[address] = (TOKEN_PROGRAM, mint_data(decimals, supply))
        return address

    def add_token_account(self, mint: str, owner: str, amount: int) -> str:
        """Creates `owner`'s token account of `mint` holding `amount`; returns its address."""
        address = new_address()
        self.data[address] = (TOKEN_PROGRAM, token_account_data(mint, owner, amount))
        return address

    def handle(self, request: RecordedRequest) -> Reply:
        """Answers one JSON-RPC request."""
        call = json.loads(request.body)
        self.methods.append(call["method"])
        answer = getattr(self, "_" + call["method"])(*call["params"])
        return Reply.json({"jsonrpc": "2.0", "id": call["id"], "result": answer})

    def _account(self, address: str) -> dict[str, object] | None:
        if address not in self.data and address not in self.lamports:
            return None
        owner, data = self.data.get(address, (SYSTEM_PROGRAM, b""))
        return {
            "data": [base64.b64encode(data).decode(), "base64"],
            "executable": False,
            "lamports": self.lamports.get(address, 2_039_280),
            "owner": owner,
            "rentEpoch": 0,
            "space": len(data),
        }

    def _context(self, value: object) -> dict[str, object]:
        return {"context": {"slot": 42}, "value": value}

    def _getBalance(self, owner: str, *_: object) -> dict[str, object]:
        return self._context(self.lamports.get(owner, 0))

    def _getAccountInfo(self, address: str, *_: object) -> dict[str, object]:
        return self._context(self._account(address))

    def _getMultipleAccounts(self, addresses: list[str], *_: object) -> dict[str, object]:
        return self._context([self._account(a) for a in addresses])

    def _getTokenAccountsByOwner(
        self, owner: str, opts: dict[str, str], *_: object
    ) -> dict[str, object]:
        found = [
            {"pubkey": address, "account": self._account(address)}
            for address, (program, data) in self.data.items()
            if program == opts["programId"]
            and len(data) == 165
            and data[32:64] == bytes(Pubkey.from_string(owner))
        ]
        return self._context(found)

    def _ui(self, amount: int, decimals: int) -> dict[str, object]:
        ui = amount / 10**decimals
        return {
            "amount": str(amount),
            "decimals": decimals,
            "uiAmount": ui,
            "uiAmountString": str(ui),
        }

    def _getTokenSupply(self, mint: str, *_: object) -> dict[str, object]:
        data = self.data[mint][1]
        return self._context(self._ui(int.from_bytes(data[36:44], "little"), data[44]))

    def _getTokenLargestAccounts(self, mint: str, *_: object) -> dict[str, object]:
        decimals = self.data[mint][1][44]
        holders = [
            (int.from_bytes(data[64:72], "little"), address)
            for address, (_, data) in self.data.items()
            if len(data) == 165 and data[:32] == bytes(Pubkey.from_string(mint))
        ]
        holders.sort(reverse=True)
        return self._context(
            [{"address": a, **self._ui(amount, decimals)} for amount, a in holders[:20]]
        )

    def _getLatestBlockhash(self, *_: object) -> dict[str, object]:
        blockhash = "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N"
        return self._context({"blockhash": blockhash, "lastValidBlockHeight": 1234})
