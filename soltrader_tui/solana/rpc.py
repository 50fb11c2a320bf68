"""Provides SolanaRpc: typed reads from a Solana node, metered like every other provider.

It wraps solana-py's `AsyncClient`, whose HTTP session is given a `MeteredTransport`, so
every call takes the `solana_rpc` policy's rate limit, retries (reads only), breaker and usage
tally. What it returns is this package's own types (`accounts`), with addresses as base58
text: no solders object leaves this module.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Awaitable, Iterable, Sequence
from typing import TypeVar

import httpx2
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solana.rpc.models import TokenAccountOpts
from solders.errors import SerdeJSONError
from solders.pubkey import Pubkey

from soltrader_tui.net.client import MeteredClient
from soltrader_tui.net.errors import ProviderError
from soltrader_tui.solana.accounts import (
    TOKEN_2022_PROGRAM,
    TOKEN_PROGRAM,
    ChainAccount,
    LatestBlockhash,
    SignatureStatus,
    Simulation,
    TokenAmount,
    TokenBalance,
    TokenHolding,
    decode_mint_decimals,
    decode_token_account,
)
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.errors import RpcError, RpcSetupError
from soltrader_tui.solana.landed import LandedTransaction, read_landed
from soltrader_tui.solana.rpc_answers import read_accounts, read_simulation, read_statuses
from soltrader_tui.solana.transport import MeteredTransport, is_read_only

T = TypeVar("T")

_MULTIPLE_ACCOUNTS_MAX = 100
"""Most addresses one `getMultipleAccounts` call takes."""


def parse_pubkey(text: str, what: str) -> Pubkey:
    """Decodes a base58 address.

    Raises:
        RpcSetupError: `text` is not a 32-byte base58 key; the message names `what`.
    """
    try:
        return Pubkey.from_string(text)
    except ValueError:
        raise RpcSetupError(f"{what}: {text!r} is not a base58 public key") from None


class SolanaRpc:
    """Typed JSON-RPC reads at the `confirmed` commitment, through a metered client."""

    def __init__(
        self, endpoint: RpcEndpoint, metered: MeteredClient, *, provider: str = SOLANA_RPC
    ) -> None:
        """Builds the client; nothing is sent until the first call.

        Args:
            endpoint: Where calls go (its label is what messages show).
            metered: The client whose `provider` policy meters the calls; its owner closes it.
            provider: The policy's name.
        """
        self._endpoint = endpoint
        self._metered = metered
        self._provider = provider
        self._ids = itertools.count(1)
        # No solana-py retry (the metered client decides) and no HTTP/2 (h2 is not installed;
        # the session below is replaced anyway).
        self._client = AsyncClient(
            endpoint.url, commitment=Confirmed, http2=False, max_transport_retries=0
        )
        self._unused_session = self._client._provider.session
        self._client._provider.session = httpx2.AsyncClient(
            transport=MeteredTransport(metered, provider)
        )

    def __repr__(self) -> str:
        return f"SolanaRpc({self._endpoint.label})"

    async def __aenter__(self) -> SolanaRpc:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes solana-py's sessions (not the metered client, which its owner closes)."""
        await self._client.close()
        await self._unused_session.aclose()

    async def _call(self, method: str, call: Awaitable[T]) -> T:
        """Awaits one solana-py call; any failure becomes an `RpcError` naming `method`."""
        try:
            return await call
        except ProviderError as exc:
            raise RpcError(method, self._endpoint.label, str(exc)) from None
        except RPCException as exc:
            raise RpcError(method, self._endpoint.label, _rpc_message(exc)) from None
        except (SolanaRpcException, SerdeJSONError, ValueError) as exc:
            reason = f"unreadable answer ({type(exc).__name__})"
            raise RpcError(method, self._endpoint.label, reason) from None

    async def _raw(self, method: str, params: list[object]) -> object:
        """One JSON-RPC call sent as is (for options solana-py lacks); returns its `result`.

        Reads are retried by the metered client; `sendTransaction` gets one attempt.
        """
        body = json.dumps(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        ).encode()
        try:
            answer = await self._metered.post_json(
                self._provider, self._endpoint.url, body, idempotent=is_read_only(body)
            )
        except ProviderError as exc:
            raise RpcError(method, self._endpoint.label, str(exc)) from None
        if not isinstance(answer, dict):
            raise RpcError(method, self._endpoint.label, "the answer is not a JSON-RPC object")
        error = answer.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else error
            raise RpcError(method, self._endpoint.label, f"error {code}: {message}")
        if "result" not in answer:
            raise RpcError(method, self._endpoint.label, "the answer has no result")
        return answer["result"]

    async def accounts(self, addresses: Sequence[str]) -> tuple[ChainAccount | None, ...]:
        """The accounts at `addresses` (at most 100), None for each absent one, in one
        `getMultipleAccounts` call."""
        for address in addresses:
            parse_pubkey(address, "account")
        config = {"encoding": "base64", "commitment": "confirmed"}
        result = await self._raw("getMultipleAccounts", [list(addresses), config])
        try:
            return read_accounts(result, len(addresses))
        except ValueError as bad:
            raise RpcError("getMultipleAccounts", self._endpoint.label, str(bad)) from None

    async def simulate(self, transaction: bytes, addresses: Sequence[str]) -> Simulation:
        """Runs a transaction (signed or not) without landing it, and returns the accounts at
        `addresses` as they would be after it. No signature check, the blockhash kept: the
        node judges exactly the bytes it was given."""
        config = {
            "encoding": "base64",
            "sigVerify": False,
            "replaceRecentBlockhash": False,
            "commitment": "confirmed",
            "accounts": {"addresses": list(addresses), "encoding": "base64"},
        }
        encoded = base64.b64encode(transaction).decode()
        result = await self._raw("simulateTransaction", [encoded, config])
        try:
            return read_simulation(result, len(addresses))
        except ValueError as bad:
            raise RpcError("simulateTransaction", self._endpoint.label, str(bad)) from None

    async def send_raw(self, transaction: bytes) -> str:
        """Sends a signed transaction once (with preflight); returns its signature. A failure
        does not mean it did not land: ask `signature_statuses`."""
        encoded = base64.b64encode(transaction).decode()
        config = {"encoding": "base64", "preflightCommitment": "confirmed"}
        result = await self._raw("sendTransaction", [encoded, config])
        if not isinstance(result, str):
            raise RpcError("sendTransaction", self._endpoint.label, "result is not a signature")
        return result

    async def signature_statuses(
        self, signatures: Sequence[str]
    ) -> tuple[SignatureStatus | None, ...]:
        """Each signature's status (None: the node has not seen it)."""
        config = {"searchTransactionHistory": True}
        result = await self._raw("getSignatureStatuses", [list(signatures), config])
        try:
            return read_statuses(result, len(signatures))
        except ValueError as bad:
            raise RpcError("getSignatureStatuses", self._endpoint.label, str(bad)) from None

    async def landed_transaction(self, signature: str) -> LandedTransaction | None:
        """What a landed transaction did to its fee payer (None: the node has no such
        transaction, or not yet at `confirmed`)."""
        config = {
            "encoding": "base64",
            "commitment": "confirmed",
            "maxSupportedTransactionVersion": 0,
        }
        result = await self._raw("getTransaction", [signature, config])
        try:
            return read_landed(result)
        except ValueError as bad:
            raise RpcError("getTransaction", self._endpoint.label, str(bad)) from None

    async def block_height(self) -> int:
        """The node's current block height (`confirmed`): a blockhash whose last valid block
        height is below it can no longer land."""
        result = await self._raw("getBlockHeight", [{"commitment": "confirmed"}])
        if not isinstance(result, int) or isinstance(result, bool) or result < 0:
            raise RpcError("getBlockHeight", self._endpoint.label, "result is not a height")
        return result

    async def sol_balance(self, owner: str) -> int:
        """The lamports `owner` holds."""
        key = parse_pubkey(owner, "owner")
        answer = await self._call("getBalance", self._client.get_balance(key))
        return answer.value

    async def account_data(self, address: str) -> bytes | None:
        """The data of the account at `address`, or None when there is no account."""
        key = parse_pubkey(address, "account")
        answer = await self._call("getAccountInfo", self._client.get_account_info(key))
        return None if answer.value is None else bytes(answer.value.data)

    async def account(self, address: str) -> tuple[str, bytes] | None:
        """The owning program (base58) and data of the account at `address`; None when there
        is no account."""
        key = parse_pubkey(address, "account")
        answer = await self._call("getAccountInfo", self._client.get_account_info(key))
        if answer.value is None:
            return None
        return str(answer.value.owner), bytes(answer.value.data)

    async def token_supply(self, mint: str) -> TokenAmount:
        """The total supply of `mint`."""
        key = parse_pubkey(mint, "mint")
        answer = await self._call("getTokenSupply", self._client.get_token_supply(key))
        return TokenAmount(int(answer.value.amount), answer.value.decimals)

    async def largest_token_accounts(self, mint: str) -> list[TokenHolding]:
        """The (up to 20) largest token accounts of `mint`, largest first."""
        key = parse_pubkey(mint, "mint")
        answer = await self._call(
            "getTokenLargestAccounts", self._client.get_token_largest_accounts(key)
        )
        return [
            TokenHolding(str(a.address), TokenAmount(int(a.amount.amount), a.amount.decimals))
            for a in answer.value
        ]

    async def latest_blockhash(self) -> LatestBlockhash:
        """A recent blockhash, for a transaction to be signed."""
        answer = await self._call("getLatestBlockhash", self._client.get_latest_blockhash())
        value = answer.value
        return LatestBlockhash(str(value.blockhash), value.last_valid_block_height)

    async def health(self) -> str:
        """The node's own health: "ok", or the node's error (behind, unknown) as an RpcError."""
        # solana-py has no getHealth; an unhealthy node answers it with a JSON-RPC error.
        answer = await self._raw("getHealth", [])
        return str(answer)

    async def slot(self) -> int:
        """The newest slot at the `confirmed` commitment."""
        answer = await self._call("getSlot", self._client.get_slot())
        return int(answer.value)

    async def block_time(self, slot: int) -> int | None:
        """The unix time the node stamped on the block of `slot`; None when it has none."""
        answer = await self._call("getBlockTime", self._client.get_block_time(slot))
        return None if answer.value is None else int(answer.value)

    async def token_balances(self, owner: str) -> list[TokenBalance]:
        """What `owner` holds of each mint (SPL Token and Token-2022), zero balances included,
        summed over its token accounts, sorted by mint."""
        key = parse_pubkey(owner, "owner")
        totals: dict[bytes, int] = {}
        for program in (TOKEN_PROGRAM, TOKEN_2022_PROGRAM):
            opts = TokenAccountOpts(program_id=Pubkey.from_string(program))
            answer = await self._call(
                "getTokenAccountsByOwner", self._client.get_token_accounts_by_owner(key, opts)
            )
            for keyed in answer.value:
                try:
                    account = decode_token_account(bytes(keyed.account.data), str(keyed.pubkey))
                except ValueError as bad:
                    raise RpcError(
                        "getTokenAccountsByOwner", self._endpoint.label, str(bad)
                    ) from None
                totals[account.mint] = totals.get(account.mint, 0) + account.amount
        decimals = await self._mint_decimals(sorted(totals))
        return [
            TokenBalance(str(Pubkey(mint)), TokenAmount(totals[mint], decimals[mint]))
            for mint in sorted(totals, key=lambda m: str(Pubkey(m)))
        ]

    async def token_account_addresses(self, owner: str) -> list[str]:
        """The addresses of every token account `owner` has (SPL Token and Token-2022)."""
        key = parse_pubkey(owner, "owner")
        # Both programs at once: this read sits between a swap's order and its signature, and
        # on a real network each round trip is tens of milliseconds of an ageing blockhash.
        answers = await asyncio.gather(
            *(
                self._call(
                    "getTokenAccountsByOwner",
                    self._client.get_token_accounts_by_owner(
                        key, TokenAccountOpts(program_id=Pubkey.from_string(program))
                    ),
                )
                for program in (TOKEN_PROGRAM, TOKEN_2022_PROGRAM)
            )
        )
        return [str(keyed.pubkey) for answer in answers for keyed in answer.value]

    async def _mint_decimals(self, mints: list[bytes]) -> dict[bytes, int]:
        found: dict[bytes, int] = {}
        for chunk in _chunks(mints, _MULTIPLE_ACCOUNTS_MAX):
            keys = [Pubkey(mint) for mint in chunk]
            answer = await self._call(
                "getMultipleAccounts", self._client.get_multiple_accounts(keys)
            )
            for key, account in zip(keys, answer.value, strict=True):
                if account is None:
                    reason = f"mint {key} of a token account has no account"
                    raise RpcError("getMultipleAccounts", self._endpoint.label, reason)
                try:
                    found[bytes(key)] = decode_mint_decimals(bytes(account.data), f"mint {key}")
                except ValueError as bad:
                    raise RpcError("getMultipleAccounts", self._endpoint.label, str(bad)) from None
        return found


def _chunks(items: list[bytes], size: int) -> Iterable[list[bytes]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rpc_message(exc: RPCException) -> str:
    """The node's error code and message, from solana-py's exception around it."""
    error = exc.args[0] if exc.args else None
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    if isinstance(message, str):
        return f"error {code}: {message}" if code is not None else message
    return f"error answer ({type(error).__name__})"
