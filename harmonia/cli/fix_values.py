"""The values of `harmonia complete` and `harmonia retry --input/--dry-run`: JSON given on the
command line or in a file, checked before anything is opened or asked (exit 2 when it does not
parse), and the retry plan as `--dry-run` prints it.

Apart from `harmonia.cli.fix_commands` because `commands` and `remote_commands` (the two sides
of `retry`) use them, and `fix_commands` uses `commands`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonia.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from harmonia.cli.output import print_json
from harmonia.errors import reading_failure

if TYPE_CHECKING:
    from harmonia.cli.follow import EngineSettings

__all__ = ["BY", "embedded_plan", "input_override", "output_value", "parse_json", "show_plan"]

BY = "cli"
"""Who the journal says did an action made with this command line."""


def parse_json(text: str, what: str) -> Any:
    """`text` as JSON, or a CliError (exit 2) naming `what` and where the JSON breaks."""
    import orjson

    from harmonia import jsonlimits

    try:
        value = jsonlimits.loads(text)
    except (orjson.JSONDecodeError, ValueError) as exc:
        raise CliError(f"{what}: not valid JSON: {exc}{_quote_hint(text)}") from None
    big = list(jsonlimits.find_big_integers(value))
    if big:
        path, number = big[0]
        where = jsonlimits.dotted(path)
        raise CliError(
            f"{what}{'.' + where if where else ''}: {jsonlimits.big_integer_message(number)}"
        )
    return value


def _quote_hint(text: str) -> str:
    """For a bare word (`--output done`): JSON's strings are quoted, which the parser's own
    words ("invalid literal, expected 'null'") do not tell."""
    word = text.strip()
    if not word or word[0] in '{["-0123456789' or any(c in word for c in '{}[]"'):
        return ""
    return f"; a string is written in double quotes: '\"{word}\"'"


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{what} {path}: cannot read the file: {reading_failure(exc)}") from None


def output_value(args: argparse.Namespace) -> Any:
    """`--output JSON` or `--output-file FILE` (exactly one)."""
    if args.output_file is not None:
        where = f"--output-file {args.output_file}"
        return parse_json(_read(args.output_file, "--output-file"), where)
    return parse_json(args.output, "--output")


def input_override(args: argparse.Namespace) -> dict[str, Any] | None:
    """`retry --input JSON` / `--input-file FILE`: a JSON object, or None when not given."""
    text, what = getattr(args, "input", None), "--input"
    if getattr(args, "input_file", None) is not None:
        text, what = _read(args.input_file, "--input-file"), f"--input-file {args.input_file}"
    if text is None:
        return None
    value = parse_json(text, what)
    if not isinstance(value, dict):
        from harmonia.valuekinds import json_kind

        raise CliError(
            f"{what}: must be a JSON object (its keys replace the task's), not {json_kind(value)}"
        )
    return value


# ---- retry --dry-run -------------------------------------------------------------------------


def show_plan(args: argparse.Namespace, plan: dict[str, Any]) -> int:
    """Print the retry plan: the task ids one a line on stdout (or the plan as JSON), what it
    means on stderr; exit 2 when the retry would be refused."""
    if args.json:
        print_json(plan)
    else:
        for tid in plan["reset"]:
            print(tid)
        sys.stderr.write(
            f"harmonia: a retry of {plan['task_id']} ({plan['status']}) of "
            f"{plan['execution_id']} would run again: {', '.join(plan['reset'])}\n"
        )
    if plan["refusal"]:
        sys.stderr.write(f"harmonia: error: it would be refused: {plan['refusal']}\n")
        return EXIT_USAGE
    return EXIT_OK


def embedded_plan(settings: EngineSettings, execution_id: str, task_id: str) -> dict[str, Any]:
    """The retry plan from an engine opened on the data folder in this process."""
    from harmonia.cli.follow import run_sync
    from harmonia.engine import open_engine

    async def preview() -> dict[str, Any]:
        async with open_engine(settings.data_dir, settings.registry, retry_storage=False) as engine:
            plan = await engine.retry_plan(execution_id, task_id)
            return plan.to_public(execution_id)

    return run_sync(preview)
