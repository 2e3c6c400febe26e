"""`harmonia webhooks deliveries`: what the daemon sent where, and what each receiver answered.

One line per attempt under its delivery, so a receiver that fails and then recovers reads as
its story: `500`, `503`, `200`. `--json` prints the API's page as it is.
"""

from __future__ import annotations

import argparse

from harmonia.cli.errors import EXIT_OK, CliError
from harmonia.cli.output import print_json
from harmonia.cli.remote import remote_command, resolve_execution_id, session
from harmonia.client import Page, WebhookDelivery

__all__ = ["cmd_webhooks"]


@remote_command
def cmd_webhooks(args: argparse.Namespace) -> int:
    if args.offset < 0:
        raise CliError("--offset must not be negative")
    with session(args) as client:
        # an unknown id is refused as `harmonia show` refuses it (a prefix is taken too), not
        # answered with an empty list that reads as "nothing was delivered"
        execution = args.execution and resolve_execution_id(client, args.execution)
        page = client.webhook_deliveries(
            execution_id=execution or None, status=args.status, limit=args.limit, offset=args.offset
        )
    if args.json:
        print_json(page.model_dump(mode="json"))
        return EXIT_OK
    print("\n".join(describe(page)))
    return EXIT_OK


def describe(page: Page[WebhookDelivery]) -> list[str]:
    from harmonia.cli.report import format_local_time, render_table

    if not page.items:
        return ["no webhook deliveries"]
    rows = []
    for d in page.items:
        when = format_local_time(d.created_at.timestamp() if d.created_at else None)
        task = f" {d.task_id}" if d.task_id else ""
        rows.append([d.id, d.status, f"{d.event}{task}", d.execution_id, d.url, when])
        for a in d.attempts:
            at = format_local_time(a.at.timestamp() if a.at else None)
            outcome = str(a.status_code) if a.status_code is not None else "-"
            rows.append(["", f"  #{a.attempt}", outcome, f"{a.duration:.2f}s", a.error or "", at])
    header = ["DELIVERY", "STATUS", "EVENT", "EXECUTION", "URL", "TIME"]
    lines = render_table(header, rows)
    shown = page.offset + len(page.items)
    if page.total is not None and shown < page.total:
        lines.append(f"({shown} of {page.total}; --offset {shown} for more)")
    return lines
