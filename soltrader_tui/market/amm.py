"""Provides a constant-product (x·y=k) pool of a token against USDC, in exact integer units.

Reserves are integers as on chain: token base units and micro-USDC. Quotes use exact floor
math, so an output never exceeds what the curve allows and never reaches the reserve. The
pool charges no fee inside its quotes; the paper executor charges fees separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from soltrader_tui.domain import MICRO, micro_to_usd


@dataclass(slots=True)
class Pool:
    """A constant-product pool: `token_reserve` base units against `usdc_reserve` micro-USDC."""

    token_reserve: int
    usdc_reserve: int
    decimals: int
    """Decimals of the token (its base units per whole token are 10**decimals)."""

    def __post_init__(self) -> None:
        if self.token_reserve <= 0 or self.usdc_reserve <= 0:
            raise ValueError(
                f"pool reserves must be positive, got token={self.token_reserve} "
                f"usdc={self.usdc_reserve}"
            )
        if not 0 <= self.decimals <= 18:
            raise ValueError(f"token decimals must be in 0..18, got {self.decimals}")

    @classmethod
    def from_price(cls, price_usd: float, liquidity_usd: float, decimals: int) -> Pool:
        """Builds a pool holding `liquidity_usd` in total (half per side) at `price_usd`.

        Args:
            price_usd: Spot price, USD per whole token.
            liquidity_usd: Total value locked, both sides, USD.
            decimals: The token's decimals.

        Returns:
            A pool whose spot price and liquidity match the request up to integer rounding.

        Raises:
            ValueError: If the price or liquidity is not a positive finite number.
        """
        _check_positive("price_usd", price_usd)
        _check_positive("liquidity_usd", liquidity_usd)
        usdc = max(1, round(liquidity_usd / 2 * MICRO))
        tokens = max(1, round(usdc * 10**decimals / (price_usd * MICRO)))
        return cls(token_reserve=tokens, usdc_reserve=usdc, decimals=decimals)

    @property
    def k(self) -> int:
        """The invariant: token reserve × USDC reserve."""
        return self.token_reserve * self.usdc_reserve

    def price_usd(self) -> float:
        """Returns the spot price, USD per whole token."""
        scale: int = 10**self.decimals
        # int / int is correctly rounded in Python, whatever the size of the operands.
        return self.usdc_reserve * scale / (self.token_reserve * MICRO)

    def liquidity_usd(self) -> float:
        """Returns the total value locked, both sides, USD (twice the USDC side)."""
        return 2 * micro_to_usd(self.usdc_reserve)

    def quote_buy(self, usdc_in: int) -> tuple[int, float]:
        """Prices a buy of the token with an exact micro-USDC input, without applying it.

        Args:
            usdc_in: Micro-USDC paid into the pool.

        Returns:
            Token base units out (floor) and the price impact in bps versus the spot price.
            The impact is the curve's, `usdc_in / (usdc_reserve + usdc_in)`, so it does not
            depend on rounding dust.

        Raises:
            ValueError: If `usdc_in` is negative.
        """
        if usdc_in <= 0:
            return _zero_or_raise(usdc_in)
        reserve = self.usdc_reserve + usdc_in
        return self.token_reserve * usdc_in // reserve, 10_000 * usdc_in / reserve

    def quote_sell(self, token_in: int) -> tuple[int, float]:
        """Prices a sell of `token_in` base units for USDC, without applying it.

        Args:
            token_in: Token base units paid into the pool.

        Returns:
            Micro-USDC out (floor) and the price impact in bps versus the spot price.

        Raises:
            ValueError: If `token_in` is negative.
        """
        if token_in <= 0:
            return _zero_or_raise(token_in)
        reserve = self.token_reserve + token_in
        return self.usdc_reserve * token_in // reserve, 10_000 * token_in / reserve

    def apply_buy(self, usdc_in: int) -> int:
        """Executes a buy against the pool (moves the reserves) and returns token base units out."""
        out, _ = self.quote_buy(usdc_in)
        self.usdc_reserve += usdc_in
        self.token_reserve -= out
        return out

    def apply_sell(self, token_in: int) -> int:
        """Executes a sell against the pool (moves the reserves) and returns micro-USDC out."""
        out, _ = self.quote_sell(token_in)
        self.token_reserve += token_in
        self.usdc_reserve -= out
        return out

    def set_price(self, price_usd: float) -> None:
        """Moves the reserves along the curve (k kept) until the spot price is `price_usd`.

        This is what an arbitrageur does when the pool drifts from the fair price.

        Args:
            price_usd: The new spot price, USD per whole token.

        Raises:
            ValueError: If the price is not a positive finite number.
        """
        if not 0.0 < price_usd < math.inf:
            raise ValueError(f"price_usd must be positive and finite, got {price_usd}")
        unit_price = price_usd * MICRO / 10**self.decimals  # micro-USDC per base unit
        tokens = max(1, round(math.sqrt(self.token_reserve * self.usdc_reserve / unit_price)))
        # Deriving the USDC side from the rounded token side keeps the price error at one
        # micro-USDC over the whole reserve, rather than compounding two roundings.
        self.token_reserve = tokens
        self.usdc_reserve = max(1, round(unit_price * tokens))

    def scale_liquidity(self, factor: float) -> None:
        """Adds (factor > 1) or removes (factor < 1) liquidity at the same spot price.

        Args:
            factor: Multiplier of both reserves; a rug pull is about 0.02.

        Raises:
            ValueError: If the factor is not a positive finite number.
        """
        _check_positive("factor", factor)
        self.token_reserve = max(1, round(self.token_reserve * factor))
        self.usdc_reserve = max(1, round(self.usdc_reserve * factor))


def _check_positive(name: str, value: float) -> None:
    if not 0.0 < value < math.inf:
        raise ValueError(f"{name} must be positive and finite, got {value}")


def _zero_or_raise(amount: int) -> tuple[int, float]:
    if amount < 0:
        raise ValueError(f"swap input must not be negative, got {amount}")
    return 0, 0.0
