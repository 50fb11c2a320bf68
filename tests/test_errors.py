"""Every exception the package raises on purpose is sorted by what the operator must do, and
that kind alone decides a command's exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from soltrader_tui.checkpoints.report import CheckpointError
from soltrader_tui.commands.common import exit_code
from soltrader_tui.config.errors import ConfigError
from soltrader_tui.config.paths import DataFolderError
from soltrader_tui.errors import (
    LedgerUnusable,
    OperationalError,
    SoltraderError,
    StorageFailed,
    TemporaryError,
    UserInputError,
)
from soltrader_tui.ledger.errors import LedgerDamaged, LedgerError, NotALedger
from soltrader_tui.ledger.highwater import LedgerBehind
from soltrader_tui.ledger.lock import LedgerBusy
from soltrader_tui.ledger.timeorder import LedgerAhead, MarketTimeWentBack
from soltrader_tui.ledger.write_failure import LedgerWriteFailed
from soltrader_tui.market.errors import ResponseInvalid
from soltrader_tui.market.recorded import RecordedDataError
from soltrader_tui.market.sources import MarketSetupError
from soltrader_tui.net.breaker import CircuitOpen
from soltrader_tui.net.errors import ClientStopping, ProviderError, RequestFailed
from soltrader_tui.portfolio.codec import CodecError
from soltrader_tui.portfolio.portfolio import PortfolioError

KINDS: list[tuple[type[Exception], type[SoltraderError]]] = [
    (ConfigError, UserInputError),
    (DataFolderError, UserInputError),
    (MarketSetupError, UserInputError),
    (RecordedDataError, UserInputError),
    (LedgerError, LedgerUnusable),
    (LedgerDamaged, LedgerUnusable),
    (NotALedger, LedgerUnusable),
    (LedgerBusy, LedgerUnusable),
    (LedgerAhead, LedgerUnusable),
    (LedgerBehind, LedgerUnusable),
    (MarketTimeWentBack, LedgerUnusable),
    (CodecError, LedgerUnusable),
    (ProviderError, TemporaryError),
    (RequestFailed, TemporaryError),
    (ClientStopping, TemporaryError),
    (CircuitOpen, TemporaryError),
    (ResponseInvalid, TemporaryError),
    (CheckpointError, OperationalError),
    (PortfolioError, OperationalError),
    (LedgerWriteFailed, StorageFailed),
]


@pytest.mark.parametrize(("cls", "kind"), KINDS, ids=[c.__name__ for c, _ in KINDS])
def test_each_error_has_its_kind(cls: type[Exception], kind: type[SoltraderError]) -> None:
    assert issubclass(cls, kind)
    others = {UserInputError, LedgerUnusable, TemporaryError, OperationalError} - {kind}
    # Only the failed write is two kinds: callers that catch "the ledger" still see it.
    if cls is not LedgerWriteFailed:
        assert not any(issubclass(cls, other) for other in others)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ConfigError([], Path("config.yaml")), 2),
        (LedgerDamaged("damaged"), 2),
        (CheckpointError("cannot write"), 2),
        (LedgerWriteFailed("disk full", path=Path("l.db"), disk_full=True), 3),
        (ProviderError("jupiter", "timed out"), 1),
    ],
)
def test_the_kind_decides_the_exit_code(exc: SoltraderError, code: int) -> None:
    assert exit_code(exc) == code


def test_an_error_carries_a_title_and_its_message() -> None:
    exc = LedgerWriteFailed("the disk is full", path=Path("l.db"), disk_full=True)
    assert exc.title == "The ledger could not be written"
    assert exc.message == "the disk is full"
    assert ConfigError([], None).title == "Invalid input"
