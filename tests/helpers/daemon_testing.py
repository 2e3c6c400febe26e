"""Tools for the daemon tests: a real `harmoniad` subprocess, its clients, and workflows.

`Harmoniad(data_dir).start()` runs `harmoniad --port 0 --data-dir DIR`, waits for the
`harmoniad listening on URL` line on its stdout (a blocking read, no polling sleeps) and knows
the URL and the token. `kill()` is `kill -9`, `terminate()` a SIGTERM that returns the exit
code. Everything the daemon logs is kept (a reader thread drains the pipes, so a chatty daemon
never blocks) and shown when it fails to start.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import yaml
from helpers.waiting import wait_until
from helpers.workflows import task
from httpx_sse import ServerSentEvent, connect_sse

if TYPE_CHECKING:
    from harmonia.client import Client

__all__ = [
    "Harmoniad",
    "chain_workflow",
    "echo_workflow",
    "fixable_workflow",
    "gated_workflow",
    "held",
    "read_sse",
    "sleep_workflow",
    "start_execution",
    "start_waiting",
    "store_workflow",
]

LISTENING = re.compile(r"harmoniad listening on (http://\S+)")
START_TIMEOUT = 30.0


def _command() -> list[str]:
    script = Path(sys.executable).with_name("harmoniad")
    return [str(script)] if script.exists() else [sys.executable, "-m", "harmoniad"]


class Harmoniad:
    """One daemon subprocess on a data folder; `start()` again restarts it on the same folder."""

    def __init__(
        self,
        data_dir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        token: str | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.command = command or _command()
        """The program (`harmoniad`, or a wrapper that runs it: see `diskfull`)."""
        self.args = args
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.env.pop("HARMONIA_TOKEN", None)
        if token is not None:
            self.env["HARMONIA_TOKEN"] = token
        self._token = token
        self.url = ""
        self.process: subprocess.Popen[str] | None = None
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._output = threading.Condition()

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT) -> Harmoniad:
        lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [*self.command, "--port", "0", "--data-dir", str(self.data_dir), *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        threading.Thread(
            target=self._drain, args=(self.process.stdout, self.stdout, lines), daemon=True
        ).start()
        threading.Thread(
            target=self._drain, args=(self.process.stderr, self.stderr, None), daemon=True
        ).start()
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                self.kill()
                raise RuntimeError("harmoniad did not start in time:\n" + self.log) from None
            if line is None:
                self.process.wait(timeout=10)
                raise RuntimeError(
                    f"harmoniad exited with {self.process.returncode} before listening:\n"
                    + self.log
                )
            found = LISTENING.search(line)
            if found:
                self.url = found.group(1)
                return self

    def _drain(self, stream: Any, into: list[str], lines: queue.Queue[str | None] | None) -> None:
        for line in stream:
            with self._output:
                into.append(line)
                self._output.notify_all()
            if lines is not None:
                lines.put(line)
        if lines is not None:
            lines.put(None)

    def wait_for_log(self, text: str, timeout: float = 10, *, count: int = 1) -> str:
        """Block until the daemon has written `count` lines containing `text`; return the
        last of them."""

        def found() -> str | None:
            lines = [line for line in self.stdout + self.stderr if text in line]
            return lines[count - 1] if len(lines) >= count else None

        with self._output:
            return wait_until(
                found,
                timeout,
                f"the daemon to log {text!r}",
                wake=self._output.wait,
                detail=lambda: self.log,
            )

    @property
    def log(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """kill -9: the daemon finishes nothing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Send a stop signal and wait for the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def wait(self, timeout: float = 30) -> int:
        """Wait for an exit already asked for, without signalling again (a second SIGTERM
        means "stop waiting for clients": it would change what the first one is tested for)."""
        assert self.process is not None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def __enter__(self) -> Harmoniad:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.terminate()

    # ---- clients -------------------------------------------------------------------------
    @property
    def token(self) -> str:
        if self._token is not None:
            return self._token
        return (self.data_dir / "token").read_text(encoding="utf-8").strip()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, *, token: bool = True, timeout: float = 30) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.auth if token else {}, timeout=timeout)

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def wait_finished(self, execution_id: str) -> dict[str, Any]:
        """Follow the execution's SSE stream to its end (no polling), then fetch it."""
        with self.client() as client:
            read_sse(client, f"/events/executions/{execution_id}")
            return dict(client.get(f"/api/v1/executions/{execution_id}").json())


def start_execution(client: httpx.Client, workflow: dict[str, object]) -> str:
    """Start an execution of an inline workflow document; its id."""
    response = client.post("/api/v1/executions", json={"workflow": workflow})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def read_sse(
    client: httpx.Client,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    stop_after: int | None = None,
) -> list[ServerSentEvent]:
    """Read an SSE stream until the server ends it (or `stop_after` events)."""
    events: list[ServerSentEvent] = []
    with connect_sse(client, "GET", path, headers=headers or {}) as source:
        source.response.raise_for_status()
        for sse in source.iter_sse():
            events.append(sse)
            if stop_after is not None and len(events) >= stop_after:
                break
    return events


@contextmanager
def sse_stream(
    client: httpx.Client, path: str, headers: dict[str, str] | None = None
) -> Iterator[Iterator[ServerSentEvent]]:
    with connect_sse(client, "GET", path, headers=headers or {}) as source:
        source.response.raise_for_status()
        yield source.iter_sse()


# ---- workflows ----------------------------------------------------------------------------


def echo_workflow(name: str = "echo-pair") -> dict[str, Any]:
    return {
        "name": name,
        "input": {"who": {"type": "string", "default": "world"}},
        "tasks": {
            "hello": task("core.echo", input={"msg": "hi ${input.who}"}),
            "bye": task("core.echo", "hello", input={"prev": "${tasks.hello.output.msg}"}),
        },
    }


def gated_workflow(name: str, message: str, **gate_input: Any) -> dict[str, Any]:
    """`build`, then `gate` waiting for approval (asking `message`), then `deploy`."""
    return {
        "name": name,
        "tasks": {
            "build": task("core.echo", input={"v": 1}),
            "gate": task("core.approve", "build", input={"message": message, **gate_input}),
            "deploy": task("core.echo", "gate"),
        },
    }


def fixable_workflow(name: str) -> dict[str, Any]:
    """A run to fix by hand: `a` completes, `b` fails for good (no retries), `c` reads `b`'s
    output."""
    return {
        "name": name,
        "defaults": {"retry_policy": {"max_retries": 0}},
        "tasks": {
            "a": task("core.echo", input={"n": 1}),
            "b": task("core.fail", "a"),
            "c": task("core.echo", "b", input={"rows": "${tasks.b.output.rows}"}),
        },
    }


def start_waiting(client: Client, workflow: dict[str, Any]) -> str:
    """Start `workflow` with the Python client; return once a task waits (followed, not
    polled)."""
    execution = client.start_execution(workflow=workflow)
    stream = client.events(execution.id, follow=True)
    try:
        for event in stream:
            if event.type == "task_waiting":
                return execution.id
    finally:
        stream.close()
    raise AssertionError("the gate never waited")


def echo_template(name: str = "echo-template") -> dict[str, Any]:
    """A template (`kind: template`) of `echo_workflow` whose greeting is a parameter."""
    body = echo_workflow("${param.title}")
    del body["input"]
    body["tasks"]["hello"]["input"] = {"msg": "hi ${param.who}"}
    return {
        "kind": "template",
        "name": name,
        "parameters": {
            "who": {"type": "string", "default": "world", "min_length": 1},
            "title": {"type": "string", "default": "echo-pair"},
        },
        "workflow": body,
    }


def store_workflow(api: httpx.Client, document: dict[str, Any]) -> str:
    """Store `document` as a workflow and return its id."""
    response = api.post("/api/v1/workflows", json=document)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def store_workflow_yaml(
    api: httpx.Client, document: dict[str, Any], **params: Any
) -> dict[str, Any]:
    """Store `document` sent as YAML text (the body a user writes), with query `params`; the
    stored workflow's summary as answered."""
    response = api.post(
        "/api/v1/workflows",
        content=yaml.safe_dump(document),
        headers={"Content-Type": "application/yaml"},
        params=params,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def store_template(api: httpx.Client, document: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/api/v1/templates", json=document)
    assert response.status_code == 201, response.text
    return dict(response.json())


def sleep_workflow(seconds: float, name: str = "sleeper") -> dict[str, Any]:
    return {
        "name": name,
        "tasks": {"nap": task("core.sleep", input={"seconds": seconds})},
    }


def chain_workflow(n: int, seconds: float, name: str = "chain") -> dict[str, Any]:
    return {
        "name": name,
        "max_concurrency": 1,
        "tasks": {
            f"s{i}": task(
                "core.sleep", depends_on=[f"s{i - 1}"] if i else [], input={"seconds": seconds}
            )
            for i in range(n)
        },
    }


def held(document: dict[str, Any], task_id: str, release: Path) -> dict[str, Any]:
    """`document` with `task_id` running until the test creates `release`: a run that is
    still live whenever the test looks or kills, however loaded the machine (a run merely
    slow can end before a busy machine's test or app has seen it live)."""
    command = f"while [ ! -e '{release}' ]; do sleep 0.02; done"  # polls: nothing signals it
    hold = {"component": "shell", "action": "run", "input": {"command": command}, "timeout": 600}
    kept = {k: v for k, v in document["tasks"][task_id].items() if k == "depends_on"}
    return {**document, "tasks": {**document["tasks"], task_id: hold | kept}}


def event_seqs(events: list[ServerSentEvent]) -> list[int]:
    return [json.loads(e.data)["seq"] for e in events]


HARMONIA = str(Path(sys.executable).with_name("harmonia"))
"""The real `harmonia` script of this interpreter's environment."""


def harmonia_against(daemon: Harmoniad, *args: str) -> subprocess.CompletedProcess[str]:
    """`harmonia ARGS --url DAEMON --data-dir ITS_DATA` as its own process (the CLI as users
    run it against a daemon)."""
    return subprocess.run(
        [HARMONIA, *args, "--url", daemon.url, "--data-dir", str(daemon.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
