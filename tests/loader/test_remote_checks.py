"""Loading checks remote components like built-ins: the component must be found (saying where
Harmonia looked when it is not), the tool must be one it lists, the arguments must fit the
tool's parameters as far as they are literal, and `${components.NAME.url}` must name a remote
component. Loading never hangs on a Hermes or a component that is down."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from helpers._serve import ThreadedServer
from helpers.fake_component import FakeComponent
from helpers.loading import fails

from harmonia.components import ComponentRegistry, default_registry
from harmonia.loader import load_workflow_text


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with FakeComponent("rhetor").serve() as running:
        yield running


@pytest.fixture
def registry(server: ThreadedServer) -> ComponentRegistry:
    return default_registry(declared={"rhetor": server.url}, env={})


def one_task(task: str) -> str:
    return f"name: w\ninput: {{p: {{type: string, default: x}}}}\ntasks:\n  a:\n{task}"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_remote_tool_loads_when_its_component_lists_it(registry: ComponentRegistry) -> None:
    text = one_task(
        "    component: rhetor\n    action: ValidatePromptSyntax\n"
        "    input: {prompt_text: '${input.p}'}\n"
    )
    workflow = load_workflow_text(text, registry=registry)
    assert workflow.tasks["a"].component == "rhetor"


def test_an_unknown_tool_is_named_with_the_tools_the_component_lists(
    registry: ComponentRegistry,
) -> None:
    (problem,) = fails(one_task("    component: rhetor\n    action: Validate\n"), registry=registry)
    assert (problem.task, problem.field, problem.line) == ("a", "action", 6)
    assert problem.message == (
        "unknown action 'Validate' of component 'rhetor'; "
        "known: Echo, Fail, Noop, Slow, ValidatePromptSyntax"
    )


def test_arguments_are_checked_against_the_tools_parameters(registry: ComponentRegistry) -> None:
    task = (
        "    component: rhetor\n    action: Echo\n"
        "    input: {times: two, colour: red, message: '${input.p}'}\n"
    )
    problems = {p.field: p.message for p in fails(one_task(task), registry=registry)}
    assert problems == {
        "input.times": "rhetor.Echo takes integer here (int)",
        "input.colour": "not a parameter of rhetor.Echo; it takes: message, times",
    }
    typo = "    component: rhetor\n    action: Echo\n    input: {message: hi, tmes: 2}\n"
    (misspelt,) = fails(one_task(typo), registry=registry)
    assert misspelt.message == "not a parameter of rhetor.Echo; did you mean 'times'?"
    (missing,) = fails(one_task("    component: rhetor\n    action: Echo\n"), registry=registry)
    assert (missing.field, missing.message) == ("input.message", "required by rhetor.Echo")


def test_an_unknown_component_says_where_harmonia_looked() -> None:
    registry = default_registry(
        declared={"engram": "http://127.0.0.1:1"},
        hermes=f"http://127.0.0.1:{closed_port()}",
        env={"ERGON_PORT": "8002"},
    )
    (problem,) = fails(one_task("    component: rhetr\n    action: Echo\n"), registry=registry)
    assert (problem.field, problem.line) == ("component", 5)
    message = problem.message
    assert message.startswith(
        "unknown component 'rhetr'; known: core, http, python, shell, workflow; "
    )
    for where in (
        "built-in components",
        "plugins (harmonia.components entry points: none)",
        "declared components (engram)",
        "Hermes at http://127.0.0.1:",
        "(unreachable: ConnectError",
        "the environment (RHETR_PORT is not set)",
    ):
        assert where in message, where


def test_a_component_that_does_not_answer_fails_the_load_saying_so() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    registry = default_registry(declared={"rhetor": url}, env={})
    (problem,) = fails(one_task("    component: rhetor\n    action: Echo\n"), registry=registry)
    assert problem.field == "component"
    assert problem.message.startswith(
        f"component 'rhetor' (--component: {url}) did not list its tools: ConnectError"
    )


def test_a_component_named_by_the_environment_is_found(server: ThreadedServer) -> None:
    port = server.url.rsplit(":", 1)[1]
    registry = default_registry(env={"RHETOR_PORT": port, "TEKTON_HOST": "127.0.0.1"})
    load_workflow_text(one_task("    component: rhetor\n    action: Noop\n"), registry=registry)
    assert registry.kind("rhetor") == "environment"


def test_component_url_references_must_name_a_remote_component(
    registry: ComponentRegistry,
) -> None:
    def url_task(ref: str) -> str:
        return one_task(f"    component: http\n    action: request\n    input: {{url: '{ref}'}}\n")

    load_workflow_text(url_task("${components.rhetor.url}/api/v1/x"), registry=registry)
    (builtin,) = fails(url_task("${components.shell.url}"), registry=registry)
    assert builtin.field == "input.url"
    assert builtin.message.startswith("component 'shell' is builtin (it runs inside Harmonia)")
    (unknown,) = fails(url_task("${components.engram.url}"), registry=registry)
    assert "unknown component 'engram'" in unknown.message
    assert "the environment (ENGRAM_PORT is not set)" in unknown.message
    (shape,) = fails(url_task("${components.rhetor.port}"), registry=registry)
    assert "a component reference is components.NAME.url" in shape.message
