"""A fake Tekton component speaking the MCP v2 dialect as real ones do (TEKTON.md §7).

- `GET /api/mcp/v2/tools`: `{"tools": [{"name", "description", "parameters": {p: {"type":
  "<python type repr>", "required", "default", "description"}}, "tags", "category"}], "count"}`;
- `POST /api/mcp/v2/process` with `{"tool_name" (or "toolName"), "arguments", "context"?}`:
  HTTP 200 in every case it understood, `{"status": "success"|"error", "result", "error"}` (an
  unknown tool and bad arguments are errors too); 422 without a tool name;
- `GET /health`, `/api/mcp/v2/health`, `/api/mcp/v2/capabilities`.

Tools: `ValidatePromptSyntax(prompt_text)` (as Rhetor's), `Echo(message, times=1)`,
`Noop()`, `Fail(message)`, `Slow(seconds)` (returns early, recording `aborted`, when the
caller hangs up, or when the test calls `release()`). Knobs for tests: `fail_next(status,
count)` answers HTTP `status` to the next calls, `delay` slows every call, the server's
`stop()`/`start()` refuse connections meanwhile (same port). Every process call is recorded
in `calls` (`wait_for_calls` and `wait_for_abort` block on a condition).

Run it alone (for benchmarks, as another process): `python tests/helpers/fake_component.py
[--port N] [--name rhetor]`; it prints `fake component listening on URL`.
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

try:
    from helpers._serve import ThreadedServer
except ImportError:  # run as a script
    from _serve import ThreadedServer  # type: ignore[no-redef]

TOOLS: list[dict[str, Any]] = [
    {
        "name": "ValidatePromptSyntax",
        "description": "Check a prompt's syntax.",
        "parameters": {
            "prompt_text": {
                "type": "<class 'str'>",
                "required": True,
                "default": None,
                "description": "The prompt.",
            }
        },
        "tags": ["prompt"],
        "category": "prompt_engineering",
    },
    {
        "name": "Echo",
        "description": "Return the message.",
        "parameters": {
            "message": {"type": "str", "required": True, "description": "What to echo."},
            "times": {"type": "int", "required": False, "default": 1},
        },
        "tags": [],
        "category": "test",
    },
    {"name": "Noop", "description": "Do nothing.", "parameters": {}, "tags": [], "category": "t"},
    {
        "name": "Fail",
        "description": "Answer status error.",
        "parameters": {"message": {"type": "str", "required": False, "default": "it failed"}},
        "tags": [],
        "category": "test",
    },
    {
        "name": "Slow",
        "description": "Wait, then answer.",
        "parameters": {"seconds": {"type": "float", "required": True}},
        "tags": [],
        "category": "test",
    },
]


@dataclass
class Call:
    tool: str
    arguments: dict[str, Any]
    context: dict[str, Any] | None
    peer: str = ""
    """The caller's address and port: one port for many calls means a pooled connection."""
    aborted: bool = False


@dataclass
class FakeComponent:
    """One fake component; `serve()` gives a `ThreadedServer` whose `url` is its endpoint."""

    name: str = "rhetor"
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        """End every `Slow` call now, as if its time were up (and every later one at once)."""
        self._released.set()

    def fail_next(self, status: int = 503, count: int = 1) -> None:
        self._failures.extend([status] * count)

    def wait_for_abort(self, timeout: float = 20.0) -> Call:
        """The first call whose caller hung up mid-call (cancel, time-out)."""
        from helpers.waiting import wait_until  # here: this file also runs as a script

        with self._changed:
            return wait_until(
                lambda: next((c for c in self.calls if c.aborted), None),
                timeout,
                "a call aborted by its caller",
                wake=self._changed.wait,
            )

    def wait_for_calls(self, count: int, timeout: float = 20.0) -> list[Call]:
        from helpers.waiting import wait_for_count  # here: this file also runs as a script

        return wait_for_count(self._changed, self.calls, count, timeout, "call(s)")

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # ---- the app -----------------------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        return JSONResponse(
            {"status": "healthy", "component": self.name, "version": "0.1.0", "registered": False}
        )

    async def tools(self, request: Request) -> Response:
        return JSONResponse({"tools": TOOLS, "count": len(TOOLS)})

    async def capabilities(self, request: Request) -> Response:
        caps = [{"name": "test", "description": "fake", "modality": "text"}]
        return JSONResponse({"capabilities": caps, "count": 1})

    async def process(self, request: Request) -> Response:
        body = await request.json()
        tool = body.get("tool_name") or body.get("toolName")
        if not tool:
            detail = [{"loc": ["body", "tool_name"], "msg": "field required", "type": "missing"}]
            return JSONResponse({"detail": detail}, status_code=422)
        peer = f"{request.client.host}:{request.client.port}" if request.client else ""
        call = Call(tool, dict(body.get("arguments") or {}), body.get("context"), peer)
        self._record(call)
        if self._failures:
            status = self._failures.pop(0)
            return JSONResponse({"detail": "injected failure"}, status_code=status)
        if self.delay:
            await anyio.sleep(self.delay)
        try:
            result = await self._run(request, call)
        except Exception as exc:  # a real component answers every failure with 200 + error
            return JSONResponse({"status": "error", "result": None, "error": str(exc)})
        return JSONResponse({"status": "success", "result": result, "error": None})

    async def _run(self, request: Request, call: Call) -> Any:
        args = call.arguments
        known = {t["name"]: t for t in TOOLS}
        if call.tool not in known:
            raise LookupError(f"Tool '{call.tool}' not found")
        unknown = set(args) - set(known[call.tool]["parameters"])
        if unknown:
            raise TypeError(f"unexpected argument(s): {', '.join(sorted(unknown))}")
        if call.tool == "ValidatePromptSyntax":
            text = str(args["prompt_text"])
            issues = [] if text.strip() else ["empty prompt"]
            return {"valid": not issues, "issues": issues, "length": len(text)}
        if call.tool == "Echo":
            return {"echo": args["message"] * int(args.get("times", 1)), "context": call.context}
        if call.tool == "Noop":
            return {}
        if call.tool == "Fail":
            raise RuntimeError(args.get("message", "it failed"))
        deadline = time.monotonic() + float(args["seconds"])
        while time.monotonic() < deadline and not self._released.is_set():
            # a server-side wait, watching for a hang-up
            if await request.is_disconnected():
                call.aborted = True
                with self._changed:
                    self._changed.notify_all()
                return {"aborted": True}
            await anyio.sleep(0.02)
        return {"slept": args["seconds"]}

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/health", self.health),
                Route("/api/mcp/v2/health", self.health),
                Route("/api/mcp/v2/tools", self.tools),
                Route("/api/mcp/v2/capabilities", self.capabilities),
                Route("/api/mcp/v2/process", self.process, methods=["POST"]),
            ]
        )

    def serve(self, port: int = 0) -> ThreadedServer:
        return ThreadedServer(self.app(), port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--name", default="rhetor")
    args = parser.parse_args()
    server = FakeComponent(args.name).serve(args.port).start()
    print(f"fake component listening on {server.url}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
