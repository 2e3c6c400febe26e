"""The daemon's webhook settings: `--notify URL` (repeatable) with its events and secret, and
how patiently deliveries are retried.

Checked before the daemon touches anything, as every setting is (`harmoniad.config`): a bad URL,
an unknown event, a secret variable that is not set or a secret file that cannot be read stop
it with one line and exit code 2. The secret is read once here and never printed.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harmonia.argtypes import positive_int, seconds
from harmonia.model.notify import DEFAULT_NOTIFY_EVENTS, check_event_names, check_notify_url

__all__ = ["Secret", "WebhookSettings", "add_webhook_options", "webhook_settings_from"]

DEFAULT_ATTEMPTS = 10
DEFAULT_RETRY_DELAY = 5.0
MAX_RETRY_DELAY = 3600.0
DEFAULT_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 8


class Secret:
    """Signing key bytes that never show in a repr, a log line or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"


@dataclass(frozen=True)
class WebhookSettings:
    urls: tuple[str, ...] = ()
    """Daemon-wide targets: told of `events` of every execution."""
    events: tuple[str, ...] = DEFAULT_NOTIFY_EVENTS
    secret: Secret | None = field(default=None, compare=False)
    """The daemon-wide targets' signing secret (none: not signed)."""
    secret_env: str | None = None
    """Where `secret` came from, when from the environment: tasks never see that variable."""
    attempts: int = DEFAULT_ATTEMPTS
    """Attempts per delivery before it is `failed`."""
    retry_delay: float = DEFAULT_RETRY_DELAY
    """Seconds before the first retry; doubled each time, up to `max_retry_delay`."""
    max_retry_delay: float = MAX_RETRY_DELAY
    timeout: float = DEFAULT_TIMEOUT
    """Seconds one attempt may take, answer included."""
    concurrency: int = DEFAULT_CONCURRENCY
    """Attempts in flight at once, over every target."""


def add_webhook_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("webhooks out (README, Webhooks out)")
    group.add_argument(
        "--notify",
        action="append",
        default=[],
        metavar="URL",
        help="POST chosen events of every execution to URL, durably and signed (repeatable)",
    )
    group.add_argument(
        "--notify-events",
        metavar="NAMES",
        help=f"comma-separated events for --notify (default {','.join(DEFAULT_NOTIFY_EVENTS)})",
    )
    secret = group.add_mutually_exclusive_group()
    secret.add_argument(
        "--notify-secret-env",
        metavar="NAME",
        help="sign --notify deliveries with the secret in this environment variable "
        "(tasks never see it)",
    )
    secret.add_argument(
        "--notify-secret-file",
        metavar="FILE",
        help="sign --notify deliveries with the secret in FILE (trailing white space dropped)",
    )
    group.add_argument(
        "--webhook-attempts",
        type=positive_int,
        default=DEFAULT_ATTEMPTS,
        metavar="N",
        help=f"attempts per delivery before it is failed (default {DEFAULT_ATTEMPTS})",
    )
    group.add_argument(
        "--webhook-retry-delay",
        type=seconds,
        default=DEFAULT_RETRY_DELAY,
        metavar="S",
        help=f"seconds before the first retry, doubled each time up to {MAX_RETRY_DELAY:g} "
        f"(default {DEFAULT_RETRY_DELAY:g})",
    )
    group.add_argument(
        "--webhook-timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds one attempt may take (default {DEFAULT_TIMEOUT:g})",
    )


def webhook_settings_from(args: argparse.Namespace, env: Mapping[str, str]) -> WebhookSettings:
    """The settings of parsed options; ValueError naming the option for a bad one."""
    for url in args.notify:
        try:
            check_notify_url(url)
        except ValueError as exc:
            raise ValueError(f"--notify: {exc}") from None
    events = DEFAULT_NOTIFY_EVENTS
    if args.notify_events is not None:
        names = [n.strip() for n in args.notify_events.split(",") if n.strip()]
        if not names:
            raise ValueError("--notify-events: name at least one event")
        try:
            events = tuple(check_event_names(names))
        except ValueError as exc:
            raise ValueError(f"--notify-events: {exc}") from None
    secret: Secret | None = None
    if args.notify_secret_env is not None:
        value = env.get(args.notify_secret_env)
        if not value:
            raise ValueError(f"--notify-secret-env: ${args.notify_secret_env} is not set")
        secret = Secret(value.encode())
    elif args.notify_secret_file is not None:
        secret = Secret(_read_secret(Path(args.notify_secret_file).expanduser()))
    if not 0 < args.webhook_timeout < math.inf:
        raise ValueError("--webhook-timeout: must be more than 0 seconds")
    return WebhookSettings(
        urls=tuple(args.notify),
        events=events,
        secret=secret,
        secret_env=args.notify_secret_env,
        attempts=args.webhook_attempts,
        retry_delay=args.webhook_retry_delay,
        timeout=args.webhook_timeout,
    )


def _read_secret(path: Path) -> bytes:
    try:
        value = path.read_bytes().rstrip()
    except OSError as exc:
        raise ValueError(
            f"--notify-secret-file: cannot read {path}: {exc.strerror or exc}"
        ) from None
    if not value:
        raise ValueError(f"--notify-secret-file: {path} is empty")
    return value
