"""Provides what the dashboard's `c` key needs: where to checkpoint, and the toasts it shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from soltrader_tui import format as fmt
from soltrader_tui.checkpoints.store import CheckpointInfo, checkpoint_line, take_checkpoint
from soltrader_tui.ledger.log import note
from soltrader_tui.tui.toasts import Toast

CHECKPOINT_GROUP = "checkpoint"
"""Worker group of a checkpoint being taken."""


@dataclass(frozen=True, slots=True)
class CheckpointTarget:
    """The files of the session the dashboard runs: what `c` copies and where to."""

    ledger: Path
    checkpoints_dir: Path
    config_file: Path | None
    """The config file in use, copied into the checkpoint; None for the built-in defaults."""
    keep: int
    """Checkpoints kept after a new one (`storage.keep_checkpoints`)."""
    log_file: Path | None = None
    """The ledger's log file, where each checkpoint taken is noted; None notes nothing."""

    def take(self) -> CheckpointInfo:
        """Takes a checkpoint with the reason "manual"; blocking, so run it in a thread.

        Raises:
            CheckpointError: the ledger cannot be copied or the folder cannot be written.
        """
        info = take_checkpoint(
            self.ledger,
            self.checkpoints_dir,
            config_file=self.config_file,
            reason="manual",
            keep=self.keep,
        )
        if self.log_file is not None:
            note(self.log_file, checkpoint_line(info, self.ledger, "the c key"))
        return info


def taken_toast(info: CheckpointInfo) -> Toast:
    """The toast for a checkpoint just taken: its name, figures and folder."""
    fills = fmt.count(info.fills)
    return Toast(
        "Checkpoint taken",
        f"{info.name}\nequity {fmt.usd(info.equity_usd)}, {fills} fills\n{info.path}",
        "information",
    )


def failed_toast(error: BaseException) -> Toast:
    """The toast for a checkpoint that could not be taken; trading carries on regardless."""
    return Toast("Checkpoint failed", f"{error}\nTrading carries on.", "error")


UNAVAILABLE = Toast(
    "Checkpoint",
    "Checkpoints are not available here: this dashboard was started without a ledger file to copy.",
    "warning",
)
"""The toast when the app was built without a CheckpointTarget."""

BUSY = Toast("Checkpoint", "A checkpoint is being taken; wait for it to finish.", "information")
"""The toast when `c` is pressed while a checkpoint is still being written."""
