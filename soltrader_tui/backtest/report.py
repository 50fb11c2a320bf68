"""Provides a backtest's outputs: the text report, the equity chart (terminal and SVG), the JSON.

All are built from the `BacktestRecord` and its `Figures` after the ledger committed them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from soltrader_tui import format as fmt
from soltrader_tui.backtest.metrics import Figures
from soltrader_tui.backtest.record import BacktestRecord, Trip

EXIT_REASONS = ("signal", "stop_loss", "take_profit", "trailing_stop", "max_hold", "end_of_data")
"""The exit reasons `--json` names; a risk halt's forced sale is `halt_flatten`."""
_BLOCKS = " ▁▂▃▄▅▆▇█"


def iso(ts: float | None) -> str | None:
    """UTC ISO-8601 with a Z, to the second; None stays None."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def exit_reason(order_reason: str) -> str:
    """The `--json` exit reason of a sell's order reason (`ema_cross_exit` is `signal`)."""
    return "signal" if order_reason.endswith("_exit") else order_reason


def report_lines(record: BacktestRecord, figures: Figures, *, title: str) -> list[str]:
    """The text report: what ran, then the figures, two columns."""
    f = figures
    rows = [
        ("Round trips", fmt.count(f.round_trips)),
        ("Win rate", fmt.pct(f.win_rate)),
        (
            "Total P&L",
            f"{fmt.signed_usd(f.total_pnl_usd)} ({fmt.pct(f.return_pct / 100, signed=True)})",
        ),
        ("P&L per trip", fmt.signed_usd(f.avg_pnl_usd)),
        ("Best / worst trip", f"{fmt.signed_usd(f.best_usd)} / {fmt.signed_usd(f.worst_usd)}"),
        ("Max drawdown", fmt.pct(f.max_drawdown_pct / 100)),
        ("Sharpe (annualised)", _ratio(f.sharpe)),
        ("Sortino (annualised)", _ratio(f.sortino)),
        ("Profit factor", _ratio(f.profit_factor)),
        ("Expectancy", fmt.signed_usd(f.expectancy_usd)),
        ("Exposure", fmt.pct(f.exposure_pct / 100)),
        ("Fees paid", fmt.usd(f.fees_usd)),
        ("Equity", f"{fmt.usd(f.starting_equity_usd)} → {fmt.usd(f.final_equity_usd)}"),
    ]
    denials = ", ".join(f"{rule} {n}" for rule, n in sorted(record.denials.items()))
    if denials:
        rows.append(("Entries denied", denials))
    width = max(len(label) for label, _ in rows)
    return [title, *(f"  {label:<{width}}  {value}" for label, value in rows)]


def _signed_pct(percent: float) -> str:
    return fmt.pct(percent / 100, signed=True)


def _ratio(x: float | None) -> str:
    return fmt.MISSING if x is None else f"{x:.2f}"


def sparkline(values: Sequence[float], width: int) -> str:
    """The equity curve as one line of block characters, `width` wide (each the column's last)."""
    if not values:
        return ""
    n = len(values)
    columns = [values[min(n - 1, (i + 1) * n // width - 1)] for i in range(min(width, n))]
    low, high = min(columns), max(columns)
    span = high - low
    if span <= 0:
        return _BLOCKS[4] * len(columns)
    return "".join(_BLOCKS[1 + int((v - low) / span * 7.999)] for v in columns)


def equity_svg(points: Sequence[tuple[float, float]], *, title: str) -> str:
    """The equity curve as a standalone SVG document (time across, USD up)."""
    w, h, pad = 960, 360, 48
    if not points:
        points = [(0.0, 0.0)]
    t0, t1 = points[0][0], points[-1][0]
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    dt = (t1 - t0) or 1.0
    dv = (hi - lo) or 1.0
    step = max(1, len(points) // 2000)  # a path of ~2,000 points draws the same curve
    coords = " ".join(
        f"{pad + (t - t0) / dt * (w - 2 * pad):.1f},{h - pad - (v - lo) / dv * (h - 2 * pad):.1f}"
        for t, v in [*points[::step], points[-1]]
    )
    labels = (
        f'<text x="{pad}" y="{pad - 16}" font-size="16">{_xml(title)}</text>'
        f'<text x="4" y="{pad + 4}" font-size="12">{fmt.usd(hi)}</text>'
        f'<text x="4" y="{h - pad}" font-size="12">{fmt.usd(lo)}</text>'
        f'<text x="{pad}" y="{h - 12}" font-size="12">{iso(t0)}</text>'
        f'<text x="{w - pad}" y="{h - 12}" font-size="12" text-anchor="end">{iso(t1)}</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="sans-serif">'
        f'<rect width="{w}" height="{h}" fill="white"/>{labels}'
        f'<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="{coords}"/></svg>\n'
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trip_json(trip: Trip) -> dict[str, Any]:
    """One round trip as `--json` writes it."""
    return {
        "symbol": trip.symbol,
        "entry_ts": iso(trip.entry_ts),
        "exit_ts": iso(trip.exit_ts),
        "entry_price": trip.entry_price,
        "exit_price": trip.exit_price,
        "qty": trip.qty,
        "pnl_usd": trip.pnl_usd,
        "fees_usd": round(trip.fees_usd, 6),
        "exit_reason": None if trip.exit_reason is None else exit_reason(trip.exit_reason),
    }


def write_json(path: Path, record: BacktestRecord, figures: Figures, meta: dict[str, Any]) -> None:
    """Writes the figures and every round trip to `path` (replaced atomically)."""
    document = {
        **meta,
        "figures": {name: getattr(figures, name) for name in Figures.__dataclass_fields__},
        "round_trips": [trip_json(t) for t in record.closed_trips],
    }
    _write_atomically(path, json.dumps(document, indent=2) + "\n")


def write_svg(path: Path, record: BacktestRecord, *, title: str) -> None:
    """Writes the equity curve to `path` as SVG (replaced atomically)."""
    points = [(t, e / 1e6) for t, e in zip(record.equity_ts, record.equity_micro, strict=True)]
    _write_atomically(path, equity_svg(points, title=title))


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
