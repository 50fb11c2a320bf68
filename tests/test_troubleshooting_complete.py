"""Tests that docs/troubleshooting.md names every message that asks the operator to act.

The messages are found in the code, not listed by hand, so a new one fails this test until the
docs say what to do about it:

- every construction of an error the operator must act on: a subclass of `UserInputError`,
  `LedgerUnusable` or `OperationalError` (the hierarchy is read from the class definitions),
  and every `ConfigProblem`, the lines a `ConfigError` is made of, with the config's own
  cross-key checks (`ValueError` in its validators);
- every line a command prints on stderr itself (`fail`, `print(..., file=sys.stderr)`), but for
  the few that only inform (`NOT_ASKING`);
- every `health` check name, and the text of every check that can be degraded or failing;
- every line of the dashboard's "why nothing is being bought" header;
- every alert title.

Where a message is built by a helper, the scan follows the call to the helper's returns, and a
name to what was assigned to it; the sites it cannot read are listed in `UNREAD` with a reason.
Other sessions' code (a wallet, devnet) is covered when it is merged: the failure message is then
the list of what to add, each with its file:line and the fragment to write.

A message is found by its longest literal fragment (the longest constant piece of an f-string,
whitespace normalised), when one is at least `MIN_FRAGMENT` characters long; otherwise all its
pieces must appear in order, close together. The docs searched are troubleshooting.md and
recovery.md (whose long explanations troubleshooting.md links to).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "soltrader_tui"
TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"
DOCS = (TROUBLESHOOTING, ROOT / "docs" / "recovery.md")
ACTING_ROOTS = frozenset({"UserInputError", "LedgerUnusable", "OperationalError"})
"""The kinds that ask the operator to act (`TemporaryError` is retried by the engine)."""
CARRIERS = {"ConfigProblem": 2}
"""Classes that carry a message line into an acting error, with the message's position."""
MIN_FRAGMENT = 12
"""Shorter fragments ("is damaged: ") say too little to find one message by."""
MIN_TEXT = 4
"""A message with fewer literal characters than this is all variable parts: nothing to find."""
GAP = 80
"""Most characters (a placeholder, markup) between the pieces of a short-fragment message."""

HEALTH_MODULES = ("monitor/health.py",)
"""Where the `Check(name, level, detail)` rows of `health` are built."""
TEXT_FUNCTIONS = {
    "monitor/health_feed.py": ("circuit_text", "provider_problem", "stale_text", "refusals_text"),
    "monitor/health_alerts.py": ("alert_delivery",),
    "monitor/why_no_entry.py": ("why_no_entry", "_risk_limit", "_scores_line", "_warming"),
}
"""Helpers that return the words of a check or the header; every text they return counts."""
TERMINAL = ("commands/", "cli.py")
"""Where commands print a line of their own on stderr (`fail`, `print(..., file=sys.stderr)`)."""
NOT_ASKING = {
    "candles written, last": "a download's progress line",
    "study … in … : … trials": "the study `optimize` starts",
}
"""Stderr lines that only inform (by the fragment the test searches for), and what they are."""
PREFIX = "soltrader-tui:"
"""Every refusal's start: says nothing about which one it is."""
CONFIG_CHECKS = "config/model.py"
"""Where the config's cross-key checks raise `ValueError`: each becomes a `ConfigProblem`."""
TITLE_ARGS = {
    ("*", "_draft"): 3,
    ("*", "AlertDraft"): 3,
    ("*", "AlertRow"): 3,
    ("*", "alert"): 1,
    ("*", "_alert"): 1,
    ("commands/health_alert.py", "_send"): 2,
}
"""Calls that make an alert (in any module, or in the one named), with the title's position."""

UNREAD = {
    "config/errors.py:__init__": "a ConfigError is its ConfigProblem lines joined; each "
    "ConfigProblem's message is scanned where it is made",
}
"""Sites whose message is built from text the scan cannot follow, and why that is fine."""


@dataclass(frozen=True, slots=True)
class Message:
    """One message the code can show: where it is made and its literal pieces in order."""

    where: str
    """`soltrader_tui/<file>:<line>` of the construction."""
    function: str
    """`<file>:<enclosing function>`, the key of `UNREAD`."""
    kind: str
    pieces: tuple[str, ...]

    @property
    def fragment(self) -> str | None:
        """The longest piece if it is long enough to search alone."""
        best = max(self.pieces, key=len, default="")
        return best if len(best) >= MIN_FRAGMENT else None

    def found_in(self, text: str) -> bool:
        """Whether the (whitespace-normalised) docs hold it."""
        if self.fragment is not None:
            return self.fragment in text
        pattern = f".{{0,{GAP}}}?".join(re.escape(p) for p in self.pieces)
        return re.search(pattern, text) is not None


def normalise(text: str) -> str:
    """Collapses runs of whitespace to one space (the docs wrap lines where messages do not)."""
    return " ".join(text.split())


Variant = tuple[str | None, ...]
"""A message as literal text and holes (None) where a value goes."""


class Module:
    """One parsed source file, with the lookups the message scan needs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.relative_to(PACKAGE).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.parents: dict[ast.AST, ast.AST] = {}
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, []).append(node)

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function a node is in (None at module level)."""
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def key(self, node: ast.AST) -> str:
        """`<file>:<function>` of a node."""
        function = self.enclosing(node)
        return f"{self.name}:{'<module>' if function is None else function.name}"

    def where(self, node: ast.expr | ast.stmt) -> str:
        return f"soltrader_tui/{self.name}:{node.lineno}"


def modules() -> list[Module]:
    return [Module(p) for p in sorted(PACKAGE.rglob("*.py"))]


def callee(call: ast.Call) -> str | None:
    """The name a call is made by: `X(...)`, `a.b.X(...)`."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def acting_classes(mods: list[Module]) -> dict[str, ast.ClassDef]:
    """Every class deriving from one of `ACTING_ROOTS`, by name, with its definition."""
    bases: dict[str, set[str]] = {}
    defs: dict[str, ast.ClassDef] = {}
    for mod in mods:
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.ClassDef):
                defs[node.name] = node
                bases[node.name] = {
                    b.id if isinstance(b, ast.Name) else b.attr
                    for b in node.bases
                    if isinstance(b, ast.Name | ast.Attribute)
                }

    def acting(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in ACTING_ROOTS:
            return True
        return name not in seen and any(acting(b, seen | {name}) for b in bases.get(name, ()))

    return {name: node for name, node in defs.items() if acting(name)}


class Texts:
    """Turns an expression into the variants of text it can produce."""

    def __init__(self, mod: Module, by_name: dict[str, list[tuple[Module, ast.FunctionDef]]]):
        self.mod = mod
        self.by_name = by_name

    def of(self, expr: ast.expr, depth: int = 0) -> list[Variant]:
        """The variants of `expr`; a part that cannot be read is a hole."""
        if depth > 4:
            return [(None,)]
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [(expr.value,)]
        if isinstance(expr, ast.JoinedStr):
            variants: list[Variant] = [()]
            for value in expr.values:
                parts = self._piece(value, depth)
                variants = [a + b for a, b in product(variants, parts)]
            return variants
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return [
                a + b for a, b in product(self.of(expr.left, depth), self.of(expr.right, depth))
            ]
        if isinstance(expr, ast.IfExp):
            return self.of(expr.body, depth) + self.of(expr.orelse, depth)
        if isinstance(expr, ast.Name):
            return self._assigned(expr, depth)
        if isinstance(expr, ast.Call):
            return self._returned(expr, depth)
        return [(None,)]

    def _piece(self, value: ast.expr, depth: int) -> list[Variant]:
        """A part of an f-string: its text, a local name's texts when it holds only text (a
        hint kept in a constant), else a hole."""
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return [(value.value,)]
        if (
            isinstance(value, ast.FormattedValue)
            and isinstance(value.value, ast.Name)
            and value.conversion == -1
            and value.format_spec is None
        ):
            held = self._plain(value.value, depth + 1)
            if held is not None:
                return [(text,) for text in held]
        return [(None,)]

    def _plain(self, expr: ast.expr, depth: int) -> list[str] | None:
        """The texts of a name bound only to literal text (directly or by `a if c else b`);
        None when anything else can reach it (a number, a call's result)."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [expr.value]
        if isinstance(expr, ast.IfExp):
            body, orelse = self._plain(expr.body, depth + 1), self._plain(expr.orelse, depth + 1)
            return None if body is None or orelse is None else body + orelse
        if not isinstance(expr, ast.Name):
            return None
        texts: list[str] = []
        for write in self._writes(expr):
            found = None if write.value is None else self._plain(write.value, depth + 1)
            if found is None:
                return None
            texts += found
        return texts or None

    def _assigned(self, name: ast.Name, depth: int) -> list[Variant]:
        """What a name holds where it is used: its latest assignment before the use, and each
        `+=` after that one (a variant each); a module's constant when the function has none."""
        found: list[Variant] = []
        for write in self._writes(name):
            if write.value is not None:
                found += self.of(write.value, depth + 1)
        return found or [(None,)]

    def _writes(self, name: ast.Name) -> list[ast.Assign | ast.AugAssign | ast.AnnAssign]:
        """The assignments that reach a use of `name` (see `_assigned`)."""
        function = self.mod.enclosing(name)
        scope = [] if function is None else list(ast.walk(function))
        writes = [
            n
            for n in scope
            if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign)
            and n.lineno < name.lineno
            and any(isinstance(t, ast.Name) and t.id == name.id for t in assigned_to(n))
        ]
        if not writes:
            writes = [
                n
                for n in self.mod.tree.body
                if isinstance(n, ast.Assign | ast.AnnAssign)
                and any(isinstance(t, ast.Name) and t.id == name.id for t in assigned_to(n))
            ]
        writes.sort(key=lambda w: w.lineno)
        plain = [w for w in writes if not isinstance(w, ast.AugAssign)]
        start = plain[-1].lineno if plain else 0
        return [w for w in writes if w.lineno >= start]

    def _returned(self, call: ast.Call, depth: int) -> list[Variant]:
        """What a helper of the package returns (same module first, else a unique name)."""
        name = callee(call)
        candidates = self.by_name.get(name or "", [])
        local = [c for c in candidates if c[0] is self.mod]
        chosen = local or (candidates if len(candidates) == 1 else [])
        found: list[Variant] = []
        for mod, function in chosen:
            inner = Texts(mod, self.by_name)
            for node in ast.walk(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    found += inner.of(node.value, depth + 1)
        return found or [(None,)]


def pieces(variant: Variant) -> tuple[str, ...]:
    """The literal runs of a variant (adjacent literals joined), whitespace normalised."""
    runs: list[str] = []
    current = ""
    for part in (*variant, None):
        if part is None:
            if normalise(current):
                runs.append(normalise(current))
            current = ""
        else:
            current += part
    return tuple(runs)


class Scan:
    """Every message of the package, by kind, and the sites whose message could not be read."""

    def __init__(self) -> None:
        self.mods = modules()
        self.classes = acting_classes(self.mods)
        self.by_name: dict[str, list[tuple[Module, ast.FunctionDef]]] = {}
        for mod in self.mods:
            for name, functions in mod.functions.items():
                self.by_name.setdefault(name, []).extend(
                    (mod, f) for f in functions if isinstance(f, ast.FunctionDef)
                )
        self.unread: list[tuple[str, str, str]] = []
        """(where, `UNREAD` key, kind) of messages without literal text."""

    def messages(
        self, mod: Module, node: ast.AST, expr: ast.expr, kind: str, *, must_read: bool = True
    ) -> list[Message]:
        """The readable variants of `expr`; none readable is noted in `unread` if `must_read`."""
        assert isinstance(node, ast.expr | ast.stmt)
        found = []
        for variant in Texts(mod, self.by_name).of(expr):
            runs = pieces(variant)
            if sum(len(r) for r in runs) >= MIN_TEXT:
                found.append(Message(mod.where(node), mod.key(node), kind, runs))
        if not found and must_read:
            self.unread.append((mod.where(node), mod.key(node), kind))
        return found

    def message_arg(self, name: str) -> tuple[int, str] | None:
        """Where a class takes its message (position, keyword); None: built in its __init__."""
        node = self.classes.get(name)
        while node is not None:
            init = next(
                (f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"),
                None,
            )
            if init is not None:
                params = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:]
                given = super_init_arg(init)
                if isinstance(given, ast.Name) and given.id in params:
                    return params.index(given.id), given.id
                keywords = {a.arg for a in init.args.kwonlyargs}
                if isinstance(given, ast.Name) and given.id in keywords:
                    return -1, given.id
                return None
            base = next((b for b in node.bases if isinstance(b, ast.Name)), None)
            node = None if base is None else self.classes.get(base.id)
        return 0, "message"

    def errors(self) -> list[Message]:
        """Every acting error's message: at each construction, or in the class that builds it."""
        found: list[Message] = []
        for mod in self.mods:
            for node in ast.walk(mod.tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name in self.classes
                    and self.message_arg(node.name) is None
                ):
                    found += self._built(mod, node)
                if isinstance(node, ast.Call):
                    found += self._constructed(mod, node)
        return found

    def config_checks(self) -> list[Message]:
        """The words of every validator of the config that raises (a line of `config check`)."""
        mod = self.module(CONFIG_CHECKS)
        found: list[Message] = []
        for function in (n for n in ast.walk(mod.tree) if isinstance(n, ast.FunctionDef)):
            raises = [
                n
                for n in ast.walk(function)
                if isinstance(n, ast.Raise) and isinstance(n.exc, ast.Call) and n.exc.args
            ]
            if any(callee(r.exc) == "ValueError" for r in raises if isinstance(r.exc, ast.Call)):
                found += self.texts(mod, function, "config check")
                comprehensions = [n for n in ast.walk(function) if isinstance(n, ast.ListComp)]
                for c in comprehensions:
                    found += self.messages(mod, c.elt, c.elt, "config check", must_read=False)
                for r in raises:
                    assert isinstance(r.exc, ast.Call)
                    arg = r.exc.args[0]
                    found += self.messages(mod, arg, arg, "config check", must_read=False)
        # Helpers whose phrases a validator raises (`live_missing`'s, at `mode`, as a
        # ValidationError of its own: not a `ValueError` the scan above finds).
        for name in ("apprise_url_problem", "live_missing", "_live_needs"):
            for helper in mod.functions[name]:
                found += self.texts(mod, helper, "config check")
        return found

    def terminal(self) -> list[Message]:
        """The lines commands print on stderr themselves; a line joined from parts (the
        damaged-ledger advice) is read from every text of its function."""
        found: list[Message] = []
        for mod in (m for m in self.mods if m.name.startswith(TERMINAL)):
            for call in (n for n in ast.walk(mod.tree) if isinstance(n, ast.Call)):
                said = stderr_line(call)
                if said is None:
                    continue
                texts = [
                    t
                    for t in map(
                        unprefixed,
                        # A line that passes an error's message on is read where it is made.
                        self.messages(mod, call, said, "stderr line", must_read=False),
                    )
                    if t is not None and (t.fragment or " … ".join(t.pieces)) not in NOT_ASKING
                ]
                scope = mod.enclosing(call)
                if not texts and isinstance(said, ast.BinOp) and scope is not None:
                    texts = self.texts(mod, scope, "stderr line")
                found += texts
        return found

    def _built(self, mod: Module, cls: ast.ClassDef) -> list[Message]:
        init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
        given = super_init_arg(init)
        if given is None:
            return []
        return self.messages(mod, given, given, f"{cls.name} (its __init__ builds the message)")

    def _constructed(self, mod: Module, call: ast.Call) -> list[Message]:
        name = callee(call) or ""
        if name in CARRIERS:
            position, keyword = CARRIERS[name], "message"
        elif name in self.classes:
            arg = self.message_arg(name)
            if arg is None:
                return []
            position, keyword = arg
        else:
            return []
        given = next((k.value for k in call.keywords if k.arg == keyword), None)
        if given is None and 0 <= position < len(call.args):
            given = call.args[position]
        if given is None or isinstance(given, ast.Starred):
            return []
        return self.messages(mod, call, given, name)

    def module(self, name: str) -> Module:
        return next(m for m in self.mods if m.name == name)

    def health(self) -> tuple[set[str], list[Message]]:
        """The check names, and the texts of every check that can be degraded or failing."""
        names: set[str] = set()
        found: list[Message] = []
        for mod in map(self.module, HEALTH_MODULES):
            judging: set[ast.AST] = set()
            for call in (n for n in ast.walk(mod.tree) if isinstance(n, ast.Call)):
                if callee(call) != "Check" or len(call.args) < 3:
                    continue
                check, level, detail = call.args[:3]
                label = ast.unparse(check)
                if isinstance(check, ast.Constant) and isinstance(check.value, str):
                    label = check.value
                names.add(label)
                if isinstance(level, ast.Constant) and level.value == "ok":
                    continue
                # A detail joined from parts is read from the parts, by the sweep below.
                kind = f"health check {label}"
                found += self.messages(mod, call, detail, kind, must_read=False)
                judging.add(mod.enclosing(call) or mod.tree)
            for scope in judging:
                found += self.texts(mod, scope, "health check words")
        for file, helpers in TEXT_FUNCTIONS.items():
            mod = self.module(file)
            for helper in helpers:
                for function in mod.functions[helper]:
                    found += self.texts(mod, function, f"text of {helper}")
        return names, found

    def texts(self, mod: Module, function: ast.AST, kind: str) -> list[Message]:
        """The texts a function returns, appends to a list or assigns (each a phrase shown)."""
        found: list[Message] = []
        for node in ast.walk(function):
            value: ast.expr | None = None
            # `level = "degraded"` is no text; a constant detail is read from its Check.
            assigned = isinstance(node, ast.Assign | ast.AugAssign) and not isinstance(
                node.value, ast.Constant
            )
            if isinstance(node, ast.Return | ast.Assign | ast.AugAssign) and (
                assigned or isinstance(node, ast.Return)
            ):
                value = node.value
            elif isinstance(node, ast.Call) and callee(node) == "append" and node.args:
                value = node.args[0]
            if isinstance(value, ast.Constant | ast.JoinedStr) or (
                isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)
            ):
                found += self.messages(mod, value, value, kind, must_read=False)
        return found

    def titles(self) -> list[Message]:
        """Every alert title the code makes (a title passed on from a parameter is skipped)."""
        found: list[Message] = []
        for mod in self.mods:
            for call in (n for n in ast.walk(mod.tree) if isinstance(n, ast.Call)):
                name = callee(call) or ""
                position = TITLE_ARGS.get((mod.name, name), TITLE_ARGS.get(("*", name)))
                if position is None or len(call.args) <= position:
                    continue
                before = len(self.unread)
                found += self.messages(mod, call, call.args[position], "alert title")
                del self.unread[before:]
        return found


def unprefixed(message: Message) -> Message | None:
    """The message without the `soltrader-tui:` every refusal starts with; None if nothing is
    left to search for."""
    first, *rest = message.pieces
    first = first.removeprefix(PREFIX).strip()
    runs = tuple(r for r in (first, *rest) if r)
    if sum(len(r) for r in runs) < MIN_TEXT:
        return None
    return Message(message.where, message.function, message.kind, runs)


def assigned_to(node: ast.Assign | ast.AugAssign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def stderr_line(call: ast.Call) -> ast.expr | None:
    """The line a call prints on stderr: `fail(line)`, `fail_with(exc, line)`, `print(line,
    file=sys.stderr)`; None for any other call."""
    name = callee(call)
    if name == "fail" and call.args:
        return call.args[0]
    if name == "fail_with" and len(call.args) > 1:
        return call.args[1]
    to_stderr = any(
        k.arg == "file" and isinstance(k.value, ast.Attribute) and k.value.attr == "stderr"
        for k in call.keywords
    )
    if name == "print" and to_stderr and call.args:
        return call.args[0]
    return None


def super_init_arg(init: ast.FunctionDef) -> ast.expr | None:
    """The message an `__init__` hands to `super().__init__(...)`."""
    for node in ast.walk(init):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
            and node.args
        ):
            return node.args[0]
    return None


def docs_text(*, without: str | None = None) -> str:
    """The docs searched, whitespace normalised; `without` drops the section holding it."""
    texts = [p.read_text(encoding="utf-8") for p in DOCS]
    if without is not None:
        texts[0] = drop_section(texts[0], without)
    return normalise("\n".join(texts))


def drop_section(markdown: str, holding: str) -> str:
    """The text without the `###` section whose text holds `holding`."""
    sections = re.split(r"(?m)^(?=#{2,3} )", markdown)
    return "".join(s for s in sections if holding not in s)


def missing(found: list[Message], text: str) -> list[str]:
    """A to-do line per message the docs lack: where it is made and what to search for."""
    lines = set()
    for m in found:
        if not m.found_in(text):
            shown = m.fragment or " … ".join(m.pieces)
            lines.add(f"  {m.where} [{m.kind}]: {shown!r}")

    def order(line: str) -> tuple[str, int]:
        file, _, number = line.split(" [")[0].strip().rpartition(":")
        return file, int(number)

    return sorted(lines, key=order)


def todo(what: str, lines: list[str]) -> str:
    return (
        f"{len(lines)} {what} not in docs/troubleshooting.md (or recovery.md). Add a section for "
        "each (the message with <placeholders>, what it means, what to type), keeping the "
        "fragment shown verbatim:\n" + "\n".join(lines)
    )


@dataclass(frozen=True, slots=True)
class Found:
    """Everything the scan found, read once per test session."""

    errors: list[Message]
    check_names: set[str]
    health_texts: list[Message]
    titles: list[Message]
    unread: list[tuple[str, str, str]]


@cache
def found() -> Found:
    scan = Scan()
    errors = scan.errors() + scan.config_checks() + scan.terminal()
    names, texts = scan.health()
    return Found(errors, names, texts, scan.titles(), scan.unread)


class TestEveryMessageIsExplained:
    """An operator who meets a message finds it in troubleshooting.md, with what to type."""

    def test_every_error_message(self) -> None:
        errors = found().errors
        assert len(errors) > 100  # the scan sees the package's errors
        lines = missing(errors, docs_text())
        assert not lines, todo("error messages", lines)

    def test_every_error_message_can_be_read(self) -> None:
        seen = found().unread
        unread = sorted(f"  {w} [{k}] ({key})" for w, key, k in seen if key not in UNREAD)
        assert not unread, (
            "these messages have no literal text the scan can follow: make it follow them "
            "(a helper returning the text) or list the function in UNREAD with a reason:\n"
            + "\n".join(unread)
        )
        stale = sorted(set(UNREAD) - {key for _, key, _ in seen})
        assert not stale, f"UNREAD lists sites that are read now (drop them): {stale}"

    def test_every_health_check_name_has_a_heading(self) -> None:
        names = found().check_names
        assert {"engine", "heartbeat", "prices", "api", "storage"} <= names
        lines = TROUBLESHOOTING.read_text(encoding="utf-8").splitlines()
        headings = [line for line in lines if line.startswith("#")]
        lacking = sorted(n for n in names if not any(re.search(f"`{n}[ `]", h) for h in headings))
        assert not lacking, f"health checks with no `### ... `<name> ...`` heading: {lacking}"

    def test_every_health_and_header_text(self) -> None:
        texts = found().health_texts
        assert len(texts) > 20
        lines = missing(texts, docs_text())
        assert not lines, todo("health and dashboard-header texts", lines)

    def test_every_alert_title(self) -> None:
        titles = found().titles
        assert len(titles) > 10
        lines = missing(titles, docs_text())
        assert not lines, todo("alert titles", lines)


class TestTheCheckBites:
    """Dropping a section from the docs makes the test name what went missing."""

    def test_a_dropped_section_is_named(self) -> None:
        said = "runs on the wall clock: drop --speed"

        def named(lines: list[str]) -> bool:
            return any("market/sources.py" in line and said in line for line in lines)

        errors = found().errors
        assert not named(missing(errors, docs_text()))
        assert named(missing(errors, docs_text(without=said)))

    def test_pieces_join_literals_and_split_at_holes(self) -> None:
        assert pieces(("a  b", "c", None, " d ", None)) == ("a bc", "d")
        short = Message("x.py:1", "x.py:f", "E", ("is damaged:", "see"))
        assert short.found_in("`<path> is damaged: <why>; see recovery.md`")
        assert not short.found_in("is damaged: " + "x" * 100 + " see")
