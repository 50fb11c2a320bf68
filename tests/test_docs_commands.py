"""Every `soltrader-tui …` command quoted in the README and docs/ is one that works.

Each command line in a fenced block is parsed by the real command-line parser (a flag that was
renamed or never existed fails here, naming the file and line), and the read-only ones are run
against a real ledger made by a short paper session, where they must succeed.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from soltrader_tui.cli import parse_command_line
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"^\s*(\$ )?soltrader-tui(\s|$)")
# Usage synopses ("run [--headless] [--db F]", "stop | resume", "--data FILE...") describe a
# command's shape; they are not commands to type.
SYNOPSIS = re.compile(r"\[|\||\.\.\.|…|\b(FILE|NAME|S|N|F|D|X|J|T|OUT|URL)\b")
# Read-only commands: they are run, and must succeed, on a ledger a paper session wrote.
SAFE = {"status", "health", "paths", "checkpoints", "journal", "slippage", "--version", "config"}


@dataclass(frozen=True, slots=True)
class Quoted:
    where: str
    argv: list[str]


def quoted_commands() -> list[Quoted]:
    found: list[Quoted] = []
    for doc in DOCS:
        for block_start, block in _fenced_blocks(doc):
            prompted = any(line.lstrip().startswith("$ ") for line in block)
            for offset, line in enumerate(block, start=1):
                match = COMMAND.match(line)
                if not match or (prompted and not match.group(1)):
                    continue
                # A comment after the command, or a table's description column after 2+ spaces.
                text = re.split(r" #|\s{2,}", line.strip().removeprefix("$ "))[0]
                if SYNOPSIS.search(text):
                    continue
                where = f"{doc.relative_to(ROOT)}:{block_start + offset}"
                found.append(Quoted(where, shlex.split(text)[1:]))
    return found


def _fenced_blocks(doc: Path) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            if current is None:
                current, start = [], number
            else:
                blocks.append((start, current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


QUOTED = quoted_commands()


def test_the_docs_quote_commands() -> None:
    # The extraction itself must keep working: the runbook alone quotes more than twenty.
    assert len(QUOTED) > 40
    assert any(q.where.startswith("docs/runbook.md") for q in QUOTED)


@pytest.mark.parametrize("quoted", QUOTED, ids=[q.where for q in QUOTED])
def test_each_quoted_command_parses(quoted: Quoted) -> None:
    if quoted.argv in (["--version"], ["--help"]):
        return  # argparse prints and exits for these; they are run below
    try:
        parse_command_line(quoted.argv)
    except SystemExit as exc:
        pytest.fail(f"{quoted.where}: `soltrader-tui {shlex.join(quoted.argv)}` is refused ({exc})")


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A folder with the shipped config and a ledger a short paper session wrote in it."""
    cli = Cli(tmp_path_factory.mktemp("docs"))
    shutil.copy(ROOT / "config.yaml", cli.cwd / "config.yaml")
    done = cli.run("run", "--headless", "--speed", "max", "--duration", "10m", timeout=180)
    assert done.returncode == 0, done.stderr
    return cli


SAFE_QUOTED = [q for q in QUOTED if q.argv[:1] and q.argv[0] in SAFE]


@pytest.mark.parametrize("quoted", SAFE_QUOTED, ids=[q.where for q in SAFE_QUOTED])
def test_each_read_only_command_works(quoted: Quoted, session: Cli) -> None:
    argv = [a if not a.endswith(".yaml") else "config.yaml" for a in quoted.argv]
    done = session.run(*argv, timeout=60)
    # health says "failing" (exit 2) when no engine runs, as it should after the session ended:
    # its answer must still be the check list, not an error.
    ok = {0, 2} if argv[0] == "health" else {0}
    assert done.returncode in ok, f"{quoted.where}: {done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    if argv[0] == "health":
        assert "ledger" in done.stdout, done.stdout


def test_the_readme_lists_every_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\]\((docs/[^)#]+\.md)\)", section))
    guides = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert guides - listed == set(), "guides missing from the README's Documentation section"
    assert listed - guides == set(), "the README lists guides that do not exist"
