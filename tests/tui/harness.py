"""Provides the harness the dashboard tests run in: a snapshot host and a running app.

The host is not a stand-in for the engine's behaviour; it is the rendering contract: it
hands the app exactly the snapshots a test builds, through the same `on_snapshot` hook the
engine uses, and runs until asked to stop. The real engine is tested with the app in the
engine's own tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Label, RichLog
from textual.widgets.data_table import RowKey
from textual.worker import Worker, WorkerState

from soltrader_tui.config.model import Config
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui.app import SolTraderApp, make_app
from soltrader_tui.tui.widgets.portfolio import PortfolioPanel
from soltrader_tui.tui.widgets.table import FittedTable
from tests.tui.snapshot_factory import make_snapshot

VERSION = "0.1.0"


@dataclass
class SnapshotHost:
    """Publishes the snapshots a test gives it; `run` lasts until `request_stop`."""

    latest: EngineSnapshot
    failure: Exception | None = None
    hold_after_stop: asyncio.Event | None = None
    """When set, `run` waits for it after a stop request (a slow final commit)."""
    on_snapshot: Any = None
    stop_requests: int = 0
    commands: list[tuple[str, ...]] = field(default_factory=list)
    returned: bool = False
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def snapshot(self) -> EngineSnapshot:
        return self.latest

    def publish(self, snapshot: EngineSnapshot) -> None:
        self.latest = snapshot
        assert self.on_snapshot is not None, "the app sets on_snapshot before run()"
        self.on_snapshot(snapshot)

    async def run(self) -> None:
        if self.failure is not None:
            raise self.failure
        await self._stop.wait()
        if self.hold_after_stop is not None:
            await self.hold_after_stop.wait()
        self.publish(replace(self.latest, running=False))
        self.returned = True

    def request_stop(self) -> None:
        self.stop_requests += 1
        self._stop.set()

    def command(self, command: str, actor: str, target: str | None = None) -> None:
        self.commands.append((command, actor) if target is None else (command, actor, target))


@dataclass
class Session:
    """A running app, its pilot, its host and the messages it saw."""

    app: SolTraderApp
    pilot: Pilot[int]
    host: SnapshotHost
    seen: list[Message]

    async def publish(self, snapshot: EngineSnapshot) -> None:
        """Publishes like the engine does and waits until the screen shows it.

        The screen shows at most `tui.refresh_hz` snapshots a second, so a snapshot published
        right after another one is shown a moment later, not at once.
        """
        self.host.publish(snapshot)
        for _ in range(100):
            await self.pilot.pause()
            if self.app.dashboard.snapshot is snapshot:
                return
            await self.pilot.pause(0.01)
        raise AssertionError("the screen never showed the published snapshot")

    def text(self, selector: str) -> str:
        """The characters the widget matching `selector` shows on screen."""
        widget = self.app.screen.query_one(selector, Widget)
        region = widget.region
        strips = self.app.screen._compositor.render_strips()
        return "\n".join(
            strip.crop(region.x, region.right).text for strip in strips[region.y : region.bottom]
        )

    def figure(self, key: str) -> Text:
        """The portfolio panel's text for one figure (see `portfolio.FIGURES`)."""
        return self.app.screen.query_one(PortfolioPanel).value(key)

    def label(self, selector: str) -> Text:
        content = self.app.screen.query_one(selector, Label).content
        return content if isinstance(content, Text) else Text(str(content))

    def rows(self, selector: str) -> list[list[str]]:
        """Plain text of a table's cells, top to bottom: every column's, shown or left out for
        want of width (test_layout checks what each width shows)."""
        table: DataTable[Any] = self.app.screen.query_one(selector, DataTable)

        def cells(key: RowKey) -> Sequence[object]:
            if isinstance(table, FittedTable) and key.value is not None:
                return table.full_row(key.value).cells
            return table.get_row(key)

        return [
            [str(cell.plain if isinstance(cell, Text) else cell) for cell in cells(row.key)]
            for row in table.ordered_rows
        ]

    def row_keys(self, selector: str) -> list[str | None]:
        table: DataTable[Any] = self.app.screen.query_one(selector, DataTable)
        return [row.key.value for row in table.ordered_rows]

    def log_lines(self) -> list[str]:
        return [strip.text.rstrip() for strip in self.app.screen.query_one(RichLog).lines]


@asynccontextmanager
async def session(
    snapshot: EngineSnapshot | None = None,
    *,
    config: Config | None = None,
    size: tuple[int, int] = (120, 40),
    failure: Exception | None = None,
    hold_after_stop: asyncio.Event | None = None,
) -> AsyncIterator[Session]:
    host = SnapshotHost(snapshot or make_snapshot(), failure, hold_after_stop)
    app = make_app(config or Config(), host, version=VERSION)
    seen: list[Message] = []
    async with app.run_test(size=size, message_hook=seen.append) as pilot:
        await pilot.pause()
        yield Session(app, pilot, host, seen)


def engine_states(seen: list[Message]) -> list[WorkerState]:
    return [
        m.state for m in seen if isinstance(m, Worker.StateChanged) and m.worker.group == "engine"
    ]
