"""Provides the `slippage` report read from a ledger, as JSON or a rich table, and the `live`
object `status --json` carries."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from soltrader_tui import format as fmt
from soltrader_tui.domain import micro_to_usd
from soltrader_tui.ledger.connect import check_integrity, open_reader, read_transaction
from soltrader_tui.ledger.errors import LedgerDamaged
from soltrader_tui.ledger.swap_reads import count_swaps, read_swaps
from soltrader_tui.monitor.slippage import (
    STATUSES,
    SlippageReport,
    SlippageTotals,
    SwapLine,
    build_report,
)


def read_slippage(path: Path, last: int | None = None) -> SlippageReport:
    """Reads the report of the newest `last` swaps (all of them for None) from a ledger.

    Raises:
        LedgerError: the file is missing, not a ledger, damaged, or newer.
    """
    conn = open_reader(path)
    try:
        check_integrity(conn, path)
        with read_transaction(conn):
            return build_report(read_swaps(conn, last))
    except sqlite3.DatabaseError as exc:
        raise LedgerDamaged(f"{path} is damaged: {exc}") from exc
    finally:
        conn.close()


def live_summary(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The `live` object of `status --json`: every swap's totals; None with no swaps."""
    if not count_swaps(conn):
        return None  # a paper ledger: one cheap count, no join
    return _totals_json(build_report(read_swaps(conn)).totals)


def live_line(live: dict[str, Any]) -> str:
    """The rich `status` line of the `live` object: "Live vs paper"'s value."""
    s = live["swaps"]
    fees_live, fees_paper = live["fees_live_usd"], live["fees_paper_usd"]
    return (
        f"{s['landed']} landed, {s['failed']} failed, {s['expired']} expired, "
        f"{live['awaiting']} awaiting; slippage {_fine_usd(live['slippage_usd'], signed=True)}, "
        f"fees {_fine_usd(fees_live)} live / {_fine_usd(fees_paper)} paper, "
        f"median {fmt.millis(live['latency_ms_median'])} ms to land"
    )


def live_figure(live: dict[str, Any] | None) -> str:
    """The dashboard's "Live vs paper" figure: slippage and fees, live against paper, and
    swaps awaiting their outcome ("" with no swap)."""
    if live is None:
        return ""
    text = (
        f"{_fine_usd(live['slippage_usd'], signed=True)} · fees "
        f"{_fine_usd(live['fees_live_usd'])}/{_fine_usd(live['fees_paper_usd'])}"
    )
    return text + (f" · {live['awaiting']} awaiting" if live["awaiting"] else "")


def _r(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(x, digits)


def _line_json(line: SwapLine) -> dict[str, Any]:
    s, c, fill, twin = line.swap, line.comparison, line.swap.fill, line.swap.twin
    return {
        "client_order_id": s.client_order_id,
        "ts": s.ts,
        "side": s.side,
        "symbol": s.symbol,
        "mint": s.mint,
        "status": s.status,
        "outcome": s.outcome,
        "signature": s.signature,
        "live": None
        if fill is None
        else {
            "qty": fill.qty,
            "price": fill.price_usd,
            "quote_amount": fill.quote_amount,
            "fee": fill.fee,
        },
        "paper": None
        if twin is None
        else {
            "qty": twin.qty,
            "price": twin.price_usd,
            "quote_amount": twin.quote_amount,
            "fee": twin.fee,
        },
        "twin_note": s.twin_note,
        "price_diff_bps": None if c is None else round(c.price_bps, 4),
        "received_diff": None if c is None else c.received_diff,
        "received_unit": "base_units" if s.side == "buy" else "micro_usdc",
        "slippage_usd": None if c is None else _r(c.slippage_micro / 1_000_000),
        "fee_diff_usd": None if c is None else _r(micro_to_usd(c.fee_diff_micro)),
        "signed_ms": _r(line.signed_ms, 1),
        "landed_ms": _r(line.landed_ms, 1),
    }


def _totals_json(t: SlippageTotals) -> dict[str, Any]:
    return {
        "swaps": dict(t.by_status),
        "awaiting": t.awaiting,
        "compared": t.compared,
        "without_twin": t.without_twin,
        "slippage_usd": _r(t.slippage_usd),
        "fees_live_usd": _r(t.fees_live_usd),
        "fees_paper_usd": _r(t.fees_paper_usd),
        "failed_fees_usd": _r(t.failed_fees_usd),
        "latency_ms_median": _r(t.latency_ms_median, 1),
        "latency_ms_p95": _r(t.latency_ms_p95, 1),
        "signed_ms_median": _r(t.signed_ms_median, 1),
    }


def slippage_json(report: SlippageReport, ledger: Path) -> dict[str, Any]:
    """The `slippage --json` object: `ledger`, `swaps` (oldest first) and `totals`."""
    return {
        "ledger": str(ledger),
        "swaps": [_line_json(line) for line in report.lines],
        "totals": _totals_json(report.totals),
    }


def _bps(x: float | None) -> str:
    return fmt.MISSING if x is None else f"{x:+,.1f}"


def _fine_usd(x: float | None, *, signed: bool = False) -> str:
    """Dollars to the hundredth of a cent: a swap's slippage and fees are often below a cent."""
    if x is None:
        return fmt.MISSING
    text = f"${abs(x):,.4f}"
    if float(text[1:].replace(",", "")) == 0:
        return text
    return ("-" if x < 0 else "+" if signed else "") + text


def _fills_table(report: SlippageReport) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(
        title="Live fills against their paper twins (negative: worse for us)",
        box=box.SIMPLE_HEAD,
    )
    for col in ("Time", "Side", "Symbol", "Status", "Live price", "Paper price"):
        table.add_column(col, no_wrap=True)
    for col in ("Diff bps", "Slippage", "Live fee", "Paper fee", "Landed ms"):
        table.add_column(col, justify="right", no_wrap=True)
    for line in report.lines:
        s, c = line.swap, line.comparison
        table.add_row(
            fmt.ts(s.ts),
            s.side,
            s.symbol,
            "awaiting" if s.status == "sent" else s.status,
            fmt.price(None if s.fill is None else s.fill.price_usd),
            fmt.price(None if s.twin is None else s.twin.price_usd),
            _bps(None if c is None else c.price_bps),
            _fine_usd(None if c is None else c.slippage_micro / 1_000_000, signed=True),
            _fine_usd(None if s.fill is None else micro_to_usd(s.fill.fee)),
            _fine_usd(None if s.twin is None else micro_to_usd(s.twin.fee)),
            fmt.millis(line.landed_ms),
        )
    return table


def _untwinned(report: SlippageReport) -> list[str]:
    """A line for each swap without a paper twin, with why the paper executor had none."""
    return [
        f"No paper twin, not compared: {fmt.ts(x.swap.ts)} {x.swap.side} {x.swap.symbol}: "
        f"{x.swap.twin_note or 'no reason recorded'}"
        for x in report.lines
        if x.swap.twin is None
    ]


def _totals_table(t: SlippageTotals) -> Any:
    from rich.table import Table

    table = Table(title="Totals", show_header=False)
    counts = ", ".join(f"{t.by_status[s]} {'awaiting' if s == 'sent' else s}" for s in STATUSES)
    rows = [
        ("Swaps", counts),
        ("Compared", f"{t.compared} landed with a paper twin ({t.without_twin} without)"),
        ("Slippage (live − paper)", _fine_usd(t.slippage_usd, signed=True)),
        ("Fees live / paper", f"{_fine_usd(t.fees_live_usd)} / {_fine_usd(t.fees_paper_usd)}"),
        ("Fees of failed swaps", _fine_usd(t.failed_fees_usd)),
        (
            "Decision to landing",
            f"median {fmt.millis(t.latency_ms_median)} ms, p95 {fmt.millis(t.latency_ms_p95)} ms",
        ),
        ("Decision to signature", f"median {fmt.millis(t.signed_ms_median)} ms"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    return table


def render_slippage(report: SlippageReport) -> Any:
    """A rich renderable of the report: a row per swap, then the totals."""
    from rich.console import Group

    return Group(_fills_table(report), *_untwinned(report), _totals_table(report.totals))
