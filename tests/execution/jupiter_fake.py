"""A Jupiter-shaped Swap API v2 on 127.0.0.1 whose orders are real transactions on the devnet.

`GET /swap/v2/order` builds, against a test pool, a transaction of two SPL Token transfers:
the wallet's input tokens to the pool's account, and the pool's output tokens to the wallet's
account. The pool's accounts have approved the wallet as their delegate, so the wallet alone
signs, as with a real Jupiter order. `POST /swap/v2/execute` sends the signed transaction to
the devnet's own JSON-RPC handler and answers in Jupiter's shape. `switches` turn an honest
order into a malicious one, one trick each.
"""

from __future__ import annotations

import base64
import json
import struct
import uuid
from dataclasses import dataclass, field

from solders.account import Account
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.token.associated import get_associated_token_address
from solders.token.state import TokenAccount, TokenAccountState
from solders.transaction import VersionedTransaction
from spl.token.instructions import approve, transfer_checked
from spl.token.models import ApproveParams, TransferCheckedParams

from soltrader_tui.execution.jupiter_swap import EXECUTE_PATH, ORDER_PATH
from soltrader_tui.solana.devnet.accounts import read_holding
from soltrader_tui.solana.devnet.holdings import add_lamports, set_token_balance
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import World, WorldMint, seeded
from tests.loopback import LoopbackServer, RecordedRequest, Reply

POOL_RESERVE = 1_000_000 * 10**6
"""Base units of each mint the pool holds."""
LOOKUP_TABLE = Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")


def pack_lookup_table(addresses: list[Pubkey]) -> bytes:
    """An address lookup table's account data, every address active: the program's 56-byte
    header (type 1 = lookup table, never deactivated, extended at slot 0 up to the last
    address) and the addresses."""
    header = struct.pack("<IQQB", 1, 2**64 - 1, 0, len(addresses)).ljust(56, b"\0")
    return header + b"".join(bytes(a) for a in addresses)


@dataclass(slots=True)
class Switches:
    """How the next orders cheat (all off: an honest order)."""

    v0: bool = True
    """A v0 message (else legacy)."""
    unit_limit: int = 200_000
    unit_price: int = 1_000
    """Micro-lamports per compute unit."""
    deliver: int | None = None
    """Output actually transferred (None: the quoted amount)."""
    answer_slippage_bps: int | None = None
    """slippageBps the answer claims (None: as asked)."""
    extra_transfer: int = 0
    """Base units of the input token also sent from the wallet to a stranger."""
    drain_lamports: int = 0
    """Lamports also sent from the wallet to a stranger."""
    fee_payer_pool: bool = False
    unknown_program: bool = False
    second_signer: bool = False
    """A stranger must sign too (and has not)."""
    pool_signs: bool = False
    """The pool moves its tokens with its own signature (already made): a co-signed order."""
    forged_pool_signature: bool = False
    """As `pool_signs`, with a signature that does not verify."""
    approve_stranger: bool = False
    """Also approves a stranger as delegate of the wallet's input account."""
    lookup_table: bool = False
    """The pool's accounts are loaded from an address lookup table on the chain."""
    missing_table: bool = False
    """As `lookup_table`, from a table that does not exist."""
    execute_delay_s: float = 0.0
    """`/execute` answers this long after the transaction landed (a slow answer)."""
    execute_answer_lost: bool = False
    """`/execute` lands the transaction, then answers 502 (the answer is lost)."""


@dataclass(slots=True)
class _Placed:
    in_amount: int
    delivered: int


@dataclass(slots=True)
class FakeJupiter:
    """The fake API's state: the pool, the switches, the orders handed out."""

    devnet: DevnetServer
    world: World
    pool: Keypair = field(default_factory=lambda: seeded("fake-jupiter:pool"))
    stranger: Keypair = field(default_factory=lambda: seeded("fake-jupiter:stranger"))
    evil_program: Pubkey = field(default_factory=lambda: seeded("fake-jupiter:evil").pubkey())
    table: Pubkey = field(default_factory=lambda: seeded("fake-jupiter:table").pubkey())
    switches: Switches = field(default_factory=Switches)
    placed: dict[str, _Placed] = field(default_factory=dict)

    def __post_init__(self) -> None:
        wallet = self.world.wallet.pubkey()
        chain = self.world.chain
        with chain.lock:
            add_lamports(chain, self.pool.pubkey(), 10**9)
            add_lamports(chain, self.stranger.pubkey(), 10**9)
            for mint in self.world.mints:
                if mint.program != self.world.mint("dUSDC").program:
                    continue
                self._pool_account(mint, wallet)
                set_token_balance(chain, self.stranger.pubkey(), mint.mint, 0)
            data = pack_lookup_table(self._table_addresses())
            rent = chain.svm.minimum_balance_for_rent_exemption(len(data))
            chain.svm.set_account(self.table, Account(rent, data, LOOKUP_TABLE, False, 0))

    def _table_addresses(self) -> list[Pubkey]:
        """The pool's token accounts, as a lookup table lists them."""
        return [
            get_associated_token_address(self.pool.pubkey(), mint.mint, mint.program)
            for mint in self.world.mints
            if mint.program == self.world.mint("dUSDC").program
        ]

    def _pool_account(self, mint: WorldMint, delegate: Pubkey) -> None:
        """The pool's account of `mint`, with the wallet approved as its delegate."""
        address = get_associated_token_address(self.pool.pubkey(), mint.mint, mint.program)
        state = TokenAccount(
            mint.mint,
            self.pool.pubkey(),
            POOL_RESERVE,
            delegate,
            TokenAccountState.Initialized,
            None,
            2**63,
            None,
        )
        rent = self.world.chain.svm.minimum_balance_for_rent_exemption(165)
        self.world.chain.svm.set_account(
            address, Account(rent, bytes(state), mint.program, False, 0)
        )

    def install(self, server: LoopbackServer) -> None:
        """Routes the two endpoints of `server` here."""
        server.route(ORDER_PATH, self.order)
        server.route(EXECUTE_PATH, self.execute)

    def _by_address(self, address: str) -> WorldMint:
        for mint in self.world.mints:
            if str(mint.mint) == address:
                return mint
        raise KeyError(address)

    def _reserve(self, mint: WorldMint) -> int:
        address = get_associated_token_address(self.pool.pubkey(), mint.mint, mint.program)
        held = read_holding(self.world.chain.account(address))
        return 0 if held is None else held.amount

    def order(self, request: RecordedRequest) -> Reply:
        """GET /swap/v2/order: a quote on the pool's reserves and its unsigned transaction."""
        mint_in = self._by_address(request.param("inputMint") or "")
        mint_out = self._by_address(request.param("outputMint") or "")
        amount = int(request.param("amount") or "0")
        slippage = int(request.param("slippageBps") or "50")
        with self.world.chain.lock:
            out = self._reserve(mint_out) * amount // (self._reserve(mint_in) + amount)
            blockhash, last_valid = self.world.chain.latest_blockhash()
        threshold = out * (10_000 - slippage) // 10_000
        s = self.switches
        delivered = out if s.deliver is None else s.deliver
        tx = self._transaction(mint_in, mint_out, amount, delivered, blockhash)
        request_id = str(uuid.uuid4())
        self.placed[request_id] = _Placed(amount, delivered)
        fee = -(-s.unit_price * s.unit_limit // 1_000_000)
        return Reply.json(
            {
                "mode": "ultra",
                "inputMint": str(mint_in.mint),
                "outputMint": str(mint_out.mint),
                "inAmount": str(amount),
                "outAmount": str(out),
                "otherAmountThreshold": str(threshold),
                "swapMode": "ExactIn",
                "slippageBps": slippage if s.answer_slippage_bps is None else s.answer_slippage_bps,
                "priceImpactPct": "0",
                "routePlan": [],
                "feeMint": str(mint_in.mint),
                "feeBps": 0,
                "signatureFeeLamports": 5000,
                "prioritizationFeeLamports": fee,
                "rentFeeLamports": 0,
                "swapType": "aggregator",
                "router": "iris",
                "transaction": base64.b64encode(bytes(tx)).decode(),
                "lastValidBlockHeight": str(last_valid),
                "gasless": False,
                "requestId": request_id,
                "totalTime": 3,
                "taker": request.param("taker"),
            }
        )

    def _instructions(
        self, mint_in: WorldMint, mint_out: WorldMint, amount: int, delivered: int
    ) -> list[Instruction]:
        s, wallet, pool = self.switches, self.world.wallet.pubkey(), self.pool.pubkey()
        ixs = [set_compute_unit_limit(s.unit_limit), set_compute_unit_price(s.unit_price)]
        ixs.append(_move(mint_in, wallet, pool, wallet, amount))
        # The pool's own signature instead of the wallet's delegation: a co-signed order.
        authority = pool if s.pool_signs or s.forged_pool_signature else wallet
        ixs.append(_move(mint_out, pool, wallet, authority, delivered))
        stranger = self.stranger.pubkey()
        if s.extra_transfer:
            ixs.append(_move(mint_in, wallet, stranger, wallet, s.extra_transfer))
        if s.drain_lamports:
            drain = TransferParams(
                from_pubkey=wallet, to_pubkey=stranger, lamports=s.drain_lamports
            )
            ixs.append(transfer(drain))
        if s.unknown_program:
            ixs.append(Instruction(self.evil_program, b"\x01", []))
        if s.second_signer:
            ixs.append(transfer(TransferParams(from_pubkey=stranger, to_pubkey=wallet, lamports=1)))
        if s.approve_stranger:
            source = get_associated_token_address(wallet, mint_in.mint, mint_in.program)
            approval = ApproveParams(
                program_id=mint_in.program,
                source=source,
                delegate=stranger,
                owner=wallet,
                amount=1,
                signers=[],
            )
            ixs.append(approve(approval))
        return ixs

    def _transaction(
        self, mint_in: WorldMint, mint_out: WorldMint, amount: int, delivered: int, blockhash: Hash
    ) -> VersionedTransaction:
        s = self.switches
        payer = self.pool.pubkey() if s.fee_payer_pool else self.world.wallet.pubkey()
        ixs = self._instructions(mint_in, mint_out, amount, delivered)
        message: Message | MessageV0
        tables = []
        if s.lookup_table or s.missing_table:
            key = seeded("fake-jupiter:no-table").pubkey() if s.missing_table else self.table
            tables.append(AddressLookupTableAccount(key, self._table_addresses()))
        if s.v0:
            message = MessageV0.try_compile(payer, ixs, tables, blockhash)
        else:
            message = Message.new_with_blockhash(ixs, payer, blockhash)
        keys = list(message.account_keys)
        signatures = [Signature.default()] * message.header.num_required_signatures
        if self.pool.pubkey() in keys[: len(signatures)]:
            index = keys.index(self.pool.pubkey())
            signatures[index] = self.pool.sign_message(to_bytes_versioned(message))
            if s.forged_pool_signature:
                signatures[index] = Signature(bytes([7]) * 64)
        return VersionedTransaction.populate(message, signatures)

    def execute(self, request: RecordedRequest) -> Reply:
        """POST /swap/v2/execute: sends the signed transaction to the devnet."""
        body = json.loads(request.body)
        placed = self.placed.get(body.get("requestId", ""))
        if placed is None:
            return Reply.json({"status": "Failed", "code": -1, "error": "missing cached order"})
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "sendTransaction",
            "params": [body["signedTransaction"], {"encoding": "base64"}],
        }
        answer = self.devnet.call(call)
        if "error" in answer:
            error = answer["error"]
            message = error.get("message") if isinstance(error, dict) else str(error)
            return Reply.json({"status": "Failed", "code": -1000, "error": message})
        signature = str(answer["result"])
        landed = self.world.chain.landed.get(Signature.from_string(signature))
        if landed is None:  # the devnet lost it (devnet_dropNext)
            return Reply.json({"status": "Failed", "code": -1000, "error": "failed to land"})
        if self.switches.execute_answer_lost:
            return Reply.json({"error": "bad gateway"}, status=502)
        return Reply.json(
            {
                "status": "Success",
                "signature": signature,
                "slot": str(landed.slot),
                "code": 0,
                "totalInputAmount": str(placed.in_amount),
                "totalOutputAmount": str(placed.delivered),
                "inputAmountResult": str(placed.in_amount),
                "outputAmountResult": str(placed.delivered),
                "swapEvents": [],
            },
            delay_s=self.switches.execute_delay_s,
        )


def _move(
    mint: WorldMint, source_owner: Pubkey, dest_owner: Pubkey, authority: Pubkey, amount: int
) -> Instruction:
    """transfer_checked between the owners' associated accounts of `mint`."""
    return transfer_checked(
        TransferCheckedParams(
            program_id=mint.program,
            source=get_associated_token_address(source_owner, mint.mint, mint.program),
            mint=mint.mint,
            dest=get_associated_token_address(dest_owner, mint.mint, mint.program),
            owner=authority,
            amount=amount,
            decimals=mint.decimals,
        )
    )
