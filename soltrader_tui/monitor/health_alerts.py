"""Provides alert_delivery: the `alerts` line of `health`, from each target's last delivery.

A target whose newest delivery failed (or was dropped from a full queue) makes the bot
degraded: its owner is not hearing about it, which is the one thing alerts are for. A target
that delivered, or no alert yet, is fine.
"""

from __future__ import annotations

from collections.abc import Sequence

from soltrader_tui import format as fmt
from soltrader_tui.ledger.alert_rows import DeliveryRow


def alert_delivery(deliveries: Sequence[DeliveryRow], now_wall: float) -> tuple[bool, str]:
    """Returns (degraded, detail) for the targets' last deliveries, newest outcome each.

    Args:
        deliveries: Each target's newest delivery (`ledger.alert_rows.last_delivery_per_target`).
        now_wall: Wall time of the check.
    """
    if not deliveries:
        return False, "no alert delivered yet"
    failed = [d for d in deliveries if d.status != "sent"]
    shown = failed or list(deliveries)
    parts = []
    for d in shown:
        ago = fmt.elapsed(max(0.0, now_wall - d.ts))
        if d.status == "sent":
            parts.append(f"{d.target}: sent {ago} ago")
        else:
            error = " ".join(d.error.split())[:120]
            parts.append(f"{d.target}: {d.status} {ago} ago after {d.attempts} attempts: {error}")
    if failed and len(failed) < len(deliveries):
        parts.append(f"{len(deliveries) - len(failed)} other targets delivered")
    return bool(failed), "; ".join(parts)
