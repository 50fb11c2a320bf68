"""Provides the devnet's read methods, one function per JSON-RPC method, in Solana's shapes.

Every function takes the chain (its lock held by the caller) and the request's params, and
returns the `result` member. Commitment and minContextSlot are accepted and ignored: every
block here is final as soon as it exists. Account data is served in base64 only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from solders.account import Account
from solders.pubkey import Pubkey
from solders.token.state import Mint

from soltrader_tui.solana.devnet.accounts import (
    TOKEN_PROGRAMS,
    Holding,
    read_holding,
    read_mint,
    ui_amount,
)
from soltrader_tui.solana.devnet.chain import Chain, block_time
from soltrader_tui.solana.devnet.encoding import account_json
from soltrader_tui.solana.devnet.params import INVALID_PARAMS, Params, RpcError

Method = Callable[[Chain, Params], object]
MAX_MULTIPLE: Final = 100
"""getMultipleAccounts' limit, as on Solana."""
LARGEST: Final = 20
"""getTokenLargestAccounts answers the top 20, as on Solana."""
BLOCK_NOT_AVAILABLE: Final = -32004
"""Solana's code for a block the node does not have (getBlockTime of a future slot)."""


def with_context(chain: Chain, value: object) -> dict[str, object]:
    """An answer of the RpcResponse kind: `{context: {slot}, value}` (no apiVersion: the
    devnet is no Agave release)."""
    return {"context": {"slot": chain.height}, "value": value}


def get_health(chain: Chain, params: Params) -> object:
    """getHealth: always "ok" (the devnet is its own cluster)."""
    return "ok"


def get_latest_blockhash(chain: Chain, params: Params) -> object:
    """getLatestBlockhash: the newest blockhash and the last height it is valid at."""
    params.config(0)
    blockhash, last_valid = chain.latest_blockhash()
    return with_context(chain, {"blockhash": str(blockhash), "lastValidBlockHeight": last_valid})


def get_block_height(chain: Chain, params: Params) -> object:
    """getBlockHeight."""
    params.config(0)
    return chain.height


def get_slot(chain: Chain, params: Params) -> object:
    """getSlot (equal to the block height here)."""
    params.config(0)
    return chain.height


def get_block_time(chain: Chain, params: Params) -> object:
    """getBlockTime: the wall clock, as a validator stamps a block, for any slot up to the
    newest; a slot not produced yet is an error, as on Solana. The devnet keeps no block's
    time, and its blocks are made on request: "now" is the time a block there would carry."""
    slot = params.integer(0, "slot")
    if slot > chain.height:
        raise RpcError(BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")
    return block_time()


def get_balance(chain: Chain, params: Params) -> object:
    """getBalance: lamports, 0 for an account that does not exist."""
    key = params.pubkey(0, "pubkey")
    params.config(1)
    account = chain.account(key)
    return with_context(chain, 0 if account is None else account.lamports)


def get_account_info(chain: Chain, params: Params) -> object:
    """getAccountInfo: the account in base64, or null."""
    key = params.pubkey(0, "pubkey")
    params.account_encoding(params.config(1))
    return with_context(chain, account_json(chain.account(key)))


def get_multiple_accounts(chain: Chain, params: Params) -> object:
    """getMultipleAccounts: up to 100 accounts in base64, null for each absent one."""
    keys = params.pubkeys(0, "pubkeys")
    if len(keys) > MAX_MULTIPLE:
        raise RpcError(
            INVALID_PARAMS, f"getMultipleAccounts: at most {MAX_MULTIPLE} pubkeys, got {len(keys)}"
        )
    params.account_encoding(params.config(1))
    return with_context(chain, [account_json(chain.account(k)) for k in keys])


def get_minimum_balance_for_rent_exemption(chain: Chain, params: Params) -> object:
    """getMinimumBalanceForRentExemption."""
    size = params.integer(0, "dataLength")
    return chain.svm.minimum_balance_for_rent_exemption(size)


def _token_accounts(chain: Chain) -> list[tuple[Pubkey, Account, Holding]]:
    found = []
    for program in sorted(TOKEN_PROGRAMS, key=str):
        for key, account in chain.svm.get_program_accounts(program):
            holding = read_holding(account)
            if holding is not None:
                found.append((key, account, holding))
    return found


def get_token_accounts_by_owner(chain: Chain, params: Params) -> object:
    """getTokenAccountsByOwner: filter `{"mint": M}` or `{"programId": P}`; base64 accounts."""
    owner = params.pubkey(0, "owner")
    raw = params.raw(1, "filter")
    if not isinstance(raw, dict) or len(raw) != 1 or not {"mint", "programId"} >= raw.keys():
        raise RpcError(
            INVALID_PARAMS,
            f"getTokenAccountsByOwner: params[1] (filter) must be {{mint}} or {{programId}}: "
            f"{raw!r}",
        )
    ((field, value),) = raw.items()
    target = Params("getTokenAccountsByOwner", [value]).pubkey(0, f"filter.{field}")
    if field == "programId" and target not in TOKEN_PROGRAMS:
        raise RpcError(INVALID_PARAMS, f"Invalid param: unrecognized Token program id {target}")
    params.account_encoding(params.config(2))
    found = [
        {"pubkey": str(key), "account": account_json(account)}
        for key, account, holding in _token_accounts(chain)
        if holding.owner == owner
        and (holding.mint == target if field == "mint" else holding.program == target)
    ]
    return with_context(chain, found)


def _mint(chain: Chain, params: Params) -> tuple[Pubkey, Mint]:
    key = params.pubkey(0, "mint")
    mint = read_mint(chain.account(key))
    if mint is None:
        raise RpcError(INVALID_PARAMS, f"{params.method}: Invalid param: not a Token mint: {key}")
    return key, mint


def get_token_supply(chain: Chain, params: Params) -> object:
    """getTokenSupply: the mint's supply as a UiTokenAmount."""
    _, mint = _mint(chain, params)
    return with_context(chain, ui_amount(mint.supply, mint.decimals))


def get_token_largest_accounts(chain: Chain, params: Params) -> object:
    """getTokenLargestAccounts: the 20 largest accounts of a mint, largest first."""
    key, mint = _mint(chain, params)
    holders = [(a, h.amount) for a, _, h in _token_accounts(chain) if h.mint == key]
    holders.sort(key=lambda pair: (-pair[1], str(pair[0])))
    value = [
        {"address": str(address)} | ui_amount(amount, mint.decimals)
        for address, amount in holders[:LARGEST]
    ]
    return with_context(chain, value)


def get_token_account_balance(chain: Chain, params: Params) -> object:
    """getTokenAccountBalance: one token account's amount."""
    key = params.pubkey(0, "account")
    holding = read_holding(chain.account(key))
    if holding is None:
        raise RpcError(INVALID_PARAMS, f"Invalid param: could not find account {key}")
    mint = read_mint(chain.account(holding.mint))
    return with_context(chain, ui_amount(holding.amount, 0 if mint is None else mint.decimals))


READ_METHODS: Final[dict[str, Method]] = {
    "getHealth": get_health,
    "getLatestBlockhash": get_latest_blockhash,
    "getBlockHeight": get_block_height,
    "getSlot": get_slot,
    "getBlockTime": get_block_time,
    "getBalance": get_balance,
    "getAccountInfo": get_account_info,
    "getMultipleAccounts": get_multiple_accounts,
    "getMinimumBalanceForRentExemption": get_minimum_balance_for_rent_exemption,
    "getTokenAccountsByOwner": get_token_accounts_by_owner,
    "getTokenSupply": get_token_supply,
    "getTokenLargestAccounts": get_token_largest_accounts,
    "getTokenAccountBalance": get_token_account_balance,
}
