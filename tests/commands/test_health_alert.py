"""`health --alert` as a scheduled task runs it: a bad verdict reaches the targets once per
cooldown, and the return to ok once; health itself never writes the ledger."""

from __future__ import annotations

import json
from pathlib import Path

from soltrader_tui.commands.health_alert import alert_on, state_file
from soltrader_tui.config.model import AlertsConfig, AlertTarget
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.monitor.health import Check, HealthReport
from tests.conftest import Cli
from tests.loopback import LoopbackServer, Reply


def config(cli: Cli, url: str, *, full_disk: bool) -> Path:
    path = cli.cwd / ("full.yaml" if full_disk else "fine.yaml")
    storage = "storage:\n  min_free_mb: 100000000\n" if full_disk else ""
    path.write_text(
        f'alerts:\n  cooldown_s: 3600\n  targets:\n    - url: "{url}"\n{storage}',
        encoding="utf-8",
    )
    return path


def test_a_bad_verdict_once_per_cooldown_and_each_change(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"  # no engine holds it: failing, whatever the disk
    Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t").close()
    before = db.read_bytes()
    with LoopbackServer() as server:
        server.route("/hook", lambda req: Reply.json({}))
        url = f"json://127.0.0.1:{server.port}/hook"
        full, fine = config(cli, url, full_disk=True), config(cli, url, full_disk=False)
        runs = [
            cli.run("health", "--alert", "--db", db, "--config", cfg, timeout=60)
            for cfg in (full, full, fine, fine)
        ]
        titles = [json.loads(r.body)["title"] for r in server.requests("/hook")]
    assert [r.returncode for r in runs] == [2, 2, 2, 2], runs[0].stdout + runs[0].stderr
    # The same verdict again within the cooldown is not sent twice; a changed one is.
    assert titles == ["health: FAILING (engine, storage)", "health: FAILING (engine)"]
    assert state_file(db).exists()
    assert db.read_bytes() == before, "health reads the ledger, never writes it"


def test_back_to_ok_is_sent_once_and_forgets_the_verdict(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    with LoopbackServer() as server:
        server.route("/hook", lambda req: Reply.json({}))
        alerts = AlertsConfig(targets=[AlertTarget(url=f"json://127.0.0.1:{server.port}/hook")])
        bad = HealthReport(db, 1000.0, (Check("heartbeat", "failing", "none for 3 min"),))
        good = HealthReport(db, 1060.0, (Check("heartbeat", "ok", "1 s ago"),))
        alert_on(bad, db, alerts, 1000.0)
        alert_on(good, db, alerts, 1060.0)
        alert_on(good, db, alerts, 1120.0)
        bodies = [json.loads(r.body) for r in server.requests("/hook")]
    assert [b["title"] for b in bodies] == ["health: FAILING (heartbeat)", "health: OK again"]
    assert "failing: heartbeat: none for 3 min" in bodies[0]["message"]
    assert not state_file(db).exists()


def test_without_a_target_it_says_so_and_keeps_its_exit_code(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t").close()
    cfg = cli.cwd / "c.yaml"
    cfg.write_text("storage:\n  min_free_mb: 100000000\n", encoding="utf-8")
    proc = cli.run("health", "--alert", "--db", db, "--config", cfg, timeout=60)
    assert proc.returncode == 2
    assert "health --alert: no alert target (alerts.targets)" in proc.stderr
