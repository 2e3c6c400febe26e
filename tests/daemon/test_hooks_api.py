"""Inbound hooks on a real daemon: managed with the token, delivered without it.

A signed delivery starts the bound workflow with the body (or its mapping) as input and a
`webhook_received` event; a replayed delivery id answers with the same execution; a wrong or
missing signature, an old timestamp, an unknown hook, an oversized or non-JSON body are each a
JSON 4xx with nothing started; a hook's secret opens nothing else."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from helpers.daemon_testing import Harmoniad, echo_workflow, store_workflow

from harmonia.signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers

API = "/api/v1/hooks"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("hooks") / "data", "--max-body", "4096") as running:
        yield running


@pytest.fixture
def anonymous(daemon: Harmoniad) -> Iterator[httpx.Client]:
    with daemon.client(token=False) as c:
        yield c


@pytest.fixture(scope="module")
def workflow_id(daemon: Harmoniad) -> str:
    with daemon.client() as c:
        return store_workflow(c, echo_workflow("hooked"))


def new_hook(api: httpx.Client, name: str, workflow_id: str, **extra: Any) -> dict[str, Any]:
    answer = api.post(API, json={"name": name, "workflow_id": workflow_id, **extra})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def deliver(http: httpx.Client, name: str, body: Any, secret: str, **kwargs: Any) -> httpx.Response:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = signed_headers(secret, raw, **kwargs)
    return http.post(f"{API}/{name}", content=raw, headers=headers)


def execution_count(api: httpx.Client) -> int:
    return int(api.get("/api/v1/executions", params={"limit": 1}).json()["total"])


def test_create_list_show_rotate_delete(api: httpx.Client, workflow_id: str) -> None:
    hook = new_hook(api, "crud", workflow_id, description="for the test")
    assert hook["path"] == f"{API}/crud" and len(hook["secret"]) >= 40
    listed = api.get(API).json()["items"]
    assert [h["name"] for h in listed if h["name"] == "crud"] == ["crud"]
    assert all("secret" not in h for h in listed)
    shown = api.get(f"{API}/crud").json()
    assert "secret" not in shown and shown["rotated_at"] is None
    rotated = api.post(f"{API}/crud/rotate").json()
    assert rotated["secret"] != hook["secret"] and rotated["rotated_at"] is not None
    assert api.delete(f"{API}/crud").status_code == 204
    assert api.get(f"{API}/crud").status_code == 404
    assert api.delete(f"{API}/crud").status_code == 404


def test_management_needs_the_token(anonymous: httpx.Client, workflow_id: str) -> None:
    assert anonymous.get(API).status_code == 401
    assert anonymous.post(API, json={"name": "x", "workflow_id": workflow_id}).status_code == 401
    assert anonymous.get(f"{API}/x").status_code == 401
    assert anonymous.delete(f"{API}/x").status_code == 401
    assert anonymous.post(f"{API}/x/rotate").status_code == 401


def test_bad_creates_store_nothing(daemon: Harmoniad, api: httpx.Client, workflow_id: str) -> None:
    before = (
        (daemon.data_dir / "hooks.json").read_bytes()
        if (daemon.data_dir / "hooks.json").exists()
        else None
    )
    unknown_wf = api.post(API, json={"name": "a", "workflow_id": "wf-nope"})
    assert unknown_wf.status_code == 404 and unknown_wf.json()["code"] == "not_found"
    bad_name = api.post(API, json={"name": "-bad/", "workflow_id": workflow_id})
    assert bad_name.status_code == 422
    bad_map = api.post(
        API, json={"name": "a", "workflow_id": workflow_id, "input_map": {"who": "no-slash"}}
    )
    assert bad_map.status_code == 422 and "input_map" in bad_map.text
    unknown_input = api.post(
        API, json={"name": "a", "workflow_id": workflow_id, "input_map": {"nope": "/x"}}
    )
    assert unknown_input.status_code == 422 and "nope" in unknown_input.text
    after = (
        (daemon.data_dir / "hooks.json").read_bytes()
        if (daemon.data_dir / "hooks.json").exists()
        else None
    )
    assert after == before
    new_hook(api, "twice", workflow_id)
    assert api.post(API, json={"name": "twice", "workflow_id": workflow_id}).status_code == 409


def test_a_signed_delivery_starts_the_workflow_once(
    daemon: Harmoniad, api: httpx.Client, anonymous: httpx.Client, workflow_id: str
) -> None:
    hook = new_hook(api, "greet", workflow_id)
    first = deliver(anonymous, "greet", {"who": "hooks"}, hook["secret"], delivery_id="d-1")
    assert first.status_code == 201, first.text
    answer = first.json()
    assert (answer["hook"], answer["delivery_id"], answer["replayed"]) == ("greet", "d-1", False)
    execution = daemon.wait_finished(answer["execution_id"])
    assert execution["status"] == "completed"
    assert execution["input"] == {"who": "hooks"}
    assert execution["trigger"]["kind"] == "hook" and execution["trigger"]["delivery_id"] == "d-1"
    events = api.get(f"/api/v1/executions/{answer['execution_id']}/events").json()["items"]
    received = [e for e in events if e["type"] == "webhook_received"]
    assert len(received) == 1 and received[0]["data"]["hook"] == "greet"
    assert received[0]["data"]["delivery_id"] == "d-1"
    count = execution_count(api)
    again = deliver(anonymous, "greet", {"who": "hooks"}, hook["secret"], delivery_id="d-1")
    assert again.status_code == 200, again.text
    assert again.json()["execution_id"] == answer["execution_id"] and again.json()["replayed"]
    assert execution_count(api) == count


def test_input_map_takes_parts_of_the_body(
    daemon: Harmoniad, api: httpx.Client, anonymous: httpx.Client, workflow_id: str
) -> None:
    hook = new_hook(api, "mapped", workflow_id, input_map={"who": "/sender/login"})
    body = {"sender": {"login": "octocat"}, "action": "opened"}
    answer = deliver(anonymous, "mapped", body, hook["secret"])
    assert answer.status_code == 201, answer.text
    execution = daemon.wait_finished(answer.json()["execution_id"])
    assert execution["input"] == {"who": "octocat"}
    count = execution_count(api)
    missing = deliver(anonymous, "mapped", {"sender": {}}, hook["secret"])
    assert missing.status_code == 422 and "/sender/login" in missing.text
    assert execution_count(api) == count


def test_refused_deliveries_record_nothing(
    api: httpx.Client, anonymous: httpx.Client, workflow_id: str
) -> None:
    hook = new_hook(api, "strict", workflow_id)
    secret, raw = hook["secret"], b'{"who": "x"}'
    count = execution_count(api)

    def post(headers: dict[str, str], body: bytes = raw, name: str = "strict") -> httpx.Response:
        return anonymous.post(f"{API}/{name}", content=body, headers=headers)

    good = signed_headers(secret, raw)
    cases: list[tuple[httpx.Response, int, str]] = [
        (post({**good, SIGNATURE_HEADER: "sha256=" + "0" * 64}), 401, "bad_signature"),
        (post({k: v for k, v in good.items() if k != SIGNATURE_HEADER}), 401, "bad_signature"),
        (post({k: v for k, v in good.items() if k != TIMESTAMP_HEADER}), 401, "bad_signature"),
        (post(signed_headers("not-the-secret", raw)), 401, "bad_signature"),
        (post(signed_headers(secret, raw, now=time.time() - 3600)), 401, "stale_timestamp"),
        (post(signed_headers(secret, raw, now=time.time() + 3600)), 401, "stale_timestamp"),
        (post(good, body=b'{"who": "y"}'), 401, "bad_signature"),
    ]
    for answer, status, reason in cases:
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["code"] == "unauthorized"
        assert answer.json()["details"]["reason"] == reason
    stale = cases[4][0].json()["message"]
    assert "old" in stale and "300" in stale
    unknown = post(signed_headers(secret, raw), name="nobody")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    not_json = post(signed_headers(secret, b"who=x"), body=b"who=x")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["message"]
    big = orjson.dumps({"who": "x" * 5000})
    too_big = post(signed_headers(secret, big), body=big)
    assert too_big.status_code == 413 and too_big.json()["code"] == "payload_too_large"
    no_id = post({k: v for k, v in good.items() if k != DELIVERY_HEADER})
    assert no_id.status_code == 400 and DELIVERY_HEADER in no_id.json()["message"]
    wrong_input = post(signed_headers(secret, b'{"nope": 1}'), body=b'{"nope": 1}')
    assert wrong_input.status_code == 422
    assert execution_count(api) == count


def test_a_hook_secret_opens_nothing_else(
    api: httpx.Client, anonymous: httpx.Client, workflow_id: str
) -> None:
    hook = new_hook(api, "narrow", workflow_id)
    secret = hook["secret"]
    as_bearer = {"Authorization": f"Bearer {secret}"}
    assert anonymous.get("/api/v1/executions", headers=as_bearer).status_code == 401
    assert anonymous.get(API, headers=as_bearer).status_code == 401
    signed = signed_headers(secret, b"{}")
    assert anonymous.get(f"{API}/narrow", headers=signed).status_code == 401
    assert anonymous.post(f"{API}/narrow/rotate", headers=signed).status_code == 401
    assert anonymous.post("/api/v1/executions", headers=signed, content=b"{}").status_code == 401
    # another hook's secret does not sign for this one
    other = new_hook(api, "narrow2", workflow_id)
    assert deliver(anonymous, "narrow", {}, other["secret"]).status_code == 401


def test_rotation_stops_the_old_secret(
    api: httpx.Client, anonymous: httpx.Client, workflow_id: str
) -> None:
    hook = new_hook(api, "rotating", workflow_id)
    new = api.post(f"{API}/rotating/rotate").json()["secret"]
    assert deliver(anonymous, "rotating", {}, hook["secret"]).status_code == 401
    assert deliver(anonymous, "rotating", {}, new).status_code == 201


def test_the_host_check_still_applies(anonymous: httpx.Client, workflow_id: str) -> None:
    headers = {**signed_headers("x", b"{}"), "Host": "evil.example"}
    answer = anonymous.post(f"{API}/anything", content=b"{}", headers=headers)
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden_host"


def test_the_python_client_signs_deliveries(daemon: Harmoniad, workflow_id: str) -> None:
    from harmonia.client import Client

    with Client(daemon.url, token=daemon.token) as client:
        hook = client.create_hook("from-client", workflow_id, input_map={"who": "/name"})
        assert hook.secret and hook.input_map == {"who": "/name"}
        assert "from-client" in [h.name for h in client.list_hooks()]
        first = client.deliver_hook("from-client", {"name": "py"}, hook.secret, delivery_id="c-1")
        again = client.deliver_hook("from-client", {"name": "py"}, hook.secret, delivery_id="c-1")
        assert not first.replayed and again.replayed
        assert again.execution_id == first.execution_id
        assert client.wait(first.execution_id).input == {"who": "py"}
        rotated = client.rotate_hook_secret("from-client")
        assert rotated.secret and rotated.secret != hook.secret
        client.delete_hook("from-client")


def test_a_workflow_is_not_deleted_under_its_hooks(
    api: httpx.Client, anonymous: httpx.Client
) -> None:
    """Its senders would get a 409 for every delivery: the hooks are deleted first."""
    wf = api.post("/api/v1/workflows", json=echo_workflow("short-lived")).json()["id"]
    hooks = [new_hook(api, name, wf) for name in ("bound-a", "bound-b")]
    refused = api.delete(f"/api/v1/workflows/{wf}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "conflict"
    assert "inbound hooks bound-a, bound-b" in refused.json()["message"]
    tool = api.post(
        "/api/mcp/v2/process",
        json={"tool_name": "DeleteWorkflowDefinition", "arguments": {"workflow_id": wf}},
    ).json()
    assert tool["status"] == "error" and "bound-a" in tool["error"]
    assert api.get(f"/api/v1/workflows/{wf}").status_code == 200
    assert deliver(anonymous, "bound-a", {}, hooks[0]["secret"]).status_code == 201
    for hook in hooks:
        assert api.delete(f"{API}/{hook['name']}").status_code == 204
    assert api.delete(f"/api/v1/workflows/{wf}").status_code == 200


def test_the_listing_shows_each_hook_s_deliveries(
    api: httpx.Client, anonymous: httpx.Client, workflow_id: str
) -> None:
    hook = new_hook(api, "counted", workflow_id)
    assert (hook["deliveries"], hook["last_delivery"]) == (0, None)
    started = []
    for delivery in ("d-1", "d-2", "d-2"):  # the last one a replay: it starts nothing
        answer = deliver(anonymous, "counted", {}, hook["secret"], delivery_id=delivery)
        started.append(answer.json()["execution_id"])
    listed = next(h for h in api.get(API).json()["items"] if h["name"] == "counted")
    assert listed["deliveries"] == 2
    last = listed["last_delivery"]
    assert (last["delivery_id"], last["execution_id"]) == ("d-2", started[1])
    assert last["at"].endswith("Z")
    assert api.get(f"{API}/counted").json()["deliveries"] == 2
