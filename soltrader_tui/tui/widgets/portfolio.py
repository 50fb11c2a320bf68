"""Provides PortfolioPanel: equity, cash, P&L, win rate and drawdown, as the ledger has them."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Label

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot, WalletView
from soltrader_tui.tui.widgets.equity_chart import EquityChart, show_equity
from soltrader_tui.tui.widgets.panel import SnapshotPanel, same_text
from soltrader_tui.tui.widgets.table import pnl_style

FIGURES: tuple[tuple[str, str], ...] = (
    ("equity", "Equity"),
    ("cash", "Cash"),
    ("starting-cash", "Starting cash"),
    ("realized", "Realized P&L"),
    ("unrealized", "Unrealized P&L"),
    ("return", "Total return"),
    ("win-rate", "Win rate"),
    ("round-trips", "Round trips"),
    ("fills", "Fills"),
    ("drawdown", "Max drawdown"),
    ("today", "Today P&L"),
    ("denials", "Risk denials"),
)
"""(id, label) of each figure, top to bottom."""
LIVE_FIGURE = ("live", "Live vs paper")
"""Shown below the others in a session that has sent live swaps."""
LABEL_WIDTH = 15
"""Columns of a label: the longest ("Unrealized P&L") and a space."""


def pct_of(percent: float | None) -> float | None:
    """Turns percent points into the fraction `fmt.pct` takes."""
    return None if percent is None else percent / 100


def against_limit(day_pnl: float | None, limit: float | None) -> Text:
    """Today's P&L against the daily loss limit; red once half the limit is spent."""
    if limit is None:
        return Text(fmt.signed_usd(day_pnl))
    text = f"{fmt.signed_usd(day_pnl)} of -{fmt.usd(limit)}"
    if day_pnl is None:
        return Text(text)
    return Text(text, style="bold red" if day_pnl <= -limit / 2 else pnl_style(day_pnl))


RULE_SHORT: dict[str, str] = {
    "trading_state": "state",
    "already_holding": "holding",
    "max_entries_per_hour": "entries/h",
    "loss_cooldown": "cooldown",
    "min_pool_age": "pool age",
    "min_liquidity": "liquidity",
    "max_price_impact": "impact",
    "max_open_positions": "positions",
    "max_position_usd": "size $",
    "max_position_pct": "size %",
    "max_token_exposure": "token exp",
    "max_total_exposure": "total exp",
    "insufficient_cash": "cash",
    "min_order": "min order",
    "mint_authority": "mint auth",
    "freeze_authority": "freeze",
    "holder_concentration": "holders",
    "token_extension": "extension",
    "sell_route": "no route",
    "safety_unknown": "unchecked",
}
"""The denying rule as the panel names it: the rule names (`status --json`, the log) are up
to 20 characters, the figure's column 21 at 120 columns: "1,234 (entries/h 999)" fits. The
help lists each one."""


def denials(snapshot: EngineSnapshot, *, compact: bool = False) -> Text:
    """How many entries the risk rules refused, and the rule that refused most with its count
    ("12 (holders 9)"); `compact` leaves out the rule's count, for a narrow column."""
    if not snapshot.risk_rejections:
        return Text("0")
    total = sum(n for _, n in snapshot.risk_rejections)
    rule, n = snapshot.risk_rejections[0]
    short = RULE_SHORT.get(rule, rule)
    most = short if compact else f"{short} {fmt.count(n)}"
    return Text(f"{fmt.count(total)} ({most})", style="yellow")


def realized(snapshot: EngineSnapshot, *, compact: bool = False) -> Text:
    """Realized P&L, and beside it the fees paid today ("+$12.34 · fees today $0.56");
    `compact` says "fees" only, for a narrow column."""
    text = Text(fmt.signed_usd(snapshot.realized_pnl_usd), pnl_style(snapshot.realized_pnl_usd))
    if snapshot.fees_today_usd is None:
        return text
    text.append(f" · fees {'' if compact else 'today '}{fmt.usd(snapshot.fees_today_usd)}", "dim")
    return text


def wallet_line(wallet: WalletView | None) -> str:
    """The wallet's balances for the panel's lower border ("" with no wallet watched)."""
    if wallet is None:
        return ""
    if wallet.read_at is None:
        return "wallet: unreadable" if wallet.error else "wallet: reading…"
    usdc = "—" if wallet.usdc is None else fmt.qty(wallet.usdc)
    sol = "—" if wallet.sol is None else f"{wallet.sol:.3f}"
    stale = " (last read failed)" if wallet.error else ""
    return f"wallet {sol} SOL · {usdc} USDC{stale}"


def figures(snapshot: EngineSnapshot) -> dict[str, Text]:
    """Formats every figure of the panel from `snapshot`, P&L coloured by sign."""
    s = snapshot
    drawdown = pct_of(s.max_drawdown_pct)
    limit = pct_of(s.max_drawdown_limit_pct)
    ret = s.total_return
    return {
        "equity": Text(fmt.usd(s.equity_usd)),
        "cash": Text(fmt.usd(s.cash_usd)),
        "starting-cash": Text(fmt.usd(s.starting_cash_usd)),
        "realized": realized(s),
        "unrealized": Text(fmt.signed_usd(s.unrealized_pnl_usd), pnl_style(s.unrealized_pnl_usd)),
        "return": Text(fmt.pct(ret, signed=True, digits=2), pnl_style(ret)),
        "win-rate": Text(fmt.pct(s.win_rate)),
        "round-trips": Text(f"{fmt.count(s.round_trips)} ({s.wins}W/{s.losses}L)"),
        "fills": Text(fmt.count(s.fills)),
        "drawdown": Text(
            f"{fmt.pct(drawdown, digits=2)} / {fmt.pct(limit, digits=0)}",
            "red" if drawdown else "",
        ),
        "today": against_limit(s.day_pnl_usd, s.daily_loss_limit_usd),
        "denials": denials(s),
        **({LIVE_FIGURE[0]: Text(s.live_vs_paper)} if s.live_vs_paper else {}),
    }


class FiguresGrid(Widget):
    """The figures as label/value pairs, drawn as one widget: two widgets per figure made the
    dashboard's first layout a tenth of a second slower. Two pairs a row when one a row does
    not fit the height."""

    DEFAULT_CSS = """
    FiguresGrid {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.values: dict[str, Text] = {key: Text(fmt.MISSING) for key, _ in FIGURES}
        self.compact: dict[str, Text] = {}
        """Shorter forms of some values, shown when the full one does not fit its column."""

    def render(self) -> Table:
        """Lays the pairs out for the current height."""
        shown = FIGURES + ((LIVE_FIGURE,) if LIVE_FIGURE[0] in self.values else ())
        per_row = 2 if 0 < self.size.height < len(shown) else 1
        # The narrowest value column (rich gives an odd cell to one of two).
        value_width = (self.size.width - per_row * LABEL_WIDTH - (per_row - 1)) // per_row
        table = Table.grid(expand=True)
        for n in range(per_row):
            if n:
                table.add_column(width=1)  # a space between two pairs
            table.add_column(width=LABEL_WIDTH, style="dim", no_wrap=True)
            table.add_column(justify="right", ratio=1, no_wrap=True)
        pairs = [(Text(label), self._value(key, value_width)) for key, label in shown]
        for i in range(0, len(pairs), per_row):
            row: list[Text] = []
            for n, pair in enumerate(pairs[i : i + per_row]):
                row += [Text(), *pair] if n else list(pair)
            table.add_row(*row)
        return table

    def _value(self, key: str, width: int) -> Text:
        full = self.values[key]
        compact = self.compact.get(key)
        return compact if compact is not None and full.cell_len > width else full


class PortfolioPanel(SnapshotPanel):
    """The account at a glance: every figure, updated in place."""

    PANEL_TITLE = "Portfolio"

    def compose(self) -> ComposeResult:
        """One widget holds every label/value pair; the session's equity curve goes below."""
        yield FiguresGrid(id="portfolio-figures")
        yield EquityChart(id="portfolio-equity")
        yield Label("", id="portfolio-equity-caption")

    def value(self, key: str) -> Text:
        """The text shown for the figure `key` (see `FIGURES`)."""
        return self.query_one(FiguresGrid).values[key]

    def show(self, snapshot: EngineSnapshot) -> None:
        """Updates the equity chart and the figures, repainting only what changed (a figure's
        colour included)."""
        show_equity(
            self.query_one(EquityChart),
            self.query_one("#portfolio-equity-caption", Label),
            "session",
            snapshot.equity_session,
        )
        subtitle = wallet_line(snapshot.wallet)
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        grid = self.query_one(FiguresGrid)
        new = figures(snapshot)
        if new.keys() != grid.values.keys() or any(
            not same_text(grid.values[k], text) for k, text in new.items()
        ):
            grid.values = new
            grid.compact = {
                "denials": denials(snapshot, compact=True),
                "realized": realized(snapshot, compact=True),
            }
            grid.refresh()
