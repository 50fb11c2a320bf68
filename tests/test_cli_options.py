"""Every option in both places: before the command it is applied to it, or refused; never ignored.

The walk below parses each command with each option before and after the command name, and
then runs each command that takes `--db` or `--config` with a path that exists nowhere else:
what the command prints names that path, so it used it (not the default ledger or config).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from soltrader_tui.cli import build_parser, main, parse_command_line
from tests.commands.test_stop import ledger_with_position, status
from tests.conftest import Cli

# The table is written out by hand (not read from the parser), so a parser that stops handing
# an option on, or starts taking one a command cannot use, fails here.
RUN_FLAGS = frozenset({"--config", "--db", "--seed", "--speed", "--duration", "--live"})
LEDGER_FLAGS = frozenset({"--config", "--db"})
CONFIG_FLAG = frozenset({"--config"})
COMMANDS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "dashboard": ((), RUN_FLAGS),
    "run": (("run",), RUN_FLAGS),
    "supervise": (("supervise",), RUN_FLAGS),
    "status": (("status",), LEDGER_FLAGS),
    "health": (("health",), LEDGER_FLAGS),
    "watch": (("watch",), LEDGER_FLAGS),
    "serve": (("serve",), LEDGER_FLAGS),
    "journal": (("journal",), LEDGER_FLAGS),
    "stop": (("stop",), LEDGER_FLAGS),
    "resume": (("resume",), LEDGER_FLAGS),
    "config check": (("config", "check"), frozenset({"--config"})),
    "alerts test": (("alerts", "test"), frozenset({"--config"})),
    "checkpoint": (("checkpoint",), LEDGER_FLAGS),
    "checkpoints": (("checkpoints",), LEDGER_FLAGS),
    "restore": (("restore", "NAME"), LEDGER_FLAGS),
    "paths": (("paths",), LEDGER_FLAGS),
    "backtest": (("backtest", "--strategy", "ema_cross", "--data", "x.csv"), LEDGER_FLAGS),
    "compare": (("compare", "--data", "x.csv"), frozenset({"--config"})),
    "optimize": (
        ("optimize", "--strategy", "s", "--trials", "1", "--data", "x"),
        frozenset({"--config"}),
    ),
    "download binance": (("download", "binance", "SOLUSDT"), frozenset()),
    "devnet": (("devnet",), frozenset()),
    "wallet": (("wallet",), frozenset({"--config"})),
    "preflight": (("preflight",), LEDGER_FLAGS),
    "slippage": (("slippage",), LEDGER_FLAGS),
}
# flag: (what is typed after it, None for a flag that takes no value; what the command receives)
OPTIONS: dict[str, tuple[str | None, object]] = {
    "--config": ("elsewhere.yaml", Path("elsewhere.yaml")),
    "--db": ("other.sqlite", Path("other.sqlite")),
    "--seed": ("7", 7),
    "--speed": ("60", 60.0),
    "--duration": ("2m", 120.0),
    "--live": (None, True),
}
# A command's own options: after the command they work, before it they are refused.
OWN_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "--json": (("status",), ("--json",)),
    "--headless": (("run",), ("--headless",)),
    "--timeout": (("stop",), ("--timeout", "5")),
    "--max-restarts": (("supervise",), ("--max-restarts", "3")),
}


def argv_for(command: str, flag: str, before: bool) -> list[str]:
    words, _ = COMMANDS[command]
    typed = OPTIONS[flag][0]
    option = [flag] if typed is None else [flag, typed]
    return [*option, *words] if before else [*words, *option]


def test_table_names_every_command() -> None:
    """A command added to the parser without a row here would escape the walk."""
    parser = build_parser()
    subs = next(a for a in parser._actions if a.dest == "command")
    assert set(subs.choices) == {w[0][0] for w in COMMANDS.values() if w[0]}


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
@pytest.mark.parametrize("flag", sorted(OPTIONS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_option_applied_or_refused(
    command: str, flag: str, before: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = argv_for(command, flag, before)
    if flag in COMMANDS[command][1]:
        args = parse_command_line(argv)
        assert getattr(args, flag[2:]) == OPTIONS[flag][1], argv
        return
    with pytest.raises(SystemExit) as exited:
        parse_command_line(argv)
    assert exited.value.code == 2, argv
    err = capsys.readouterr().err
    assert flag in err, err
    if before:
        assert f"{command} does not take {flag}" in err, err


@pytest.mark.parametrize("flag", sorted(OWN_OPTIONS))
def test_own_option_before_its_command_says_where_it_goes(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    words, option = OWN_OPTIONS[flag]
    args = parse_command_line([*words, *option])
    assert getattr(args, flag[2:].replace("-", "_")) not in (None, False)
    with pytest.raises(SystemExit) as exited:
        parse_command_line([*option, *words])
    assert exited.value.code == 2
    assert (
        f"{flag} goes after the command: soltrader-tui {words[0]} {flag}" in capsys.readouterr().err
    )


@pytest.mark.parametrize("flag", sorted(OWN_OPTIONS))
def test_own_option_with_no_command_names_who_takes_it(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, option = OWN_OPTIONS[flag]
    with pytest.raises(SystemExit) as exited:
        parse_command_line(list(option))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"the dashboard (no command) does not take {flag}" in err, err


def test_same_option_before_and_after() -> None:
    """Given twice with one value it is that value; with two values it is refused."""
    args = parse_command_line(["--db", "a.sqlite", "stop", "--db", "a.sqlite"])
    assert args.db == Path("a.sqlite")
    with pytest.raises(SystemExit) as exited:
        parse_command_line(["--db", "a.sqlite", "stop", "--db", "b.sqlite"])
    assert exited.value.code == 2


def test_live_given_before_and_after_is_given_once() -> None:
    # A flag without a value: "not given" must not count as a second, different value.
    assert parse_command_line(["--live", "run", "--live"]).live is True
    assert parse_command_line(["--live", "supervise"]).live is True
    assert not parse_command_line(["run"]).live
    assert not parse_command_line([]).live


def test_bare_run_flags_start_the_dashboard_with_them() -> None:
    args = parse_command_line(["--seed", "3", "--speed", "max"])
    assert args.command is None and args.seed == 3 and args.speed == float("inf")


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user with nothing yet: own config and data folders, started in an empty folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


# Each command that reads the ledger is given a file that is not one: it must name that file.
# (capfd: `supervise` runs its engine in a child process, which writes to the real stderr.)
# (`checkpoints` and `restore` read the checkpoints folder, which `paths` shows --db leaves in
# the data folder; their parsing is walked above.)
READS_LEDGER = ("dashboard", "run", "supervise", "status", "health", "watch", "serve", "stop",
                "resume", "checkpoint", "paths", "slippage")  # fmt: skip


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
@pytest.mark.parametrize("command", READS_LEDGER)
def test_db_is_the_one_used(
    command: str, before: bool, isolated: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    junk = isolated / "given-ledger.sqlite"
    junk.write_text("not a ledger\n")
    words = COMMANDS[command][0]
    option = ["--db", str(junk)]
    code = main([*option, *words] if before else [*words, *option])
    out = capfd.readouterr()
    assert str(junk) in out.out + out.err
    assert code == (0 if command == "paths" else 2), out
    assert junk.read_text() == "not a ledger\n"
    assert not (isolated / "xdg-data" / "soltrader-tui" / "soltrader.sqlite").exists()


CONFIG_COMMANDS = tuple(c for c, (_, takes) in COMMANDS.items() if "--config" in takes)


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_config_is_the_one_used(
    command: str, before: bool, isolated: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A config with an error in it: the command reports that file's error, by name and line."""
    bad = isolated / "given.yaml"
    bad.write_text("paper:\n  starting_cash_usd: lots\n")
    words = COMMANDS[command][0]
    option = ["--config", str(bad)]
    code = main([*option, *words] if before else [*words, *option])
    err = capfd.readouterr().err
    assert code == 2
    assert f"{bad}:2: paper.starting_cash_usd" in err, err


class TestWholeProcess:
    """The finding as a user met it: `--db other.sqlite stop` halted the default ledger."""

    def test_stop_before_command_halts_the_given_ledger_only(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        listed = dict(line.split(maxsplit=1) for line in cli.run("paths").stdout.splitlines()[2:])
        default = Path(listed["ledger"])
        default.parent.mkdir(parents=True)
        ledger_with_position(default)
        before = default.read_bytes()
        other = tmp_path / "other.sqlite"
        ledger_with_position(other)

        proc = cli.run("--db", other, "stop")

        assert proc.returncode == 0, proc.stderr
        assert f"no engine is running on {other}: stored state is now HALTED" in proc.stdout
        assert status(cli, other)["trading_state"] == "halted"
        assert status(cli, default)["trading_state"] == "active"
        assert default.read_bytes() == before

    def test_status_of_a_missing_ledger_names_it(self, cli: Cli, tmp_path: Path) -> None:
        missing = tmp_path / "nonexistent.sqlite"
        proc = cli.run("--db", missing, "status")
        assert proc.returncode == 2
        assert str(missing) in proc.stderr and "Traceback" not in proc.stderr
        assert not missing.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["devnet", "--config", "x.yaml"],  # would have been --config-out
        ["status", "--js"],
        ["download", "binance", "SOLUSDT", "--int", "5m"],
        ["--dur", "2m"],
    ],
)
def test_an_abbreviated_option_is_refused(argv: list[str]) -> None:
    # A prefix of an option must not silently become that option (or another one).
    with pytest.raises(SystemExit) as exited:
        parse_command_line(argv)
    assert exited.value.code == 2
