"""The container files keep their promises (docs/docker.md): a non-root user, the data on a
volume, a health check that runs `soltrader-tui health`, the engine under `supervise`, a clean
stop by SIGINT, and `watch` reachable through `docker compose run`. Read, not built: building
needs a container engine, which CI does not have."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from soltrader_tui.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def instructions() -> dict[str, list[str]]:
    """The Dockerfile's instructions by keyword, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.setdefault(keyword.upper(), []).append(rest.strip())
    return found


def compose() -> dict[str, object]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


class TestDockerfile:
    """The image: slim Python 3.11, installed from its own files, never root, data on /data."""

    def test_base_and_install(self) -> None:
        found = instructions()
        assert found["FROM"] == ["python:3.11-slim"]
        assert any("pip install ." in run for run in found["RUN"])
        copied = " ".join(found["COPY"])
        assert "pyproject.toml" in copied and "soltrader_tui" in copied

    def test_runs_as_a_user_that_is_not_root(self) -> None:
        [user] = instructions()["USER"]
        assert user not in ("root", "0", "0:0")

    def test_data_on_a_volume_and_the_working_folder(self) -> None:
        found = instructions()
        assert found["VOLUME"] == ['["/data"]']
        assert found["WORKDIR"][-1] == "/data"

    def test_health_check_runs_health_and_stop_is_sigint(self) -> None:
        found = instructions()
        [check] = found["HEALTHCHECK"]
        assert "CMD soltrader-tui health" in check
        assert found["STOPSIGNAL"] == ["SIGINT"]
        assert found["CMD"] == ['["supervise"]']

    def test_entrypoint_runs_the_command_line(self) -> None:
        script = (ROOT / "docker" / "entrypoint.sh").read_text(encoding="utf-8")
        assert 'exec soltrader-tui "$@"' in script
        assert "/data/config.yaml" in script


class TestCompose:
    """The engine under `supervise`; `watch` and every other command through `run`."""

    def test_engine_is_supervised_on_the_volume(self) -> None:
        services = compose()["services"]
        assert isinstance(services, dict)
        engine = services["engine"]
        assert isinstance(engine, dict)
        assert engine["command"] == ["supervise"]
        assert engine["stop_signal"] == "SIGINT"
        assert engine["restart"] == "unless-stopped"
        assert "soltrader-data:/data" in engine["volumes"]

    def test_watch_and_cli_share_the_volume_and_are_run_on_demand(self) -> None:
        services = compose()["services"]
        assert isinstance(services, dict)
        assert services["watch"]["command"] == ["watch"]
        assert services["watch"]["tty"] is True and services["watch"]["stdin_open"] is True
        for name in ("watch", "cli"):
            assert services[name]["profiles"] == ["tools"]  # `up` leaves them out
            assert "soltrader-data:/data" in services[name]["volumes"]
        volumes = compose()["volumes"]
        assert isinstance(volumes, dict) and "soltrader-data" in volumes

    def test_commands_in_the_docs_exist(self) -> None:
        parser = build_parser()
        subs = next(a for a in parser._actions if a.dest == "command")
        assert isinstance(subs.choices, dict)
        text = (ROOT / "docs" / "docker.md").read_text(encoding="utf-8")
        for line in text.splitlines():
            if "compose run --rm cli " in line:
                words = shlex.split(line.split("compose run --rm cli ", 1)[1].split("#")[0])
                assert words[0].strip("`") in subs.choices, line
