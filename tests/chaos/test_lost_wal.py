"""Committed fills rolled back by a deleted -wal after a kill -9 are noticed: the next start is
refused with the count, `--accept-lost-fills` goes on and records it, and no order id of the
lost session is used again."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import time
from pathlib import Path

import psutil
import pytest

from soltrader_tui.ledger.highwater import sidecar_path
from tests.conftest import Cli

BEHIND = re.compile(r"(?P<missing>\d+) committed fills? (are|is) missing")


def fills_and_orders(db: Path) -> tuple[int, list[str]]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        fills = int(conn.execute("SELECT count(*) FROM fills").fetchone()[0])
        orders = [r[0] for r in conn.execute("SELECT client_order_id FROM orders")]
    finally:
        conn.close()
    return fills, orders


def committed_mark(db: Path) -> dict[str, int]:
    mark: dict[str, int] = json.loads(sidecar_path(db).read_text(encoding="utf-8"))
    return mark


@pytest.mark.skipif(
    sys.platform == "win32", reason="Windows cannot delete the -wal of an open file"
)
class TestDeletedWal:
    """The owner's sync tool deletes the -wal after a crash: the loss is said, not swallowed."""

    def test_refused_with_the_count_then_accepted(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        first = cli.run("run", "--headless", "--speed", "max", "--duration", "30m", "--db", db)
        assert first.returncode == 0, first.stderr[-2000:]
        kept, _ = fills_and_orders(db)  # a clean stop folds the -wal into the file

        engine = cli.start("run", "--headless", "--speed", "100", "--db", db)
        deadline = time.monotonic() + 90
        while committed_mark(db)["fills"] < kept + 3:
            assert time.monotonic() < deadline, "the engine never traded"
            assert engine.poll() is None
            time.sleep(0.1)
        psutil.Process(engine.pid).kill()
        engine.wait(timeout=30)
        mark = committed_mark(db)
        # Which order ids the lost session used: read through the -wal before it goes.
        _, with_wal = fills_and_orders(db)
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink()
        held, remaining = fills_and_orders(db)
        lost_ids = set(with_wal) - set(remaining)
        assert held < mark["fills"], "the deleted -wal must really have held committed fills"

        refused = cli.run("run", "--headless", "--speed", "max", "--duration", "1m", "--db", db)
        assert refused.returncode == 2, refused.stderr[-2000:]
        assert "Traceback" not in refused.stderr
        found = BEHIND.search(refused.stderr)
        assert found, refused.stderr
        assert int(found["missing"]) == mark["fills"] - held
        assert f"holds {held} fills" in refused.stderr
        assert "soltrader-tui restore NAME" in refused.stderr
        assert "--accept-lost-fills" in refused.stderr
        assert fills_and_orders(db)[0] == held, "a refused start writes nothing"

        accepted = cli.run(
            "run",
            "--headless",
            "--accept-lost-fills",
            "--speed",
            "max",
            "--duration",
            "3h",
            "--db",
            db,
        )
        assert accepted.returncode == 0, accepted.stderr[-2000:]
        assert "LOST FILLS ACCEPTED" in accepted.stderr
        conn = sqlite3.connect(db)
        [(message,)] = conn.execute(
            "SELECT message FROM events WHERE kind = 'lost_fills_accepted'"
        ).fetchall()
        conn.close()
        assert f"{mark['fills'] - held} committed fills" in message
        after, orders = fills_and_orders(db)
        assert after > held, "the accepted session traded"
        assert lost_ids, "the lost session's order ids were read before the -wal went"
        assert not lost_ids & set(orders), "no order id of the lost session is used again"
        assert len(set(orders)) == len(orders)

        again = cli.run("run", "--headless", "--speed", "max", "--duration", "1m", "--db", db)
        assert again.returncode == 0, again.stderr[-2000:]
