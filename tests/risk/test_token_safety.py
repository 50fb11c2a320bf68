"""Tests of the token safety rules: each denies with its own rule and names the value and limit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import HARMLESS_EXTENSIONS, TokenSafetyConfig
from soltrader_tui.domain import TokenFacts
from soltrader_tui.risk import DenialRule
from soltrader_tui.risk.token_safety import (
    SAFE,
    TOKEN_RULES,
    UNKNOWN,
    check_token,
    sell_route_rule,
    short_address,
    verdict,
)
from tests.factories import mint_for

AUTHORITY = mint_for("AUTHORITY")
CHECKED_AT = 1_767_268_800.0


def make_facts(**overrides: object) -> TokenFacts:
    """A token every default rule passes: both authorities revoked, 20 % in the top 10, SPL."""
    facts = TokenFacts(
        mint_authority=None,
        freeze_authority=None,
        top10_share=0.2,
        extensions=frozenset(),
        program="spl-token",
        checked_at=CHECKED_AT,
    )
    return replace(facts, **overrides)  # type: ignore[arg-type]


def safety_config(**overrides: object) -> TokenSafetyConfig:
    """The default limits with `overrides` applied (validated like a config file)."""
    return TokenSafetyConfig.model_validate(overrides)


DEFAULTS = safety_config()


class TestCleanToken:
    """A token with revoked authorities, spread holders and harmless extensions is bought."""

    def test_passes_every_rule(self) -> None:
        assert check_token("BONK", make_facts(), DEFAULTS) is None
        assert verdict(make_facts(), DEFAULTS) == SAFE

    def test_harmless_token_2022_extensions_pass(self) -> None:
        facts = make_facts(program="token-2022", extensions=frozenset(HARMLESS_EXTENSIONS))
        assert check_token("BONK", facts, DEFAULTS) is None

    @given(
        share=st.floats(0.0, 1.0),
        limit=st.floats(0.01, 1.0),
        mint_live=st.booleans(),
        freeze_live=st.booleans(),
    )
    def test_denied_exactly_when_a_limit_is_broken(
        self, share: float, limit: float, mint_live: bool, freeze_live: bool
    ) -> None:
        facts = make_facts(
            top10_share=share,
            mint_authority=AUTHORITY if mint_live else None,
            freeze_authority=AUTHORITY if freeze_live else None,
        )
        denial = check_token("BONK", facts, safety_config(max_top10_share=limit))
        unsafe = mint_live or freeze_live or (limit < 1 and share > limit)
        assert (denial is not None) == unsafe, (share, limit, denial)


class TestEachRule:
    """Each unsafe fact is denied under its own rule, with the value and the limit named."""

    def test_live_mint_authority(self) -> None:
        denial = check_token("BONK", make_facts(mint_authority=AUTHORITY), DEFAULTS)
        assert denial is not None and denial.rule is DenialRule.MINT_AUTHORITY
        assert f"mint authority {short_address(AUTHORITY)} is live" in denial.message
        assert verdict(make_facts(mint_authority=AUTHORITY), DEFAULTS) == "mint auth"

    def test_live_freeze_authority(self) -> None:
        denial = check_token("MEME", make_facts(freeze_authority=AUTHORITY), DEFAULTS)
        assert denial is not None and denial.rule is DenialRule.FREEZE_AUTHORITY
        assert str(denial) == (
            f"freeze_authority: MEME freeze authority {AUTHORITY[:4]}…{AUTHORITY[-3:]} is live "
            "(holders can be frozen); it must be revoked"
        )
        assert verdict(make_facts(freeze_authority=AUTHORITY), DEFAULTS) == "freeze auth"

    @pytest.mark.parametrize(
        ("extension", "label"),
        [
            ("permanent_delegate", "perm delegate"),
            ("transfer_hook", "xfer hook"),
            ("transfer_fee_config", "xfer fee"),
            ("non_transferable", "non-transfer"),
            ("default_account_state_frozen", "frozen default"),
            ("pausable", "pausable"),
        ],
    )
    def test_extension_that_lets_a_third_party_act(self, extension: str, label: str) -> None:
        facts = make_facts(
            program="token-2022", extensions=frozenset({"metadata_pointer", extension})
        )
        denial = check_token("BONK", facts, DEFAULTS)
        assert denial is not None and denial.rule is DenialRule.TOKEN_EXTENSION
        assert f"extension {extension}, not in" in denial.message
        assert "metadata_pointer" not in denial.message, "only the offending ones are named"
        assert verdict(facts, DEFAULTS) == label

    def test_an_extension_can_be_allowed(self) -> None:
        facts = make_facts(program="token-2022", extensions=frozenset({"transfer_fee_config"}))
        allowed = safety_config(allowed_extensions=[*HARMLESS_EXTENSIONS, "transfer_fee_config"])
        assert check_token("BONK", facts, allowed) is None

    def test_top10_share_above_the_limit(self) -> None:
        facts = make_facts(top10_share=0.62)
        denial = check_token("BONK", facts, DEFAULTS)
        assert denial is not None and denial.rule is DenialRule.HOLDER_CONCENTRATION
        assert denial.message == "BONK top 10 holders own 62.0 % of the supply, limit 50 %"
        assert verdict(facts, DEFAULTS) == "top10 62%"

    def test_top10_share_at_the_limit_passes(self) -> None:
        assert check_token("BONK", make_facts(top10_share=0.5), DEFAULTS) is None
        just_over = make_facts(top10_share=0.5000001)
        assert check_token("BONK", just_over, DEFAULTS) is not None

    @pytest.mark.parametrize("share", [None, float("nan")])
    def test_unknown_top10_share_is_denied(self, share: float | None) -> None:
        denial = check_token("BONK", make_facts(top10_share=share), DEFAULTS)
        assert denial is not None and denial.rule is DenialRule.HOLDER_CONCENTRATION
        off = safety_config(max_top10_share=1)
        assert check_token("BONK", make_facts(top10_share=share), off) is None, "1 turns it off"

    def test_unreadable_facts_are_denied_with_the_reason(self) -> None:
        denial = check_token("BONK", None, DEFAULTS, why="RPC timed out")
        assert denial is not None and denial.rule is DenialRule.SAFETY_UNKNOWN
        assert "(RPC timed out)" in denial.message and "unknown is not safe" in denial.message
        assert verdict(None, DEFAULTS) == UNKNOWN

    def test_authorities_may_be_tolerated_by_config(self) -> None:
        facts = make_facts(mint_authority=AUTHORITY, freeze_authority=AUTHORITY)
        lax = safety_config(require_mint_revoked=False, require_freeze_revoked=False)
        assert check_token("BONK", facts, lax) is None

    def test_rules_come_in_a_fixed_order(self) -> None:
        facts = make_facts(
            mint_authority=AUTHORITY,
            freeze_authority=AUTHORITY,
            top10_share=0.9,
            extensions=frozenset({"transfer_hook"}),
        )
        order = []
        config = DEFAULTS
        for _ in range(4):
            denial = check_token("BONK", facts, config)
            assert denial is not None
            order.append(denial.rule)
            facts = {
                DenialRule.MINT_AUTHORITY: replace(facts, mint_authority=None),
                DenialRule.FREEZE_AUTHORITY: replace(facts, freeze_authority=None),
                DenialRule.TOKEN_EXTENSION: replace(facts, extensions=frozenset()),
                DenialRule.HOLDER_CONCENTRATION: replace(facts, top10_share=0.1),
            }[denial.rule]
        assert order == [
            DenialRule.MINT_AUTHORITY,
            DenialRule.FREEZE_AUTHORITY,
            DenialRule.TOKEN_EXTENSION,
            DenialRule.HOLDER_CONCENTRATION,
        ]
        assert check_token("BONK", facts, config) is None


def test_every_token_rule_has_a_test_here() -> None:
    tested = {
        DenialRule.MINT_AUTHORITY,
        DenialRule.FREEZE_AUTHORITY,
        DenialRule.HOLDER_CONCENTRATION,
        DenialRule.TOKEN_EXTENSION,
        DenialRule.SELL_ROUTE,
        DenialRule.SAFETY_UNKNOWN,
    }
    assert tested == TOKEN_RULES


class TestSellRoute:
    """The tokens a buy would get must be sellable back, within the impact limit."""

    def test_no_route_is_denied(self) -> None:
        denial = sell_route_rule("BONK", None, DEFAULTS)
        assert denial is not None and denial.rule is DenialRule.SELL_ROUTE
        assert denial.message == "selling BONK back: no route (no quote), limit 2 %"

    def test_impact_above_the_limit_is_denied(self) -> None:
        denial = sell_route_rule("BONK", 250.0, DEFAULTS)
        assert denial is not None and denial.rule is DenialRule.SELL_ROUTE
        assert denial.message == "selling BONK back: price impact 2.50 %, limit 2 %"

    def test_impact_at_the_limit_passes(self) -> None:
        assert sell_route_rule("BONK", 200.0, DEFAULTS) is None
        assert sell_route_rule("BONK", 200.01, DEFAULTS) is not None
        assert sell_route_rule("BONK", float("nan"), DEFAULTS) is not None

    def test_off_never_denies(self) -> None:
        assert sell_route_rule("BONK", None, safety_config(sell_route_check=False)) is None

    @given(impact=st.floats(0, 10_000), limit=st.floats(0.01, 100))
    def test_denied_exactly_above_the_limit(self, impact: float, limit: float) -> None:
        denial = sell_route_rule("BONK", impact, safety_config(max_sell_impact_pct=limit))
        assert (denial is not None) == (impact / 100 > limit)


def test_short_address_keeps_both_ends() -> None:
    assert short_address("7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU") == "7xKX…AsU"
    assert short_address("short") == "short"
