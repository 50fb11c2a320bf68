"""Provides the one formatter, so a figure reads the same on the dashboard, in `status`, in a
checkpoint's report and in a risk message.

Every function takes `None` for a figure that is not known yet and returns "—" for it,
so no caller invents a number or formats a missing one its own way. Pure: no Textual, no I/O,
so the lowest layer can use it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from soltrader_tui.domain import micro_to_usd

MISSING = "—"
"""What an unknown figure shows as."""

_BAR_EIGHTHS = " ▏▎▍▌▋▊▉"


def _decimals_for(value: float, significant: int) -> int:
    """Decimals that show `significant` significant digits of `value` in fixed notation."""
    if value == 0 or not math.isfinite(value):
        return 0
    magnitude = math.floor(math.log10(abs(value)))
    return max(0, significant - 1 - magnitude)


def _money(value: float, decimals: int, sign: str) -> str:
    text = f"{abs(value):,.{decimals}f}"
    # A value that rounds to zero carries no sign: "-$0.00" would claim a loss that isn't there.
    if float(text.replace(",", "")) == 0:
        return f"${text}"
    if value < 0:
        return f"-${text}"
    return f"{sign}${text}"


def usd(x: float | None, *, cents: bool = True) -> str:
    """Formats a USD amount with cents and thousands separators.

    Args:
        x: Dollars, or None when unknown.
        cents: False rounds to whole dollars (a pool's liquidity, where cents are noise).

    Returns:
        "$1,234.56" ("$1,235" without cents), "-$12.30" for a negative amount, "—" for None.
    """
    if x is None:
        return MISSING
    return _money(x, 2 if cents else 0, "")


def signed_usd(x: float | None) -> str:
    """Formats a USD change (a P&L) with an explicit sign.

    Args:
        x: Dollars, or None when unknown.

    Returns:
        "+$12.30", "-$12.30", "$0.00" for zero, "—" for None.
    """
    if x is None:
        return MISSING
    return _money(x, 2, "+")


def usd_micro(micro: int | None) -> str:
    """Formats a micro-USDC amount (the ledger's unit for cash) as USD, like `usd`.

    Args:
        micro: Micro-USDC, or None when unknown.

    Returns:
        "$1,234.56", "-$12.30" for a negative amount, "—" for None.
    """
    return usd(None if micro is None else micro_to_usd(micro))


def signed_usd_micro(micro: int | None) -> str:
    """Formats a micro-USDC change (a P&L) with an explicit sign, like `signed_usd`.

    Args:
        micro: Micro-USDC, or None when unknown.

    Returns:
        "+$12.30", "-$12.30", "$0.00" for zero, "—" for None.
    """
    return signed_usd(None if micro is None else micro_to_usd(micro))


def pct(x: float | None, *, signed: bool = False, digits: int = 1) -> str:
    """Formats a fraction as a percentage.

    Args:
        x: A fraction (0.123 is 12.3%), or None when unknown.
        signed: Show "+" on positive values (for returns and P&L).
        digits: Decimals after the point.

    Returns:
        "12.3%", "+12.3%" when signed, "-4.0%", "—" for None.
    """
    if x is None:
        return MISSING
    value = x * 100
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return f"{text}%"
    if value < 0:
        return f"-{text}%"
    return f"{'+' if signed else ''}{text}%"


def qty(x: float | None) -> str:
    """Formats a token quantity in whole tokens.

    Large memecoin holdings show whole units; small ones keep enough digits to be told apart.

    Args:
        x: Whole tokens, or None when unknown.

    Returns:
        "3,456,789" for large amounts, "12.35" from 1 up, "0.001235" below 1, "—" for None.
    """
    if x is None:
        return MISSING
    if abs(x) >= 1000:
        decimals = 0
    elif abs(x) >= 1:
        decimals = 2
    else:
        decimals = _decimals_for(x, 4)
    return f"{x:,.{decimals}f}"


def quantity(base_units: int | None, decimals: int) -> str:
    """Formats a token quantity held in base units (the ledger's unit) as whole tokens, like `qty`.

    Args:
        base_units: The quantity in the token's base units, or None when unknown.
        decimals: The token's decimals (base units per whole token are 10**decimals).

    Returns:
        "3,456,789", "12.35", "0.001235", "—" for None.
    """
    if base_units is None:
        return MISSING
    return qty(base_units / 10**decimals)


def price(x: float | None) -> str:
    """Formats a price in USD per whole token, keeping four significant digits.

    Args:
        x: USD per token, or None when the market has no price.

    Returns:
        "$152.35", "$1.235", "$0.00001234" for a memecoin, "—" for None.
    """
    if x is None:
        return MISSING
    return _money(x, max(2, _decimals_for(x, 4)), "")


def score(x: float | None) -> str:
    """Formats a strategy score in [0, 1].

    Args:
        x: The score, or None while the strategy warms up.

    Returns:
        "0.82", "—" for None.
    """
    if x is None:
        return MISSING
    return f"{x:.2f}"


def score_bar(x: float | None, width: int = 10) -> str:
    """Draws a score in [0, 1] as a bar of block characters, in eighths of a cell.

    Args:
        x: The score (clamped to [0, 1]), or None while the strategy warms up.
        width: Cells the full bar takes.

    Returns:
        A string of exactly `width` cells, or "—" for None.
    """
    if x is None:
        return MISSING
    eighths = round(min(max(x, 0.0), 1.0) * width * 8)
    full, rest = divmod(eighths, 8)
    bar = "█" * full + (_BAR_EIGHTHS[rest] if rest else "")
    return bar.ljust(width)


def duration(seconds: float | None) -> str:
    """Formats a span of time with its two largest units.

    Args:
        seconds: The span, or None when unknown. Negative spans count as zero.

    Returns:
        "45s", "12m 05s", "3h 04m", "2d 05h", "—" for None.
    """
    if seconds is None:
        return MISSING
    total = max(0, int(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def spoken_span(seconds: float) -> str:
    """Formats a span for a sentence, in its two largest units: "2 h 13 min", "4 min 10 s"."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def elapsed(seconds: float | None) -> str:
    """Formats a span in one unit, for a sentence ("last heartbeat 4.2 s ago").

    Args:
        seconds: The span, or None when unknown.

    Returns:
        "4.2 s" below two minutes, "15 min" below two hours, "3.5 h" beyond, "—" for None.
    """
    if seconds is None:
        return MISSING
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def age(since: float | None, now: float | None) -> str:
    """Formats how long ago `since` was, as seen at `now` (both unix seconds).

    Args:
        since: When the thing happened, or None.
        now: The time to measure from (market time), or None before the first tick.

    Returns:
        A `duration`, or "—" when either time is unknown.
    """
    if since is None or now is None:
        return MISSING
    return duration(now - since)


def ts(x: float | None) -> str:
    """Formats a unix timestamp as UTC wall time.

    Args:
        x: Unix seconds, or None when unknown.

    Returns:
        "HH:MM:SS" in UTC, "—" for None.
    """
    if x is None:
        return MISSING
    return datetime.fromtimestamp(x, UTC).strftime("%H:%M:%S")


def count(n: int | None) -> str:
    """Formats a count with thousands separators.

    Args:
        n: The count, or None when unknown.

    Returns:
        "1,234", "—" for None.
    """
    if n is None:
        return MISSING
    return f"{n:,}"


def millis(x: float | None) -> str:
    """Formats a latency as whole milliseconds (the unit belongs in the column header).

    Args:
        x: Milliseconds, or None when no call has been timed.

    Returns:
        "1,234", "—" for None.
    """
    if x is None:
        return MISSING
    return f"{x:,.0f}"
