"""The engine checks a token's own safety before an entry: its facts, read in the background,
and a quote to sell it back; denials are counted per rule and the verdict is in the snapshot."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config, TokenSafetyConfig
from soltrader_tui.domain import Side, SwapQuote, Token, TokenFacts
from soltrader_tui.engine.engine import Engine
from soltrader_tui.engine.safety import RETRY_FAILED_S, WAIT_S, TokenSafety
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sim import SimMarket, sim_mint
from soltrader_tui.market.sim_chain import SimChain
from soltrader_tui.risk import DenialRule
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.solana.safety import ChainSafetySource, NoChainAccess, SafetySource
from soltrader_tui.solana.token_facts import MintDataError
from tests.engine.scripted_feed import ScriptedFeed
from tests.engine.test_price_gate import BuyOnThirdTick
from tests.factories import engine_on_sim, make_token, mint_for

START = 1_767_225_600.0
TOKEN = make_token("SAFE", 6)
CLEAN = TokenFacts(
    mint_authority=None,
    freeze_authority=None,
    top10_share=0.2,
    extensions=frozenset(),
    program="spl-token",
    checked_at=START,
)


class ChainFacts:
    """A SafetySource answering fixed facts, after `delay_s` of wall time, counting its reads;
    `error` makes every read fail as a decoder would."""

    def __init__(
        self, facts: TokenFacts | None, delay_s: float = 0.0, error: str | None = None
    ) -> None:
        self._facts = facts
        self._delay_s = delay_s
        self._error = error
        self.reads: list[float] = []

    async def facts(self, mint: str, ts: float) -> TokenFacts | None:
        self.reads.append(ts)
        if self._delay_s:
            await asyncio.sleep(self._delay_s)
        if self._error is not None:
            raise MintDataError(f"mint {mint}: {self._error}")
        return None if self._facts is None else replace(self._facts, checked_at=ts)


class NoSellRouteFeed(ScriptedFeed):
    """Buys are quoted; selling the token back finds no route (a honeypot's signature)."""

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        return None if side == "sell" else await super().quote(token, side, in_amount)


async def run_entry(
    tmp_path: Path, safety: SafetySource | None, feed: ScriptedFeed | None = None
) -> tuple[list[str], dict[str, int], EngineSnapshot]:
    """Runs a strategy that buys on the third tick; returns the fills' sides, the ledger's
    denial counts and the engine's last snapshot."""
    ledger = Ledger.open(
        tmp_path / "e.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
    )
    config = Config.model_validate(
        {"market": {"tick_seconds": 1.0}, "risk": {"min_pool_age_minutes": 0}}
    )
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=feed or ScriptedFeed(TOKEN, [1.0] * 5),
        clock=VirtualClock(START),
        version="t",
        duration_s=4,
        strategies=[BuyOnThirdTick()],
        safety=safety,
    )
    await engine.run()
    sides: list[str] = [f.fill.side for f in ledger.fills()]
    denials = ledger.denial_counts()
    ledger.close()
    return sides, denials, engine.snapshot()


class TestEntries:
    """An unsafe token is never bought; a safe one is; each denial is counted under its rule."""

    async def test_clean_token_is_bought(self, tmp_path: Path) -> None:
        sides, denials, snap = await run_entry(tmp_path, ChainFacts(CLEAN))
        assert (sides, denials) == (["buy"], {})
        assert dict(snap.safety) == {TOKEN.mint: "safe"}

    @pytest.mark.parametrize(
        ("facts", "rule", "shown"),
        [
            (replace(CLEAN, freeze_authority=mint_for("A")), "freeze_authority", "freeze auth"),
            (replace(CLEAN, mint_authority=mint_for("A")), "mint_authority", "mint auth"),
            (replace(CLEAN, top10_share=0.62), "holder_concentration", "top10 62%"),
            (
                replace(CLEAN, program="token-2022", extensions=frozenset({"transfer_hook"})),
                "token_extension",
                "xfer hook",
            ),
        ],
    )
    async def test_unsafe_token_is_denied_by_its_rule(
        self, tmp_path: Path, facts: TokenFacts, rule: str, shown: str
    ) -> None:
        sides, denials, snap = await run_entry(tmp_path, ChainFacts(facts))
        assert (sides, denials) == ([], {rule: 1})
        assert dict(snap.risk_rejections) == {rule: 1}, "the screen counts it like the others"
        assert dict(snap.safety) == {TOKEN.mint: shown}

    async def test_no_route_to_sell_back_is_denied(self, tmp_path: Path) -> None:
        feed = NoSellRouteFeed(TOKEN, [1.0] * 5)
        sides, denials, _ = await run_entry(tmp_path, ChainFacts(CLEAN), feed)
        assert (sides, denials) == ([], {"sell_route": 1})

    async def test_a_market_without_chain_reader_denies_as_unknown(self, tmp_path: Path) -> None:
        sides, denials, snap = await run_entry(tmp_path, ChainSafetySource(NoChainAccess()))
        assert (sides, denials) == ([], {"safety_unknown": 1})
        assert dict(snap.safety) == {TOKEN.mint: "unknown"}

    async def test_no_chain_at_all_means_not_applicable(self, tmp_path: Path) -> None:
        # A replay of recorded files: no chain state exists, so the rules do not apply.
        sides, denials, snap = await run_entry(tmp_path, None)
        assert (sides, denials, snap.safety) == (["buy"], {}, ())


class TestReads:
    """Facts are read in the background, reused for their TTL, and never hold a tick long."""

    async def test_slow_read_denies_without_waiting_for_it(self) -> None:
        source = ChainFacts(CLEAN, delay_s=WAIT_S * 2)
        safety = TokenSafety(TokenSafetyConfig(), source)
        began = time.monotonic()
        denial = await safety.check(TOKEN, START)
        assert time.monotonic() - began < WAIT_S * 2
        assert denial is not None and denial.rule is DenialRule.SAFETY_UNKNOWN
        assert "still being read" in denial.message
        assert safety.verdicts() == {}, "not checked yet: the panel shows a dash"
        await asyncio.sleep(WAIT_S * 2)
        assert await safety.check(TOKEN, START + 1) is None, "the read went on and is used"
        assert source.reads == [START]

    async def test_facts_are_reused_until_their_ttl(self) -> None:
        source = ChainFacts(CLEAN)
        safety = TokenSafety(TokenSafetyConfig(facts_ttl_s=600), source)
        for ts in (START, START + 300, START + 599.9, START + 600, START + 700):
            assert await safety.check(TOKEN, ts) is None
        assert source.reads == [START, START + 600]

    async def test_failed_read_is_retried_sooner_and_says_why(self) -> None:
        source = ChainFacts(None, error="account type byte is 2")
        safety = TokenSafety(TokenSafetyConfig(facts_ttl_s=600), source)
        denial = await safety.check(TOKEN, START)
        assert denial is not None and denial.rule is DenialRule.SAFETY_UNKNOWN
        assert "MintDataError" in denial.message and "account type byte is 2" in denial.message
        await safety.check(TOKEN, START + RETRY_FAILED_S - 1)
        await safety.check(TOKEN, START + RETRY_FAILED_S)
        assert source.reads == [START, START + RETRY_FAILED_S]

    async def test_disabled_checks_read_nothing(self) -> None:
        source = ChainFacts(replace(CLEAN, freeze_authority=mint_for("A")))
        safety = TokenSafety(TokenSafetyConfig(enabled=False), source)
        safety.prefetch(TOKEN.mint, START)
        assert await safety.check(TOKEN, START) is None
        assert (source.reads, safety.verdicts()) == ([], {})


class TestSimulatedMarket:
    """The default paper session's unsafe tokens are denied by the rules and never bought."""

    async def test_memecoin_and_mint_authority_token_are_never_bought(self, tmp_path: Path) -> None:
        ledger = Ledger.open(
            tmp_path / "s.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        config = Config()
        market = SimMarket(
            3,
            START,
            tick_seconds=config.market.tick_seconds,
            rug_after_s=config.market.sim.rug_after_minutes * 60,
            listing_after_s=config.market.sim.listing_after_minutes * 60,
        )
        safety = ChainSafetySource(SimChain(market))
        engine = engine_on_sim(ledger, market, START, hours=2, config=config, safety=safety)
        await engine.run()
        bought = {f.fill.token.mint for f in ledger.fills() if f.fill.side == "buy"}
        denials = ledger.denial_counts()
        ledger.close()
        meme, rvrt = sim_mint("MEME"), sim_mint("RVRT")
        assert bought and not bought & {meme, rvrt}
        assert denials.get("mint_authority", 0) >= 1 and denials.get("freeze_authority", 0) >= 1
        verdicts = dict(engine.snapshot().safety)
        assert verdicts[meme] == "freeze auth" and verdicts[rvrt] == "mint auth"
        assert verdicts[sim_mint("SOLX")] == verdicts[sim_mint("CALM")] == "safe"
