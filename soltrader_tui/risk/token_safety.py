"""Provides the token safety rules: a token's chain facts in, a denial naming its rule out.

The field's standard pre-buy checks: the mint and freeze authorities must be revoked (else more
can be minted, or a holder frozen so that it cannot sell), the 10 largest holders must not own
too much of the supply, and no Token-2022 extension may let a third party move, tax, freeze or
block a holder's tokens. Before the order, a quote for selling the tokens back must exist and
not move the price too far (`sell_route`). Facts that could not be read deny the entry
(`safety_unknown`): unknown is not safe.

Pure: the facts and the quote's impact are passed in; the engine reads them and logs a denial
with its rule, like every other pre-trade check.
"""

from __future__ import annotations

from soltrader_tui.config.model import TokenSafetyConfig
from soltrader_tui.domain import TokenFacts
from soltrader_tui.risk.checks import Denial, DenialRule

TOKEN_RULES = frozenset(
    {
        DenialRule.MINT_AUTHORITY,
        DenialRule.FREEZE_AUTHORITY,
        DenialRule.HOLDER_CONCENTRATION,
        DenialRule.TOKEN_EXTENSION,
        DenialRule.SELL_ROUTE,
        DenialRule.SAFETY_UNKNOWN,
    }
)
"""The rules of this module; `checks.check_entry` never returns them."""

SAFE = "safe"
"""The verdict of a token every rule passes."""
UNKNOWN = "unknown"
"""The verdict of a token whose facts could not be read (it is denied)."""

_EXTENSION_LABELS = {
    "permanent_delegate": "perm delegate",
    "transfer_hook": "xfer hook",
    "transfer_fee_config": "xfer fee",
    "non_transferable": "non-transfer",
    "default_account_state_frozen": "frozen default",
}


def check_token(
    symbol: str, facts: TokenFacts | None, config: TokenSafetyConfig, *, why: str = ""
) -> Denial | None:
    """Checks a token's facts against every safety rule, in a fixed order.

    Args:
        symbol: The token's symbol, for the message.
        facts: What the chain says about the token; None when it could not be read.
        config: The limits.
        why: Why the facts could not be read, for the message.

    Returns:
        The first rule that denies an entry into the token (authorities, extensions, holder
        concentration); None when every rule passes.
    """
    if facts is None:
        return Denial(
            DenialRule.SAFETY_UNKNOWN,
            f"{symbol} mint and holders could not be read"
            + (f" ({why})" if why else "")
            + "; unknown is not safe",
        )
    return (
        mint_authority_rule(symbol, facts, config)
        or freeze_authority_rule(symbol, facts, config)
        or extension_rule(symbol, facts, config)
        or holder_concentration_rule(symbol, facts, config)
    )


def mint_authority_rule(symbol: str, facts: TokenFacts, config: TokenSafetyConfig) -> Denial | None:
    """Denies a token whose mint authority is live: its supply can grow at will."""
    if not config.require_mint_revoked or facts.mint_authority is None:
        return None
    return Denial(
        DenialRule.MINT_AUTHORITY,
        f"{symbol} mint authority {short_address(facts.mint_authority)} is live "
        "(more can be minted); it must be revoked",
    )


def freeze_authority_rule(
    symbol: str, facts: TokenFacts, config: TokenSafetyConfig
) -> Denial | None:
    """Denies a token whose freeze authority is live: a holder can be frozen, unable to sell."""
    if not config.require_freeze_revoked or facts.freeze_authority is None:
        return None
    return Denial(
        DenialRule.FREEZE_AUTHORITY,
        f"{symbol} freeze authority {short_address(facts.freeze_authority)} is live "
        "(holders can be frozen); it must be revoked",
    )


def extension_rule(symbol: str, facts: TokenFacts, config: TokenSafetyConfig) -> Denial | None:
    """Denies a token with a Token-2022 extension that is not in the allowed list."""
    banned = sorted(facts.extensions - set(config.allowed_extensions))
    if not banned:
        return None
    return Denial(
        DenialRule.TOKEN_EXTENSION,
        f"{symbol} has Token-2022 extension {', '.join(banned)}, not in "
        "risk.token_safety.allowed_extensions",
    )


def holder_concentration_rule(
    symbol: str, facts: TokenFacts, config: TokenSafetyConfig
) -> Denial | None:
    """Denies a token whose 10 largest accounts own more than the limit (or an unknown share)."""
    limit = config.max_top10_share
    if limit >= 1:
        return None  # 1 switches the check off: no share can exceed the whole supply
    share = facts.top10_share
    # `not <=` rather than `>` so that a NaN share is denied too.
    if share is not None and share <= limit:
        return None
    seen = "unknown" if share is None else f"{share * 100:.1f} %"
    return Denial(
        DenialRule.HOLDER_CONCENTRATION,
        f"{symbol} top 10 holders own {seen} of the supply, limit {limit * 100:g} %",
    )


def sell_route_rule(
    symbol: str, impact_bps: float | None, config: TokenSafetyConfig
) -> Denial | None:
    """Denies an entry whose tokens could not be sold back within the impact limit.

    Args:
        symbol: The token's symbol, for the message.
        impact_bps: Price impact of the quote for selling back what the buy would get; None
            when no route was found.
        config: The limits (`sell_route_check` off: never denies).
    """
    if not config.sell_route_check:
        return None
    limit = config.max_sell_impact_pct
    if impact_bps is not None and impact_bps / 100 <= limit:
        return None
    seen = "no route (no quote)" if impact_bps is None else f"price impact {impact_bps / 100:.2f} %"
    return Denial(
        DenialRule.SELL_ROUTE,
        f"selling {symbol} back: {seen}, limit {limit:g} %",
    )


def verdict(facts: TokenFacts | None, config: TokenSafetyConfig) -> str:
    """The token's verdict in a few characters, from the same rules an entry is checked by.

    Returns:
        "safe", "unknown", "mint auth", "freeze auth", "top10 62%", or the extension that
        denies it ("perm delegate", "xfer hook", ...).
    """
    denial = check_token("", facts, config)
    if denial is None:
        return SAFE
    if facts is None or denial.rule is DenialRule.SAFETY_UNKNOWN:
        return UNKNOWN
    if denial.rule is DenialRule.MINT_AUTHORITY:
        return "mint auth"
    if denial.rule is DenialRule.FREEZE_AUTHORITY:
        return "freeze auth"
    if denial.rule is DenialRule.HOLDER_CONCENTRATION:
        share = facts.top10_share
        return "top10 ?" if share is None else f"top10 {share * 100:.0f}%"
    first = min(facts.extensions - set(config.allowed_extensions))
    return _EXTENSION_LABELS.get(first, first)


def short_address(address: str) -> str:
    """A base58 address shortened for a message: "7xKX…pQ2" (4 first, 3 last characters)."""
    return address if len(address) <= 9 else f"{address[:4]}…{address[-3:]}"
