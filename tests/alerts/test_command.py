"""Tests `soltrader-tui alerts test`: a test message to every target, each result printed, and
the exit code a script can act on."""

from __future__ import annotations

from pathlib import Path

from tests.alerts.smtp import SmtpServer, free_port
from tests.conftest import Cli

SECRET_ENV = "SOLTRADER_TEST_SMTP_PASSWORD"


def config_with(path: Path, *urls: str) -> Path:
    lines = ["alerts:", "  targets:"]
    for url in urls:
        lines.append(f'    - url: "{url}"')
        if "{password}" in url:
            lines.append(f"      password_env: {SECRET_ENV}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestAlertsTest:
    """The operator checks their targets before trusting them."""

    def test_every_target_gets_one_and_each_result_is_printed(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        with SmtpServer() as smtp:
            config = config_with(tmp_path / "c.yaml", smtp.url())
            cli.env[SECRET_ENV] = "pw"
            done = cli.run("alerts", "test", "--config", config)
            [mail] = smtp.wait_for(1)
        assert done.returncode == 0, done.stderr
        assert mail.subject == "soltrader-tui test alert"
        assert "Nothing is wrong." in mail.text
        assert "mailto://bot:****@example.com: sent" in done.stdout
        assert "all 1 targets took the test message" in done.stdout

    def test_a_failing_target_gives_exit_1(self, cli: Cli, tmp_path: Path) -> None:
        with SmtpServer() as smtp:
            dead = f"json://127.0.0.1:{free_port()}/hook"
            config = config_with(tmp_path / "c.yaml", smtp.url(), dead)
            done = cli.run("alerts", "test", "--config", config)
        assert done.returncode == 1, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].startswith("mailto://bot:****@example.com: FAILED: ")
        assert lines[0].endswith(
            f": FAILED: environment variable {SECRET_ENV} "
            f"(alerts.targets password_env of {lines[0].split(': ')[0]}) "
            "is not set"
        )
        assert lines[1].startswith(dead + ": FAILED: ")
        assert lines[2] == "2 of 2 targets failed"

    def test_a_bad_config_gives_exit_2(self, cli: Cli, tmp_path: Path) -> None:
        config = config_with(tmp_path / "c.yaml", "nosuch://x")
        done = cli.run("alerts", "test", "--config", config)
        assert done.returncode == 2
        assert "alerts.targets.0.url" in done.stderr
