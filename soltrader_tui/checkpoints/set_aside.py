"""Provides the ledger copies kept beside a ledger: the one a restore replaced, or a damaged one.

`restore` renames the ledger it replaces to `<ledger>.before-restore-<stamp>`, and a ledger that
fails its start-up check is renamed to `<ledger>.damaged-<stamp>` (each with its -wal/-shm).
They are not checkpoints (`restore NAME` does not take them) but they are the user's data, so
`soltrader-tui checkpoints` lists them.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from pathlib import Path

KINDS = {"before-restore": "pre-restore copy", "damaged": "damaged ledger, set aside"}
"""Each file label, and how the listing marks it."""


@dataclass(frozen=True, slots=True)
class SetAside:
    """One ledger file kept beside the ledger."""

    path: Path
    kind: str
    """How the listing marks it, from `KINDS`."""
    ts: float
    """When it was set aside (from its name), unix seconds."""
    size_bytes: int
    """The file with its -wal and -shm."""


def list_set_aside(ledger: Path) -> list[SetAside]:
    """The copies kept beside `ledger`, newest first; none when its folder does not exist."""
    pattern = re.compile(
        rf"^{re.escape(ledger.name)}\.({'|'.join(KINDS)})-(\d{{8}}-\d{{6}}Z)(?:-\d+)?$"
    )
    if not ledger.parent.is_dir():
        return []
    found = []
    for entry in ledger.parent.iterdir():
        match = pattern.match(entry.name)
        if match is None or not entry.is_file():
            continue
        files = [entry.with_name(entry.name + s) for s in ("", "-wal", "-shm")]
        size = sum(f.stat().st_size for f in files if f.is_file())
        ts = calendar.timegm(time.strptime(match.group(2), "%Y%m%d-%H%M%SZ"))
        found.append(SetAside(entry, KINDS[match.group(1)], float(ts), size))
    found.sort(key=lambda s: (s.ts, s.path.name), reverse=True)
    return found
