"""Tests LateProgress: no bar on a quick run; on a long one, a bar with the best so far."""

from __future__ import annotations

import io
import time

from soltrader_tui.commands.progress import SHOW_AFTER_S, LateProgress


def test_a_quick_run_draws_nothing() -> None:
    stream = io.StringIO()
    bar = LateProgress("backtest", time.perf_counter(), stream=stream, force=True)
    bar.update(10, 100)
    bar.update(100, 100)
    bar.close()
    assert stream.getvalue() == ""


def test_a_long_run_shows_done_total_and_the_note() -> None:
    stream = io.StringIO()
    started = time.perf_counter() - SHOW_AFTER_S - 0.1  # a run already past the threshold
    bar = LateProgress("optimize", started, stream=stream, force=True)
    bar.update(40, 200, "best 1.234")
    bar.update(41, 200, "best 1.500")
    bar.close()
    drawn = stream.getvalue()
    assert "optimize" in drawn and "/200" in drawn and "best 1." in drawn


def test_not_a_terminal_draws_nothing() -> None:
    stream = io.StringIO()
    bar = LateProgress("compare", time.perf_counter() - 10, stream=stream)
    bar.update(1, 5)
    bar.close()
    assert stream.getvalue() == ""
