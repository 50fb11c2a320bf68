"""Provides SolTraderApp and make_app: the dashboard wired to an engine running as a worker."""

from __future__ import annotations

import gc
import logging
import traceback
from collections.abc import Callable
from typing import ClassVar, Protocol, runtime_checkable

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from soltrader_tui.checkpoints.store import CheckpointInfo
from soltrader_tui.config.model import Config
from soltrader_tui.domain import TradingState
from soltrader_tui.errors import EXIT_LEDGER_WRITE_FAILED, StorageFailed
from soltrader_tui.ledger.log import note
from soltrader_tui.ledger.requests import EngineCommand, StrategyCommand
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui import checkpoint_key
from soltrader_tui.tui.checkpoint_key import CHECKPOINT_GROUP, CheckpointTarget
from soltrader_tui.tui.messages import EngineUpdated
from soltrader_tui.tui.screens.confirm import ConfirmModal
from soltrader_tui.tui.screens.dashboard import DashboardScreen
from soltrader_tui.tui.screens.error_modal import ErrorModal
from soltrader_tui.tui.screens.help import HelpModal, help_sections
from soltrader_tui.tui.screens.journal import JournalModal
from soltrader_tui.tui.screens.position_detail import PositionClose, PositionDetail
from soltrader_tui.tui.screens.strategy_picker import StrategyPicker, StrategyToggle
from soltrader_tui.tui.toasts import Toast
from soltrader_tui.tui.widgets.positions import PositionsPanel

ENGINE_GROUP = "engine"
"""Worker group of the engine loop."""


class EngineHost(Protocol):
    """What the dashboard needs from the engine: snapshots, a run loop and a stop request."""

    on_snapshot: Callable[[EngineSnapshot], None] | None
    """Called from inside `run` (same event loop) with each new snapshot; set before `run`."""

    def snapshot(self) -> EngineSnapshot:
        """Returns the latest snapshot (valid before `run` starts)."""
        ...

    async def run(self) -> None:
        """Runs until the duration is reached or a stop is requested; commits, then returns."""
        ...

    def request_stop(self) -> None:
        """Asks `run` to finish soon."""
        ...

    def command(self, command: EngineCommand, actor: str, target: str | None = None) -> None:
        """Queues an emergency stop, a pause, a resume, the enable or disable of the strategy
        `target`, or the close of the position in the mint `target`; the engine acts on it at
        once."""
        ...


@runtime_checkable
class ReportsRefusals(Protocol):
    """A host whose commands can be refused after `command` returned (`watch`: the ledger
    answers later); the dashboard sets `on_refused` to show the reason."""

    on_refused: Callable[[str, str], None] | None
    """Called on the app's event loop with a title and the reason."""


REFUSAL_TIMEOUT_S = 10.0
"""Seconds a refused command's notification stays: long enough to read a sentence."""


class SolTraderApp(App[int]):
    """The dashboard: one screen of panels over an engine worker. Returns an exit code."""

    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        # Priority: works whatever widget has focus, even while a table has the keyboard.
        Binding("ctrl+e", "emergency_stop", "Emergency stop", priority=True),
        Binding("p", "toggle_pause", "Pause"),
        Binding("r", "resume", "Resume"),
        Binding("c", "checkpoint", "Checkpoint"),
        Binding("s", "strategies", "Strategies"),
        Binding("question_mark", "help", "Help"),
        # Off the footer (it is full at 120 columns); the help lists it.
        Binding("j", "journal", "Journal", show=False),
    ]

    def __init__(
        self,
        config: Config,
        engine: EngineHost,
        *,
        version: str,
        checkpoint: CheckpointTarget | None = None,
    ) -> None:
        """Builds the app; `make_app` is the one place that calls this."""
        super().__init__()
        self._config = config
        self._engine = engine
        self._checkpoint_target = checkpoint
        self._checkpoint_worker: Worker[CheckpointInfo] | None = None
        self._dashboard: DashboardScreen | None = None
        self._engine_worker: Worker[None] | None = None
        self._quitting = False
        self._failed = False
        self._exit_code = 1
        """The exit code after a failure: 3 when the ledger could not be written."""
        self.title = f"soltrader-tui {version}"

    @property
    def dashboard(self) -> DashboardScreen:
        """The dashboard screen (the app's default screen)."""
        if self._dashboard is None:
            raise RuntimeError("the dashboard is built when the app starts")
        return self._dashboard

    def get_default_screen(self) -> Screen[None]:
        """Builds the dashboard around the engine's snapshot from before it runs."""
        self._dashboard = DashboardScreen(
            self._engine.snapshot(),
            log_lines=self._config.tui.log_lines,
            refresh_hz=self._config.tui.refresh_hz,
            notify_level=self._config.alerts.notify_level,
        )
        return self._dashboard

    def on_mount(self) -> None:
        """Starts the engine once the dashboard is on screen, so it can show even a failure
        at start-up."""
        self.call_after_refresh(self._start_engine)

    def _start_engine(self) -> None:
        # What exists once the dashboard is up (imports, widgets, the config, the engine's
        # parts) lives as long as the app: frozen out of the cycle collector's passes, whose
        # full ones over it stalled the screen for 350-490 ms about once in twenty fills
        # (benchmarks/RESULTS.md, "Dashboard latency and CPU").
        gc.freeze()
        # And fewer young collections: a dashboard allocates a few thousand objects a frame.
        gc.set_threshold(50_000, 20, 100)
        if not self._quitting:
            self._engine_worker = self._run_engine()

    @work(exclusive=True, group=ENGINE_GROUP, exit_on_error=False, description="trading engine")
    async def _run_engine(self) -> None:
        dashboard = self.dashboard

        def publish(snapshot: EngineSnapshot) -> None:
            # Posted, not applied: a busy screen coalesces them (EngineUpdated.can_replace).
            dashboard.post_message(EngineUpdated(snapshot))

        self._engine.on_snapshot = publish
        if isinstance(self._engine, ReportsRefusals):
            self._engine.on_refused = self.command_refused
        await self._engine.run()

    def command_refused(self, title: str, reason: str) -> None:
        """Shows why a command was not done, long enough to read; the status bar keeps the
        engine's own state (a refusal is not an engine failure).

        Args:
            title: What was not done ("Close not done").
            reason: Why, in a sentence.
        """
        # Not markup: paths carry brackets that are not styles.
        self.notify(reason, title=title, severity="error", timeout=REFUSAL_TIMEOUT_S, markup=False)

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == CHECKPOINT_GROUP:
            self._checkpoint_state_changed(event.worker, event.state)
            return
        if event.worker.group != ENGINE_GROUP:
            return
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            if error is not None:
                self._engine_failed(error)
        elif event.state is WorkerState.SUCCESS:
            self._engine_finished()

    def _engine_finished(self) -> None:
        final = self._engine.snapshot()
        if final.error is not None:
            # The engine reported its failure in the snapshot instead of raising it.
            self._failed = True
            self.push_screen(ErrorModal("The engine failed", final.error))
        elif self._quitting:
            self.exit(0, return_code=0)
        else:
            self.notify("The engine stopped; the dashboard shows its final state.", title="Done")

    def _engine_failed(self, error: BaseException) -> None:
        self._failed = True
        if isinstance(error, StorageFailed):
            # Not a bug: the disk. One plain message, and the exit code `supervise` waits on.
            self._exit_code = EXIT_LEDGER_WRITE_FAILED
            self.dashboard.engine_failed(str(error))
            self.push_screen(ErrorModal(error.title, error.message))
            return
        summary = f"{type(error).__name__}: {error}"
        details = "".join(traceback.format_exception(error))
        self.dashboard.engine_failed(summary)
        self._log_failure(f"engine failed: {summary}\n{details}")
        self.push_screen(ErrorModal("The engine failed", f"{summary}\n\n{details}"))

    def _log_failure(self, line: str) -> None:
        # The log pane's line goes to the log file too: the engine, which writes every other
        # line there, is the part that failed.
        target = self._checkpoint_target
        if target is not None and target.log_file is not None:
            note(target.log_file, line, logging.ERROR)

    def _checkpoint_state_changed(self, worker: Worker[object], state: WorkerState) -> None:
        if state is WorkerState.SUCCESS and isinstance(worker.result, CheckpointInfo):
            self._toast(checkpoint_key.taken_toast(worker.result))
        elif state is WorkerState.ERROR and worker.error is not None:
            self._toast(checkpoint_key.failed_toast(worker.error))

    def _toast(self, toast: Toast) -> None:
        # Not markup: paths and error texts carry brackets ("[Errno 13]") that are not styles.
        self.notify(toast.message, title=toast.title, severity=toast.severity, markup=False)

    def action_checkpoint(self) -> None:
        """Takes a checkpoint of the ledger in a thread; a toast tells the result."""
        target = self._checkpoint_target
        if target is None:
            self._toast(checkpoint_key.UNAVAILABLE)
        elif self._checkpoint_worker is not None and not self._checkpoint_worker.is_finished:
            self._toast(checkpoint_key.BUSY)
        else:
            self._checkpoint_worker = self._take_checkpoint(target)

    @work(thread=True, group=CHECKPOINT_GROUP, exit_on_error=False, description="checkpoint")
    def _take_checkpoint(self, target: CheckpointTarget) -> CheckpointInfo:
        # A thread: the backup copy blocks, and the engine loop must keep its ticks meanwhile.
        return target.take()

    def action_emergency_stop(self) -> None:
        """Asks for confirmation, then flattens every position and halts trading."""
        if isinstance(self.screen, ConfirmModal):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._engine.command("stop", "dashboard")
                self.notify(
                    "Flattening every position and halting.",
                    title="Emergency stop",
                    severity="warning",
                )

        self.push_screen(
            ConfirmModal(
                "EMERGENCY STOP",
                "Sell every open position at market, cancel pending orders and HALT trading?",
            ),
            answered,
        )

    def action_toggle_pause(self) -> None:
        """Pauses entries when ACTIVE, resumes when PAUSED; HALTED needs `r`."""
        state = self.dashboard.snapshot.trading_state
        if state is TradingState.HALTED:
            self.notify("Trading is HALTED: press r to resume.", title="Halted")
            return
        self._engine.command("pause" if state is TradingState.ACTIVE else "resume", "dashboard")

    def action_resume(self) -> None:
        """Resumes trading after a pause or a halt, with confirmation."""
        if self.dashboard.snapshot.trading_state is TradingState.ACTIVE:
            self.notify("Trading is already ACTIVE.", title="Resume")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._engine.command("resume", "dashboard")

        self.push_screen(
            ConfirmModal("RESUME TRADING", "Allow new entries again (state back to ACTIVE)?"),
            answered,
        )

    def action_strategies(self) -> None:
        """Lists the strategies; the one picked is enabled or disabled through the engine's
        command path (recorded in the ledger, kept until the config changes)."""
        if isinstance(self.screen, StrategyPicker):
            return
        strategies = self.dashboard.snapshot.strategies
        if not strategies:
            self.notify("No strategy is known yet.", title="Strategies")
            return

        def picked(toggle: StrategyToggle | None) -> None:
            if toggle is None:
                return
            verb: StrategyCommand = "enable" if toggle.enabled else "disable"
            self._engine.command(verb, "dashboard", toggle.name)
            self.notify(f"{verb.capitalize()} {toggle.name}: sent to the engine.", title="Strategy")

        self.push_screen(StrategyPicker(strategies), picked)

    def action_help(self) -> None:
        """Lists every key and what it does, read from the bindings themselves."""
        if not isinstance(self.screen, HelpModal):
            self.push_screen(HelpModal(help_sections(self, self.dashboard)))

    def action_journal(self) -> None:
        """Shows the operator's journal: sessions and how they ended, commands, config
        changes, state changes and alerts, from the ledger."""
        if isinstance(self.screen, JournalModal):
            return
        if self._checkpoint_target is None:
            self.notify("No ledger file is known to this dashboard.", title="Journal")
            return
        self.push_screen(JournalModal(self._checkpoint_target.ledger))

    @on(PositionsPanel.PositionChosen)
    def _position_chosen(self, message: PositionsPanel.PositionChosen) -> None:
        """Opens the position's detail; a close confirmed there is sent to the engine, which
        sells through its executor and records a manual exit (the log shows the fill once the
        ledger holds it)."""
        if isinstance(self.screen, PositionDetail):
            return

        def closed(close: PositionClose | None) -> None:
            if close is not None:
                self._engine.command("close", "dashboard", close.mint)
                # Asked, not done: the sale shows in the log (and fills) once the ledger has it,
                # and a refusal (no engine, no position) in the log or the status bar.
                self.notify(
                    f"Close {close.symbol}: asked of the engine; the log shows the sale once it "
                    "is recorded.",
                    title="Close position",
                )

        detail = PositionDetail(message.mint, lambda: self.dashboard.snapshot)
        self.push_screen(detail, closed)

    async def action_quit(self) -> None:
        """Stops the engine, waits for it to commit, then exits; repeating it while waiting is
        harmless."""
        worker = self._engine_worker
        if worker is None:
            # Quit before the engine started: nothing ran, so nothing to commit.
            self._quitting = True
            self.exit(0, return_code=0)
            return
        if worker.is_finished:
            code = self._exit_code if self._failed else 0
            self.exit(code, return_code=code)
            return
        if self._quitting:
            return
        self._quitting = True
        self._engine.request_stop()
        self.notify("Waiting for the engine to commit and stop.", title="Stopping")


def make_app(
    config: Config,
    engine: EngineHost,
    *,
    version: str,
    checkpoint: CheckpointTarget | None = None,
) -> SolTraderApp:
    """Builds the dashboard app over `engine`; the CLI and the tests both call this.

    Args:
        config: The loaded configuration (`tui` and `alerts` sections are used).
        engine: The engine to run as the app's worker.
        version: The package version, shown in the header.
        checkpoint: The session's files, for the `c` key; without it `c` says checkpoints
            are not available.

    Returns:
        The app; `run()` returns 0 after a clean quit, 1 after an engine failure.
    """
    return SolTraderApp(config, engine, version=version, checkpoint=checkpoint)
