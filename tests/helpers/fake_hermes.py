"""A fake Hermes (Tekton's registry), written from TEKTON.md §3, quirks included.

- The registration answer is camelCase (`componentId`), the listings are snake_case.
- The token is an opaque JSON text signed with a constant secret: it stays valid after an
  unregister and after a restart, although the registry (in memory) is then empty.
- `unregister` takes `?component_id=`; heartbeat and unregister answer 422 without the
  `X-Authentication-Token` header, 401 for a bad token (or, for unregister, an entry gone).
- `type` is kept as `metadata.type`, so the listing's `type` and `port` are null and
  `?component_type=` never matches; `healthy_only` keeps heartbeats under 60 s old.
- The registry is served under `/api`, or, with `root_paths=True`, at the root only (Hermes on
  a newer FastAPI, TEKTON.md §2).

`FakeHermes().start()` serves it with uvicorn in a thread on a free loopback port (or the port
given); `stop()` takes it down, `restart()` brings it back on the same port with an empty
registry. Every request is recorded in `calls`; `wait_for(condition)` blocks until it holds.
Other fakes (remote components) register through HTTP or `register()`, so discovery through
`GET /api/components` can be tested. `python tests/helpers/fake_hermes.py --port N` runs one
in the foreground.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["Call", "DeadPort", "FakeHermes", "free_port", "reserve_port"]

SECRET = "tekton-secret-key"
LIVENESS_WINDOW = 60.0
TOKEN_HEADER = "x-authentication-token"
VERSION = "0.1.0"

T = TypeVar("T")
Answer = tuple[int, Any]


@dataclass(frozen=True)
class Call:
    """One request Hermes received, and its answer's status."""

    method: str
    path: str
    query: dict[str, str]
    token: str | None
    body: Any
    status: int
    at: float
    """`time.monotonic()` when the answer was made."""

    @property
    def name(self) -> str:
        """The registry operation: `register`, `heartbeat`, `components`, ..."""
        parts = [p for p in self.path.split("/") if p]
        if parts and parts[0] == "api":
            parts = parts[1:]
        return parts[0] if parts else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reserve_port() -> socket.socket:
    """A loopback port held but not listening: connections to it are refused, and nobody else
    can take it before `FakeHermes.start(sock=...)` serves on it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class DeadPort:
    """A Hermes that is down but countable: a loopback port that accepts each connection and
    closes it at once (the client sees "server disconnected"). `attempts` counts them;
    `close()` frees the port for `FakeHermes().start(port=...)`."""

    def __init__(self) -> None:
        self._sock = reserve_port()
        self._sock.listen(16)
        self.port = int(self._sock.getsockname()[1])
        self.attempts = 0
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._refuse, name="dead-port", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _refuse(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed
                return
            conn.close()
            with self._changed:
                self.attempts += 1
                self._changed.notify_all()

    def wait_attempts(self, n: int, timeout: float = 10.0) -> None:
        from helpers.waiting import wait_until  # here: this file also runs as a script

        with self._changed:
            wait_until(
                lambda: self.attempts >= n,
                timeout,
                f"{n} connection attempt(s)",
                wake=self._changed.wait,
                detail=lambda: f"{self.attempts} arrived",
            )

    def close(self) -> int:
        self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=10)
        return self.port


def _missing(where: str, name: str) -> Answer:
    """FastAPI's 422 for a required parameter that was not sent."""
    return 422, {
        "detail": [
            {"type": "missing", "loc": [where, name], "msg": "Field required", "input": None}
        ]
    }


class FakeHermes:
    """The registry and its HTTP face. Thread-safe: handlers run in the server's thread and
    tests read from theirs; one re-entrant lock covers the registry and the call record."""

    def __init__(
        self,
        *,
        root_paths: bool = False,
        token_lifetime: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root_paths = root_paths
        self.token_lifetime = token_lifetime
        self.clock = clock
        """Wall-clock seconds for tokens and liveness (a test may move it)."""
        self.entries: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.restarts = 0
        self._changed = threading.Condition()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self.app = Starlette(
            routes=[Route("/{path:path}", self._dispatch, methods=["GET", "POST", "DELETE"])]
        )

    # ---- the registry --------------------------------------------------------------------
    def register(self, body: dict[str, Any]) -> tuple[str, str]:
        """Add or replace an entry as `POST /api/register` does; (component id, token)."""
        with self._changed:
            component_id = body.get("component_id") or (
                f"{body['type']}-{str(body['name']).lower().replace(' ', '-')}-"
                f"{uuid.uuid4().hex[:8]}"
            )
            self.entries[component_id] = {
                "name": body["name"],
                "version": body["version"],
                "endpoint": body["endpoint"],
                "capabilities": list(body.get("capabilities") or []),
                "metadata": {"type": body["type"], **(body.get("metadata") or {})},
                "registered_at": self.clock(),
            }
            self._changed.notify_all()
            return component_id, self.issue_token(component_id)

    def issue_token(self, component_id: str) -> str:
        now = self.clock()
        payload = {
            "component_id": component_id,
            "token_id": str(uuid.uuid4()),
            "iat": now,
            "exp": now + self.token_lifetime,
        }
        return json.dumps({"payload": payload, "signature": _sign(payload)})

    def token_valid(self, token: str, component_id: str) -> bool:
        try:
            parsed = json.loads(token)
            payload = parsed["payload"]
            good = hmac.compare_digest(str(parsed["signature"]), _sign(payload))
            return bool(
                good and self.clock() <= payload["exp"] and payload["component_id"] == component_id
            )
        except (ValueError, KeyError, TypeError):
            return False

    def add(self, name: str, endpoint: str) -> str:
        """A component registered as Tekton's own helper registers one (for discovery tests);
        its component id."""
        return self.register(
            {"name": name, "type": name, "version": "0.1.0", "endpoint": endpoint}
        )[0]

    @property
    def requests(self) -> list[str]:
        """The path of every request so far, in order."""
        with self._changed:
            return [call.path for call in self.calls]

    def entry(self, component_id: str) -> dict[str, Any] | None:
        with self._changed:
            found = self.entries.get(component_id)
            return None if found is None else _listed(component_id, found)

    def forget_all(self) -> None:
        """What a restart does to the registry (it lives in memory)."""
        with self._changed:
            self.entries.clear()
            self._changed.notify_all()

    # ---- HTTP ----------------------------------------------------------------------------
    async def _dispatch(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        query = dict(request.query_params)
        token = request.headers.get(TOKEN_HEADER)
        path = "/" + request.path_params["path"]
        with self._changed:  # the registry's change and its call are seen together
            status, payload = self._answer(request.method, path, query, token, body)
            self.calls.append(
                Call(request.method, path, query, token, body, status, time.monotonic())
            )
            self._changed.notify_all()
        return JSONResponse(payload, status_code=status)

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        token: str | None,
        body: Any,
    ) -> Answer:
        if method == "GET" and path == "/health":
            return 200, {
                "status": "healthy",
                "component": "hermes",
                "version": VERSION,
                "port": self.port,
                "registered": False,
                "services": {},
            }
        prefix = "" if self.root_paths else "/api"
        if not path.startswith(prefix + "/"):
            return 404, {"detail": "Not Found"}
        rest = path[len(prefix) :]
        if method == "POST" and rest == "/register":
            return self._on_register(body)
        if method == "POST" and rest == "/heartbeat":
            return self._on_heartbeat(token, body)
        if method == "POST" and rest == "/unregister":
            return self._on_unregister(query, token)
        if method == "GET" and rest == "/components":
            return 200, self._listing(query)
        if method == "GET" and rest.startswith("/components/") and rest.count("/") == 2:
            return self._on_component(rest.rsplit("/", 1)[1])
        if method == "POST" and rest == "/query":
            return self._on_query(body if isinstance(body, dict) else {})
        return 404, {"detail": "Not Found"}

    def _on_register(self, body: Any) -> Answer:
        if not isinstance(body, dict):
            return _missing("body", "name")
        if "type" not in body and "component_type" in body:
            body = {**body, "type": body["component_type"]}
        for name in ("name", "version", "type", "endpoint"):
            if not isinstance(body.get(name), str):
                return _missing("body", name)
        component_id, token = self.register(body)
        return 200, {
            "success": True,
            "componentId": component_id,
            "token": token,
            "message": "Component registered successfully",
        }

    def _on_heartbeat(self, token: str | None, body: Any) -> Answer:
        if token is None:
            return _missing("header", TOKEN_HEADER)
        if not isinstance(body, dict) or not isinstance(body.get("component_id"), str):
            return _missing("body", "component_id")
        component_id = body["component_id"]
        if not self.token_valid(token, component_id):
            return 401, {"detail": "Invalid authentication token"}
        with self._changed:
            entry = self.entries.get(component_id)
            if entry is not None:  # the registry may have been emptied: still a 200
                entry["last_heartbeat"] = self.clock()
        return 200, {"success": True, "timestamp": self.clock(), "message": "Heartbeat received"}

    def _on_unregister(self, query: dict[str, str], token: str | None) -> Answer:
        if "component_id" not in query:
            return _missing("query", "component_id")
        if token is None:
            return _missing("header", TOKEN_HEADER)
        component_id = query["component_id"]
        with self._changed:
            if not self.token_valid(token, component_id) or component_id not in self.entries:
                return 401, {"detail": "Invalid authentication token"}
            del self.entries[component_id]
            self._changed.notify_all()
        return 200, {"success": True, "message": "Component unregistered successfully"}

    def _listing(self, query: dict[str, str]) -> dict[str, Any]:
        healthy_only = query.get("healthy_only", "").lower() in ("1", "true", "yes", "on")
        now = self.clock()
        with self._changed:
            found = [
                _listed(cid, entry)
                for cid, entry in self.entries.items()
                if ("capability" not in query or query["capability"] in entry["capabilities"])
                # the quirk: the listing's `type` is always null, so this filter never matches
                and "component_type" not in query
                and (not healthy_only or now - entry.get("last_heartbeat", 0) <= LIVENESS_WINDOW)
            ]
        return {"total": len(found), "components": found}

    def _on_component(self, name: str) -> Answer:
        with self._changed:
            for cid, entry in self.entries.items():
                if entry["name"] == name:
                    return 200, _listed(cid, entry)
        return 404, {"detail": f"Component '{name}' not found"}

    def _on_query(self, body: dict[str, Any]) -> Answer:
        with self._changed:
            found = [
                {
                    "componentId": cid,
                    "name": entry["name"],
                    "version": entry["version"],
                    "type": entry["metadata"].get("type", "Unknown"),
                    "endpoint": entry["endpoint"],
                    "capabilities": entry["capabilities"],
                    "metadata": entry["metadata"],
                    "healthy": None,
                    "lastHeartbeat": entry.get("last_heartbeat"),
                }
                for cid, entry in self.entries.items()
                if (not body.get("capability") or body["capability"] in entry["capabilities"])
                and (
                    not body.get("component_type")
                    or entry["metadata"].get("type") == body["component_type"]
                )
                and not body.get("healthy_only")  # `healthy` is always null: none is healthy
            ]
        return 200, found

    # ---- waiting -------------------------------------------------------------------------
    def wait_for(self, condition: Callable[[FakeHermes], T], timeout: float = 10.0) -> T:
        """Block until `condition(self)` is truthy (checked after every request and registry
        change); return its value, or fail the test after `timeout` seconds."""
        from helpers.waiting import wait_until  # here: this file also runs as a script

        with self._changed:
            return wait_until(
                lambda: condition(self),
                timeout,
                "a fake Hermes condition",
                wake=self._changed.wait,
                detail=lambda: (
                    "calls: "
                    + ", ".join(f"{c.method} {c.path} {c.status}" for c in self.calls[-20:])
                ),
            )

    def calls_to(self, name: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.name == name]

    # ---- serving -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.port is not None, "start() first"
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, sock: socket.socket | None = None, port: int | None = None) -> FakeHermes:
        """Serve on `sock` (a bound socket, e.g. from `reserve_port()`), else on `port`, else
        on the port it had, else on a free one; return once it accepts connections."""
        if sock is None:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port or self.port or 0))
        sock.listen(128)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = _Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="fake-hermes", daemon=True
        )
        self._thread.start()
        if not server.serving.wait(timeout=10):
            raise RuntimeError("the fake Hermes did not start")
        return self

    def stop(self) -> None:
        """Take Hermes down: connections are refused until `start()` again."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def restart(self) -> None:
        """Stop, lose the registry (it lives in memory), start on the same port."""
        self.stop()
        self.forget_all()
        self.restarts += 1
        self.start()

    def __enter__(self) -> FakeHermes:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(uvicorn.Server):
    """uvicorn's server, telling the starting thread when it serves."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.serving = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.serving.set()


def _sign(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True)
    return hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()


def _listed(component_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as `GET /api/components` shows it."""
    return {
        "component_id": component_id,
        "name": entry["name"],
        "version": entry["version"],
        "type": None,
        "port": None,
        "status": "unknown",
        "capabilities": entry["capabilities"],
        "endpoint": entry["endpoint"],
        "last_heartbeat": entry.get("last_heartbeat"),
        "registered_at": entry["registered_at"],
        "metadata": entry["metadata"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake Hermes on 127.0.0.1, for tests by hand.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--root-paths", action="store_true", help="serve at / instead of /api")
    parser.add_argument("--token-lifetime", type=float, default=3600.0)
    args = parser.parse_args()
    hermes = FakeHermes(root_paths=args.root_paths, token_lifetime=args.token_lifetime)
    hermes.start(port=args.port)
    print(f"fake hermes listening on {hermes.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        hermes.stop()


if __name__ == "__main__":
    main()
