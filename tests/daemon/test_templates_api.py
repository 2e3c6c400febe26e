"""`/api/v1/templates` against a real daemon: import, list, show, instantiate (with the
workflow's origin), delete; 404 for unknown names, one 422 naming every bad parameter, 409 for
a taken name, 413 for an oversized file, and that a refused request stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import Harmoniad

SAMPLE = Path(__file__).resolve().parents[2] / "sample_workflows" / "greeting_template.yaml"
MAX_BODY = 64 * 1024
YAML = {"Content-Type": "application/yaml"}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    data_dir = tmp_path_factory.mktemp("daemon") / "data"
    with Harmoniad(data_dir, "--max-body", str(MAX_BODY)) as running:
        yield running


def sample(name: str) -> str:
    return SAMPLE.read_text().replace("name: greeting\n", f"name: {name}\n", 1)


def stored_files(daemon: Harmoniad) -> set[str]:
    folder = daemon.data_dir / "workflows"
    return {p.name for p in folder.glob("*.json")} if folder.exists() else set()


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    return body


def test_import_list_show_instantiate_delete(api: httpx.Client, daemon: Harmoniad) -> None:
    made = api.post("/api/v1/templates", content=sample("greet-a"), headers=YAML)
    assert made.status_code == 201, made.text
    info = made.json()
    assert info["id"].startswith("tpl-") and info["name"] == "greet-a" and info["task_count"] == 3
    assert info["id"] in {t["id"] for t in api.get("/api/v1/templates").json()["items"]}
    assert info["id"] not in {w["id"] for w in api.get("/api/v1/workflows").json()["items"]}
    shown = api.get("/api/v1/templates/greet-a").json()  # by name, or by id
    assert shown == api.get(f"/api/v1/templates/{info['id']}").json()
    assert shown["parameters"]["times"] == {
        "type": "integer",
        "default": 2,
        "minimum": 1,
        "maximum": 10,
        "description": "How many greetings",
    }

    answer = api.post(
        "/api/v1/templates/greet-a/instantiate", json={"parameters": {"who": "Ada", "times": 3}}
    )
    assert answer.status_code == 201, answer.text
    workflow = answer.json()
    assert workflow["name"] == "greet-Ada" and workflow["template"] is False
    origin = workflow["origin"]
    assert origin["template_id"] == info["id"] and origin["template_name"] == "greet-a"
    assert origin["template_version"] == "1.0.0" and origin["template_digest"].startswith("sha256:")
    assert origin["parameters"] == {"who": "Ada", "times": 3, "style": "plain", "timeout": 10}
    detail = api.get(f"/api/v1/workflows/{workflow['id']}").json()
    assert detail["origin"] == origin
    assert detail["document"]["defaults"]["timeout"] == 10  # typed: a number, not "10"
    command = detail["document"]["tasks"]["greet"]["input"]["command"]
    assert "seq 1 '3'" in command and '"hello, Ada"' in command  # quoted where they land

    execution = api.post("/api/v1/executions", json={"workflow_id": workflow["id"]}).json()
    final = daemon.wait_finished(execution["id"])
    assert final["status"] == "completed", final
    assert final["tasks"]["greet"]["output"]["stdout"] == "hello, Ada\n" * 3
    assert final["tasks"]["shout"]["status"] == "skipped"

    assert api.delete("/api/v1/templates/greet-a").status_code == 204
    error(api.get("/api/v1/templates/greet-a"), 404, "not_found")
    assert api.get(f"/api/v1/workflows/{workflow['id']}").status_code == 200  # it stays


def test_every_bad_parameter_in_one_422_and_nothing_written(
    api: httpx.Client, daemon: Harmoniad
) -> None:
    assert api.post("/api/v1/templates", content=sample("greet-b"), headers=YAML).is_success
    before = stored_files(daemon)
    bad = {"who": "R2-D2!", "times": 0, "style": "quiet", "timeout": "soon", "colour": "red"}
    body = error(
        api.post("/api/v1/templates/greet-b/instantiate", json={"parameters": bad}),
        422,
        "validation_error",
    )
    fields = sorted(p["field"] for p in body["details"])
    assert fields == [f"parameters.{n}" for n in sorted(bad)]
    messages = {p["field"]: p["message"] for p in body["details"]}
    assert "pattern" in messages["parameters.who"]
    assert "minimum 1" in messages["parameters.times"]
    assert "'plain', 'loud'" in messages["parameters.style"]
    assert "expected number" in messages["parameters.timeout"]
    assert "unknown parameter 'colour'" in messages["parameters.colour"]
    assert stored_files(daemon) == before


def test_unknown_templates_and_bad_bodies(api: httpx.Client, daemon: Harmoniad) -> None:
    before = stored_files(daemon)
    error(api.get("/api/v1/templates/no-such"), 404, "not_found")
    error(api.post("/api/v1/templates/no-such/instantiate", json={}), 404, "not_found")
    error(api.delete("/api/v1/templates/no-such"), 404, "not_found")
    broken = sample("greet-c").replace("${param.times}", "${param.tims}")
    body = error(
        api.post("/api/v1/templates", content=broken, headers=YAML), 422, "validation_error"
    )
    assert any("unknown parameter 'tims'" in p["message"] for p in body["details"])
    not_template = "name: w\ntasks: {a: {component: core, action: echo}}\n"
    error(
        api.post("/api/v1/templates", content=not_template, headers=YAML), 422, "validation_error"
    )
    huge = sample("greet-d") + "#" * (MAX_BODY + 1)
    error(api.post("/api/v1/templates", content=huge, headers=YAML), 413, "payload_too_large")
    error(
        api.post("/api/v1/templates", content="{}", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    assert stored_files(daemon) == before


def test_a_taken_name_is_a_409_unless_replaced(api: httpx.Client, daemon: Harmoniad) -> None:
    first = api.post("/api/v1/templates", content=sample("greet-e"), headers=YAML).json()
    before = stored_files(daemon)
    error(api.post("/api/v1/templates", content=sample("greet-e"), headers=YAML), 409, "conflict")
    assert stored_files(daemon) == before
    newer = sample("greet-e").replace('version: "1.0.0"', 'version: "1.1.0"')
    again = api.post("/api/v1/templates?replace=true", content=newer, headers=YAML)
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert api.get("/api/v1/templates/greet-e").json()["version"] == "1.1.0"


def test_a_template_is_not_a_workflow(api: httpx.Client) -> None:
    template = api.post("/api/v1/templates", content=sample("greet-g"), headers=YAML).json()
    error(api.get(f"/api/v1/workflows/{template['id']}"), 404, "not_found")
    error(api.delete(f"/api/v1/workflows/{template['id']}"), 404, "not_found")
    started = api.post("/api/v1/executions", json={"workflow_id": template["id"]})
    assert "this is a template" in error(started, 422, "validation_error")["details"][0]["message"]
    body = error(
        api.post("/api/v1/workflows", content=sample("greet-f"), headers=YAML),
        422,
        "validation_error",
    )
    assert "this is a template" in body["details"][0]["message"]


def test_openapi_describes_the_template_routes(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/templates"]) == {"get", "post"}
    assert set(paths["/api/v1/templates/{name}"]) == {"get", "delete"}
    instantiate = paths["/api/v1/templates/{name}/instantiate"]["post"]
    assert {"201", "404", "422"} <= set(instantiate["responses"])
