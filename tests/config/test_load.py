"""Tests loading config files: the shipped file, the defaults, and every kind of problem."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soltrader_tui.config.load import ConfigError, ConfigProblem, LoadedConfig, load_config
from soltrader_tui.config.model import Config, Setting, format_value, iter_settings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config.yaml"
DOCS = REPO / "docs" / "configuration.md"
SECTION_ORDER = [
    "mode",
    "market",
    "paper",
    "solana",
    "live",
    "risk",
    "strategies",
    "research",
    "storage",
    "alerts",
    "monitor",
    "tui",
]


def write_config(folder: Path, text: str, name: str = "config.yaml") -> Path:
    """Writes dedented YAML text to a file in `folder` and returns its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(path: Path) -> ConfigError:
    """Loads a config that must fail, and returns the error."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def only_problem(path: Path) -> ConfigProblem:
    """Loads a config that must have exactly one problem, and returns it."""
    problems = load_error(path).problems
    assert len(problems) == 1, problems
    return problems[0]


def flatten(data: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Turns nested mappings into dotted keys."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def doc_row(setting: Setting) -> str:
    """The table row docs/configuration.md must carry for one setting."""
    meaning = " ".join(setting.description.split())
    default = format_value(setting.default)
    return f"| `{setting.key}` | `{default}` | {setting.allowed} | {meaning} |"


class TestShippedConfig:
    """The config.yaml in the repository is a complete, commented copy of the defaults."""

    def test_loads_to_exactly_the_defaults(self) -> None:
        loaded = load_config(SHIPPED)
        assert loaded.config == Config()
        assert loaded.path == SHIPPED
        assert loaded.notices == ()

    def test_lists_every_setting(self) -> None:
        written = flatten(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
        assert list(written) == [setting.key for setting in iter_settings()]

    def test_sections_come_in_the_documented_order(self) -> None:
        data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
        assert list(data) == SECTION_ORDER

    def test_every_key_has_a_comment_above_it(self) -> None:
        lines = SHIPPED.read_text(encoding="utf-8").splitlines()
        uncommented = [
            line
            for above, line in itertools.pairwise(lines)
            if line.strip()
            and not line.lstrip().startswith("#")
            and not above.lstrip().startswith("#")
        ]
        assert uncommented == []

    def test_header_says_where_it_is_looked_for_and_how_to_check_it(self) -> None:
        header = SHIPPED.read_text(encoding="utf-8").split("\nmode:")[0]
        assert "--config" in header
        assert "current folder" in header
        assert "soltrader-tui config check" in header


class TestDocs:
    """docs/configuration.md documents every setting with its current default."""

    def test_every_dotted_key_appears(self) -> None:
        text = DOCS.read_text(encoding="utf-8")
        missing = [s.key for s in iter_settings() if f"`{s.key}`" not in text]
        assert missing == []

    def test_table_rows_match_the_models(self) -> None:
        text = DOCS.read_text(encoding="utf-8")
        stale = [doc_row(s) for s in iter_settings() if doc_row(s) not in text]
        assert stale == [], "update docs/configuration.md with:\n" + "\n".join(stale)


class TestNoConfigFile:
    """Without a config file the defaults are used, and the operator is told so."""

    def test_defaults_with_one_notice(self) -> None:
        loaded = load_config(None)
        assert loaded == LoadedConfig(Config(), None, loaded.notices)
        assert len(loaded.notices) == 1
        assert "defaults" in loaded.notices[0]
        assert "config.yaml" in loaded.notices[0]
        assert "--config" in loaded.notices[0]

    @pytest.mark.parametrize("text", ["", "\n\n", "# all commented out\n# mode: paper\n"])
    def test_empty_file_gives_defaults(self, tmp_path: Path, text: str) -> None:
        path = write_config(tmp_path, text)
        loaded = load_config(path)
        assert loaded.config == Config()
        assert loaded.notices == (f"{path} has no settings; using the built-in defaults.",)

    def test_emptied_section_gives_its_defaults(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "risk:\n  # stop_loss_pct: 5\ntui:\n  log_lines: 200\n")
        config = load_config(path).config
        assert config.risk == Config().risk
        assert config.tui.log_lines == 200

    def test_byte_order_mark_is_accepted(self, tmp_path: Path) -> None:
        path = tmp_path / "config.yaml"
        path.write_bytes("\ufeffrisk:\n  order_usd: 20\n".encode())
        assert load_config(path).config.risk.order_usd == 20.0


class TestSettingsApplied:
    """Values in the file reach the configuration; the rest stay at their defaults."""

    def test_nested_values(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            market:
              sim:
                seed: 42
            strategies:
              momentum:
                enabled: false
            storage:
              data_dir: ~/soltrader
            """,
        )
        config = load_config(path).config
        assert config.market.sim.seed == 42
        assert config.strategies.momentum.enabled is False
        assert config.storage.data_dir == "~/soltrader"
        assert config.risk == Config().risk

    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        stop=st.floats(min_value=0.01, max_value=99.99),
        positions=st.integers(min_value=1, max_value=100),
        seed=st.integers(min_value=-(2**62), max_value=2**62),
    )
    def test_any_valid_values_round_trip(
        self, tmp_path: Path, stop: float, positions: int, seed: int
    ) -> None:
        data = Config().model_dump()
        data["risk"].update(stop_loss_pct=stop, max_open_positions=positions)
        data["market"]["sim"]["seed"] = seed
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        assert load_config(path).config == Config.model_validate(data)


class TestUnknownKeys:
    """A misspelt or misplaced key is reported with its line and the likely intended key."""

    def test_typo_suggests_the_key(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "mode: paper\nmarket:\n  sorce: sim\n")
        error = load_error(path)
        assert str(error) == f"{path}:3: market.sorce: unknown key (did you mean 'source'?)"

    def test_key_in_the_wrong_section_points_to_its_section(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "market:\n  stop_loss_pct: 5\n")
        problem = only_problem(path)
        assert problem.line == 2
        assert problem.message == "unknown key here (did you mean 'risk.stop_loss_pct'?)"

    def test_misspelt_section(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "strategy:\n  momentum:\n    enabled: false\n")
        problem = only_problem(path)
        assert (problem.key, problem.line) == (("strategy",), 1)
        assert "did you mean 'strategies'?" in problem.message

    def test_nothing_close_lists_the_valid_keys(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "tui:\n  colour_scheme: dark\n")
        problem = only_problem(path)
        assert (
            problem.message == "unknown key (expected one of: refresh_hz, log_lines, recent_fills)"
        )


class TestWrongValues:
    """A value of the wrong type or out of range names the key, the rule and the value given."""

    @pytest.mark.parametrize(
        ("yaml_text", "key", "message"),
        [
            (
                "market:\n  tick_seconds: 0.5s\n",
                "market.tick_seconds",
                "must be a number (got '0.5s', which is text)",
            ),
            (
                "risk:\n  order_usd: '50'\n",
                "risk.order_usd",
                "must be a number (got '50', which is text)",
            ),
            (
                "risk:\n  max_open_positions: 2.5\n",
                "risk.max_open_positions",
                "must be a whole number (got 2.5, which is a number)",
            ),
            (
                "strategies:\n  momentum:\n    enabled: maybe\n",
                "strategies.momentum.enabled",
                "must be true or false (got 'maybe', which is text)",
            ),
            (
                "storage:\n  data_dir: 5\n",
                "storage.data_dir",
                "must be text (got 5, which is a whole number)",
            ),
            (
                "risk: 5\n",
                "risk",
                "must be a section (keys indented below it) (got 5, which is a whole number)",
            ),
            (
                "alerts:\n  notify_level: debug\n",
                "alerts.notify_level",
                "must be 'info', 'warning' or 'error' (got 'debug')",
            ),
        ],
    )
    def test_wrong_type(self, tmp_path: Path, yaml_text: str, key: str, message: str) -> None:
        problem = only_problem(write_config(tmp_path, yaml_text))
        assert (problem.dotted_key, problem.message) == (key, message)

    @pytest.mark.parametrize(
        ("yaml_text", "message"),
        [
            ("risk:\n  stop_loss_pct: 150\n", "must be less than 100 (got 150)"),
            ("risk:\n  stop_loss_pct: 0\n", "must be greater than 0 (got 0)"),
            ("risk:\n  max_open_positions: 0\n", "must be at least 1 (got 0)"),
            ("risk:\n  max_open_positions: 101\n", "must be at most 100 (got 101)"),
            ("risk:\n  order_usd: .inf\n", "must be a finite number (got inf)"),
        ],
    )
    def test_out_of_range(self, tmp_path: Path, yaml_text: str, message: str) -> None:
        path = write_config(tmp_path, yaml_text)
        problem = only_problem(path)
        assert problem.line == 2
        assert problem.message == message

    def test_message_format(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "mode: paper\n\nrisk:\n  stop_loss_pct: 150\n")
        assert str(load_error(path)) == (
            f"{path}:4: risk.stop_loss_pct: must be less than 100 (got 150)"
        )

    def test_momentum_windows_checked_against_defaults(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "strategies:\n  momentum:\n    fast_window_s: 400\n")
        problem = only_problem(path)
        assert (problem.dotted_key, problem.line) == ("strategies.momentum", 2)
        assert problem.message == "fast_window_s (400) must be less than slow_window_s (300)"

    def test_exit_threshold_below_entry(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "strategies:\n  momentum:\n    exit_threshold: 0.9\n")
        assert "exit_threshold (0.9) must be less than entry_threshold (0.75)" in str(
            load_error(path)
        )

    def test_empty_ledger_file_name(self, tmp_path: Path) -> None:
        problem = only_problem(write_config(tmp_path, "storage:\n  ledger_file: ' '\n"))
        assert problem.dotted_key == "storage.ledger_file"
        assert problem.message == "must name a file (got an empty name)"


class TestLineNumbers:
    """Each problem points at the line where its key is written, however deep."""

    def test_nested_keys_after_comments_and_blank_lines(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            # my settings

            mode: paper
            market:
              # the simulator
              sim:

                seed: seven
                rug_after_minutes: -1
            """,
        )
        found = {(p.dotted_key, p.line) for p in load_error(path).problems}
        assert found == {("market.sim.seed", 8), ("market.sim.rug_after_minutes", 9)}

    def test_flow_style_mappings(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "mode: paper\nrisk: {order_usd: 1, stop_loss_pct: 120}\n")
        problem = only_problem(path)
        assert (problem.dotted_key, problem.line) == ("risk.stop_loss_pct", 2)


class TestSeveralProblems:
    """All problems are reported in one go, in file order, one line each."""

    def test_all_reported_sorted_by_line(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            """
            tui:
              log_lines: lots
            mode: demo
            risk:
              stop_loss_pct: 150
              take_profit: 10
            tui:
              refresh_hz: 100
            """,
        )
        error = load_error(path)
        assert [(p.dotted_key, p.line) for p in error.problems] == [
            ("mode", 3),
            ("risk.stop_loss_pct", 5),
            ("risk.take_profit", 6),
            ("tui", 7),
            ("tui.refresh_hz", 8),
        ]
        assert error.path == path
        assert len(str(error).splitlines()) == len(error.problems)
        assert all(line.startswith(f"{path}:") for line in str(error).splitlines())

    def test_duplicate_key_reported_with_the_other_problems(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path, "risk:\n  order_usd: 5\n  order_usd: 6\n  max_open_positions: 0\n"
        )
        messages = [(p.line, p.message) for p in load_error(path).problems]
        assert messages == [
            (3, "key given twice (also on line 2); remove one"),
            (4, "must be at least 1 (got 0)"),
        ]


PUBKEY = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
"""A well-formed address for `solana.pubkey` (any 32-44 base58 characters pass the config)."""
LIVE_READY = f"""
mode: live
market:
  source: jupiter
solana:
  keypair_env: SOLTRADER_TEST_KEY
  pubkey: {PUBKEY}
"""
"""Everything `mode: live` needs, each on its own line so one can be dropped."""


class TestLiveMode:
    """`mode: live` needs Jupiter's prices, a wallet key and the pinned public key; every one
    missing is named by its key, in one line at `mode`."""

    def test_everything_in_place_is_accepted(self, tmp_path: Path) -> None:
        config = load_config(write_config(tmp_path, LIVE_READY)).config
        assert config.mode == "live"
        assert config.solana.pubkey == PUBKEY

    def test_a_key_file_serves_as_well_as_a_variable(self, tmp_path: Path) -> None:
        text = LIVE_READY.replace("keypair_env: SOLTRADER_TEST_KEY", "keypair_path: id.json")
        assert load_config(write_config(tmp_path, text)).config.solana.keypair_path == "id.json"

    @pytest.mark.parametrize(
        ("dropped", "named"),
        [
            ("  source: jupiter\n", "market.source: jupiter (it is sim)"),
            ("  keypair_env: SOLTRADER_TEST_KEY\n", "solana.keypair_path or solana.keypair_env"),
            (f"  pubkey: {PUBKEY}\n", "public key pinned in solana.pubkey"),
        ],
        ids=["source", "key", "pubkey"],
    )
    def test_each_missing_one_is_named(self, tmp_path: Path, dropped: str, named: str) -> None:
        text = LIVE_READY.replace(dropped, "")
        problem = only_problem(write_config(tmp_path, "# settings\n" + text.lstrip("\n")))
        assert (problem.dotted_key, problem.line) == ("mode", 2)
        assert problem.message.startswith("live trading needs ")
        assert named in problem.message
        # Only the one dropped: the others are in place and not named.
        assert problem.message.count(";") == 0

    def test_all_missing_are_named_in_one_line(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "# settings\nmode: live\nmarket:\n  source: replay\n")
        error = load_error(path)
        assert str(error) == (
            f"{path}:2: mode: live trading needs market.source: jupiter (it is replay); the "
            "wallet's key in solana.keypair_path or solana.keypair_env; the wallet's public key "
            "pinned in solana.pubkey"
        )

    def test_refused_even_without_a_file(self) -> None:
        with pytest.raises(ValueError, match=r"live trading needs market\.source: jupiter"):
            Config(mode="live")

    def test_paper_needs_none_of_it(self) -> None:
        assert Config().mode == "paper"
        assert Config(mode="paper", market={"source": "sim"}).solana.pubkey is None


class TestUnusableFiles:
    """A file that cannot be read or parsed gets a message naming the file (and line)."""

    def test_missing_explicit_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nope.yaml"
        error = load_error(path)
        assert str(error) == f"{path}: no such file"

    def test_folder_instead_of_file(self, tmp_path: Path) -> None:
        assert str(load_error(tmp_path)) == f"{tmp_path}: is a folder, not a config file"

    def test_yaml_syntax_error_with_line(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "mode: paper\nrisk:\n  order_usd: 5\n   stop_loss_pct: 3\n")
        problem = only_problem(path)
        assert problem.line == 4
        assert problem.message.startswith("YAML syntax error: ")
        assert str(load_error(path)).startswith(f"{path}:4: YAML syntax error")

    def test_tab_indentation(self, tmp_path: Path) -> None:
        problem = only_problem(write_config(tmp_path, "risk:\n\torder_usd: 5\n"))
        assert problem.line == 2
        assert problem.message.endswith("(a tab: indent with spaces)")

    @pytest.mark.parametrize(
        ("text", "kind"),
        [("- mode\n- paper\n", "a list"), ("paper\n", "text"), ("5\n", "a whole number")],
    )
    def test_top_level_not_a_mapping(self, tmp_path: Path, text: str, kind: str) -> None:
        problem = only_problem(write_config(tmp_path, text))
        assert problem.line == 1
        assert problem.message == (
            f"the file must be a mapping of sections such as 'mode:' and 'risk:' (got {kind})"
        )

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "config.yaml"
        path.write_bytes(b"mode: paper\n# caf\xe9\n")
        problem = only_problem(path)
        assert (problem.line, problem.message) == (2, "is not UTF-8 text; save it as UTF-8")

    @settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        text=st.text(
            alphabet=st.sampled_from(list("mode:risk paper\n -[]{}'\"#&*!|>,.0123~\t")), max_size=60
        )
    )
    def test_any_text_loads_or_gives_config_error(self, tmp_path: Path, text: str) -> None:
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded = load_config(path)
        except ConfigError as error:
            assert error.problems
            assert all(line.startswith(str(path)) for line in str(error).splitlines())
        else:
            assert isinstance(loaded.config, Config)


class TestMonitorSection:
    """The endpoints refuse to listen beyond this machine without a bearer token."""

    def test_non_loopback_bind_without_token_is_refused_by_key(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, "monitor:\n  http_port: 9108\n  bind: 0.0.0.0\n")
        problem = only_problem(path)
        assert "0.0.0.0" in str(problem)
        assert "token_env" in str(problem)

    def test_non_loopback_bind_with_token_env_loads(self, tmp_path: Path) -> None:
        text = "monitor:\n  http_port: 9108\n  bind: 0.0.0.0\n  token_env: SOLTRADER_TOKEN\n"
        config = load_config(write_config(tmp_path, text)).config
        assert config.monitor.token_env == "SOLTRADER_TOKEN"
