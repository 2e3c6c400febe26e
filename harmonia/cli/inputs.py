"""`--input key=value` and `--input-file F`: the execution input from the command line.

Values are JSON where they parse as JSON and strings otherwise, so that `--input n=3` gives the
integer a workflow declares and `--input name=alice` needs no quoting gymnastics. Type checks
against the declared inputs are `Workflow.validate_input`'s job, not this module's.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from harmonia.cli.errors import CliError
from harmonia.errors import reading_failure
from harmonia.jsonlimits import big_integer_message, dotted, find_big_integers, loads
from harmonia.valuekinds import json_kind

__all__ = [
    "add_input_options",
    "input_from_args",
    "load_input_file",
    "merge_inputs",
    "parse_input_pairs",
    "parse_input_value",
]


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """`-i/--input KEY=VALUE` (repeatable) and `--input-file F`, for `run` and `submit`."""
    parser.add_argument(
        "-i",
        "--input",
        action="append",
        metavar="KEY=VALUE",
        help="an input value, read as JSON when it is valid JSON, else as a string "
        "(repeatable; wins over --input-file)",
    )
    parser.add_argument("--input-file", metavar="F", help="YAML or JSON mapping of input values")


def input_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The input that `add_input_options` gave: the file's values, overridden by each flag.

    An integer beyond 64 bits is refused here, naming its input: neither the journal nor a
    request to a daemon could carry it."""
    from_file = load_input_file(args.input_file) if args.input_file else {}
    given = merge_inputs(from_file, parse_input_pairs(args.input or []))
    for path, value in find_big_integers(given):
        raise CliError(f"input '{dotted(path)}': {big_integer_message(value)}")
    return given


def parse_input_value(text: str) -> Any:
    """JSON if `text` is valid JSON (`3`, `true`, `null`, `[1]`, `{"a": 1}`, `"x"`), else the
    text itself. orjson rejects `NaN` and `Infinity`, which therefore stay strings. Integers
    are read exactly (orjson would round one beyond 64 bits to a float)."""
    try:
        return loads(text)
    except orjson.JSONDecodeError:
        return text


def parse_input_pairs(pairs: Iterable[str], option: str = "--input") -> dict[str, Any]:
    """`["n=3", "s=abc"]` -> `{"n": 3, "s": "abc"}`; a repeated key keeps its last value.

    Only the first `=` splits, so values may contain `=` (`--input q=a=b` -> `"a=b"`).
    """
    return {key: parse_input_value(value) for key, value in split_pairs(pairs, option).items()}


def split_pairs(pairs: Iterable[str], option: str = "--input") -> dict[str, str]:
    """`["n=3"]` -> `{"n": "3"}`: the text of each value, for a caller that knows its type."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CliError(f"{option} {pair!r}: expected KEY=VALUE, e.g. {option} limit=10")
        result[key] = value
    return result


def load_input_file(
    path: str | Path, option: str = "--input-file", what: str = "input"
) -> dict[str, Any]:
    """A YAML or JSON file holding one mapping of input names to values (`what`: of
    template parameter names, for `--param-file`).

    JSON is read strictly when the file ends in `.json`; anything else is read as YAML, which
    also accepts JSON text.
    """
    import yaml  # only paid for when the option is used

    from harmonia.loader.yamlsource import SafeLoader, syntax_problem  # reads huge integers

    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{option} {path}: cannot read the file: {reading_failure(exc)}") from None
    strict_json = source.suffix.lower() == ".json"
    try:
        data: Any = loads(text) if strict_json else yaml.load(text, Loader=SafeLoader)
    except orjson.JSONDecodeError as exc:
        raise CliError(f"{option} {path}: invalid JSON: {exc}") from None
    except yaml.YAMLError as exc:  # located as in a workflow file
        raise CliError(f"{option} {syntax_problem(exc, str(path), text)}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise CliError(
            f"{option} {path}: expected an object of {what} names to values, got {json_kind(data)}"
        )
    bad = [key for key in data if not isinstance(key, str)]
    if bad:
        raise CliError(f"{option} {path}: {what} names must be strings, not {bad[0]!r}")
    return dict(data)


def merge_inputs(from_file: Mapping[str, Any], from_flags: Mapping[str, Any]) -> dict[str, Any]:
    """The flags win: a file holds the usual values, a flag is the override for this run."""
    return {**from_file, **from_flags}
