"""Checkpoints the engine takes by itself: periodically, and before a schema migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from soltrader_tui.checkpoints.store import list_checkpoints, take_checkpoint
from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.engine.runtime import RunOptions, open_session
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket

START = 1_767_225_600.0


class TestPeriodicCheckpoints:
    """Every `storage.checkpoint_every_minutes`, a checkpoint appears without a keystroke."""

    async def test_engine_checkpoints_on_its_own(self, tmp_path: Path) -> None:
        db, folder = tmp_path / "l.sqlite", tmp_path / "checkpoints"
        config = Config.model_validate({"storage": {"checkpoint_every_minutes": 0.005}})
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")

        def checkpointer(reason: str) -> str:
            return take_checkpoint(db, folder, config_file=None, reason=reason, keep=3).name

        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeed(SimMarket(3, START)),
            clock=VirtualClock(START),
            version="t",
            duration_s=4 * 3600,
            checkpointer=checkpointer,
        )
        await engine.run()
        ledger.close()
        taken = list_checkpoints(folder)
        assert 1 <= len(taken) <= 3, "taken, and rotated to keep_checkpoints"
        assert {c.reason for c in taken} == {"periodic"}
        sql = (
            "SELECT count(*) FROM events WHERE kind = 'checkpoint' AND message LIKE 'CHECKPOINT %'"
        )
        lines = sqlite3.connect(db).execute(sql).fetchone()[0]
        assert lines >= len(taken)


class TestBeforeMigration:
    """An older ledger is checkpointed before it is migrated."""

    def test_checkpoint_then_migrate(self, tmp_path: Path) -> None:
        data = tmp_path / "data"
        data.mkdir()
        config = tmp_path / "config.yaml"
        config.write_text(f"storage:\n  data_dir: {data.as_posix()}\n")
        db = data / "soltrader.sqlite"
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO meta VALUES ('starting_cash_micro', '500000000'), ('mode', 'paper')"
        )
        conn.close()
        session = open_session(RunOptions(config=config, speed=float("inf"), duration_s=60))
        session.close()
        taken = list_checkpoints(data / "checkpoints")
        assert [c.reason for c in taken] == ["before schema migration"]
        assert session.checkpoints_taken == (
            f"CHECKPOINT {taken[0].name} taken before migrating the ledger from schema 1",
        ), "the log line `run` writes once logging is set up"
        version = sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION
