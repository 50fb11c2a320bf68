"""Tests that an alert target's secret stays in the environment: after a real headless session
that sent alerts (one target logging in with the secret, one failing), no byte of it is in the
ledger, the logs, the checkpoints or what the process printed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from tests.alerts.smtp import SmtpServer, free_port
from tests.conftest import Cli

SECRET = "Zq8-unique-Secret!/42"
SECRET_ENV = "SOLTRADER_TEST_SMTP_PASSWORD"


def write_config(path: Path, data_dir: Path, good_url: str, bad_url: str) -> Path:
    path.write_text(
        f"storage:\n  data_dir: {data_dir.as_posix()}\n"
        "alerts:\n  retries: 0\n  targets:\n"
        f'    - url: "{good_url}"\n      min_severity: info\n      password_env: {SECRET_ENV}\n'
        f'    - url: "{bad_url}"\n      password_env: {SECRET_ENV}\n',
        encoding="utf-8",
    )
    return path


class TestSecretsStayInTheEnvironment:
    """The operator's SMTP password is used, and written nowhere."""

    def test_no_file_holds_the_secret(self, cli: Cli, tmp_path: Path) -> None:
        data = tmp_path / "data"
        data.mkdir()
        (data / "STOP").write_text("")  # the first tick halts: a critical alert
        refused = free_port()
        with SmtpServer() as smtp:
            bad = smtp.url().replace(f"port={smtp.port}", f"port={refused}")
            config = write_config(tmp_path / "config.yaml", data, smtp.url(), bad)
            cli.env[SECRET_ENV] = SECRET
            run = cli.run(
                "run", "--headless", "--speed", "max", "--duration", "10m", "--config", config
            )
            assert run.returncode == 0, run.stderr[-2000:]
            took = cli.run("checkpoint", "--config", config)
            assert took.returncode == 0, took.stderr[-2000:]
            mails = smtp.wait_for(1)
        assert smtp.logins and all(password == SECRET for _, password in smtp.logins)
        assert any(m.subject == "Trading HALTED" for m in mails)
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert any(p.suffix == ".log" for p in files)
        assert any("checkpoint" in str(p).lower() for p in files)
        forms = {SECRET.encode(), quote(SECRET, safe="").encode()}
        holding = [p for p in files for form in forms if form in p.read_bytes()]
        assert holding == []
        printed = run.stdout + run.stderr + took.stdout + took.stderr
        assert all(form.decode() not in printed for form in forms)
        assert "ALERT NOT DELIVERED" in run.stderr
