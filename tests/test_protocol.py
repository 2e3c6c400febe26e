"""Every side of the contract in `harmonia.protocol` held to its one table: what the daemon's
source spells and what a real daemon answers, its OpenAPI document, the Python and JavaScript
clients, API.md; the event names; and the one backoff formula with each user's numbers."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import httpx
import pytest
from helpers.daemon_testing import Harmoniad

import harmonia.events
import harmonia.protocol
from harmonia.client._errors import _BY_CODE, error_from_response
from harmonia.model import RetryPolicy
from harmonia.protocol import (
    ERROR_STATUS,
    REFERENCE_ROOTS,
    STATUS_CODES,
    ErrorCode,
    EventType,
    backoff_delay,
)

REPO = Path(__file__).resolve().parent.parent
DAEMON = REPO / "daemon" / "harmoniad"

# ---- error codes: the table --------------------------------------------------------------------


def test_each_status_has_its_first_code_as_the_default() -> None:
    assert set(STATUS_CODES.values()) <= set(ErrorCode)
    for status, code in STATUS_CODES.items():
        assert ERROR_STATUS[code] == status
        assert code == next(c for c, s in ERROR_STATUS.items() if s == status)
    assert set(ERROR_STATUS) == set(ErrorCode)
    assert STATUS_CODES[403] == "forbidden_host"


# ---- the daemon ------------------------------------------------------------------------------


def _code(node: ast.expr | None) -> str | None:
    """A code as the source spells it: `"not_found"` or `ErrorCode.NOT_FOUND`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "ErrorCode":
        return str(ErrorCode[node.attr])
    return None


def _status(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    return None


def daemon_errors() -> list[tuple[str, int | None, str]]:
    """(where, status, code) of every error the daemon's source writes out: `ApiError(...)`,
    `error_response(...)`, `_error_body(...)` calls and `{"status": ..., "code": ...}` literals."""
    found = []
    for path in sorted(DAEMON.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            keywords = {k.arg: k.value for k in getattr(node, "keywords", [])}
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func).rpartition(".")[2]
                args = [*node.args, None, None]
                if name == "ApiError":
                    code = _code(keywords.get("code"))
                    status = _status(args[0])
                    if code is not None or status is not None:
                        found.append((where, status, code or str(STATUS_CODES[status or 400])))
                elif name == "error_response" and _code(args[0]) is not None:
                    found.append((where, _status(keywords.get("status")), str(_code(args[0]))))
                elif name == "_error_body" and _code(args[1]) is not None:
                    found.append((where, _status(args[0]), str(_code(args[1]))))
            elif isinstance(node, ast.Dict):
                items = {
                    k.value: v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                }
                code = _code(items.get("code"))
                if code is not None and _status(items.get("status")) is not None:
                    found.append((where, _status(items["status"]), code))
    return found


def test_every_error_the_daemon_writes_out_has_a_code_of_the_table_and_its_status() -> None:
    found = daemon_errors()
    assert len(found) >= 15  # the scan sees the daemon's errors (it would pass on none)
    wrong = [
        f"{where}: {status} {code}"
        for where, status, code in found
        if code not in set(ErrorCode) or status not in (None, ERROR_STATUS[ErrorCode(code)])
    ]
    assert not wrong


def test_a_daemon_answers_with_the_codes_of_the_table_and_documents_them(tmp_path: Path) -> None:
    """Real answers of a real daemon, each read back by the Python client."""
    json_type = {"Content-Type": "application/json"}
    with Harmoniad(tmp_path / "data") as daemon:
        with daemon.client() as client:
            answers = [
                client.get("/api/v1/nowhere"),
                client.get("/api/v1/executions/nope"),
                client.delete("/health"),
                client.get("/health", headers={"Host": "evil.example"}),
                client.post("/api/v1/executions", content=b"x", headers={"Content-Type": "x/y"}),
                client.post("/api/v1/executions", content=b"{", headers=json_type),
                client.post("/api/v1/executions", json={"workflow_id": 1}),
                client.get("/api/v1/executions", params={"nonsense": "1"}),
            ]
            openapi = client.get("/openapi.json").json()
            discovery = client.get("/discovery").json()
        with daemon.client(token=False) as anonymous:
            answers.append(anonymous.get("/api/v1/executions"))
    seen = set()
    for answer in answers:
        body = answer.json()
        code = ErrorCode(body["code"])
        assert answer.status_code == body["status"] == ERROR_STATUS[code], body
        error = error_from_response(answer.status_code, answer.content)
        assert (type(error), error.code) == (_BY_CODE[code], code)
        seen.add(code)
    assert len(seen) >= 7, seen
    documented = openapi["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"]
    assert documented == [code.value for code in ErrorCode]
    assert discovery["event_types"] == [t.value for t in EventType]


# ---- the clients and the documentation -------------------------------------------------------


def test_the_python_client_has_a_class_for_every_code_and_defaults_as_the_table() -> None:
    assert set(_BY_CODE) == set(ErrorCode)
    for status, code in STATUS_CODES.items():
        error = error_from_response(status, b"<html>a proxy's page</html>")
        assert (error.code, type(error)) == (code, _BY_CODE[code])


def test_the_javascript_client_defaults_as_the_table() -> None:
    source = (REPO / "clients" / "js" / "src" / "errors.js").read_text(encoding="utf-8")
    block = re.search(r"const DEFAULT_CODES = \{(.*?)\}", source, re.DOTALL)
    assert block is not None
    pairs = re.findall(r"(\d{3}): '([a-z_]+)'", block.group(1))
    assert {int(status): code for status, code in pairs} == dict(STATUS_CODES)


def test_api_md_lists_every_code_with_its_status() -> None:
    text = (DAEMON / "API.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", text, re.MULTILINE)
    assert [(code, int(status)) for code, status in rows] == [
        (code.value, status) for code, status in ERROR_STATUS.items()
    ]


# ---- events and references -------------------------------------------------------------------


def test_the_engine_and_the_clients_name_events_from_one_enum() -> None:
    assert harmonia.events.EventType is EventType
    assert harmonia.events.TERMINAL_WORKFLOW_EVENTS is harmonia.protocol.TERMINAL_WORKFLOW_EVENTS


def test_the_reference_roots_are_the_expression_packages() -> None:
    from harmonia.expressions import REFERENCE_ROOTS as owned

    assert REFERENCE_ROOTS is owned


# ---- backoff ---------------------------------------------------------------------------------


def test_the_backoff_grows_by_its_multiplier_up_to_its_maximum() -> None:
    delays = [backoff_delay(n, initial=0.5, maximum=4.0) for n in range(1, 7)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert [backoff_delay(n, initial=1, maximum=100, multiplier=3) for n in (1, 2, 3)] == [
        1.0,
        3.0,
        9.0,
    ]
    assert backoff_delay(0, initial=0.5, maximum=4.0) == 0.5  # no failure yet: the first delay
    assert backoff_delay(10**6, initial=1.0, maximum=30.0, multiplier=10.0) == 30.0  # overflow
    assert type(backoff_delay(9, initial=1, maximum=5)) is float


def test_jitter_moves_each_delay_by_at_most_its_fraction() -> None:
    rng = random.Random(3)
    delays = [backoff_delay(3, initial=1.0, maximum=60.0, jitter=0.1, rng=rng) for _ in range(500)]
    assert all(3.6 <= d <= 4.4 for d in delays)
    assert len(set(delays)) > 400 and min(delays) < 3.7 and max(delays) > 4.3
    with pytest.raises(ValueError, match="rng"):
        backoff_delay(1, initial=1.0, maximum=2.0, jitter=0.5)


def test_task_retries_wait_as_the_formula_says() -> None:
    policy = RetryPolicy(
        max_retries=9, initial_delay=0.25, max_delay=5, backoff_multiplier=3, jitter=0.2
    )
    retries = [policy.delay(n, random.Random(n)) for n in range(1, 10)]
    formula = [
        backoff_delay(n, initial=0.25, maximum=5, multiplier=3, jitter=0.2, rng=random.Random(n))
        for n in range(1, 10)
    ]
    assert retries == formula


def _grows_a_delay(statement: ast.stmt) -> bool:
    """A statement that raises to a power, or doubles, on the way to a delay."""
    if "delay" not in ast.unparse(statement).lower():
        return False
    return any(
        isinstance(node, ast.BinOp)
        and (
            isinstance(node.op, ast.Pow)
            or (isinstance(node.op, ast.Mult) and 2 in (_status(node.left), _status(node.right)))
        )
        for node in ast.walk(statement)
    )


def test_the_formula_is_written_once() -> None:
    """`initial * multiplier ** (n - 1)`, or a loop that doubles a delay, only in the protocol:
    task retries, stream reconnections, the CLI and the storage probe all call it."""
    simple = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)
    found = [
        f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}"
        for root in (REPO / "harmonia", DAEMON, REPO / "tui" / "harmonia_tui")
        for path in sorted(root.rglob("*.py"))
        if path.name != "protocol.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, simple) and _grows_a_delay(node)
    ]
    assert not found


def test_protocol_imports_nothing_heavy() -> None:
    """The CLI reads it while it starts: no pydantic, httpx, anyio, not even the expressions."""
    import subprocess
    import sys

    code = (
        "import sys, harmonia.protocol\n"
        "heavy = {'pydantic', 'httpx', 'anyio', 'orjson', 'harmonia.expressions'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


def test_the_error_table_is_what_httpx_knows_by_name() -> None:
    """A sanity check against typos in the statuses: every one is a real HTTP status."""
    for status in ERROR_STATUS.values():
        assert httpx.codes(status).name
