"""Provides the events of a live swap's life: refused before signing, sent, ended, unresolved.

Each says what happened in the past tense, like `events`; `kind` is `swap` for all of them,
so the journal and `status` can find a swap's story in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from soltrader_tui.engine.events import EngineEvent


@dataclass(frozen=True, slots=True)
class SwapRefused(EngineEvent):
    """A swap failed a check before signing; nothing was signed or sent."""

    kind: ClassVar[str] = "swap"
    LEVEL: ClassVar[str] = "error"
    side: str
    symbol: str
    check: str
    reason: str

    @property
    def rule(self) -> str | None:
        return self.check

    @property
    def message(self) -> str:
        return (
            f"REFUSED {self.side.upper()} {self.symbol} before signing ({self.check}): "
            f"{self.reason}"
        )


@dataclass(frozen=True, slots=True)
class SwapSent(EngineEvent):
    """A swap was signed and committed, and is being sent."""

    kind: ClassVar[str] = "swap"
    side: str
    symbol: str
    signature: str
    last_valid_block_height: int
    route: str

    @property
    def message(self) -> str:
        return (
            f"SENT {self.side.upper()} {self.symbol} via {self.route}: signature "
            f"{self.signature}, valid until block {self.last_valid_block_height}"
        )


@dataclass(frozen=True, slots=True)
class SwapEnded(EngineEvent):
    """A swap will never fill: it expired before landing, or failed on chain."""

    kind: ClassVar[str] = "swap"
    LEVEL: ClassVar[str] = "warning"
    side: str
    symbol: str
    end: str
    outcome: str
    signature: str

    @property
    def rule(self) -> str | None:
        return self.end

    @property
    def message(self) -> str:
        head = f"{self.end.upper()} {self.side.upper()} {self.symbol}"
        return f"{head} ({self.signature}): {self.outcome}"


@dataclass(frozen=True, slots=True)
class SwapUnresolved(EngineEvent):
    """A swap's outcome is not known yet; no other order is made until it is."""

    kind: ClassVar[str] = "swap"
    LEVEL: ClassVar[str] = "warning"
    side: str
    symbol: str
    signature: str
    why: str

    @property
    def message(self) -> str:
        return (
            f"AWAITING {self.side.upper()} {self.symbol} ({self.signature}): outcome not known "
            f"yet ({self.why}); no other order until it is. It is never sent twice."
        )


@dataclass(frozen=True, slots=True)
class SwapSendTrouble(EngineEvent):
    """Sending a swap failed in a way that leaves its outcome unknown (not failed)."""

    kind: ClassVar[str] = "swap"
    LEVEL: ClassVar[str] = "warning"
    symbol: str
    signature: str
    trouble: str

    @property
    def message(self) -> str:
        return (
            f"SEND {self.symbol} ({self.signature}) unclear: {self.trouble}; following the "
            "signature on chain"
        )
