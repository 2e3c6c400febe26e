"""The command line of the commands that talk to a daemon, and the rule that picks one.

Kept free of heavy imports (httpx, pydantic): building the parser must stay fast for every
command, including those that never reach a daemon.

Which commands use a daemon:

- `submit`, `watch`, `cancel`, `pause`, `checkpoint`, `restore`, `workflows` and `templates`
  always do. The
  daemon's URL is `--url`, else `$HARMONIA_URL`, else the URL the running daemon wrote into the
  data folder (`daemon.json`), else `http://127.0.0.1:8007`.
- `executions`, `show`, `resume` and `retry` use a daemon only when `--url` is given or
  `$HARMONIA_URL` is set; otherwise they work on the data folder in this process, as before.
- `run`, `validate` and `schema` never do.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from harmonia.cli.inputs import add_input_options
from harmonia.paths import DATA_DIR_DEFAULT
from harmonia.protocol import URL_ENV

__all__ = [
    "EmbeddedOrRemote",
    "Handler",
    "Remote",
    "add_describe_options",
    "add_execution_id",
    "add_remote_commands",
    "add_url_option",
    "daemon_handler",
    "uses_daemon",
]

Handler = Callable[[argparse.Namespace], int]
"""What a subcommand's parser sets as its `handler`: parsed arguments in, exit code out."""

_URL_HELP = (
    "URL of the Harmonia daemon (default: $HARMONIA_URL, else the URL the running daemon wrote "
    "into the data folder, else http://127.0.0.1:8007); the token is $HARMONIA_TOKEN, else "
    "the file DATA_DIR/token"
)

_EITHER_HELP = (
    "use the daemon at URL (also when $HARMONIA_URL is set); without either, this command "
    "works on the data folder in this process; the token is $HARMONIA_TOKEN, else "
    "DATA_DIR/token"
)

REMOTE_EPILOG = (
    "Exit codes: 0 ok (the execution completed), 1 it failed or was canceled (or the daemon "
    "failed), 2 the daemon refused the request (bad file or input, unknown id, an operation "
    "that does not apply), 3 the daemon could not be reached, 5 the execution waits for a "
    "person at an approval gate (submit --watch, resume and retry stop following there), "
    "130 interrupted."
)


def uses_daemon(args: argparse.Namespace) -> bool:
    """For `executions`, `show`, `resume`, `retry`: the daemon when asked for, else embedded."""
    return bool(getattr(args, "url", None) or os.environ.get(URL_ENV))


@dataclass(frozen=True)
class Remote:
    """A daemon-side handler, `Remote(lambda module: module.cmd_watch)`: `module` is
    `harmonia.cli.remote_commands`, imported only when the command runs, because the HTTP
    client and pydantic cost ~150 ms that `harmonia run` and `harmonia --version` need not pay."""

    pick: Callable[[ModuleType], Handler]

    def resolve(self) -> Handler:
        """The handler itself, its modules imported."""
        from harmonia.cli import remote_commands

        return self.pick(remote_commands)

    def __call__(self, args: argparse.Namespace) -> int:
        return self.resolve()(args)


@dataclass(frozen=True)
class EmbeddedOrRemote:
    """The handler of a command that works on the data folder in this process, or asks a
    daemon when one is named (`uses_daemon`): the choice needs the parsed arguments."""

    embedded: Handler
    remote: Handler

    def pick(self, args: argparse.Namespace) -> Handler:
        return self.remote if uses_daemon(args) else self.embedded

    def __call__(self, args: argparse.Namespace) -> int:
        return self.pick(args)(args)


def daemon_handler(handler: Handler, args: argparse.Namespace) -> Handler | None:
    """The handler of a command that talks to a daemon, with its modules imported (the client,
    pydantic, httpx: most of such a command's start); None for a command that does not."""
    if isinstance(handler, EmbeddedOrRemote):
        handler = handler.pick(args)
    return handler.resolve() if isinstance(handler, Remote) else None


def add_url_option(parser: argparse.ArgumentParser, embedded: Handler, remote: Handler) -> None:
    """For a command that works embedded or against a daemon (see the module's rule)."""
    parser.add_argument("--url", metavar="URL", help=_EITHER_HELP)
    parser.set_defaults(handler=EmbeddedOrRemote(embedded, remote))
    if parser.epilog is None:
        parser.epilog = (
            "With --url or $HARMONIA_URL the command asks the daemon; exit code 3 when it "
            "cannot be reached."
        )


def add_describe_options(
    parser: argparse.ArgumentParser,
    options: Callable[[argparse.ArgumentParser], None],
    embedded: Handler,
    remote: Handler,
) -> None:
    """For a command that describes what this process would use, or with --url what the
    daemon uses (`components`, `executors`): --json, --data-dir, the `options` that describe
    it here, then --url."""
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data folder holding the daemon's token (with --url)"
    )
    options(parser)
    add_url_option(parser, embedded, remote)


def add_execution_id(parser: argparse.ArgumentParser, *, task: bool = False) -> None:
    """The EXECUTION_ID argument, as every command on one execution takes it; with `task`,
    the TASK_ID after it (commands on one task)."""
    parser.add_argument("execution_id", metavar="EXECUTION_ID", help="id or unique prefix")
    if task:
        parser.add_argument("task_id", metavar="TASK_ID")


# ---- the parsers -----------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, *, json_help: str | None = None) -> None:
    parser.add_argument("--url", metavar="URL", help=_URL_HELP)
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"data folder holding the daemon's token and address {DATA_DIR_DEFAULT}",
    )
    if json_help is not None:
        parser.add_argument("--json", action="store_true", help=json_help)


def _follow(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress; a summary only on failure"
    )


def add_remote_commands(sub: Any) -> None:
    """Register the daemon-only commands on the `harmonia` subparsers."""

    def command(name: str, handler: Handler, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, epilog=REMOTE_EPILOG, **kwargs)
        parser.set_defaults(handler=handler)
        return parser

    for spec in _EXECUTION_COMMANDS:
        parser = command(
            spec.name,
            spec.handler,
            help=spec.help,
            description=spec.description or spec.help[0].upper() + spec.help[1:],
        )
        dest, metavar, target_help = spec.target
        parser.add_argument(dest, metavar=metavar, help=target_help)
        if spec.options is not None:
            spec.options(parser)
        if spec.watch:
            parser.add_argument("-w", "--watch", action="store_true", help="follow it to the end")
        _common(parser, json_help=spec.json_help)
        if spec.follow:
            _follow(parser)

    workflows = command(
        "workflows",
        Remote(lambda module: module.cmd_workflows),
        help="list, show, add or delete the workflows stored in the daemon",
        description="`harmonia workflows` or `workflows list`: the stored workflows; "
        "`workflows show ID`: one with its definition; `workflows add FILE`: store one "
        "without starting it (prints its id); `workflows delete ID`: remove one.",
    )
    workflows.add_argument(
        "action",
        nargs="?",
        choices=("list", "show", "add", "delete"),
        default="list",
        help="list (default), show ID, add FILE, delete ID",
    )
    workflows.add_argument(
        "workflow_id", nargs="?", metavar="ID|FILE", help="for show and delete; add's FILE"
    )
    _common(workflows, json_help="print JSON")

    templates = command(
        "templates",
        Remote(lambda module: module.cmd_templates),
        help="list, show, import, export, delete or instantiate the daemon's templates",
        description="`templates` or `templates list`: the stored templates; `templates show "
        "NAME`: one with its parameters; `templates import FILE [--replace]`: store a template "
        "file (kind: template); `templates export NAME [-o FILE]`: write it back as YAML (JSON "
        "for a .json FILE); `templates delete NAME`; `templates instantiate NAME --param k=v "
        "[--param-file F] [--name N] [--start]`: store the workflow the values make (prints its "
        "id; with --start, starts it and prints the execution's id). "
        "NAME is a template's name or id.",
    )
    templates.add_argument(
        "action",
        nargs="?",
        choices=("list", "show", "import", "export", "delete", "instantiate"),
        default="list",
        help="list (default), show NAME, import FILE, export NAME, delete NAME, instantiate NAME",
    )
    templates.add_argument("target", nargs="?", metavar="NAME|FILE", help="the template or file")
    templates.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="a parameter's value (repeatable): text for a string parameter, else JSON",
    )
    templates.add_argument(
        "--param-file", metavar="F", help="YAML or JSON mapping of parameter values"
    )
    templates.add_argument("--name", help="instantiate: the new workflow's name")
    templates.add_argument(
        "--start",
        action="store_true",
        help="instantiate: also start the workflow (prints the execution's id instead)",
    )
    templates.add_argument(
        "--replace", action="store_true", help="import: replace the template of the same name"
    )
    templates.add_argument("-o", "--output", metavar="FILE", help="export: write to FILE")
    _common(templates, json_help="print JSON")
    from harmonia.cli.schedules_parser import add_schedules_command

    add_schedules_command(command, _ScheduleCommands(), _common)
    from harmonia.cli.hooks_parser import add_hooks_command

    add_hooks_command(command, _common)
    from harmonia.cli.webhooks_parser import add_webhooks_command

    add_webhooks_command(command, _WebhooksCommands(), _common)


@dataclass(frozen=True)
class _ExecutionCommand:
    """A command on one execution (or checkpoint) in the daemon: the target, options of its
    own, then the common ones; `--watch` and `--quiet` for those that can follow a run."""

    name: str
    handler: Handler
    help: str
    json_help: str
    target: tuple[str, str, str | None] = ("execution_id", "EXECUTION_ID", "id or unique prefix")
    description: str = ""
    """Default: the help, capitalised."""
    options: Callable[[argparse.ArgumentParser], object] | None = None
    watch: bool = False
    follow: bool = False


def _checkpoint_name(parser: argparse.ArgumentParser) -> object:
    return parser.add_argument("--name", metavar="N", help="a name for the checkpoint")


_EXECUTION_COMMANDS = (
    _ExecutionCommand(
        "submit",
        Remote(lambda module: module.cmd_submit),
        "store a workflow in the daemon and start it",
        description="Send a workflow file to the daemon, start an execution of it and print "
        "the execution's id. With --watch, follow it like `run` does and exit by its outcome. "
        "The execution runs in the daemon: Ctrl+C only stops watching.",
        target=("file", "FILE", "workflow file (YAML or JSON)"),
        options=add_input_options,
        watch=True,
        json_help="print the execution as JSON (with --watch: the final one; progress stays "
        "on stderr)",
        follow=True,
    ),
    _ExecutionCommand(
        "watch",
        Remote(lambda module: module.cmd_watch),
        "follow an execution in the daemon until it ends",
        description="Show an execution's events from its start, then live until it ends, "
        "as `run` does. A dropped connection is resumed without missing or repeating an "
        "event. A paused execution is watched until it is resumed and ends. Ctrl+C stops "
        "watching; the execution goes on.",
        json_help="print the final execution as JSON on stdout",
        follow=True,
    ),
    _ExecutionCommand(
        "cancel",
        Remote(lambda module: module.cmd_cancel),
        "cancel an execution in the daemon (running tasks are cancelled)",
        json_help="print the execution's summary as JSON",
    ),
    _ExecutionCommand(
        "pause",
        Remote(lambda module: module.cmd_pause),
        "pause an execution in the daemon (nothing new starts; running tasks finish)",
        json_help="print the execution's summary as JSON",
    ),
    _ExecutionCommand(
        "checkpoint",
        Remote(lambda module: module.cmd_checkpoint),
        "take a named snapshot of an execution in the daemon",
        description="Record a checkpoint of the execution and print its id "
        "(`harmonia restore` starts a new execution from it).",
        options=_checkpoint_name,
        json_help="print the checkpoint as JSON",
    ),
    _ExecutionCommand(
        "restore",
        Remote(lambda module: module.cmd_restore),
        "start a new execution from a checkpoint",
        description="Start a new execution in the daemon from a checkpoint (finished results "
        "are kept, everything else runs) and print its id; with --watch, follow it.",
        target=("checkpoint_id", "CHECKPOINT_ID", None),
        watch=True,
        json_help="print the new execution as JSON (with --watch: the final one)",
        follow=True,
    ),
)
"""In the order `harmonia --help` lists them."""


@dataclass(frozen=True)
class _ScheduleCommands:
    """`harmonia schedules`' handler, imported when it runs (as `Remote` does)."""

    def __call__(self, args: argparse.Namespace) -> int:
        from harmonia.cli.schedule_commands import cmd_schedules

        return cmd_schedules(args)


@dataclass(frozen=True)
class _WebhooksCommands:
    """`harmonia webhooks`' handler, imported when it runs."""

    def __call__(self, args: argparse.Namespace) -> int:
        from harmonia.cli.webhooks_commands import cmd_webhooks

        return cmd_webhooks(args)
