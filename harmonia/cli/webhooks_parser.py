"""The command line of `harmonia webhooks deliveries`: kept free of heavy imports like the other
daemon commands' parsers."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from harmonia.argtypes import positive_int

__all__ = ["add_webhooks_command"]


def add_webhooks_command(
    command: Callable[..., argparse.ArgumentParser],
    handler: Any,
    common: Callable[..., None],
) -> None:
    """Register `webhooks` with the daemon commands' `command` and `common` helpers."""
    parser = command(
        "webhooks",
        handler,
        help="outbound webhook deliveries: their attempts and the receivers' answers",
        description="`harmonia webhooks deliveries [--execution ID] [--status S]`: the "
        "daemon's deliveries, newest first, each with every attempt (time, HTTP status or "
        "error). Inbound hooks are `harmonia hooks`.",
    )
    parser.add_argument("action", nargs="?", choices=("deliveries",), default="deliveries")
    parser.add_argument("--execution", metavar="ID", help="only this execution's deliveries")
    parser.add_argument(
        "--status", choices=("pending", "delivered", "failed"), help="only deliveries in this state"
    )
    parser.add_argument(
        "--limit", type=positive_int, default=50, metavar="N", help="at most N (default 50)"
    )
    parser.add_argument(
        "--offset", type=int, default=0, metavar="N", help="skip the N newest (default 0)"
    )
    common(parser, json_help="print the page as JSON")
