"""`harmonia hooks`: the daemon's inbound hooks from the command line.

`create` and `rotate` print the new secret on stdout, once: the daemon never shows it again
(a sender needs it to sign deliveries). Everything else shows hooks without their secrets.
"""

from __future__ import annotations

import argparse
from functools import partial

from harmonia.cli.errors import EXIT_OK, CliError
from harmonia.cli.output import print_json
from harmonia.cli.remote import (
    info,
    list_action,
    print_deleted,
    print_item,
    remote_command,
    session,
)
from harmonia.client import Client, Hook

__all__ = ["cmd_hooks", "parse_map"]


@remote_command
def cmd_hooks(args: argparse.Namespace) -> int:
    action = args.action
    if action != "create":
        given = [flag for flag, value in _create_flags(args) if value]
        if given or args.workflow:
            what = ", ".join(given) or "WORKFLOW_ID"
            raise CliError(f"hooks {action}: {what} is for create")
    if action == "list":
        lister = partial(_list, as_json=args.json)
        return list_action(args, "hooks", (args.name, "NAME"), lister)
    if not args.name:
        raise CliError(f"hooks {action}: which hook? give its NAME")
    if action == "create":
        if not args.workflow:
            raise CliError("hooks create NAME WORKFLOW_ID: which workflow does it start?")
        mapping = parse_map(args.map) if args.map else None
        with session(args) as client:
            hook = client.create_hook(
                args.name,
                args.workflow,
                input_map=mapping,
                window=args.window,
                description=args.description,
            )
        return _secret(hook, "created", as_json=args.json)
    with session(args) as client:
        if action == "show":
            return print_item(client.get_hook(args.name), as_json=args.json, lines=_lines)
        if action == "rotate":
            return _secret(client.rotate_hook_secret(args.name), "has a new secret", args.json)
        client.delete_hook(args.name)
    return print_deleted("hook", "name", args.name, as_json=args.json)


def _create_flags(args: argparse.Namespace) -> list[tuple[str, object]]:
    return [
        ("--map", args.map),
        ("--window", args.window is not None),
        ("--description", args.description is not None),
    ]


def parse_map(items: list[str]) -> dict[str, str]:
    """`--map INPUT=/pointer` items as a mapping; exit 2 naming a malformed one."""
    mapping: dict[str, str] = {}
    for item in items:
        name, sep, pointer = item.partition("=")
        if not sep or not name:
            raise CliError(f"--map {item!r}: give INPUT=/json/pointer (e.g. ref=/ref)")
        if pointer and not pointer.startswith("/"):
            raise CliError(f"--map {item!r}: a JSON Pointer is '' or starts with '/'")
        mapping[name] = pointer
    return mapping


def _secret(hook: Hook, did: str, as_json: bool) -> int:
    if as_json:
        print_json(hook.model_dump(mode="json"))
        return EXIT_OK
    info(f"hook {hook.name} {did}: deliveries go to POST {hook.path}")
    info("its secret is below, shown this once: keep it where the sender can read it")
    print(hook.secret)
    return EXIT_OK


def _list(client: Client, *, as_json: bool) -> int:
    from harmonia.cli.report import render_table

    found = client.list_hooks()
    if as_json:
        print_json([h.model_dump(mode="json") for h in found])
        return EXIT_OK
    if not found:
        print(f"no hooks in the daemon at {client.url}")
        return EXIT_OK
    rows = [
        [h.name, h.workflow_id, _mapping(h), f"{h.window:g}s", h.path, _deliveries(h)]
        for h in found
    ]
    header = ["NAME", "WORKFLOW", "INPUT", "WINDOW", "PATH", "DELIVERIES"]
    print("\n".join(render_table(header, rows)))
    return EXIT_OK


def _deliveries(hook: Hook) -> str:
    """How many runs its deliveries started, and the last one's execution."""
    last = hook.last_delivery
    return f"{hook.deliveries} (last: {last.execution_id})" if last is not None else "0"


def _mapping(hook: Hook) -> str:
    if hook.input_map is None:
        return "the body"
    return ", ".join(f"{k}={v or '(body)'}" for k, v in hook.input_map.items())


def _lines(hook: Hook) -> list[str]:
    from harmonia.cli.report import field_lines

    fields = [
        ("hook", hook.name),
        ("workflow", hook.workflow_id),
        ("input", _mapping(hook)),
        ("window", f"{hook.window:g}s"),
        ("path", f"POST {hook.path}"),
        ("secret", f"rotated {hook.rotated_at}" if hook.rotated_at else "set at creation"),
        ("deliveries", _deliveries(hook)),
    ]
    if hook.description:
        fields.append(("about", hook.description))
    return field_lines(fields)
