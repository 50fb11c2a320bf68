"""The header ends with the engine's health line: memory, CPU, loop lag and a recent sleep."""

from __future__ import annotations

from dataclasses import replace

from soltrader_tui.monitor.resources import ResourceSample, machine_line
from soltrader_tui.tui.widgets.status_bar import status_text
from tests.tui.snapshot_factory import make_snapshot

SAMPLE = ResourceSample(1_000.0, 84 * 1024 * 1024, 3.14, 10**10, 4096)


class TestHealthLine:
    """What the operator reads at the end of the header."""

    def test_the_line_names_memory_cpu_lag_and_a_recent_sleep(self) -> None:
        line = machine_line(SAMPLE, 2.4, (1_000.0, 7_980.0), now_wall=1_100.0)
        assert line == (
            "RSS 84 MB · CPU 3.1 % · lag 2 ms · asleep 2 h 13 min until 00:16:40 UTC: "
            "prices re-read"
        )
        assert machine_line(SAMPLE, None, (1_000.0, 7_980.0), now_wall=5_000.0) == (
            "RSS 84 MB · CPU 3.1 %"
        )
        assert machine_line(None, None, None, now_wall=0.0) == ""

    def test_shown_when_it_fits_and_dropped_first_when_it_does_not(self) -> None:
        snapshot = replace(make_snapshot(), machine="RSS 84 MB · CPU 3.1 % · lag 2 ms")
        assert status_text(snapshot).plain.endswith("│  RSS 84 MB · CPU 3.1 % · lag 2 ms")
        narrow = status_text(snapshot, width=len(status_text(snapshot).plain) - 10)
        assert "RSS" not in narrow.plain
        assert "running" in narrow.plain
