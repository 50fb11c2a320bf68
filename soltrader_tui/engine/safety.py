"""Provides TokenSafety: the engine's use of the token safety rules, with the facts they need.

It asks the market's `SafetySource` for a token's facts once per `facts_ttl_s` of market time,
in a background task, so a slow chain read never holds a tick for long: an entry waits at most
`WAIT_S` for facts being read and is otherwise denied as `safety_unknown` (the read goes on, and
the next signal has them). Where the market has no chain (a replay of recorded files) the rules
do not apply and no verdict is shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from soltrader_tui.config.model import TokenSafetyConfig
from soltrader_tui.domain import Token, TokenFacts
from soltrader_tui.risk import Denial
from soltrader_tui.risk.token_safety import check_token, sell_route_rule, verdict
from soltrader_tui.solana.safety import SafetySource

WAIT_S = 0.25
"""Longest an entry waits, wall seconds, for facts still being read."""
RETRY_FAILED_S = 30.0
"""Market seconds before facts that could not be read are asked for again (a node that failed
once may answer now), when that is sooner than `facts_ttl_s`."""


@dataclass(frozen=True, slots=True)
class _Known:
    facts: TokenFacts | None
    why: str
    """Why the facts are missing ("" when they are not)."""
    read_ts: float
    """Market time they were asked for."""


class TokenSafety:
    """Each token's safety facts (cached, read in the background) and the rules' verdicts."""

    def __init__(self, config: TokenSafetyConfig, source: SafetySource | None) -> None:
        """Args:
        config: The rules' limits.
        source: Where facts come from; None where there is no chain: the rules do not apply.
        """
        self._config = config
        self._source = source
        self.applies = config.enabled and source is not None
        """Whether entries are checked at all (shown as "—" when not)."""
        self._known: dict[str, _Known] = {}
        self._reading: dict[str, asyncio.Task[None]] = {}

    def prefetch(self, mint: str, ts: float) -> None:
        """Starts reading a token's facts unless fresh ones are known or a read is under way,
        so the scores panel shows every token's verdict before any signal asks for it."""
        if not self.applies or mint in self._reading:
            return
        known = self._known.get(mint)
        if known is not None and ts - known.read_ts < self._max_age(known):
            return
        self._reading[mint] = asyncio.create_task(self._read(mint, ts), name=f"safety {mint}")

    async def check(self, token: Token, ts: float) -> Denial | None:
        """Checks an entry into `token` against the safety rules (None when they pass or do not
        apply); waits at most `WAIT_S` for facts being read."""
        if not self.applies:
            return None
        self.prefetch(token.mint, ts)
        task = self._reading.get(token.mint)
        if task is not None:
            await asyncio.wait({task}, timeout=WAIT_S)
        known = self._known.get(token.mint)
        if known is None:
            return check_token(token.symbol, None, self._config, why="still being read")
        return check_token(token.symbol, known.facts, self._config, why=known.why)

    @property
    def wants_sell_quote(self) -> bool:
        """Whether an entry needs a quote for selling back what it would buy."""
        return self.applies and self._config.sell_route_check

    def sell_route(self, token: Token, impact_bps: float | None) -> Denial | None:
        """Judges the quote for selling back what an entry would buy (None: passes or off)."""
        if not self.applies:
            return None
        return sell_route_rule(token.symbol, impact_bps, self._config)

    def verdicts(self) -> dict[str, str]:
        """Each checked token's verdict by mint, from the facts the rules judge; empty where the
        rules do not apply."""
        return {mint: verdict(k.facts, self._config) for mint, k in self._known.items()}

    async def aclose(self) -> None:
        """Cancels reads under way (the session is ending)."""
        for task in self._reading.values():
            task.cancel()
        await asyncio.gather(*self._reading.values(), return_exceptions=True)
        self._reading.clear()

    def _max_age(self, known: _Known) -> float:
        ttl = self._config.facts_ttl_s
        return ttl if known.facts is not None else min(ttl, RETRY_FAILED_S)

    async def _read(self, mint: str, ts: float) -> None:
        assert self._source is not None  # only started while the rules apply
        try:
            facts = await self._source.facts(mint, ts)
            why = "" if facts is not None else "no mint account found"
        except Exception as exc:  # a failed read denies entries with its reason; never crashes
            facts, why = None, f"{type(exc).__name__}: {exc}"
        finally:
            self._reading.pop(mint, None)
        self._known[mint] = _Known(facts, why, ts)
