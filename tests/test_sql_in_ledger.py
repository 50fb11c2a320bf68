"""Tests that every SQL statement of the package lives in `ledger/`: no other module holds a
statement or runs one on a connection."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "soltrader_tui"
LEDGER = PACKAGE / "ledger"

STATEMENT = re.compile(
    r"\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK"
    r"|WITH|VACUUM)\b"
)
"""How a statement starts. Upper case only: a docstring saying "Update the marks" is prose."""
RUNS_SCRIPTS = {"executemany", "executescript"}
"""Connection methods that only ever run SQL."""


def sql_in(source: str) -> list[str]:
    """Returns where `source` holds an SQL statement or runs one: `line: what`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if STATEMENT.match(node.value):
                found.append(f"{node.lineno}: string {node.value.strip()[:40]!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, args = node.func.attr, node.args
            literal = bool(args) and isinstance(args[0], ast.Constant | ast.JoinedStr)
            if name in RUNS_SCRIPTS or (name == "execute" and literal):
                found.append(f"{node.lineno}: .{name}(...)")
            elif name == "connect" and ast.unparse(node.func.value) == "sqlite3":
                found.append(f"{node.lineno}: sqlite3.connect(...)")
    return found


class TestSqlLivesInLedger:
    """A caller asks `ledger.*` for typed rows; it never writes a statement itself."""

    def test_no_module_outside_ledger_holds_sql(self) -> None:
        offenders = [
            f"{path.relative_to(PACKAGE)}:{where}"
            for path in sorted(PACKAGE.rglob("*.py"))
            if LEDGER not in path.parents
            for where in sql_in(path.read_text(encoding="utf-8"))
        ]
        assert offenders == []

    def test_the_ledger_holds_the_statements(self) -> None:
        """The check looks where the SQL is: it finds the ledger's own statements."""
        found = [w for path in LEDGER.rglob("*.py") for w in sql_in(path.read_text("utf-8"))]
        assert len(found) > 20

    def test_each_form_of_sql_is_found(self) -> None:
        planted = {
            'rows = conn.execute("SELECT kind FROM events")': "string 'SELECT kind FROM events'",
            'conn.execute(f"PRAGMA user_version = {v}")': ".execute(...)",
            'c.execute("""\n  INSERT INTO t VALUES (1)""")': "string 'INSERT INTO t VALUES (1)'",
            "c.executemany(query, rows)": ".executemany(...)",
            "copy = sqlite3.connect(target)": "sqlite3.connect(...)",
            'SQL = "DELETE FROM fills"': "string 'DELETE FROM fills'",
        }
        for source, what in planted.items():
            assert any(what in f for f in sql_in(source)), source

    def test_prose_and_other_executes_are_not_sql(self) -> None:
        clean = (
            '"""Update the marks; select a token."""\n'
            "result = await self._executor.execute(order, quote)\n"
            'message = "DENIED BUY BONK: max positions"\n'
        )
        assert sql_in(clean) == []
