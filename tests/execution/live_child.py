"""A live order manager in its own process, for the kill -9 test: it buys once and waits.

Run as `python -m tests.execution.live_child ENDPOINTS_JSON KEYPAIR_JSON`; it prints `READY`
once its ledger is open, then submits one buy. The test kills it while the swap is in flight.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from solders.keypair import Keypair

from soltrader_tui.domain import Token
from soltrader_tui.solana.wallet import Wallet
from tests.execution.live_rig import Endpoints, live_rig


async def main(ends: Endpoints, wallet: Wallet, mint: str) -> None:
    async with live_rig(ends, wallet, confirm_timeout_s=60.0) as rig:
        print("READY", flush=True)
        token = Token(mint, "CLEAN", 6)
        order = rig.orders.order(token, time.time(), "buy", 10_000_000, "momentum", "entry")
        await rig.orders.submit(order)
        print("DONE", flush=True)


if __name__ == "__main__":
    raw = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    secret = bytes(json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
    ends = Endpoints(**{**raw["ends"], "ledger": Path(raw["ends"]["ledger"])})
    asyncio.run(main(ends, Wallet(Keypair.from_bytes(secret)), raw["mint"]))
