"""Where Hermes and a Tekton component are, from settings and Tekton's environment names.

One place for these rules so that discovery (calling components) and registration (joining
Hermes) can never disagree about which Hermes they mean. Tekton's own convention
(`shared/urls.py` `tekton_url`): a component NAME listens on `{NAME}_PORT`, on the host
`{NAME}_HOST`, else `TEKTON_HOST`, else `localhost`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "HERMES_DEFAULT_PORT",
    "TEKTON_COMPONENTS",
    "component_url",
    "env_names",
    "env_problem",
    "hermes_setting",
    "hermes_url",
    "normalise_url",
    "parse_declared",
]

HERMES_DEFAULT_PORT: Final = 8001
TEKTON_COMPONENTS: Final = (
    "engram",
    "ergon",
    "rhetor",
    "terma",
    "athena",
    "prometheus",
    "telos",
    "synthesis",
    "metis",
    "apollo",
    "budget",
    "penia",
    "sophia",
    "noesis",
    "numa",
    "hephaestus",
)
"""Tekton's components from its port table that a workflow may call (Hermes and Harmonia
itself left out): listed as `environment` components when their `{NAME}_PORT` is set."""

_SCHEME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_HTTP_URL: Final = re.compile(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", re.IGNORECASE)


def env_names(name: str) -> tuple[str, str]:
    """The `{NAME}_HOST` and `{NAME}_PORT` variables of a component (`tekton-core` ->
    `TEKTON_CORE_HOST`, `TEKTON_CORE_PORT`)."""
    prefix = re.sub(r"[^A-Za-z0-9]", "_", name).upper()
    return f"{prefix}_HOST", f"{prefix}_PORT"


def _port(text: str) -> int | None:
    text = text.strip()
    if not text.isdigit():
        return None
    port = int(text)
    return port if 0 < port < 65536 else None


def _host(host: str) -> str:
    host = host.strip()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def normalise_url(url: str) -> str:
    """A base URL as given by hand or by Hermes, without a trailing slash (paths are added to
    it); a bare `host:port` gets `http://`."""
    url = url.strip()
    if not _SCHEME.match(url):
        url = "http://" + url
    return url.rstrip("/")


def component_url(name: str, env: Mapping[str, str]) -> str | None:
    """`http://{NAME_HOST|TEKTON_HOST|localhost}:{NAME_PORT}`, or None when `{NAME}_PORT` is
    not set to a port number (see `env_problem` for why)."""
    host_var, port_var = env_names(name)
    port = _port(env.get(port_var, ""))
    if port is None:
        return None
    host = env.get(host_var) or env.get("TEKTON_HOST") or "localhost"
    return f"http://{_host(host)}:{port}"


def env_problem(name: str, env: Mapping[str, str]) -> str:
    """Why `component_url(name, env)` found nothing, in the words of an error message."""
    _, port_var = env_names(name)
    value = env.get(port_var)
    if value is None:
        return f"{port_var} is not set"
    return f"{port_var}={value!r} is not a port number"


def hermes_setting(env: Mapping[str, str], flag: str | None = None) -> tuple[str | None, str]:
    """Hermes' base URL and the setting that named it (for messages), after TEKTON.md §10:
    `flag` (`--hermes URL`; empty: no Hermes), else `HERMES_URL`, else
    `http://{HERMES_HOST|TEKTON_HOST|localhost}:{HERMES_PORT|8001}` when any of those three is
    set; else `(None, "")`: a machine without Tekton is never probed on port 8001, and nothing
    logs about a Hermes nobody asked for. ValueError names the setting that is not usable."""
    if flag is not None:
        return (_checked(flag, "--hermes"), "--hermes") if flag.strip() else (None, "--hermes")
    if env.get("HERMES_URL", "").strip():
        return _checked(env["HERMES_URL"], "$HERMES_URL"), "$HERMES_URL"
    named = [n for n in ("HERMES_HOST", "TEKTON_HOST", "HERMES_PORT") if env.get(n, "").strip()]
    if not named:
        return None, ""
    port_text = env.get("HERMES_PORT", "").strip()
    port = _port(port_text) if port_text else HERMES_DEFAULT_PORT
    if port is None:
        raise ValueError(f"$HERMES_PORT: expected a port number (1-65535), got {port_text!r}")
    host = env.get("HERMES_HOST", "").strip() or env.get("TEKTON_HOST", "").strip() or "localhost"
    source = " + ".join(f"${n}" for n in named)
    return _checked(f"http://{_host(host)}:{port}", source), source


def hermes_url(env: Mapping[str, str], flag: str | None = None) -> str | None:
    """`hermes_setting`'s URL, None when no usable Hermes is configured (discovery then looks
    elsewhere; the daemon refuses to start on an unusable setting instead)."""
    try:
        return hermes_setting(env, flag)[0]
    except ValueError:
        return None


def _checked(text: str, source: str) -> str:
    url = normalise_url(text)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"{source}: not a usable URL {text!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{source}: expected an http(s)://HOST[:PORT] URL, got {text!r}")
    return url


def parse_declared(text: str) -> tuple[str, str]:
    """`NAME=URL` of `--component` (the daemon's and `harmonia run`'s): a name a task can
    use, and an http(s) base URL (a bare `host:port` gets `http://`). ValueError says why not."""
    name, sep, url = text.partition("=")
    name, url = name.strip(), url.strip()
    if not sep or not name or not url:
        raise ValueError(f"expected NAME=URL, e.g. rhetor=http://127.0.0.1:8003 (got {text!r})")
    if not _NAME.match(name):
        raise ValueError(
            f"{name!r} is not a component name (letters, digits, '_' and '-', not first)"
        )
    url = normalise_url(url)
    if not _HTTP_URL.match(url):
        raise ValueError(f"{url!r} is not an http(s) base URL")
    return name, url
