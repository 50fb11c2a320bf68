"""Provides loading of `config.yaml`: every problem reported at once, by key and line.

YAML is read with the safe loader. The node tree is kept alongside the data so that each
pydantic error location can be traced back to the line where its key is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from soltrader_tui.config.errors import ConfigError, ConfigProblem, Key
from soltrader_tui.config.model import Config, format_value
from soltrader_tui.config.paths import Paths, find_config, resolve_paths, user_config_file

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A validated configuration and where it came from."""

    config: Config
    path: Path | None
    """The file it was read from; None when the built-in defaults are in use."""
    notices: tuple[str, ...]
    """Things the operator should know that are not errors (e.g. defaults in use)."""


def load_config(path: Path | None) -> LoadedConfig:
    """Reads and validates a config file, or gives the defaults when there is none.

    Args:
        path: The config file (see `paths.find_config`), or None for the built-in defaults.

    Returns:
        The configuration, the file it came from and any notices.

    Raises:
        ConfigError: The file is missing, unreadable, not valid YAML, or has settings that are
            unknown or out of range. Every problem is listed, each with its key and line.
    """
    if path is None:
        return LoadedConfig(Config(), None, (_defaults_notice(),))
    data, lines, problems = _parse(_read_text(path), path)
    if data is None and not problems:
        notice = f"{path} has no settings; using the built-in defaults."
        return LoadedConfig(Config(), path, (notice,))
    if not isinstance(data, dict):
        message = (
            "the file must be a mapping of sections such as 'mode:' and 'risk:' "
            f"(got {_kind(data)})"
        )
        raise ConfigError([*problems, ConfigProblem((), lines.get((), 1), message)], path)
    config, invalid = _validate(data, lines)
    problems.extend(invalid)
    if config is None or problems:
        raise ConfigError(problems, path)
    return LoadedConfig(config, path, ())


def _defaults_notice() -> str:
    return (
        "No config file found; using the built-in defaults. A config file is looked for as "
        f"config.yaml in the current folder, then at {user_config_file()}, "
        "or given with --config FILE."
    )


def _read_text(path: Path) -> str:
    """Reads the file as text, or raises a ConfigError saying why it can't."""
    if path.is_dir():
        raise ConfigError([ConfigProblem((), None, "is a folder, not a config file")], path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([ConfigProblem((), None, "no such file")], path) from None
    except OSError as exc:
        message = f"cannot be read: {exc.strerror or exc}"
        raise ConfigError([ConfigProblem((), None, message)], path) from exc
    try:
        # utf-8-sig: Windows editors may start the file with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = ConfigProblem((), line, "is not UTF-8 text; save it as UTF-8")
        raise ConfigError([problem], path) from exc


def _parse(text: str, path: Path) -> tuple[object, dict[Key, int], list[ConfigProblem]]:
    """Parses YAML into data, a key → line map, and any keys given twice.

    Raises:
        ConfigError: The text is not valid YAML.
    """
    loader = yaml.SafeLoader(text)
    lines: dict[Key, int] = {}
    problems: list[ConfigProblem] = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines, problems
        lines[()] = node.start_mark.line + 1
        _map_lines(node, (), lines, problems)
        # Constructed after mapping lines: construction rewrites merge (`<<`) nodes in place.
        return loader.construct_document(node), lines, problems
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_syntax_problem(exc)], path) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem((), None, f"is not valid YAML: {exc}")], path) from exc
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.MarkedYAMLError) -> ConfigProblem:
    mark = exc.problem_mark or exc.context_mark
    line = None if mark is None else mark.line + 1
    what = ", ".join(part for part in (exc.context, exc.problem) if part) or "unreadable"
    if "'\\t'" in what:
        # PyYAML names the character but not the usual cause: an editor indenting with tabs.
        what += " (a tab: indent with spaces)"
    return ConfigProblem((), line, f"YAML syntax error: {what}")


def _map_lines(
    node: yaml.Node, prefix: Key, lines: dict[Key, int], problems: list[ConfigProblem]
) -> None:
    """Records the line of every key under `node`, and reports keys given twice."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = (*prefix, str(key_node.value))
            line = key_node.start_mark.line + 1
            if key in lines:
                # The YAML loader silently keeps the last value; say so rather than guess.
                message = f"key given twice (also on line {lines[key]}); remove one"
                problems.append(ConfigProblem(key, line, message))
            lines[key] = line
            _map_lines(value_node, key, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*prefix, str(index)), item.start_mark.line + 1)
            _map_lines(item, (*prefix, str(index)), lines, problems)


def _validate(
    data: dict[Any, Any], lines: dict[Key, int]
) -> tuple[Config | None, list[ConfigProblem]]:
    try:
        return Config.model_validate(_drop_empty_sections(data, Config), strict=True), []
    except ValidationError as exc:
        return None, [_problem(error, lines) for error in exc.errors()]


def _drop_empty_sections(data: dict[Any, Any], model: type[BaseModel]) -> dict[Any, Any]:
    """Treats `section:` with nothing under it (every key commented out) as all defaults."""
    result: dict[Any, Any] = {}
    for name, value in data.items():
        section = _section_model(model, name)
        if section is not None and value is None:
            continue
        if section is not None and isinstance(value, dict):
            value = _drop_empty_sections(value, section)
        result[name] = value
    return result


def _section_model(model: type[BaseModel], name: object) -> type[BaseModel] | None:
    field = model.model_fields.get(name) if isinstance(name, str) else None
    annotation = None if field is None else field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _model_at(key: Key) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Config
    for name in key:
        model = None if model is None else _section_model(model, name)
    return model


def _problem(error: ErrorDetails, lines: dict[Key, int]) -> ConfigProblem:
    key = tuple(str(part) for part in error["loc"])
    # A missing or rejected key has no line of its own; the nearest written parent does.
    line = next((lines[key[:n]] for n in range(len(key), -1, -1) if key[:n] in lines), None)
    return ConfigProblem(key, line, _message(error, key))


_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "model_type": "a section (keys indented below it)",
    "dict_type": "a section (keys indented below it)",
}
_BOUND_WORDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def _message(error: ErrorDetails, key: Key) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error["input"]
    if kind == "extra_forbidden":
        return _unknown_key_message(key)
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return "is required"
    got = _show(given)
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]} (got {got}, which is {_kind(given)})"
    if kind in _BOUND_WORDS:
        name, words = _BOUND_WORDS[kind]
        return f"must be {words} {format_value(ctx.get(name))} (got {got})"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')} (got {got})"
    if kind == "finite_number":
        return f"must be a finite number (got {got})"
    message = error["msg"].replace("Input should be", "must be", 1)
    return f"{message[:1].lower()}{message[1:]} (got {got})"


def _unknown_key_message(key: Key) -> str:
    parent, name = key[:-1], key[-1]
    # A known key in the wrong section is the likeliest slip; say where it belongs.
    elsewhere = [".".join(k) for k in _all_keys() if k[-1] == name and k[:-1] != parent]
    if elsewhere:
        return f"unknown key here (did you mean '{elsewhere[0]}'?)"
    model = _model_at(parent)
    if model is None:
        return "unknown key"
    names = list(model.model_fields)
    from difflib import get_close_matches  # here: only a config with a typo needs it

    match = get_close_matches(name, names, n=1, cutoff=0.6)
    if match:
        return f"unknown key (did you mean '{match[0]}'?)"
    return f"unknown key (expected one of: {', '.join(names)})"


def _all_keys(model: type[BaseModel] = Config, prefix: Key = ()) -> list[Key]:
    """Every key path of the model, sections included."""
    keys: list[Key] = []
    for name in model.model_fields:
        keys.append((*prefix, name))
        section = _section_model(model, name)
        if section is not None:
            keys.extend(_all_keys(section, (*prefix, name)))
    return keys


def _show(value: object) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else f"{value[:37]}..."
        return f"'{text}'"
    if isinstance(value, dict):
        return "a section"
    if isinstance(value, list):
        return "a list"
    return format_value(value)


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a section"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def load_settings(config: Path | None, db: Path | None) -> tuple[Config, Paths, tuple[str, ...]]:
    """Finds and loads the config and resolves where files live.

    Raises:
        ConfigError: the config file is invalid.
    """
    config_file = find_config(config, Path.cwd())
    loaded = load_config(config_file)
    paths = resolve_paths(loaded.path, loaded.config.storage, db)
    return loaded.config, paths, loaded.notices
