"""Live trading's three opt-ins: `mode: live`, `--live` and the typed confirmation.

The check itself is given its inputs (the config, the flag, an environment, whether there is a
terminal, and what the operator types); the commands are run whole, in-process through `main`
and as processes, to show a refusal exits 2 before any ledger file exists.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from soltrader_tui.cli import main
from soltrader_tui.commands.live_optin import (
    CONFIRM_ENV,
    CONFIRM_WORDS,
    OptIns,
    check_opt_ins,
    confirmation_prompt,
)
from soltrader_tui.config.model import Config
from tests.conftest import Cli

PUBKEY = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
LIVE_YAML = f"""mode: live
market:
  source: jupiter
solana:
  keypair_env: SOLTRADER_TEST_KEY
  pubkey: {PUBKEY}
live:
  max_capital_usd: 120
  max_order_usd: 30
  max_slippage_bps: 75
  max_priority_fee_lamports: 1500000
"""
"""A config with everything `mode: live` needs, and caps that differ from the defaults."""
PAST_THE_OPT_INS = "the environment variable SOLTRADER_TEST_KEY (solana.keypair_env) is not set"
"""The next gate after the opt-ins: the wallet's key (unset in these tests), checked before
any ledger is opened."""


def live_config() -> Config:
    return Config.model_validate(
        {
            "mode": "live",
            "market": {"source": "jupiter"},
            "solana": {"keypair_env": "SOLTRADER_TEST_KEY", "pubkey": PUBKEY},
            "live": {
                "max_capital_usd": 120,
                "max_order_usd": 30,
                "max_slippage_bps": 75,
                "max_priority_fee_lamports": 1_500_000,
            },
        }
    )


@dataclass
class Operator:
    """Types `answer` at the prompt and remembers each prompt shown."""

    answer: str = CONFIRM_WORDS
    prompts: list[str] = field(default_factory=list)

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.answer


def decide(
    config: Config,
    live_flag: bool,
    *,
    env: dict[str, str] | None = None,
    terminal: bool = True,
    operator: Operator | None = None,
) -> OptIns:
    return check_opt_ins(
        config, live_flag, env or {}, interactive=terminal, ask=operator or Operator()
    )


class TestPaper:
    """Paper, the default, is untouched: no prompt, no key, whatever the environment says."""

    @pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "no-terminal"])
    @pytest.mark.parametrize("env", [{}, {CONFIRM_ENV: CONFIRM_WORDS}, {CONFIRM_ENV: "no"}])
    def test_paper_without_live_never_asks(self, terminal: bool, env: dict[str, str]) -> None:
        operator = Operator()
        decided = decide(Config(), False, env=env, terminal=terminal, operator=operator)
        assert decided == OptIns(live=False)
        assert decided.refusal is None
        assert operator.prompts == []


class TestEachMissingOptInIsNamed:
    """A start asking for live without all three is refused, naming what is missing."""

    def test_live_flag_with_a_paper_config(self) -> None:
        operator = Operator()
        decided = decide(Config(), True, operator=operator)
        assert not decided.live
        assert decided.missing == (
            "--live was given but the config says mode: paper, not mode: live",
        )
        assert operator.prompts == []  # never asked to confirm a start refused anyway

    def test_live_config_without_the_flag(self) -> None:
        operator = Operator()
        decided = decide(live_config(), False, operator=operator)
        assert decided.missing == ("the config says mode: live but --live was not given",)
        assert operator.prompts == []

    def test_no_terminal_and_no_variable(self) -> None:
        decided = decide(live_config(), True, terminal=False)
        assert decided.missing == (
            f"no confirmation: stdin is not a terminal to type it in and {CONFIRM_ENV} is not set",
        )

    def test_an_empty_variable_is_not_a_confirmation(self) -> None:
        decided = decide(live_config(), True, env={CONFIRM_ENV: ""}, terminal=False)
        assert not decided.live
        assert "is not set" in decided.missing[0]

    @pytest.mark.parametrize("value", ["yes", "YES-I-ACCEPT-LOSSES", f"{CONFIRM_WORDS} ", "1"])
    def test_the_variable_with_another_value(self, value: str) -> None:
        operator = Operator()
        decided = decide(live_config(), True, env={CONFIRM_ENV: value}, operator=operator)
        assert decided.missing == (f"{CONFIRM_ENV} is {value!r}, not {CONFIRM_WORDS}",)
        assert operator.prompts == []  # a variable set wrong is a mistake, not a cue to ask

    @pytest.mark.parametrize("typed", ["", "yes", "y", CONFIRM_WORDS.upper(), f" {CONFIRM_WORDS}"])
    def test_the_typed_confirmation_wrong(self, typed: str) -> None:
        operator = Operator(typed)
        decided = decide(live_config(), True, operator=operator)
        assert not decided.live
        assert decided.missing == (f"the confirmation typed was {typed!r}, not {CONFIRM_WORDS}",)
        assert len(operator.prompts) == 1

    def test_every_missing_one_in_one_message(self) -> None:
        decided = decide(Config(), True, env={CONFIRM_ENV: "sure"})
        assert decided.refusal is not None
        assert decided.refusal.startswith(
            "live trading refused: --live was given but the config says mode: paper, not mode: "
            f"live; {CONFIRM_ENV} is 'sure', not {CONFIRM_WORDS}. Live needs all three"
        )
        decided = decide(live_config(), False, terminal=False)
        assert decided.missing == (
            "the config says mode: live but --live was not given",
            f"no confirmation: stdin is not a terminal to type it in and {CONFIRM_ENV} is not set",
        )


class TestAllThree:
    """With the config, the flag and the confirmation, the session is live."""

    def test_typed_after_reading_the_caps(self) -> None:
        operator = Operator(CONFIRM_WORDS)
        decided = decide(live_config(), True, operator=operator)
        assert decided == OptIns(live=True, typed=True)
        assert decided.refusal is None
        (prompt,) = operator.prompts
        for shown in (
            PUBKEY,
            "$120.00",
            "(live.max_capital_usd)",
            "$30.00",
            "(live.max_order_usd)",
            "75 bps",
            "1,500,000 lamports",
            "(live.max_priority_fee_lamports)",
            f"Type {CONFIRM_WORDS}",
        ):
            assert shown in prompt, (shown, prompt)

    @pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "no-terminal"])
    def test_the_variable_confirms_without_asking(self, terminal: bool) -> None:
        operator = Operator("no")
        env = {CONFIRM_ENV: CONFIRM_WORDS}
        decided = decide(live_config(), True, env=env, terminal=terminal, operator=operator)
        assert decided == OptIns(live=True, typed=False)
        assert operator.prompts == []

    def test_the_prompt_shows_the_defaults_too(self) -> None:
        config = Config.model_validate(
            {
                "mode": "live",
                "market": {"source": "jupiter"},
                "solana": {"keypair_path": "id.json", "pubkey": PUBKEY},
            }
        )
        prompt = confirmation_prompt(config)
        assert "$100.00" in prompt and "$25.00" in prompt and "2,000,000 lamports" in prompt


class FakeTerminal(io.StringIO):
    """Stdin as a terminal the operator types `text` into."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Own config and data folders, no confirmation in the environment, stdin not a terminal."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv(CONFIRM_ENV, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paper.yaml").write_text("mode: paper\n", encoding="utf-8")
    (tmp_path / "live.yaml").write_text(LIVE_YAML, encoding="utf-8")
    return tmp_path


def nothing_opened(folder: Path) -> bool:
    """No ledger (nor its -wal, -shm or lock) and no data folder was created."""
    return not list(folder.glob("l.sqlite*")) and not (folder / "xdg-data").exists()


class TestCommandsRefuse:
    """`run`, the dashboard and `supervise` refuse with exit 2 before opening anything."""

    @pytest.mark.parametrize(
        "words",
        [("run", "--live"), ("run", "--headless", "--live"), ("--live",), ("--live", "run")],
        ids=["run", "headless", "dashboard", "before-run"],
    )
    def test_live_with_a_paper_config(
        self, words: tuple[str, ...], folder: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        code = main([*words, "--config", "paper.yaml", "--db", "l.sqlite"])
        err = capfd.readouterr().err
        assert code == 2, err
        assert "live trading refused: --live was given but the config says mode: paper" in err
        assert nothing_opened(folder)

    def test_live_config_without_the_flag(
        self, folder: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["run", "--headless", "--config", "live.yaml", "--db", "l.sqlite"])
        err = capfd.readouterr().err
        assert code == 2
        assert "the config says mode: live but --live was not given" in err
        assert "no confirmation: stdin is not a terminal" in err  # both named at once
        assert nothing_opened(folder)

    def test_typed_wrong_at_the_terminal(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setattr(sys, "stdin", FakeTerminal("yes\n"))
        code = main(["run", "--headless", "--live", "--config", "live.yaml", "--db", "l.sqlite"])
        out, err = capfd.readouterr()
        assert code == 2
        assert "$120.00" in out and f"Type {CONFIRM_WORDS}" in out
        assert f"the confirmation typed was 'yes', not {CONFIRM_WORDS}" in err
        assert nothing_opened(folder)

    def test_end_of_input_at_the_prompt_refuses(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setattr(sys, "stdin", FakeTerminal(""))
        code = main(["run", "--live", "--config", "live.yaml", "--db", "l.sqlite"])
        assert code == 2
        assert "the confirmation typed was ''" in capfd.readouterr().err
        assert nothing_opened(folder)

    @pytest.mark.parametrize("route", ["typed", "variable"])
    def test_all_three_still_do_not_trade_live_in_this_build(
        self,
        route: str,
        folder: Path,
        monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        if route == "typed":
            monkeypatch.setattr(sys, "stdin", FakeTerminal(CONFIRM_WORDS + "\n"))
        else:
            monkeypatch.setenv(CONFIRM_ENV, CONFIRM_WORDS)
        code = main(["run", "--headless", "--live", "--config", "live.yaml", "--db", "l.sqlite"])
        err = capfd.readouterr().err
        assert code == 2
        assert PAST_THE_OPT_INS in err and "refused" not in err
        assert nothing_opened(folder)

    def test_supervise_refuses_before_starting_an_engine(
        self, folder: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["supervise", "--live", "--config", "paper.yaml", "--db", "l.sqlite"])
        out, err = capfd.readouterr()
        assert code == 2
        assert "--live was given but the config says mode: paper" in err
        assert "started engine" not in out + err
        assert nothing_opened(folder)


class TestSupervisedEngine:
    """`supervise --live` hands the flag on, and a confirmation typed at its own prompt, to the
    engine it starts (which has no terminal of its own to type in)."""

    def test_typed_once_at_supervise_reaches_the_engine(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setattr(sys, "stdin", FakeTerminal(CONFIRM_WORDS + "\n"))
        code = main(["supervise", "--live", "--config", "live.yaml", "--db", "l.sqlite"])
        out, err = capfd.readouterr()
        # The engine passed its opt-ins (so it got --live and the confirmation) and stopped at
        # the wallet's key, unset here: a refusal, which supervise does not restart.
        assert "started engine" in out + err
        assert PAST_THE_OPT_INS in err, err
        assert "refused:" not in err
        assert code == 2
        assert CONFIRM_ENV not in os.environ  # set for the engine only
        assert not list(folder.glob("l.sqlite*"))


class TestAsAProcess:
    """The finding as a user would meet it: `soltrader-tui run --live` on a paper config."""

    def test_run_live_on_a_paper_config_exits_2_without_a_ledger(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        (cli.cwd / "config.yaml").write_text("mode: paper\n", encoding="utf-8")
        db = tmp_path / "never.sqlite"
        done = subprocess.run(
            cli.argv("run", "--headless", "--live", "--db", db),
            cwd=cli.cwd,
            env={k: v for k, v in cli.env.items() if k != CONFIRM_ENV},
            stdin=subprocess.DEVNULL,  # no terminal: nothing may wait for typing
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("soltrader-tui: live trading refused: --live was given")
        assert "mode: live" in done.stderr and "Traceback" not in done.stderr
        assert not db.exists()
        assert not list(tmp_path.glob("never.sqlite*"))
