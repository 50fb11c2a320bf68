"""A session's stored config names its secrets' variables but never holds a secret: not one
read from the environment, not one written into an alert target's URL."""

from __future__ import annotations

import json

import pytest

from soltrader_tui.config.model import Config
from soltrader_tui.engine.session_record import effective_config

SECRET = "s3cret-Pa55"


def test_secrets_are_named_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_PASSWORD", SECRET)
    monkeypatch.setenv("METRICS_TOKEN", SECRET)
    config = Config.model_validate(
        {
            "alerts": {
                "targets": [
                    {
                        "url": "json://bot:{password}@127.0.0.1:9/hook",
                        "password_env": "HOOK_PASSWORD",
                    },
                    {"url": "json://bot:" + SECRET + "@127.0.0.1:9/inline"},
                ]
            },
            "monitor": {"http_port": 9, "bind": "0.0.0.0", "token_env": "METRICS_TOKEN"},
        }
    )
    flat = effective_config(config)
    assert SECRET not in json.dumps(flat)
    assert flat["alerts.targets.0.password_env"] == '"HOOK_PASSWORD"'
    assert flat["alerts.targets.0.url"] == '"json://bot:****@127.0.0.1:9/hook"'
    assert "****" in flat["alerts.targets.1.url"]
    assert flat["monitor.token_env"] == '"METRICS_TOKEN"'
    assert flat["market.jupiter.api_key_env"] == '"JUPITER_API_KEY"'
    assert flat["risk.max_open_positions"] == "3"
