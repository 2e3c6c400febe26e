"""Finding remote components by name: declared by hand, listed by Hermes, or named by the
environment (in that order of precedence).

Lookups happen while a workflow is loaded (a worker thread in the daemon, the main thread in
`harmonia run`) and when a call's endpoint is stale, so they are synchronous, bounded by short
timeouts (a Hermes that is down costs at most `timeout` per refresh, never a hang), and cached:
Hermes' whole list is kept for `ttl` seconds, a name missing from it refreshes the list at once
(at most once per `retry_after` seconds, so a workflow naming ten unknown components asks once),
and a Hermes that did not answer is asked again only after `retry_after`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from harmonia.tekton.urls import (
    TEKTON_COMPONENTS,
    component_url,
    env_names,
    env_problem,
    normalise_url,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_TIMEOUT", "DEFAULT_TTL", "Directory", "Location", "RemoteKind"]

RemoteKind = Literal["hermes", "declared", "environment"]
DEFAULT_TTL: Final = 15.0
DEFAULT_TIMEOUT: Final = 2.0
DEFAULT_RETRY_AFTER: Final = 1.0


@dataclass(frozen=True)
class Location:
    """Where one remote component is, and how Harmonia learnt it."""

    name: str
    url: str
    kind: RemoteKind
    source: str
    """In words: `--component`, `Hermes at http://...`, `RHETOR_PORT`."""


SELF = "harmonia"
"""The name Harmonia registers under in Hermes: left out of what Hermes lists for tasks."""


def _key(name: str) -> str:
    """Names match as Tekton's own status tool matches them: case and `-`/`_` aside."""
    return name.lower().replace("_", "-")


class Directory:
    """The remote components one process can reach. Thread-safe; see the module's rules."""

    def __init__(
        self,
        *,
        declared: Mapping[str, str] | None = None,
        hermes: str | None = None,
        env: Mapping[str, str] | None = None,
        ttl: float = DEFAULT_TTL,
        timeout: float = DEFAULT_TIMEOUT,
        retry_after: float = DEFAULT_RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.declared = {
            name: Location(name, normalise_url(url), "declared", "--component")
            for name, url in (declared or {}).items()
        }
        self.hermes = normalise_url(hermes) if hermes else None
        self.env: Mapping[str, str] = env if env is not None else {}
        self.ttl = ttl
        self.timeout = timeout
        self.retry_after = retry_after
        self.clock = clock
        self._lock = threading.Lock()
        self._client_lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._listing: dict[str, Location] = {}
        self._listed_at: float | None = None
        self._asked_at: float | None = None
        self._hermes_path = "/api/components"
        self.hermes_error: str | None = None
        """Why the last request to Hermes failed (None: it answered)."""
        self._found: dict[str, tuple[Location, float]] = {}

    # ---- HTTP (sync, short timeouts) -------------------------------------------------------
    def http(self) -> httpx.Client:
        """The directory's own client, for Hermes and for components' tool lists and health."""
        import httpx

        with self._client_lock:  # threads share it (httpx's pool is thread-safe)
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
            return self._client

    def get_json(self, url: str) -> tuple[int, Any]:
        """GET `url`: its status and decoded JSON (None if not JSON). Raises `httpx.HTTPError`."""
        import orjson

        response = self.http().get(url, headers={"Accept": "application/json"})
        try:
            payload = orjson.loads(response.content) if response.content else None
        except orjson.JSONDecodeError:
            payload = None
        return response.status_code, payload

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # ---- Hermes ----------------------------------------------------------------------------
    def _refresh_hermes(self) -> None:
        """Ask Hermes for every component (`/api/components`, then `/components` on a 404:
        a Hermes on a newer FastAPI serves its registry at the root; TEKTON.md §2)."""
        import httpx

        assert self.hermes is not None
        self._asked_at = self.clock()
        others = [p for p in ("/api/components", "/components") if p != self._hermes_path]
        paths = [self._hermes_path, *others]
        try:
            for path in paths:
                status, payload = self.get_json(self.hermes + path)
                if status != 404:
                    break
            if status != 200 or not isinstance(payload, Mapping):
                raise ValueError(f"GET {self.hermes}{path} answered HTTP {status}")
            self._hermes_path = path
        except (httpx.HTTPError, ValueError) as exc:
            self.hermes_error = _reason(exc)
            return
        listing: dict[str, Location] = {}
        entries = payload.get("components")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping):
                continue
            name, endpoint = entry.get("name"), entry.get("endpoint")
            if _key(str(name)) == SELF:
                continue  # Harmonia's own entry (a daemon registers itself): not a task's tool
            if isinstance(name, str) and isinstance(endpoint, str) and endpoint.strip():
                source = f"Hermes at {self.hermes}"
                location = Location(name, normalise_url(endpoint), "hermes", source)
                listing.setdefault(_key(name), location)
        self._listing = listing
        self._listed_at = self.clock()
        self.hermes_error = None

    def _from_hermes(self, name: str) -> Location | None:
        """`name` in Hermes' list; a stale list, or one without `name`, is asked for again
        (unless Hermes was asked less than `retry_after` ago)."""
        if self.hermes is None:
            return None
        now = self.clock()
        found = self._listing.get(_key(name))
        if found is not None and self._listed_at is not None and now - self._listed_at < self.ttl:
            return found
        if self._asked_at is None or now - self._asked_at >= self.retry_after:
            self._refresh_hermes()
        return self._listing.get(_key(name))  # a stale entry beats none while Hermes is down

    # ---- lookups ---------------------------------------------------------------------------
    def find(self, name: str) -> Location | None:
        """Where `name` is now (may ask Hermes, within the time-outs); None if nowhere."""
        if name in self.declared:
            return self.declared[name]
        with self._lock:
            found = self._from_hermes(name)
            if found is None:
                url = component_url(name, self.env)
                if url is not None:
                    found = Location(name, url, "environment", env_names(name)[1])
            if found is not None:
                self._found[name] = (found, self.clock())
            return found

    def resolve(self, name: str) -> Location | None:
        """`find`, unless a lookup younger than `ttl` answered already (a call's hot path)."""
        cached = self._found.get(name)
        if cached is not None and self.clock() - cached[1] < self.ttl:
            return cached[0]
        return self.find(name)

    def cached(self, name: str) -> Location | None:
        """The last answer for `name`, however old, without any I/O."""
        if name in self.declared:
            return self.declared[name]
        cached = self._found.get(name)
        return cached[0] if cached is not None else None

    def is_fresh(self, name: str) -> bool:
        cached = self._found.get(name)
        return name in self.declared or (cached is not None and self.clock() - cached[1] < self.ttl)

    def known_names(self) -> list[str]:
        """The names found so far (declared ones and earlier lookups), without any I/O."""
        return sorted({*self.declared, *self._found})

    def forget(self, name: str) -> None:
        """Drop what is known of `name` (its endpoint refused a connection: it may have moved);
        the next lookup asks again."""
        with self._lock:
            self._found.pop(name, None)
            self._listed_at = None

    def all(self) -> list[Location]:
        """Every remote component known now: declared ones, Hermes' list (refreshed when
        stale), and Tekton's components whose `{NAME}_PORT` is set, once per name."""
        with self._lock:
            if self.hermes is not None:
                stale = self._listed_at is None or self.clock() - self._listed_at >= self.ttl
                if stale and (
                    self._asked_at is None or self.clock() - self._asked_at >= self.retry_after
                ):
                    self._refresh_hermes()
            found: dict[str, Location] = dict(self.declared)
            for location in self._listing.values():
                found.setdefault(location.name, location)
            names = [*TEKTON_COMPONENTS, *(n for n, _ in self._found.items())]
            for name in names:
                if name in found or any(_key(name) == _key(other) for other in found):
                    continue
                url = component_url(name, self.env)
                if url is not None:
                    found[name] = Location(name, url, "environment", env_names(name)[1])
            return sorted(found.values(), key=lambda loc: loc.name)

    def where_looked(self, name: str) -> str:
        """Where a lookup of `name` looked, for an error message."""
        parts: list[str] = []
        if self.declared:
            parts.append(f"declared components ({', '.join(sorted(self.declared))})")
        else:
            parts.append("declared components (none: --component NAME=URL)")
        if self.hermes is None:
            parts.append("Hermes (none configured: --hermes URL, HERMES_URL or HERMES_PORT)")
        elif self.hermes_error is not None:
            parts.append(f"Hermes at {self.hermes} (unreachable: {self.hermes_error})")
        else:
            parts.append(f"Hermes at {self.hermes} (not registered there)")
        parts.append(f"the environment ({env_problem(name, self.env)})")
        return ", ".join(parts)


def _reason(exc: Exception) -> str:
    """A short reason for a failed request: the exception's class tells timeouts apart."""
    text = str(exc) or type(exc).__name__
    if "Timeout" in type(exc).__name__:
        return f"no answer within the time-out ({text})"
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"
