"""Provides make_big_ledger: a ledger of N fills, shaped like one a long session leaves behind.

Buy/sell round trips on the simulated tokens, one fill every 10 market seconds, each with its
order, its log lines (a signal, the fill, and the round trip for sells) and its realized P&L;
an equity point every market minute; and the saved replay the engine writes with its
bookkeeping. Built with executemany straight into the tables, in one transaction, so a
100,000-fill ledger takes seconds to make.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.domain import Fill
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import iso
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.portfolio.equity_curve import EquityCurve
from soltrader_tui.portfolio.portfolio import Portfolio
from soltrader_tui.portfolio.resume import resume_point

START_CASH = 500_000_000
FILL_EVERY_S = 10.0
EQUITY_EVERY_S = 60.0


def make_big_ledger(path: Path, fills: int, *, start_ts: float | None = None) -> None:
    """Writes `fills` fills (alternating buys and sells of the same size) into a new ledger."""
    t0 = time.time() - fills * FILL_EVERY_S if start_ts is None else start_ts
    Ledger.open(path, starting_cash_micro=START_CASH, mode="paper", version=__version__).close()
    tokens = [t for t in SimMarket(7, t0).tokens() if t.symbol != "MEME"]
    portfolio, curve = Portfolio(START_CASH), EquityCurve()
    orders, fill_rows, events, equity = [], [], [], []
    next_equity = t0
    for n in range(fills):
        token = tokens[(n // 2) % len(tokens)]
        side = "buy" if n % 2 == 0 else "sell"
        ts = t0 + n * FILL_EVERY_S
        # Sells get back the buy and both fees, give or take: trips win and lose, cash stays
        # near its start (a ledger in a deep drawdown would start HALTED).
        quote = 50_000_000 + (252_000 + (n % 7 - 3) * 100_000 if side == "sell" else 0)
        fill = Fill(
            f"big-{n:07d}",
            ts,
            token,
            side,
            10**token.decimals,
            quote / 1e6,
            quote,
            126_000,
            "momentum",
            "paper",
        )
        effect = portfolio.apply(fill)
        orders.append(
            (
                fill.order_id,
                iso(ts),
                token.mint,
                token.symbol,
                side,
                quote if side == "buy" else fill.qty,
                "momentum",
                "bench",
                "filled",
                "",
                "paper",
            )
        )
        fill_rows.append(
            (
                iso(ts),
                fill.order_id,
                token.mint,
                token.symbol,
                token.decimals,
                side,
                fill.qty,
                fill.price_usd,
                quote,
                fill.fee,
                "momentum",
                "paper",
                ts,
                "bench",
                effect.realized_micro,
            )
        )
        events.append((iso(ts), "info", "signal", f"SIGNAL {side.upper()} {token.symbol}"))
        events.append((iso(ts), "info", "fill", f"FILL {side.upper()} {token.symbol} [bench]"))
        if effect.closed is not None:
            events.append((iso(ts), "info", "round_trip", f"ROUND TRIP {token.symbol} closed"))
        if ts >= next_equity:
            cash = portfolio.cash_micro
            value = sum(p.cost_micro for p in portfolio.positions.values())
            equity.append((ts, iso(ts), cash + value, cash))
            curve.update(cash + value)
            next_equity = ts + EQUITY_EVERY_S
    saved = resume_point(portfolio, curve, fills, equity[-1][0] if equity else None)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO orders (client_order_id, ts, mint, symbol, side, in_amount, strategy, reason,"
        " status, detail, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        orders,
    )
    conn.executemany(
        "INSERT INTO fills (ts, order_id, mint, symbol, decimals, side, qty, price, quote_amount,"
        " fee, strategy, mode, ts_epoch, reason, realized_micro)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        fill_rows,
    )
    conn.executemany("INSERT INTO events (ts, level, kind, message) VALUES (?, ?, ?, ?)", events)
    conn.executemany("INSERT INTO equity VALUES (?, ?, ?, ?)", equity)
    conn.execute(
        "INSERT INTO resume_point VALUES (1, ?, ?, ?, ?, ?)",
        (saved.last_fill_id, saved.last_equity_ts, saved.portfolio, saved.curve, iso(time.time())),
    )
    conn.execute("COMMIT")
    conn.close()
