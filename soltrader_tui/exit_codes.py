"""Provides the exit codes scripts and `supervise` rely on, in one place.

0: stopped on purpose. 1: crashed (a restart may help). 2: bad input a restart cannot fix
(config, a damaged or foreign ledger, a second engine, a ledger behind its committed fills).
3: the ledger could not be written (disk full, I/O error, read-only file system): nothing was
lost that had committed; free space (or fix the disk) and restart, and the engine continues
where it stopped. 130: interrupted by a second Ctrl+C.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CRASHED = 1
EXIT_NEEDS_HUMAN = 2
EXIT_LEDGER_WRITE_FAILED = 3
EXIT_INTERRUPTED = 130
