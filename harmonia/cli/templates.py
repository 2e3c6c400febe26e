"""`harmonia templates`: list, show, import, export, delete and instantiate a daemon's templates.

`instantiate NAME --param k=v` reads each value by its parameter's declared type (a `string`
parameter takes the text as it is, any other type is read as JSON), so `--param who=42` stays
the text "42". The daemon checks the values and names every bad one; the CLI then exits 2.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any

from harmonia.cli.errors import EXIT_OK, CliError
from harmonia.cli.inputs import load_input_file, parse_input_value, split_pairs
from harmonia.cli.listing import print_listing
from harmonia.cli.output import print_json
from harmonia.cli.remote import (
    info,
    list_action,
    pages,
    print_answer,
    print_deleted,
    print_item,
    remote_command,
    session,
)
from harmonia.cli.uploads import daemon_refusal, read_upload
from harmonia.client import Client, Template

__all__ = ["cmd_templates", "parameter_values"]

PAGE = 200
NEEDS_TARGET = {
    "show": "NAME",
    "instantiate": "NAME",
    "export": "NAME",
    "delete": "NAME",
    "import": "FILE",
}


@remote_command
def cmd_templates(args: argparse.Namespace) -> int:
    action = args.action
    if action in NEEDS_TARGET and not args.target:
        raise CliError(f"templates {action}: give the template's {NEEDS_TARGET[action]}")
    if action == "list":
        lister = partial(_list, as_json=args.json)
        return list_action(args, "templates", (args.target, "NAME"), lister)
    if action == "import":
        return _import(args)
    with session(args) as client:
        if action == "show":
            return print_item(client.get_template(args.target), as_json=args.json, lines=_lines)
        if action == "export":
            return _export(client.get_template(args.target), args.output)
        if action == "delete":
            client.delete_template(args.target)
            return print_deleted("template", "name", args.target, as_json=args.json)
        return _instantiate(client, args)  # the last of the parser's choices


def _import(args: argparse.Namespace) -> int:
    text, fmt = read_upload(args.target)
    with session(args) as client, daemon_refusal(args, default_file=args.target):
        stored = client.create_template(text, fmt=fmt, replace=args.replace)
    note = f"template {stored.name} stored as {stored.id}"
    return print_answer(stored, as_json=args.json, note=note, printed=stored.id)


def _export(template: Template, output: str | None) -> int:
    """The template file as it was imported: YAML, or JSON when the output ends in .json."""
    import yaml

    if output is not None and output.lower().endswith(".json"):
        import json

        text = json.dumps(template.document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(template.document, sort_keys=False, allow_unicode=True)
    if output is None or output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{output}: cannot write the file: {exc.strerror or exc}") from None
    info(f"template {template.name} written to {output}")
    return EXIT_OK


def parameter_values(
    specs: dict[str, dict[str, Any]], pairs: list[str], param_file: str | None
) -> dict[str, Any]:
    """The values to send: the file's, overridden by each `--param`, read by declared type."""
    values = load_input_file(param_file, "--param-file", "parameter") if param_file else {}
    for name, text in split_pairs(pairs, "--param").items():
        declared = specs.get(name, {}).get("type", "string") if name in specs else None
        values[name] = text if declared == "string" else parse_input_value(text)
    return values


def _instantiate(client: Client, args: argparse.Namespace) -> int:
    template = client.get_template(args.target)
    values = parameter_values(template.parameters, args.param or [], args.param_file)
    with daemon_refusal(args):
        made = client.instantiate_template(template.id, values, name=args.name)
    info(f"workflow {made.name} made from template {template.name} and stored as {made.id}")
    if args.start:  # what a caller of a template usually wants next
        execution = client.start_execution(made.id)
        info(f"execution {execution.id} started")
        if args.json:
            print_json({"workflow": made.model_dump(mode="json"), "execution_id": execution.id})
        else:
            print(execution.id)
        return EXIT_OK
    return print_answer(made, as_json=args.json, note=None, printed=made.id)


def _list(client: Client, *, as_json: bool) -> int:
    from harmonia.cli.report import format_local_time

    found = [t for page in pages(lambda o: client.list_templates(PAGE, o)) for t in page.items]
    return print_listing(
        found,
        as_json=as_json,
        none=f"no templates in the daemon at {client.url}",
        header=["NAME", "VERSION", "TASKS", "UPDATED", "ID"],
        row=lambda t: [
            t.name,
            t.version or "-",
            str(t.task_count),
            format_local_time(t.updated_at.timestamp() if t.updated_at else None),
            t.id,
        ],
    )


def _lines(template: Template) -> list[str]:
    from harmonia.cli.report import render_table

    lines = [
        f"template     {template.name} {template.version or ''}".rstrip(),
        f"id           {template.id}",
        f"description  {template.description or '-'}",
        f"tasks        {template.task_count}",
        "",
    ]
    if template.parameters:
        rows = [_parameter_row(name, spec) for name, spec in template.parameters.items()]
        lines += render_table(["PARAMETER", "TYPE", "DEFAULT", "ALLOWED", "DESCRIPTION"], rows)
    else:
        lines.append("no parameters")
    return lines


def _parameter_row(name: str, spec: dict[str, Any]) -> list[str]:
    import json

    from harmonia.model.inputs import bound_text

    default = json.dumps(spec["default"], ensure_ascii=False) if "default" in spec else "(required)"
    allowed = []
    if "enum" in spec:
        allowed.append(
            "one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in spec["enum"])
        )
    for key, word in (
        ("minimum", ">="),
        ("maximum", "<="),
        ("min_length", "length >="),
        ("max_length", "length <="),
    ):
        if key in spec:
            allowed.append(f"{word} {bound_text(spec[key])}")
    if "pattern" in spec:
        allowed.append(f"matches {spec['pattern']}")
    return [
        name,
        str(spec.get("type", "string")),
        default,
        "; ".join(allowed) or "-",
        str(spec.get("description") or ""),
    ]
