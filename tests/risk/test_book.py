"""Tests of RiskBook: it follows fills and marks, and its memory stays bounded."""

from __future__ import annotations

from soltrader_tui.risk import RiskBook
from soltrader_tui.risk.book import ENTRY_MEMORY, LOSS_MEMORY
from tests.risk import BONK, NOW, usd


class TestFollowsFills:
    """Entries and exits move cash and exposure as the portfolio does."""

    def test_entry_then_exit(self) -> None:
        book = RiskBook(usd(500))
        book.record_entry(BONK, NOW, usd(50))
        assert (book.cash_micro, book.exposure_micro(BONK), book.open_positions) == (
            usd(450),
            usd(50),
            1,
        )
        book.revalue(BONK, usd(60))
        assert book.equity_micro == usd(510)
        book.record_exit(BONK, NOW + 60, usd(59), trip_realized_micro=usd(9))
        assert (book.cash_micro, book.open_positions, book.last_loss_ts(BONK)) == (
            usd(509),
            0,
            None,
        )

    def test_partial_exit_keeps_the_position(self) -> None:
        book = RiskBook(usd(450), {BONK: usd(50)})
        book.record_exit(BONK, NOW, usd(20), trip_realized_micro=None)
        assert (book.holds(BONK), book.exposure_micro(BONK), book.cash_micro) == (
            True,
            usd(30),
            usd(470),
        )

    def test_revalue_of_a_closed_position_is_ignored(self) -> None:
        book = RiskBook(usd(500))
        book.revalue(BONK, usd(60))
        assert not book.holds(BONK)

    def test_sync_replaces_positions_and_keeps_history(self) -> None:
        book = RiskBook(usd(500), {BONK: usd(50)})
        book.note_entry(NOW)
        book.note_loss("other", NOW)
        book.sync(usd(300), {"a": usd(10), "b": usd(20)})
        assert (book.cash_micro, book.total_exposure_micro, book.holds(BONK)) == (
            usd(300),
            usd(30),
            False,
        )
        assert book.entries_within_hour(NOW + 1) == (1, NOW)
        assert book.last_loss_ts("other") == NOW


class TestBoundedMemory:
    """A session of any length keeps at most a fixed number of entry times and losses."""

    def test_entry_times_leave_the_window(self) -> None:
        book = RiskBook()
        book.note_history([NOW - 4000, NOW - 3000, NOW - 100], [])
        assert book.entries_within_hour(NOW) == (2, NOW - 3000)
        assert book.entries_within_hour(NOW + 3600) == (0, None)

    def test_entry_times_are_capped(self) -> None:
        book = RiskBook()
        for n in range(ENTRY_MEMORY * 3):
            book.note_entry(NOW + n * 0.001)
        assert book.entries_within_hour(NOW + 10)[0] == ENTRY_MEMORY

    def test_losses_are_capped_oldest_first(self) -> None:
        book = RiskBook()
        book.note_history([], [(f"mint{n}", NOW + n) for n in range(LOSS_MEMORY + 5)])
        assert book.last_loss_ts("mint0") is None
        assert book.last_loss_ts("mint5") == NOW + 5
        assert book.last_loss_ts(f"mint{LOSS_MEMORY + 4}") == NOW + LOSS_MEMORY + 4

    def test_a_repeat_loss_is_kept_as_the_newest(self) -> None:
        book = RiskBook()
        book.note_loss("mint0", NOW)
        for n in range(1, LOSS_MEMORY):
            book.note_loss(f"mint{n}", NOW + n)
        book.note_loss("mint0", NOW + LOSS_MEMORY)
        book.note_loss("extra", NOW + LOSS_MEMORY + 1)
        assert book.last_loss_ts("mint0") == NOW + LOSS_MEMORY
        assert book.last_loss_ts("mint1") is None


class TestExactBookkeeping:
    """Edge cases of the book's arithmetic, to the micro-USDC."""

    def test_a_new_book_is_empty(self) -> None:
        book = RiskBook()
        assert (book.cash_micro, book.open_positions, book.equity_micro) == (0, 0, 0)

    def test_entries_add_up_and_count_for_the_hour(self) -> None:
        book = RiskBook(usd(500))
        book.record_entry(BONK, NOW, usd(30))
        book.record_entry(BONK, NOW + 60, usd(20))
        assert (book.cash_micro, book.exposure_micro(BONK)) == (usd(450), usd(50))
        assert book.entries_within_hour(NOW + 60) == (2, NOW)

    def test_a_partial_exit_worth_more_than_the_position_leaves_zero(self) -> None:
        book = RiskBook(usd(0), {BONK: usd(10)})
        book.record_exit(BONK, NOW, usd(15), trip_realized_micro=None)
        assert (book.holds(BONK), book.exposure_micro(BONK), book.cash_micro) == (True, 0, usd(15))

    def test_closing_a_position_the_book_never_saw(self) -> None:
        book = RiskBook(usd(10))
        book.record_exit(BONK, NOW, usd(5), trip_realized_micro=-1)
        assert (book.cash_micro, book.open_positions, book.last_loss_ts(BONK)) == (usd(15), 0, NOW)

    def test_a_one_micro_win_is_not_a_loss(self) -> None:
        book = RiskBook(usd(0), {BONK: usd(10)})
        book.record_exit(BONK, NOW, usd(10), trip_realized_micro=1)
        assert book.last_loss_ts(BONK) is None
