"""Tests `soltrader-tui slippage` and the `live` object of `status --json` on real ledgers whose
swaps were written through `Ledger.swaps`, as a live session writes them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.cli import main
from soltrader_tui.domain import MICRO, Fill, Order, Side, Token
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.swap_book import PaperTwin, SentSwap, SwapSettled
from soltrader_tui.ledger.swap_reads import count_swaps, read_swaps
from tests.factories import make_token

TOK = make_token("TOK", 6)
T0 = 1_700_000_000.0


def _order(cid: str, side: Side, in_amount: int, ts: float) -> Order:
    return Order(cid, TOK, side, in_amount, "momentum", "entry" if side == "buy" else "exit", ts)


def _sent(cid: str, twin: PaperTwin | None, decided: float, note: str = "") -> SentSwap:
    return SentSwap(
        signature=f"sig-{cid}",
        last_valid_block_height=100,
        request_id=f"req-{cid}",
        route="jupiter",
        signed_tx=b"\x01\x02",
        quoted_out=1,
        min_out=1,
        sol_usd=150.0,
        decided_wall=decided,
        signed_wall=decided + 0.25,
        twin=twin,
        twin_note=note,
    )


def _fill(order: Order, qty: int, quote: int, fee: int, ts: float) -> Fill:
    price = (quote / MICRO) / order.token.to_whole(qty)
    return Fill(order.client_order_id, ts, order.token, order.side, qty, price, quote, fee,
                order.strategy, "live")  # fmt: skip


def _twin(qty: int, quote: int, fee: int, token: Token = TOK) -> PaperTwin:
    return PaperTwin(qty, quote, fee, (quote / MICRO) / token.to_whole(qty))


def live_ledger(path: Path) -> Path:
    """A buy worse than paper by 1 % of tokens, its sale worse by 0.5 %, a swap the chain
    refused, one that expired and one still awaiting its outcome."""
    ledger = Ledger.open(path, starting_cash_micro=1_000 * MICRO, mode="live", version="t")
    try:
        book = ledger.swaps
        buy = _order("b1", "buy", 10 * MICRO, T0)
        book.record_sent(buy, _sent("b1", _twin(10_000_000, 10 * MICRO, 25_000), 5000.0))
        book.record_landed(
            buy,
            _fill(buy, 9_900_000, 10 * MICRO, 4_000, T0 + 1),
            SwapSettled(10, 5000, 26_667, 5001.5),
            realized_micro=None,
        )
        sell = _order("s1", "sell", 9_900_000, T0 + 2)
        book.record_sent(sell, _sent("s1", _twin(9_900_000, 9_900_000, 20_000), 5010.0))
        book.record_landed(
            sell,
            _fill(sell, 9_900_000, 9_850_500, 6_000, T0 + 3),
            SwapSettled(11, 5000, 40_000, 5012.5),
            realized_micro=-(10 * MICRO + 4_000) + 9_850_500 - 6_000,
        )
        refused = _order("f1", "buy", 5 * MICRO, T0 + 3.5)
        book.record_sent(refused, _sent("f1", _twin(5_000_000, 5 * MICRO, 15_000), 5015.0))
        book.record_ended(
            refused, "failed", "failed on chain: slippage", SwapSettled(12, 5000, 10_000, 5016.0)
        )
        gone = _order("e1", "buy", 5 * MICRO, T0 + 4)
        book.record_sent(gone, _sent("e1", None, 5020.0, note="no quote for TOK"))
        book.record_ended(gone, "expired", "expired: not landed by block 100", None)
        waiting = _order("w1", "buy", 5 * MICRO, T0 + 5)
        book.record_sent(waiting, _sent("w1", _twin(5_000_000, 5 * MICRO, 15_000), 5030.0))
    finally:
        ledger.close()
    return path


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough for the report's table (rich reads COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


class TestReport:
    """`slippage` lists each swap against its twin, and the totals, from the ledger alone."""

    def test_json_holds_what_the_ledger_holds(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = live_ledger(tmp_path / "live.sqlite")
        code, out, _ = run(capsys, "slippage", "--json", "--db", str(db))
        assert code == 0
        report = json.loads(out)
        buy, sell, failed, expired, waiting = report["swaps"]
        assert buy["live"] == {"qty": 9_900_000, "price": 10 / 9.9, "quote_amount": 10 * MICRO,
                               "fee": 4_000}  # fmt: skip
        assert buy["paper"]["qty"] == 10_000_000 and buy["paper"]["fee"] == 25_000
        assert buy["received_diff"] == -100_000 and buy["received_unit"] == "base_units"
        assert buy["slippage_usd"] == -0.1
        assert buy["price_diff_bps"] == round((1 - 10 / 9.9) * 10_000, 4)
        assert buy["fee_diff_usd"] == 0.021
        assert (buy["signed_ms"], buy["landed_ms"]) == (250.0, 1500.0)
        assert sell["received_diff"] == -49_500 and sell["received_unit"] == "micro_usdc"
        assert sell["slippage_usd"] == -0.0495 and sell["price_diff_bps"] == -50.0
        assert expired["status"] == "expired" and expired["paper"] is None
        assert expired["twin_note"] == "no quote for TOK" and expired["landed_ms"] is None
        assert waiting["status"] == "sent" and waiting["live"] is None
        assert failed["status"] == "failed" and failed["outcome"] == "failed on chain: slippage"
        assert failed["live"] is None and failed["landed_ms"] == 1000.0
        assert report["totals"] == {
            "swaps": {"landed": 2, "failed": 1, "expired": 1, "sent": 1},
            "awaiting": 1,
            "compared": 2,
            "without_twin": 0,
            "slippage_usd": -0.1495,
            "fees_live_usd": 0.01,
            "fees_paper_usd": 0.045,
            "failed_fees_usd": 0.0015,  # 10,000 lamports at $150
            "latency_ms_median": 2000.0,
            "latency_ms_p95": 2500.0,
            "signed_ms_median": 250.0,
        }

    def test_last_keeps_the_newest(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = live_ledger(tmp_path / "live.sqlite")
        code, out, _ = run(capsys, "slippage", "--json", "--last", "2", "--db", str(db))
        assert code == 0
        report = json.loads(out)
        assert [s["client_order_id"] for s in report["swaps"]] == ["e1", "w1"]
        assert report["totals"]["compared"] == 0 and report["totals"]["slippage_usd"] is None

    def test_last_must_count(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        db = live_ledger(tmp_path / "live.sqlite")
        code, _, err = run(capsys, "slippage", "--last", "0", "--db", str(db))
        assert code == 2 and "--last takes a count of swaps, 1 or more, not 0" in err

    def test_table_shows_each_fill_and_dashes_for_the_unknown(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = live_ledger(tmp_path / "live.sqlite")
        code, out, _ = run(capsys, "slippage", "--db", str(db))
        assert code == 0
        rows = [line.split() for line in out.splitlines()]
        [buy] = [r for r in rows if r[1:4] == ["buy", "TOK", "landed"]]
        assert buy[4:] == ["$1.010", "$1.000", "-101.0", "-$0.1000", "$0.0040", "$0.0250",
                           "1,500"]  # fmt: skip
        [sell] = [r for r in rows if r[1:3] == ["sell", "TOK"]]
        assert sell[6:8] == ["-50.0", "-$0.0495"]
        [expired] = [r for r in rows if r[3:4] == ["expired"]]
        assert expired[4:] == ["—"] * 7  # nothing known of a swap that never landed
        assert "No paper twin, not compared:" in out and "buy TOK: no quote for TOK" in out
        assert "2 landed, 1 failed, 1 expired, 1 awaiting" in out
        assert "$0.0015" in out  # the failed swap's fee, apart
        assert "-$0.1495" in out and "$0.0100 / $0.0450" in out
        assert "median 2,000 ms, p95 2,500 ms" in out

    def test_a_ledger_without_swaps_says_so(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = tmp_path / "paper.sqlite"
        Ledger.open(db, starting_cash_micro=1_000 * MICRO, mode="paper", version="t").close()
        code, out, err = run(capsys, "slippage", "--db", str(db))
        assert code == 0 and out == "" and f"no live swaps in this ledger ({db.resolve()})" in err
        code, out, _ = run(capsys, "slippage", "--json", "--db", str(db))
        assert code == 0 and json.loads(out)["swaps"] == []

    def test_a_missing_ledger_is_named(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        missing = tmp_path / "nowhere.sqlite"
        code, _, err = run(capsys, "slippage", "--db", str(missing))
        assert code == 2 and str(missing) in err and not missing.exists()


class TestStatus:
    """`status` carries the live totals once a live swap exists; `live` is null before."""

    def test_status_json_live_object(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = live_ledger(tmp_path / "live.sqlite")
        code, out, _ = run(capsys, "status", "--json", "--db", str(db))
        assert code == 0
        live = json.loads(out)["live"]
        assert live["swaps"] == {"landed": 2, "failed": 1, "expired": 1, "sent": 1}
        assert live["awaiting"] == 1
        assert live["slippage_usd"] == -0.1495
        assert (live["fees_live_usd"], live["fees_paper_usd"]) == (0.01, 0.045)
        assert live["latency_ms_median"] == 2000.0

    def test_status_table_has_one_live_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = live_ledger(tmp_path / "live.sqlite")
        code, out, _ = run(capsys, "status", "--db", str(db))
        assert code == 0
        [line] = [x for x in out.splitlines() if "Live vs paper" in x]
        assert "2 landed" in line and "slippage -$0.1495" in line

    def test_no_swaps_is_null(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        db = tmp_path / "paper.sqlite"
        Ledger.open(db, starting_cash_micro=1_000 * MICRO, mode="paper", version="t").close()
        code, out, _ = run(capsys, "status", "--json", "--db", str(db))
        assert code == 0 and json.loads(out)["live"] is None
        _, table, _ = run(capsys, "status", "--db", str(db))
        assert "Live vs paper" not in table


def test_a_ledger_older_than_the_swaps_table_has_none(tmp_path: Path) -> None:
    """`slippage` and `status` read old copies: before schema 9 there are no swaps, no error."""
    with sqlite3.connect(tmp_path / "old.sqlite") as conn:
        conn.execute("PRAGMA user_version = 8")
        assert read_swaps(conn) == [] and count_swaps(conn) == {}


def test_swaps_are_counted_by_status(tmp_path: Path) -> None:
    db = live_ledger(tmp_path / "live.sqlite")
    with sqlite3.connect(db) as conn:
        assert count_swaps(conn) == {"landed": 2, "failed": 1, "expired": 1, "sent": 1}
        assert [s.client_order_id for s in read_swaps(conn, 3)] == ["f1", "e1", "w1"]
