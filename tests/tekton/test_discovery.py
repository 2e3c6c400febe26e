"""Where Hermes and Tekton components are (`harmonia.tekton.urls`), the MCP v2 dialect's shapes
(`harmonia.tekton.mcpv2`), and discovery through a (fake) Hermes, `--component` and the
environment (`harmonia.tekton.discovery`), with its cache and its time-outs."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from helpers.fake_hermes import FakeHermes

from harmonia.errors import ErrorKind, TaskError
from harmonia.tekton.discovery import Directory
from harmonia.tekton.mcpv2 import (
    Tool,
    error_is_transient,
    json_type_of,
    parse_tools,
    process_answer,
)
from harmonia.tekton.urls import component_url, env_names, hermes_url, parse_declared

# ---- URLs ---------------------------------------------------------------------------------------


def test_hermes_url_follows_flag_then_url_then_host_and_port() -> None:
    assert hermes_url({}) is None  # nothing configured: no Hermes is probed
    assert hermes_url({"HERMES_URL": "http://h:9/"}) == "http://h:9"
    assert hermes_url({"HERMES_URL": "h:9"}, "http://flag:1") == "http://flag:1"
    assert hermes_url({"HERMES_URL": "http://h:9"}, "") is None  # --hermes '' turns it off
    assert hermes_url({"HERMES_PORT": "8101"}) == "http://localhost:8101"
    assert hermes_url({"HERMES_PORT": "8101", "TEKTON_HOST": "t"}) == "http://t:8101"
    env = {"HERMES_HOST": "h", "TEKTON_HOST": "t"}
    assert hermes_url(env) == "http://h:8001"  # Hermes' port in Tekton's table
    assert hermes_url({"HERMES_PORT": "x"}) is None


def test_component_url_is_tektons_tekton_url() -> None:
    assert component_url("rhetor", {}) is None
    assert component_url("rhetor", {"RHETOR_PORT": "8003"}) == "http://localhost:8003"
    env = {"RHETOR_PORT": "8003", "TEKTON_HOST": "t"}
    assert component_url("rhetor", env) == "http://t:8003"
    env["RHETOR_HOST"] = "::1"
    assert component_url("rhetor", env) == "http://[::1]:8003"
    assert component_url("rhetor", {"RHETOR_PORT": "99999"}) is None
    assert env_names("tekton-core") == ("TEKTON_CORE_HOST", "TEKTON_CORE_PORT")


def test_declared_components_are_checked() -> None:
    assert parse_declared("rhetor=http://127.0.0.1:8003/") == ("rhetor", "http://127.0.0.1:8003")
    assert parse_declared("engram=localhost:8000") == ("engram", "http://localhost:8000")
    for bad, why in [
        ("rhetor", "expected NAME=URL"),
        ("9x=http://a", "not a component name"),
        ("a=ftp://x", "not an http(s) base URL"),
        ("a=http://x/?q", "not an http(s) base URL"),
    ]:
        with pytest.raises(ValueError, match=re.escape(why)):
            parse_declared(bad)


# ---- the MCP v2 dialect -------------------------------------------------------------------------


def test_tools_keep_their_parameters_as_given_beside_a_json_schema() -> None:
    payload = {
        "tools": [
            {
                "name": "ValidatePromptSyntax",
                "description": "Check.",
                "parameters": {
                    "prompt_text": {"type": "<class 'str'>", "required": True},
                    "strict": {"type": "typing.Optional[bool]", "required": False, "default": 0},
                    "limit": {"type": "int", "required": False, "default": 5},
                },
                "tags": ["p"],
                "category": "c",
            },
            {"description": "no name: skipped"},
        ],
        "count": 2,
    }
    (tool,) = parse_tools(payload)
    assert tool.describe()["parameters"] == payload["tools"][0]["parameters"]  # type: ignore[index]
    assert tool.input_schema() == {
        "type": "object",
        "properties": {
            "prompt_text": {"type": "string"},
            "strict": {"default": 0},  # a union is left unchecked
            "limit": {"type": "integer", "default": 5},
        },
        "required": ["prompt_text"],
    }
    assert parse_tools([{"name": "bare"}]) == [Tool("bare")]  # Hermes' aggregator: a bare list
    with pytest.raises(ValueError):
        parse_tools({"detail": "Not Found"})
    assert [json_type_of(t) for t in ("str", "<class 'dict'>", "List[str]", "Any", 3)] == [
        "string",
        "object",
        "array",
        None,
        None,
    ]


def test_process_answers_become_results_or_errors_of_the_right_kind() -> None:
    assert process_answer("r.T", 200, {"status": "success", "result": {"a": 1}}, b"") == {"a": 1}
    with pytest.raises(TaskError) as info:
        process_answer("r.T", 200, {"status": "error", "result": None, "error": "bad arg"}, b"")
    assert (info.value.kind, info.value.retryable) == (ErrorKind.REMOTE_ERROR, False)
    assert info.value.message == "r.T failed: bad arg"
    with pytest.raises(TaskError) as info:
        process_answer("r.T", 200, {"status": "error", "error": "LLM provider timed out"}, b"")
    assert info.value.retryable and info.value.details["transient"] is True
    for status, kind, retryable in [
        (503, ErrorKind.HTTP_SERVER_ERROR, True),
        (422, ErrorKind.HTTP_CLIENT_ERROR, False),
        (429, ErrorKind.HTTP_CLIENT_ERROR, True),
        (404, ErrorKind.HTTP_CLIENT_ERROR, False),
    ]:
        with pytest.raises(TaskError) as info:
            process_answer("r.T", status, {"detail": "x"}, b'{"detail": "x"}')
        assert (info.value.kind, info.value.retryable) == (kind, retryable), status
    with pytest.raises(TaskError, match="not an MCP v2 process answer"):
        process_answer("r.T", 200, None, b"<html>")
    assert error_is_transient("Service temporarily unavailable")
    assert not error_is_transient("Tool 'X' not found")


# ---- discovery ----------------------------------------------------------------------------------


@pytest.fixture
def hermes() -> Iterator[FakeHermes]:
    with FakeHermes() as fake:
        yield fake


def test_hermes_lists_components_and_the_list_is_cached(hermes: FakeHermes) -> None:
    hermes.add("rhetor", "http://127.0.0.1:8003/")
    now = [0.0]
    directory = Directory(hermes=hermes.url, ttl=10, clock=lambda: now[0])
    found = directory.find("rhetor")
    assert found is not None
    assert (found.url, found.kind) == ("http://127.0.0.1:8003", "hermes")
    assert directory.find("Rhetor") is not None  # case aside, as Tekton's status tool matches
    assert hermes.requests == ["/api/components"]  # one list, read once
    hermes.add("engram", "http://127.0.0.1:8000")
    now[0] = 2.0
    assert directory.find("engram") is not None  # a miss asks again at once
    assert directory.find("nope") is None  # ... but not more than once a second
    assert len(hermes.requests) == 2
    now[0] = 3.5
    assert directory.find("nope") is None
    assert len(hermes.requests) == 3
    now[0] = 20.0
    assert directory.resolve("rhetor") is not None  # stale: asked again
    assert len(hermes.requests) == 4


def test_a_hermes_serving_at_the_root_is_found_there() -> None:
    fake = FakeHermes(root_paths=True)
    fake.add("rhetor", "http://127.0.0.1:8003")
    now = [0.0]
    with fake:
        directory = Directory(hermes=fake.url, clock=lambda: now[0])
        assert directory.find("rhetor") is not None
        now[0] = 5.0
        assert directory.find("nope") is None
    # the root path, once found, is asked first
    assert fake.requests == ["/api/components", "/components", "/components"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_hermes_that_is_down_costs_little_and_is_named() -> None:
    directory = Directory(hermes=f"http://127.0.0.1:{_closed_port()}", env={"RHETOR_PORT": "9"})
    assert directory.find("engram") is None
    where = directory.where_looked("engram")
    # refused at once (ConnectError), not waited out: no time-out is named
    assert "unreachable: ConnectError" in where and "ENGRAM_PORT is not set" in where
    assert "time-out" not in where
    found = directory.find("rhetor")  # the environment still answers
    assert found is not None and (found.kind, found.source) == ("environment", "RHETOR_PORT")


def test_a_hermes_that_does_not_answer_in_time_is_given_up_on_and_named() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        directory = Directory(hermes=f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        assert directory.find("rhetor") is None
        assert "no answer within the time-out" in directory.where_looked("rhetor")
        directory.close()


def test_declared_beats_hermes_beats_environment(hermes: FakeHermes) -> None:
    hermes.add("rhetor", "http://hermes-says:1")
    hermes.add("engram", "http://hermes-says:2")
    env = {"RHETOR_PORT": "3", "ENGRAM_PORT": "4", "ERGON_PORT": "5"}
    directory = Directory(
        declared={"rhetor": "http://declared:9"},
        hermes=hermes.url,
        env=env,
    )
    assert [(loc.name, loc.url, loc.kind) for loc in directory.all()] == [
        ("engram", "http://hermes-says:2", "hermes"),
        ("ergon", "http://localhost:5", "environment"),
        ("rhetor", "http://declared:9", "declared"),
    ]
    assert directory.find("rhetor").url == "http://declared:9"  # type: ignore[union-attr]


def test_harmonias_own_entry_in_hermes_is_not_a_component(hermes: FakeHermes) -> None:
    hermes.add("harmonia", "http://127.0.0.1:8007")  # what a daemon registers for itself
    hermes.add("rhetor", "http://127.0.0.1:8003")
    directory = Directory(hermes=hermes.url)
    assert directory.find("rhetor") is not None
    assert directory.find("harmonia") is None
    assert [location.name for location in directory.all()] == ["rhetor"]
