"""Integers beyond 64 bits: refused where they come in, by name; never a 500, never a hang.

orjson, which writes the journal and the API's answers, holds integers from -2^63 to 2^64-1.
Through the real CLI (`harmonia validate`, `harmonia run`) and the real daemon.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.daemon_testing import Harmoniad, start_execution

TWO_64 = 2**64
HUGE = "9" * 5000  # more digits than Python converts to int by default (4,300)
RANGE = "integers must be between -2^63 and 2^64-1"


def echo_yaml(value: str) -> str:
    return f"""name: big
tasks:
  a:
    component: core
    action: echo
    input:
      keep: 1
      value: {value}
"""


def harmonia(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harmonia.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HARMONIA_HOME": str(tmp_path / "home"), "NO_COLOR": "1"},
        cwd=tmp_path,
        timeout=60,  # the bug was a hang: fail, do not wait forever
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (str(TWO_64), f"integer {TWO_64} is out of range"),
        (str(-(2**63) - 1), f"integer {-(2**63) - 1} is out of range"),
        (HUGE, "an integer of 5000 digits is out of range"),
    ],
    ids=["2^64", "-2^63-1", "5000-digits"],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_the_cli_refuses_a_workflow_with_an_integer_beyond_64_bits(
    tmp_path: Path, command: str, value: str, shown: str
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(echo_yaml(value))
    extra = ["--data-dir", str(tmp_path / "data")] if command == "run" else []
    result = harmonia(tmp_path, command, str(path), *extra)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"big.yaml:8, task 'a', field 'input.value': {shown}" in result.stdout + result.stderr
    assert RANGE in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()  # nothing was started


def test_a_json_workflow_with_a_huge_integer_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(
        '{"name": "j", "input": {"n": {"type": "integer", "default": ' + HUGE + "}},"
        '"tasks": {"a": {"component": "core", "action": "echo", "input": {}}}}'
    )
    result = harmonia(tmp_path, "validate", str(path))
    assert result.returncode == 2
    assert "field 'input.n.default': an integer of 5000 digits" in result.stdout + result.stderr


INPUT_WORKFLOW = """name: takes-n
input:
  n: {type: integer}
tasks:
  a: {component: core, action: echo, input: {n: "${input.n}"}}
"""


@pytest.mark.parametrize(
    "value", [str(TWO_64), HUGE, f"[1, {TWO_64}]"], ids=["2^64", "5000-digits", "in-a-list"]
)
def test_the_cli_refuses_an_input_beyond_64_bits(tmp_path: Path, value: str) -> None:
    path = tmp_path / "takes.yaml"
    path.write_text(INPUT_WORKFLOW)
    result = harmonia(tmp_path, "run", str(path), "--input", f"n={value}")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "input 'n" in result.stderr and RANGE in result.stderr


def test_the_cli_refuses_a_huge_integer_in_an_input_file(tmp_path: Path) -> None:
    path = tmp_path / "takes.yaml"
    path.write_text(INPUT_WORKFLOW)
    (tmp_path / "inputs.yaml").write_text(f"n: {HUGE}\n")
    result = harmonia(tmp_path, "run", str(path), "--input-file", "inputs.yaml")
    assert result.returncode == 2, result.stderr
    assert "input 'n': an integer of 5000 digits" in result.stderr


def test_a_function_returning_2_to_the_70_fails_its_task(tmp_path: Path) -> None:
    path = tmp_path / "pow.yaml"
    path.write_text(
        "name: pow\ntasks:\n  p: {component: python, action: call, "
        "input: {function: 'builtins:pow', args: [2, 70]}}\n"
    )
    result = harmonia(tmp_path, "run", str(path), "--json")
    assert result.returncode == 1, result.stderr
    task = json.loads(result.stdout)["tasks"]["p"]
    assert task["status"] == "failed"
    assert task["error"]["kind"] == "output" and "64-bit" in task["error"]["message"]


def test_the_daemon_answers_422_never_500(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as client:
            stored = client.post(
                "/api/v1/workflows",
                content=echo_yaml(str(TWO_64)),
                headers={"Content-Type": "application/yaml"},
            )
            assert stored.status_code == 422, stored.text
            (problem,) = stored.json()["details"]
            assert problem["line"] == 8 and problem["task"] == "a"
            assert problem["field"] == "input.value" and RANGE in problem["message"]

            huge_yaml = client.post(
                "/api/v1/workflows",
                content=echo_yaml(HUGE),
                headers={"Content-Type": "application/yaml"},
            )
            assert huge_yaml.status_code == 422, huge_yaml.text

            workflow = {
                "name": "takes-n",
                "input": {"n": {"type": "integer"}},
                "tasks": {"a": {"component": "core", "action": "echo", "input": {"n": 1}}},
            }
            for number in (str(TWO_64), HUGE):
                body = '{"workflow": ' + json.dumps(workflow) + ', "input": {"n": ' + number + "}}"
                started = client.post(
                    "/api/v1/executions",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                assert started.status_code == 422, started.text
                error: dict[str, Any] = started.json()
                assert error["code"] == "validation_error"
                assert error["details"][0]["field"] == "input.n"
                assert RANGE in error["message"]

            inline = '{"workflow": {"name": "w", "tasks": {"a": {"component": "core", '
            inline += f'"action": "echo", "input": {{"v": {TWO_64}}}}}}}}}}}'
            refused = client.post(
                "/api/v1/executions", content=inline, headers={"Content-Type": "application/json"}
            )
            assert refused.status_code == 422, refused.text
            assert refused.json()["details"][0]["field"] == "workflow.tasks.a.input.v"

            pow_task = {"component": "python", "action": "call"}
            pow_task["input"] = {"function": "builtins:pow", "args": [2, 70]}  # type: ignore[assignment]
            execution_id = start_execution(client, {"name": "pow", "tasks": {"p": pow_task}})
            assert client.get("/health").status_code == 200
        shown = daemon.wait_finished(execution_id)
        assert shown["status"] == "failed"
        assert shown["tasks"]["p"]["error"]["kind"] == "output"
    finally:
        daemon.terminate()
