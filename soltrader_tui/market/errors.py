"""Provides ResponseInvalid and the strict-model helpers the provider parsers share.

Parsers raise ResponseInvalid for a whole body that cannot be used (not JSON, wrong top-level
type, a required field missing or malformed) and return it, without raising, for one bad token
inside a batch answer, so the good tokens of that answer are still used.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from soltrader_tui.errors import TemporaryError

_DIGITS = re.compile(r"[0-9]{1,40}")


class StrictModel(BaseModel):
    """A response model: fields we use are typed strictly; fields we do not use are ignored."""

    # strict: a number sent where the API documents a string (or the reverse) is a changed
    # API, not something to coerce silently. allow_inf_nan=False: JSON has no NaN, but Python's
    # json module accepts one, and a NaN price must never pass as a price.
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, allow_inf_nan=False)


def _base_units(value: object) -> object:
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise ValueError("must be a string of decimal digits (an amount in base units)")
    return int(value)


def _decimal_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be a number written as a string")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a number written as a string, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    return number


BaseUnits = Annotated[int, BeforeValidator(_base_units)]
"""An integer amount the API sends as a string of digits, e.g. `"17057460"`."""
DecimalText = Annotated[float, BeforeValidator(_decimal_text)]
"""A finite number the API sends as a string, e.g. `"0.0001"` or `"147.48"`."""


class ResponseInvalid(TemporaryError):
    """A provider answered with a body that is malformed or partial.

    The feed logs it with its reason and counts it as an error of that provider; the value it
    was about is never passed on (no zero, no stale price presented as fresh).
    """

    def __init__(self, provider: str, field: str, reason: str) -> None:
        """Builds the error.

        Args:
            provider: The API that answered: `jupiter` or `dexscreener`.
            field: Dotted path of the offending field in the body (`body` for the whole body),
                e.g. `routePlan.0.swapInfo.inAmount` or `<mint>.usdPrice`.
            reason: What is wrong, in words.
        """
        super().__init__(f"{provider}: {field}: {reason}")
        self.provider = provider
        self.field = field
        self.reason = reason

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResponseInvalid):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str, str, str]:
        return (self.provider, self.field, self.reason)

    def __repr__(self) -> str:
        return f"ResponseInvalid({self.provider!r}, {self.field!r}, {self.reason!r})"


def decode_json(provider: str, raw: bytes | str) -> object:
    """Decodes a raw response body as JSON.

    Args:
        provider: The API that sent it, for the error.
        raw: The body as received.

    Returns:
        The decoded JSON value.

    Raises:
        ResponseInvalid: If the body is not valid UTF-8 JSON (field `body`).
    """
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResponseInvalid(provider, "body", f"not valid JSON ({exc})") from None


def from_validation(provider: str, exc: ValidationError, prefix: str = "") -> ResponseInvalid:
    """Turns pydantic's first complaint into a ResponseInvalid naming the field.

    Args:
        provider: The API that sent the body.
        exc: The validation failure.
        prefix: Path of the validated value inside the body, e.g. a mint or a list index.

    Returns:
        The error, naming the first offending field (others, if any, are counted in the reason).
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    path = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    reason = first["msg"]
    if first["type"] == "missing":
        reason = "required field is missing"
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more problem(s))"
    return ResponseInvalid(provider, path or "body", reason)


def json_kind(value: object) -> str:
    """Names a decoded JSON value's type the way the JSON spec does, for error reasons."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
