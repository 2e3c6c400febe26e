"""`harmonia components [NAME]`, and the options that say which remote components exist.

`--component NAME=URL` (repeatable) and `--hermes URL` are taken by `components` and by the
commands that run an execution in this process (`run`, `resume`, `retry`), so that what a
workflow may call is decided the same way as in the daemon (`harmoniad --component`): built-in
components, installed packages' components, those declared, those Hermes lists (`--hermes`,
else `$HERMES_URL` or `$HERMES_HOST`/`$HERMES_PORT`), and `{NAME}_HOST`/`{NAME}_PORT`.

`components` asks the daemon with `--url` or `$HARMONIA_URL`, and looks in this process
otherwise. Heavy imports wait for the command to run.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from harmonia.cli.errors import EXIT_OK, CliError
from harmonia.cli.output import print_json
from harmonia.cli.remote_parser import add_describe_options

if TYPE_CHECKING:
    from harmonia.components import ComponentRegistry

__all__ = ["add_component_options", "add_components_command", "registry_from_args"]


def _declared(text: str) -> tuple[str, str]:
    from harmonia.tekton.urls import parse_declared

    try:
        return parse_declared(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_component_options(parser: argparse.ArgumentParser) -> None:
    """`--component NAME=URL` and `--hermes URL`, for commands that load workflows here."""
    parser.add_argument(
        "--component",
        action="append",
        default=[],
        type=_declared,
        metavar="NAME=URL",
        dest="declared",
        help="a remote component speaking Tekton's MCP v2 dialect at URL (repeatable)",
    )
    parser.add_argument(
        "--hermes",
        metavar="URL",
        help="find remote components through this Hermes (default: $HERMES_URL, else "
        "$HERMES_HOST/$HERMES_PORT when set; '' for none)",
    )


def registry_from_args(args: argparse.Namespace) -> ComponentRegistry:
    """The registry the options describe (`default_registry` with them)."""
    from harmonia.components import BUILTIN_COMPONENTS, default_registry

    declared = dict(getattr(args, "declared", None) or [])
    clash = sorted(set(declared) & set(BUILTIN_COMPONENTS))
    if clash:
        raise CliError(f"--component {clash[0]}=...: {clash[0]!r} is a built-in component")
    return default_registry(declared=declared, hermes=getattr(args, "hermes", None))


def add_components_command(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "components",
        help="list the components workflows may call (built-in, plugins, remote)",
        description="List every component a workflow may call, with its kind (builtin, "
        "plugin, hermes, declared, environment), endpoint, health and actions; with NAME, "
        "one component and each action's parameters. Remote components are asked now, "
        "within short time-outs. Exit code 2 when NAME is unknown.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="one component")
    add_describe_options(parser, add_component_options, cmd_components, cmd_components_remote)


def cmd_components(args: argparse.Namespace) -> int:
    """In this process: the registry the options describe."""
    import anyio

    from harmonia.errors import NotFound

    registry = registry_from_args(args)

    async def describe() -> Any:
        try:
            if args.name:
                return await registry.describe_one(args.name)
            return await registry.describe_all()
        finally:
            await registry.aclose()

    try:
        found = anyio.run(describe)
    except NotFound as exc:
        raise CliError(str(exc)) from None
    return _print(found, args)


def cmd_components_remote(args: argparse.Namespace) -> int:
    """Through the daemon: what it may call."""
    from harmonia.cli.remote import remote_command, session

    @remote_command
    def ask(args: argparse.Namespace) -> int:
        with session(args) as client:
            if args.name:
                found: Any = client.get_component(args.name).model_dump()
            else:
                found = [c.model_dump() for c in client.list_components()]
        return _print(found, args)

    return ask(args)


def _print(found: Any, args: argparse.Namespace) -> int:
    if args.json:
        print_json(found)
    elif isinstance(found, list):
        _table(found)
    else:
        _detail(found)
    return EXIT_OK


def _table(components: list[dict[str, Any]]) -> None:
    rows = [
        (
            c["name"],
            c.get("kind") or "-",
            c.get("health") or "-",
            c.get("endpoint") or "-",
            ", ".join(a["name"] for a in c.get("actions") or []) or (c.get("error") or "-"),
        )
        for c in components
    ]
    header = ("NAME", "KIND", "HEALTH", "ENDPOINT", "ACTIONS")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
        sys.stdout.write("  ".join([*cells, str(row[4])]).rstrip() + "\n")
    sys.stdout.flush()


def _detail(component: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"{component['name']} ({component.get('kind') or '?'}): {component['description']}\n")
    if component.get("endpoint"):
        out.write(f"  endpoint: {component['endpoint']}\n")
    out.write(f"  health: {component.get('health') or '?'}\n")
    if component.get("error"):
        out.write(f"  error: {component['error']}\n")
    for action in component.get("actions") or []:
        out.write(f"  {action['name']}: {action.get('description') or ''}".rstrip() + "\n")
        params = action.get("parameters")
        if params is None:
            schema = action.get("input_schema") or {}
            required = set(schema.get("required") or [])
            params = {
                name: {"type": spec.get("type", "any"), "required": name in required}
                for name, spec in (schema.get("properties") or {}).items()
            }
        for name, spec in params.items():
            kind = spec.get("type", "any") if isinstance(spec, dict) else "any"
            need = "required" if isinstance(spec, dict) and spec.get("required") else "optional"
            out.write(f"      {name}: {kind} ({need})\n")
    out.flush()
