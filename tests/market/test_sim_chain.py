"""The simulated tokens' mints, packed as chain bytes and read back by the live decoder."""

from __future__ import annotations

import pytest

from soltrader_tui.config.model import TokenSafetyConfig
from soltrader_tui.market.sim import CATALOGUE, SimMarket, TokenSpec, extra_specs, sim_mint
from soltrader_tui.market.sim_chain import SUPPLY_WHOLE, SimChain, largest_amounts, sim_authority
from soltrader_tui.risk.token_safety import verdict
from soltrader_tui.solana.safety import ChainSafetySource
from soltrader_tui.solana.token_facts import TOKEN_2022_PROGRAM, decode_mint, top10_share

START = 1_767_225_600.0


@pytest.fixture
def chain() -> ChainSafetySource:
    return ChainSafetySource(SimChain(SimMarket(7, START, extra_tokens=2)))


class TestSimulatedFacts:
    """The memecoin that rugs keeps its freeze authority, RVRT its mint authority; the rest are
    clean, so the default paper session shows the rules deny two tokens and allow the others."""

    async def test_verdict_of_every_token(self, chain: ChainSafetySource) -> None:
        config = TokenSafetyConfig()
        verdicts = {}
        for symbol in ("SOLX", "RVRT", "MEME", "NEWB", "CALM", "SIM01", "SIM02"):
            verdicts[symbol] = verdict(await chain.facts(sim_mint(symbol), START), config)
        assert verdicts == {
            "SOLX": "safe",
            "RVRT": "mint auth",
            "MEME": "freeze auth",
            "NEWB": "safe",
            "CALM": "safe",
            "SIM01": "safe",
            "SIM02": "safe",
        }

    async def test_live_authorities_are_the_creators_keys(self, chain: ChainSafetySource) -> None:
        meme = await chain.facts(sim_mint("MEME"), START)
        rvrt = await chain.facts(sim_mint("RVRT"), START)
        assert meme is not None and rvrt is not None
        assert meme.freeze_authority == str(sim_authority("MEME", "freeze"))
        assert (meme.mint_authority, rvrt.freeze_authority) == (None, None)
        assert rvrt.mint_authority == str(sim_authority("RVRT", "mint"))
        assert meme.checked_at == START

    async def test_calm_is_a_token_2022_mint_with_a_harmless_extension(
        self, chain: ChainSafetySource
    ) -> None:
        facts = await chain.facts(sim_mint("CALM"), START)
        assert facts is not None
        assert (facts.program, facts.extensions) == ("token-2022", frozenset({"metadata_pointer"}))

    async def test_unknown_mint_has_no_account(self, chain: ChainSafetySource) -> None:
        assert await chain.facts("So11111111111111111111111111111111111111112", START) is None

    async def test_bytes_are_a_real_mint(self) -> None:
        sim = SimChain(SimMarket(7, START))
        account = await sim.mint_account(sim_mint("CALM"))
        assert account is not None and account.owner == TOKEN_2022_PROGRAM
        mint = decode_mint(sim_mint("CALM"), account.data, account.owner)
        assert (mint.supply, mint.decimals) == (SUPPLY_WHOLE * 10**6, 6)

    @pytest.mark.parametrize("spec", CATALOGUE + extra_specs(3), ids=lambda s: s.symbol)
    def test_top10_share_is_the_specs(self, spec: TokenSpec) -> None:
        amounts = largest_amounts(spec)
        assert len(amounts) == 20 and amounts == sorted(amounts, reverse=True)
        share = top10_share(amounts, SUPPLY_WHOLE * 10**spec.decimals)
        assert share == pytest.approx(spec.top10_share, abs=1e-6)
