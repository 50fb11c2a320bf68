"""Tests the alerts section of the config: a target's URL is checked by apprise at load, and its
secret's slot and variable must come together; each problem names the key and line."""

from __future__ import annotations

from pathlib import Path

from soltrader_tui.config.load import load_config
from tests.config.test_load import only_problem, write_config


class TestTargets:
    """What `config check` says about an alert target."""

    def test_unknown_scheme_named_by_key_and_line(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            alerts:
              targets:
                - url: "nosuch://host/path"
            """,
        )
        problem = only_problem(path)
        assert (problem.key, problem.line) == (("alerts", "targets", "0", "url"), 3)
        assert "apprise cannot use this nosuch:// URL" in problem.message

    def test_slot_without_variable(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            alerts:
              targets:
                - url: "json://127.0.0.1:9/hook"
                - url: "mailto://bot:{password}@example.com"
            """,
        )
        problem = only_problem(path)
        assert problem.key == ("alerts", "targets", "1")
        assert "no password_env" in problem.message

    def test_variable_without_slot(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            alerts:
              targets:
                - url: "mailto://bot@example.com"
                  password_env: SMTP_PASSWORD
            """,
        )
        assert "has no {password}" in only_problem(path).message

    def test_a_good_target_loads(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            alerts:
              cooldown_s: 60
              targets:
                - url: "mailtos://bot:{password}@example.com?smtp=smtp.example.com"
                  min_severity: critical
                  password_env: SMTP_PASSWORD
            """,
        )
        [target] = load_config(path).config.alerts.targets
        assert (target.min_severity, target.password_env) == ("critical", "SMTP_PASSWORD")

    def test_a_token_shaped_secret_is_checked_by_scheme_only(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            alerts:
              targets:
                - url: "tgram://{password}/123456789"
                  password_env: TELEGRAM_TOKEN
                - url: "nosuch://{password}/x"
                  password_env: TELEGRAM_TOKEN
            """,
        )
        problem = only_problem(path)
        assert problem.key == ("alerts", "targets", "1", "url")
        assert "apprise knows no nosuch:// URL" in problem.message
