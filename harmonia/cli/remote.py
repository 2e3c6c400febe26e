"""What the daemon-side commands share: the client, error translation, and following an
execution with the same progress and summary as `harmonia run`.

The views (`harmonia.cli.progress`, `harmonia.cli.report`) work on the engine's own types, so
the API's answers are converted to those here rather than the views learning a second shape:
`harmonia watch` then prints exactly what `harmonia run` prints.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from typing import Any, TextIO, TypeVar

from pydantic import BaseModel

from harmonia.cli.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STORAGE,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    EXIT_WAITING,
    CliError,
)
from harmonia.cli.gates import at_rest_at_a_gate, may_rest_at_a_gate
from harmonia.cli.output import print_json
from harmonia.cli.progress import ProgressTracker, ProgressView
from harmonia.cli.style import is_terminal, style_for
from harmonia.client import (
    ApiError,
    Client,
    ClientError,
    DaemonUnreachable,
    Event,
    Execution,
    ExecutionSummary,
    NotFoundError,
    Page,
    StorageUnavailableError,
    UnauthorizedError,
)
from harmonia.events import Event as EngineEvent
from harmonia.paths import default_data_dir
from harmonia.protocol import TOKEN_ENV, TOKEN_FILE, URL_ENV, backoff_delay
from harmonia.state import ExecutionState, TaskState

__all__ = [
    "connect",
    "engine_event",
    "execution_state",
    "finish",
    "follow",
    "list_action",
    "pages",
    "print_answer",
    "print_deleted",
    "print_item",
    "remote_command",
    "resolve_execution_id",
    "summary_row",
]

Command = Callable[[argparse.Namespace], int]
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


# ---- connecting and errors -------------------------------------------------------------------


def connect(args: argparse.Namespace) -> Client:
    try:
        return Client(url=getattr(args, "url", None), data_dir=getattr(args, "data_dir", None))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def remote_command(func: Command) -> Command:
    """Turn the client's errors into the CLI's: one `harmonia: error:` line (plus one per
    validation problem) and an exit code that says whose fault it was."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except DaemonUnreachable as exc:
            raise CliError(str(exc), code=EXIT_UNREACHABLE) from None
        except ApiError as exc:
            raise CliError(*api_error_lines(exc, args), code=api_error_code(exc)) from None
        except ClientError as exc:  # an answer that is not the API's: a bug somewhere
            raise CliError(str(exc), code=EXIT_FAILED) from None

    return wrapper


def api_error_code(exc: ApiError) -> int:
    """2 when the request was refused (fix the call), 4 when the daemon's data folder refused
    a write (try later), 1 when the daemon itself failed."""
    if isinstance(exc, StorageUnavailableError):
        return EXIT_STORAGE
    return EXIT_USAGE if 400 <= exc.status < 500 else EXIT_FAILED


def api_error_lines(
    exc: ApiError, args: argparse.Namespace | None = None, *, default_file: str | None = None
) -> list[str]:
    lines = exc.message_lines(default_file)
    if isinstance(exc, UnauthorizedError):
        data_dir = getattr(args, "data_dir", None) if args is not None else None
        token_file = default_data_dir(data_dir) / TOKEN_FILE
        lines.append(
            f"the token is taken from ${TOKEN_ENV}, else from {token_file}; "
            "use the daemon's token (its data folder: --data-dir)"
        )
    if isinstance(exc, StorageUnavailableError):
        lines.append(
            "the daemon changed nothing; it keeps serving reads, resumes its stopped executions "
            "by itself once a write succeeds again, and then takes this request"
        )
    return lines


def pages(fetch: Callable[[int], Page[T]]) -> Iterator[Page[T]]:
    """Every page of a listing, from the start: `fetch(offset)` asks the daemon for one. Stops
    after the last page (or an empty one, whatever the daemon says is left)."""
    offset = 0
    while True:
        page = fetch(offset)
        yield page
        offset += len(page.items)
        if not page.items or not page.has_more:
            return


def resolve_execution_id(client: Client, given: str) -> str:
    """An execution id from an id or a unique prefix of one, as the embedded commands take."""
    try:
        return client.get_execution(given).id
    except NotFoundError as missing:
        matches = [
            s.id
            for page in pages(lambda offset: client.list_executions(limit=500, offset=offset))
            for s in page.items
            if s.id.startswith(given)
        ]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
            raise CliError(f"execution id prefix {given!r} is ambiguous: {shown}") from None
        raise missing from None


# ---- converting the API's answers to the views' types ----------------------------------------


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def engine_event(event: Event) -> EngineEvent:
    return EngineEvent(
        seq=event.seq,
        type=event.type,
        execution_id=event.execution_id,
        task_id=event.task_id,
        timestamp=event.timestamp.timestamp(),
        data=dict(event.data),
    )


def execution_state(execution: Execution) -> ExecutionState:
    """The engine's view of an execution from its API document (enough for the CLI's views:
    the workflow definition itself is not part of the document, only its name and version)."""
    workflow: dict[str, Any] = {"name": execution.workflow}
    if execution.workflow_version is not None:
        workflow["version"] = execution.workflow_version
    tasks = {
        task_id: TaskState(
            status=task.status,
            attempts=task.attempts,
            output=task.output,
            error=task.error,
            started_at=_epoch(task.started_at),
            finished_at=_epoch(task.finished_at),
            history=list(task.history),
            child_execution_id=task.child_execution_id,
            operator=task.operator,
        )
        for task_id, task in execution.tasks.items()
    }
    return ExecutionState(
        id=execution.id,
        workflow=workflow,
        input=dict(execution.input),
        status=execution.status,
        created_at=_epoch(execution.created_at) or 0.0,
        started_at=_epoch(execution.started_at),
        finished_at=_epoch(execution.finished_at),
        last_seq=execution.last_seq or 0,
        error=execution.error,
        restored_from=execution.restored_from,
        trigger=execution.trigger,
        tasks=tasks,
        damage=execution.damage.model_dump() if execution.damage is not None else None,
        # the items' values are not in the document; their number is all a view needs
        expansions={
            tid: [None] * task.item_count
            for tid, task in execution.tasks.items()
            if task.item_count is not None
        },
        parent=execution.parent.model_dump() if execution.parent is not None else None,
        output=execution.output,
    )


def summary_row(summary: ExecutionSummary) -> dict[str, Any]:
    """An API summary as the `executions` table takes a catalog row."""
    return {
        "id": summary.id,
        "workflow": summary.workflow,
        "status": summary.status,
        "interrupted": summary.interrupted,
        "created_at": _epoch(summary.created_at),
        "started_at": _epoch(summary.started_at),
        "finished_at": _epoch(summary.finished_at),
        "task_count": summary.task_count,
        "done_count": summary.done_count,
        "failed_count": summary.failed_count,
        "waiting_count": summary.waiting_count,
        "restored_from": summary.restored_from,
        "damage": summary.damage.model_dump() if summary.damage is not None else None,
    }


def execution_json(execution: Execution) -> dict[str, Any]:
    """The document `harmonia run --json` prints, as the daemon sent it."""
    return execution.model_dump(mode="json", exclude={"interrupted"})


# ---- following an execution ------------------------------------------------------------------


def _view(statuses: dict[str, str], quiet: bool) -> ProgressView:
    stream = sys.stderr
    return ProgressView(
        stream,
        ProgressTracker(statuses),
        style=style_for(stream),
        live=not quiet and is_terminal(stream),
        show_events=not quiet,
    )


def follow(
    client: Client,
    execution: Execution,
    args: argparse.Namespace,
    *,
    after: int | None,
    notice: str | None = None,
    until_gate: bool = True,
) -> Execution:
    """Show the execution's events after `after` (all of them with None) until it ends, then
    return its final state; with `until_gate`, stop once it waits for a person at an
    approval gate (`harmonia.cli.gates`) and return it as it is then.

    `execution` gives the task statuses the first event applies to: all `pending` when
    following from the start, the current ones when following from now. Ctrl+C stops
    watching only: the execution belongs to the daemon, which goes on with it.
    """
    quiet = bool(getattr(args, "quiet", False))
    if after is None:
        statuses = {task_id: "pending" for task_id in execution.tasks}
    else:
        statuses = {task_id: task.status for task_id, task in execution.tasks.items()}
    view = _view(statuses, quiet)
    try:
        if notice is not None:
            view.message(notice)
        statuses = view.tracker.statuses
        # the look at every status costs O(tasks) an event: only once a gate was seen to wait
        gated = until_gate and "waiting" in statuses.values()
        with closing(client.events(execution.id, after=after)) as events:
            for event in events:
                view.event(engine_event(event))
                gated = gated or (until_gate and event.type == "task_waiting")
                if gated and may_rest_at_a_gate(statuses):
                    now = client.get_execution(execution.id)
                    if at_rest_at_a_gate(now) and (now.last_seq or 0) <= event.seq:
                        return now  # and every event up to its rest was shown
    except KeyboardInterrupt:
        view.close()
        raise CliError(
            f"stopped watching; execution {execution.id} goes on in the daemon "
            f"(harmonia watch {execution.id}{_url_option(client, args)})",
            code=EXIT_INTERRUPTED,
        ) from None
    finally:
        view.close()
    return final_state(client, execution.id)


def final_state(client: Client, execution_id: str) -> Execution:
    """The execution after its stream ended. The stream rode out a daemon restart; so does
    this request, which may fall right into one."""
    reconnect = client.reconnect
    delays = iter(
        backoff_delay(n, initial=reconnect.initial_delay, maximum=reconnect.max_delay)
        for n in range(1, reconnect.attempts + 1)
    )
    while True:
        try:
            return client.get_execution(execution_id)
        except DaemonUnreachable:
            delay = next(delays, None)
            if delay is None:
                raise
            time.sleep(delay)


def _url_option(client: Client, args: argparse.Namespace) -> str:
    """`--url URL` when a later command would not find this daemon by itself: the embedded
    commands (resume, show...) use a daemon only with --url or $HARMONIA_URL."""
    if os.environ.get(URL_ENV):
        return ""
    return f" --url {client.url}"


def finish(client: Client, final: Execution, args: argparse.Namespace) -> int:
    """The end of a followed execution, as `harmonia run` ends: the summary (on stderr with
    --json, which puts the document on stdout; only on failure with --quiet), exit 0 or 1;
    at a gate, what it waits for and how to decide (as `harmonia show` says), exit 5."""
    from harmonia.cli.report import summary_lines

    if at_rest_at_a_gate(final):
        return _stopped_at_a_gate(client, final, args)
    completed = final.status == "completed"
    quiet = bool(getattr(args, "quiet", False))
    stream: TextIO | None
    if args.json:
        print_json(execution_json(final))
        stream = None if quiet and completed else sys.stderr
    elif quiet:
        stream = None if completed else sys.stderr
    else:
        stream = sys.stdout
    if stream is not None:
        lines = summary_lines(execution_state(final), style_for(stream))
        option = _url_option(client, args)
        advice = f"harmonia resume {final.id}"
        lines = [line + option if line.endswith(advice) else line for line in lines]
        stream.write("\n".join(lines) + "\n")
        stream.flush()
    return EXIT_OK if completed else EXIT_FAILED


def _stopped_at_a_gate(client: Client, final: Execution, args: argparse.Namespace) -> int:
    """Following stopped at a gate: the summary, what each gate asks and how to decide (the
    lines of `harmonia show`), and how to follow on; on stderr (the document on stdout with
    --json), also with --quiet: the command did not end the way its caller waits for."""
    from harmonia.cli.report import summary_lines, waiting_lines

    if args.json:
        print_json(execution_json(final))
    state, style = execution_state(final), style_for(sys.stderr)
    option = _url_option(client, args)
    waiting = ", ".join(tid for tid, task in final.tasks.items() if task.status == "waiting")
    lines = [f"harmonia: {waiting} waits for approval; stopped following (the daemon keeps it)"]
    lines += summary_lines(state, style)
    lines += [
        line + option if line.startswith("  decide: ") else line
        for line in waiting_lines(state, style)
    ]
    lines.append(f"  follow: harmonia watch {final.id}{option}")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
    return EXIT_WAITING


@contextmanager
def session(args: argparse.Namespace) -> Iterator[Client]:
    """A client for the length of one command."""
    client = connect(args)
    try:
        yield client
    finally:
        client.close()


def list_action(
    args: argparse.Namespace,
    command: str,
    target: tuple[str | None, str],
    lister: Callable[[Client], int],
) -> int:
    """`COMMAND list` of a command over a collection (hooks, schedules): a target (its value,
    its metavar) given to it is a slip for `show`, said so (exit 2); else `lister` lists."""
    given, metavar = target
    if given:
        hint = f"did you mean `{command} show {metavar}`?"
        raise CliError(f"{command} list takes no {metavar} ({hint})")
    with session(args) as client:
        return lister(client)


def print_answer(
    answer: Any, *, as_json: bool, note: str | None, printed: str | None = None
) -> int:
    """The daemon's answer to a command that made or changed something: all of it as JSON
    with --json; else `note` for people on stderr and `printed` (an id) on stdout for
    scripts. Exit code 0."""
    if as_json:
        print_json(answer.model_dump(mode="json"))
        return EXIT_OK
    if note is not None:
        info(note)
    if printed is not None:
        print(printed, flush=True)
    return EXIT_OK


def print_deleted(what: str, key: str, value: str, *, as_json: bool) -> int:
    """What a `delete` says: a note for people on stderr, and with --json `{key: value,
    "deleted": true}` for scripts, which get nothing on stdout otherwise. Exit code 0."""
    info(f"deleted {what} {value}")
    if as_json:
        print_json({key: value, "deleted": True})
    return EXIT_OK


def print_item(item: M, *, as_json: bool, lines: Callable[[M], list[str]]) -> int:
    """One item a `show` command asked the daemon for: as JSON with --json, else the lines
    `lines` makes of it (made only then). Exit code 0."""
    if as_json:
        print_json(item.model_dump(mode="json"))
    else:
        print("\n".join(lines(item)))
    return EXIT_OK


def info(line: str) -> None:
    """A line for people about what the command did; stdout stays for what scripts read."""
    sys.stderr.write(f"harmonia: {line}\n")
    sys.stderr.flush()
