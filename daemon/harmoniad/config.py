"""The daemon's settings: command-line options, with the environment for what tests, containers
and Tekton installations set there (`HARMONIA_HOME`, `HARMONIA_TOKEN`, Tekton's `HARMONIA_PORT`,
`HARMONIA_HOST`, `HARMONIA_DATA_DIR` and the `HERMES_*` names). A flag wins over the environment.

Everything that can make the daemon refuse to start is decided here, before any file is
touched or any socket bound, so that a bad setting is one clear line and exit code 2.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harmonia import __version__
from harmonia.argtypes import port_number, positive_int, seconds
from harmonia.engine.engine import DEFAULT_CHECKPOINT_INTERVAL
from harmonia.executors.base import ExecutorSettings, add_executor_options, executor_settings
from harmonia.paths import DATA_DIR_HELP, default_data_dir
from harmonia.protocol import DEFAULT_PORT, TOKEN_ENV, TOKEN_FILE
from harmonia.taskenv import SECRET_ENV_VAR
from harmonia.tekton.urls import hermes_setting, parse_declared
from harmoniad.hermes import DEFAULT_INTERVAL, TOKEN_LIFETIME
from harmoniad.webhooks.settings import (
    WebhookSettings,
    add_webhook_options,
    webhook_settings_from,
)

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_PORT",
    "MIN_TOKEN_LENGTH",
    "TOKEN_ENV",
    "ConfigError",
    "DaemonConfig",
    "build_parser",
    "config_from_args",
    "hermes_url_from",
    "is_loopback_host",
]

DEFAULT_MAX_BODY = 1024 * 1024
MIN_TOKEN_LENGTH = 32
"""The shortest token a daemon that other machines can reach accepts: 32 characters of
url-safe base64 are 192 bits, beyond guessing. (The generated token has 43.)"""
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
BUILTIN_COMPONENTS = ("core", "http", "python", "shell", "workflow")
HTTP_PARSERS = ("auto", "h11", "httptools")
PORT_ENV = "HARMONIA_PORT"
HOST_ENV = "HARMONIA_HOST"


class ConfigError(Exception):
    """A setting the daemon cannot start with (exit code 2)."""


@dataclass(frozen=True)
class DaemonConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    allow_hosts: tuple[str, ...] = ()
    """Host header values accepted besides the loopback names (DNS rebinding defence)."""
    token: str | None = None
    """Set explicitly (`HARMONIA_TOKEN`); otherwise read from `token_file`."""
    token_file: Path | None = None
    """An explicitly named token file; None means `DATA_DIR/token`, created on first start."""
    log_json: bool = False
    log_level: str = "info"
    access_log: bool = True
    http: str = "auto"
    """uvicorn's HTTP parser: `httptools` (compiled) when installed, else `h11`; or either."""
    max_body: int = DEFAULT_MAX_BODY
    checkpoint_interval: float | None = DEFAULT_CHECKPOINT_INTERVAL
    components: tuple[str, ...] = BUILTIN_COMPONENTS
    """Built-in components this daemon lets workflows use (e.g. leave out `shell`)."""
    declared: tuple[tuple[str, str], ...] = ()
    """Remote components declared by hand (`--component NAME=URL`), beside those Hermes and
    the environment name."""
    shutdown_timeout: float = 8.0
    """How long connections get to finish after a stop signal before they are cut."""
    secret_env: tuple[str, ...] = ()
    """Environment variables tasks never see (besides HARMONIA_TOKEN and those named in
    HARMONIA_SECRET_ENV): `--secret-env NAME`."""
    check: bool = False
    """Only check the data folder for damaged files, print the report, and exit
    (`harmonia doctor`)."""
    hermes_url: str | None = None
    """The Hermes to register with (joining a Tekton installation); None: stay on our own."""
    hermes_source: str = ""
    """Which setting named `hermes_url` (`--hermes`, `$HERMES_URL`, ...), for the log."""
    hermes_interval: float = DEFAULT_INTERVAL
    """Heartbeat and entry check period, and the longest wait between retries."""
    hermes_token_lifetime: float = TOKEN_LIFETIME
    """How long Hermes' tokens last; the daemon registers again a few periods before."""
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    """Where shell, python and http tasks run: `--executor dask` with `--dask-scheduler`
    (or `$HARMONIA_DASK_SCHEDULER`) or `--dask-workers N`; in the daemon's process otherwise."""
    tekton_open: bool = False
    """Tekton's paths (`/api/mcp/v2/*`, `/discovery`, `/api/v1/discovery`) answer loopback
    peers without a token (Tekton components send none); see `harmoniad.security`."""
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    """`--notify` URLs, their events and secret, and how deliveries are retried."""

    @property
    def token_explicit(self) -> bool:
        return self.token is not None or self.token_file is not None

    @property
    def effective_token_file(self) -> Path:
        return self.token_file or self.data_dir / TOKEN_FILE

    def endpoint(self, port: int) -> str:
        """The URL Tekton components reach this daemon at, as registered with Hermes: the bound
        address, or `localhost` for a loopback or every-interface bind (never `0.0.0.0`)."""
        bare = self.host.strip("[]")
        wildcard = bare in ("", "0.0.0.0", "::")
        host = "localhost" if wildcard or is_loopback_host(bare) else bare
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def env_name(text: str) -> str:
    """An environment variable's name, for `--secret-env`."""
    name = text.strip()
    if not name or "=" in name or "," in name or "\0" in name:
        raise argparse.ArgumentTypeError(f"not an environment variable name: {text!r}")
    return name


def declared_component(text: str) -> tuple[str, str]:
    """`NAME=URL` of `--component` (`harmonia run` takes the same)."""
    try:
        return parse_declared(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_seconds(text: str) -> float:
    """A period in seconds, more than 0 and finite."""
    value = seconds(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


def hermes_url_from(flag: str | None, env: Mapping[str, str]) -> tuple[str | None, str]:
    """The Hermes URL and the setting that named it (`harmonia.tekton.urls.hermes_setting`:
    the one rule discovery uses too); an unusable setting stops the daemon, naming it."""
    try:
        return hermes_setting(env, flag)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def is_loopback_host(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    bare = host.strip("[]").lower()
    if bare in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harmoniad",
        description="The Harmonia daemon: REST, SSE and WebSocket API over one engine.",
    )
    parser.add_argument("--version", action="version", version=f"harmoniad {__version__}")
    parser.add_argument("--host", help=f"address to bind (default ${HOST_ENV}, else 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=port_number,
        help=f"port to bind (default ${PORT_ENV}, else {DEFAULT_PORT}; 0 picks a free one and "
        "prints it)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=DATA_DIR_HELP,
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="accept this Host header besides loopback names (repeatable)",
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"read the API token from FILE (created if missing); ${TOKEN_ENV} wins over it",
    )
    parser.add_argument("--log-json", action="store_true", help="one JSON object per log line")
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level (default info)",
    )
    parser.add_argument("--no-access-log", action="store_true", help="do not log each request")
    parser.add_argument(
        "--http",
        choices=HTTP_PARSERS,
        default="auto",
        help="HTTP parser (default auto: httptools when installed, else h11)",
    )
    parser.add_argument(
        "--max-body",
        type=positive_int,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help=f"largest request body accepted (default {DEFAULT_MAX_BODY})",
    )
    parser.add_argument(
        "--checkpoint-interval",
        type=seconds,
        default=DEFAULT_CHECKPOINT_INTERVAL,
        metavar="S",
        help=f"snapshot running executions every S seconds, 0 never "
        f"(default {DEFAULT_CHECKPOINT_INTERVAL:g})",
    )
    parser.add_argument(
        "--components",
        default=",".join(BUILTIN_COMPONENTS),
        metavar="NAMES",
        help="comma-separated built-in components workflows may use "
        f"(default {','.join(BUILTIN_COMPONENTS)})",
    )
    parser.add_argument(
        "--component",
        action="append",
        default=[],
        type=declared_component,
        metavar="NAME=URL",
        dest="declared",
        help="a remote component speaking Tekton's MCP v2 dialect at URL (repeatable); others "
        "are found through Hermes ($HERMES_URL, or $HERMES_HOST/$HERMES_PORT) and "
        "{NAME}_HOST/{NAME}_PORT",
    )
    parser.add_argument(
        "--secret-env",
        action="append",
        default=[],
        type=env_name,
        metavar="NAME",
        help="an environment variable tasks must never see, like HARMONIA_TOKEN (repeatable; "
        f"also ${SECRET_ENV_VAR}=A,B)",
    )
    tekton = parser.add_argument_group("joining a Tekton installation")
    joining = tekton.add_mutually_exclusive_group()
    joining.add_argument(
        "--hermes",
        metavar="URL",
        help="register with this Hermes (default $HERMES_URL, else HERMES_HOST/TEKTON_HOST + "
        "HERMES_PORT when any is set; else none)",
    )
    joining.add_argument(
        "--no-hermes",
        action="store_true",
        help="register with no Hermes, whatever the environment says",
    )
    tekton.add_argument(
        "--hermes-interval",
        type=positive_seconds,
        default=DEFAULT_INTERVAL,
        metavar="S",
        help=f"heartbeat and entry check period, and the longest retry wait "
        f"(default {DEFAULT_INTERVAL:g})",
    )
    tekton.add_argument(
        "--hermes-token-lifetime",
        type=positive_seconds,
        default=TOKEN_LIFETIME,
        metavar="S",
        help=f"how long Hermes' tokens last; registers again a few periods before "
        f"(default {TOKEN_LIFETIME:g})",
    )
    tekton.add_argument(
        "--tekton-open",
        action="store_true",
        help="let Tekton's paths (/api/mcp/v2/*, /discovery, /api/v1/discovery) answer without "
        "a token, to loopback peers only, for GETs and application/json POSTs (Tekton "
        "components send no token; whoever runs on this machine can then run workflows)",
    )
    add_webhook_options(parser)
    parser.add_argument(
        "--check",
        action="store_true",
        help="report every damaged file of the data folder and exit (0: none, 1: some), "
        "as `harmonia doctor` does; reads only",
    )
    add_executor_options(parser)
    return parser


def config_from_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> DaemonConfig:
    """Parse options (argparse exits 2 on a usage error) and check they make a safe daemon."""
    env = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    components = tuple(c.strip() for c in args.components.split(",") if c.strip())
    unknown = [c for c in components if c not in BUILTIN_COMPONENTS]
    if unknown:
        raise ConfigError(
            f"unknown component(s) {', '.join(unknown)}; built in: {', '.join(BUILTIN_COMPONENTS)}"
        )
    clash = sorted({name for name, _ in args.declared} & set(BUILTIN_COMPONENTS))
    if clash:
        raise ConfigError(
            f"--component {clash[0]}=...: {clash[0]!r} is a built-in component; choose another name"
        )
    try:
        executor = executor_settings(
            args.executor,
            args.dask_scheduler,
            args.dask_workers,
            env,
            connect_timeout=args.dask_connect_timeout,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    token = env.get(TOKEN_ENV) or None
    host = args.host if args.host is not None else env.get(HOST_ENV) or "127.0.0.1"
    port = args.port if args.port is not None else _env_port(env)
    if args.no_hermes:
        hermes_url, hermes_source = None, ""
    else:
        hermes_url, hermes_source = hermes_url_from(args.hermes, env)
    try:
        webhooks = webhook_settings_from(args, env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    secret_env = tuple(args.secret_env)
    if webhooks.secret_env is not None:  # the signing secret is the daemon's, not the tasks'
        secret_env += (webhooks.secret_env,)
    config = DaemonConfig(
        host=host,
        port=port,
        data_dir=default_data_dir(args.data_dir),
        allow_hosts=tuple(h.lower() for h in args.allow_host),
        token=token.strip() if token else None,
        token_file=Path(args.token_file).expanduser() if args.token_file else None,
        log_json=args.log_json,
        log_level=args.log_level,
        access_log=not args.no_access_log,
        http=args.http,
        max_body=args.max_body,
        checkpoint_interval=args.checkpoint_interval or None,
        components=components,
        declared=tuple(args.declared),
        secret_env=secret_env,
        check=args.check,
        hermes_url=hermes_url,
        hermes_source=hermes_source,
        hermes_interval=args.hermes_interval,
        hermes_token_lifetime=args.hermes_token_lifetime,
        tekton_open=args.tekton_open,
        webhooks=webhooks,
        executor=executor,
    )
    if config.check:
        return config  # reads the data folder and exits: nothing is served
    try:
        check(config)
    except ConfigError as exc:
        if args.host is None and env.get(HOST_ENV):
            raise ConfigError(f"{exc} (the address comes from ${HOST_ENV})") from None
        raise
    return config


def _env_port(env: Mapping[str, str]) -> int:
    text = env.get(PORT_ENV)
    if not text:
        return DEFAULT_PORT
    try:
        return port_number(text)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(f"${PORT_ENV}: {exc}") from None


def check(config: DaemonConfig) -> None:
    """Refuse settings that would expose an unprotected daemon."""
    if config.token is not None and not config.token:
        raise ConfigError(f"${TOKEN_ENV} is set but blank")
    if not is_loopback_host(config.host) and not config.token_explicit:
        raise ConfigError(
            f"refusing to listen on {config.host}, which other machines can reach, with the "
            f"token generated into the data folder: set ${TOKEN_ENV} or pass --token-file "
            "(and share that token with clients deliberately), or bind 127.0.0.1"
        )
    if config.token is not None:
        check_token_strength(config, config.token, f"${TOKEN_ENV}")
    if config.data_dir.exists() and not config.data_dir.is_dir():
        raise ConfigError(f"data folder {config.data_dir} is not a directory")


def check_token_strength(config: DaemonConfig, token: str, source: str) -> str | None:
    """Refuse a short token on a bind other machines can reach (ConfigError, exit 2); on
    loopback, return a warning instead: only this machine's users can try to guess it there
    (browser pages are stopped by the Host and Origin checks), and test rigs and local setups
    set short tokens on purpose."""
    if len(token) >= MIN_TOKEN_LENGTH:
        return None
    what = (
        f"the token from {source} is {len(token)} character(s) long; use at least "
        f"{MIN_TOKEN_LENGTH} (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    )
    if not is_loopback_host(config.host):
        raise ConfigError(
            f"refusing to listen on {config.host}, which other machines can reach: {what}"
        )
    return f"{what}: accepted only because {config.host} is loopback"
