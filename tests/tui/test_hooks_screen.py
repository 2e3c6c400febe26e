"""The hooks screen, driven from the keyboard (Pilot) against a real daemon: reached with `H`,
it lists each hook's workflow, mapping and deliveries; enter opens the execution its last
delivery started; `n` makes a hook and shows its secret once (a delivery signed with it is
accepted); `R` rotates it (the old secret refused, the new one shown once) and `d` deletes,
each after a confirm; a toast for each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.hook_forms import HookFormScreen, HookSecretScreen, parse_input_map
from harmonia_tui.screens.hooks import HooksScreen
from helpers.daemon_testing import Harmoniad, echo_workflow
from helpers.pilot_steps import cell, piloted, reach
from helpers.tui_testing import press, toasted, until
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from harmonia.signing import signed_headers


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path / "data") as running:
        yield running


def shown_secret(app: App[object]) -> str | None:
    """The secret on screen, once the secret screen is up and composed (it is pushed first,
    its widgets mounted after: asking for them at once can find none)."""
    screen = app.screen
    if not isinstance(screen, HookSecretScreen):
        return None
    found = screen.query("#secret")
    return found.first(Input).value if found else None


def focused_id(app: App[object]) -> str | None:
    """The id of the widget with the focus on the top screen (keys typed before a form's
    first field has it would go elsewhere)."""
    focused = app.screen.focused
    return None if focused is None else focused.id


async def fill(pilot: Pilot[Any], typed: str, then: str) -> None:
    """Type `typed` and enter into the focused field; wait until the form has moved the focus
    to field `then`. Enter moves it by a message the form handles later: keys sent before
    that (Pilot waits only until the process looks idle, which a busy machine fakes) went to
    the field just left."""
    await pilot.press(*typed, "enter")
    await until(pilot, lambda: focused_id(pilot.app) == then, f"the focus on {then}")


def deliver(client: httpx.Client, name: str, secret: str, delivery_id: str) -> httpx.Response:
    body = orjson.dumps({"who": "sender"})
    headers = signed_headers(secret, body, delivery_id=delivery_id)
    return client.post(f"/api/v1/hooks/{name}", content=body, headers=headers)


@pytest.mark.anyio
async def test_hooks_screen_lists_opens_creates_with_the_secret_once_and_deletes(
    daemon: Harmoniad,
) -> None:
    with daemon.client() as client:
        workflow_id = client.post("/api/v1/workflows", json=echo_workflow("tui-hooked")).json()[
            "id"
        ]
        made = client.post(
            "/api/v1/hooks",
            json={"name": "gh", "workflow_id": workflow_id, "input_map": {"who": "/who"}},
        ).json()
        delivered = deliver(client, "gh", made["secret"], "d-1").json()["execution_id"]
    async with piloted(daemon) as (app, pilot):
        await reach(pilot, ExecutionsScreen, "executions")
        screen = await reach(pilot, HooksScreen, "hooks", key="H")
        await until(pilot, lambda: screen.loaded, "the list")
        assert cell(screen, "gh", "workflow") == f"tui-hooked ({workflow_id})"
        assert cell(screen, "gh", "mapping") == "who=/who"
        assert cell(screen, "gh", "deliveries") == "1"
        assert cell(screen, "gh", "last").endswith(f"→ {delivered}")

        await press(pilot, "enter")  # the execution the last delivery started
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen), "its execution")
        assert isinstance(app.screen, ExecutionScreen) and app.screen.execution_id == delivered
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is screen, "back on the hooks")

        await press(pilot, "R")  # a new secret for gh, after a confirm
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "rotate's confirm")
        await press(pilot, "y")
        await until(pilot, lambda: shown_secret(app) is not None, "the new secret")
        fresh = shown_secret(app)
        assert fresh and fresh != made["secret"]
        assert toasted(app, "hook gh: secret rotated")
        with daemon.client() as client:
            assert deliver(client, "gh", made["secret"], "d-old").status_code == 401
            assert deliver(client, "gh", fresh, "d-2").status_code == 201
        await press(pilot, "enter")
        await until(pilot, lambda: app.screen is screen, "the new secret dismissed")

        await press(pilot, "n")
        await until(pilot, lambda: focused_id(app) == "name", "the form, ready for a name")
        form = app.screen
        assert isinstance(form, HookFormScreen)
        assert form.query_one("#workflow", Input).value == workflow_id  # the highlighted one's
        await fill(pilot, "ci-hook", "workflow")  # name, then on to the workflow
        await fill(pilot, "", "input_map")  # the workflow as it is
        await fill(pilot, "", "description")  # no mapping
        await pilot.press(*"from CI", "enter")  # the description: it is made
        await until(pilot, lambda: shown_secret(app) is not None, "the secret")
        secret = shown_secret(app)
        assert secret is not None and len(secret) >= 40
        assert toasted(app, "hook ci-hook created")
        with daemon.client() as client:
            assert deliver(client, "ci-hook", secret, "ci-1").status_code == 201
        await press(pilot, "enter")
        await until(pilot, lambda: app.screen is screen, "the secret dismissed")
        await until(pilot, lambda: "ci-hook" in [h.name for h in screen.items], "listed")

        table = screen.query_one(DataTable)
        table.move_cursor(row=[h.name for h in screen.items].index("ci-hook"))
        await press(pilot, "d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        await press(pilot, "n")  # kept
        await until(pilot, lambda: app.screen is screen, "kept")
        await press(pilot, "d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm again")
        await press(pilot, "y")
        await until(pilot, lambda: toasted(app, "hook ci-hook deleted"), "the toast")
        await until(pilot, lambda: [h.name for h in screen.items] == ["gh"], "gone")
        with daemon.client() as client:
            assert client.get("/api/v1/hooks/ci-hook").status_code == 404

        await reach(pilot, ExecutionsScreen, "back", key="escape")


def test_the_mapping_field_reads_name_equals_pointer() -> None:
    assert parse_input_map(" ") is None
    assert parse_input_map('who=/who, all=""') == {"who": "/who", "all": ""}
    with pytest.raises(ValueError, match="input=/json/pointer"):
        parse_input_map("who")


def test_a_hook_whose_workflow_is_gone_is_flagged() -> None:
    from harmonia.client import Hook, WorkflowInfo

    screen = HooksScreen()
    screen.workflows = {"wf-1": WorkflowInfo(id="wf-1", name="kept")}
    assert screen.workflow_cell(Hook(name="a", workflow_id="wf-1")).plain == "kept (wf-1)"
    gone = screen.workflow_cell(Hook(name="b", workflow_id="wf-gone"))
    assert gone.plain == "deleted: wf-gone" and "red" in str(gone.style)


@pytest.mark.anyio
async def test_a_refused_hook_form_opens_again_as_typed_with_the_reason(
    daemon: Harmoniad,
) -> None:
    """A name the daemon refuses closed the form (a toast said why): every field had to be
    typed again. The form now comes back as typed, the daemon's reason under it."""
    with daemon.client() as client:
        workflow_id = client.post("/api/v1/workflows", json=echo_workflow("tui-refused")).json()[
            "id"
        ]
    async with piloted(daemon) as (app, pilot):
        await reach(pilot, ExecutionsScreen, "executions")
        screen = await reach(pilot, HooksScreen, "hooks", key="H")
        await until(pilot, lambda: screen.loaded, "the list")
        await press(pilot, "n")
        await until(pilot, lambda: focused_id(app) == "name", "the form, ready for a name")
        await fill(pilot, "bad name", "workflow")
        await fill(pilot, "", "input_map")
        await fill(pilot, "who=/who", "description")
        await pilot.press(*"from CI", "enter")
        await until(pilot, lambda: toasted(app, "must match the pattern"), "the refusal")

        def again() -> HookFormScreen | None:
            form = app.screen
            return form if isinstance(form, HookFormScreen) and form.is_mounted else None

        await until(pilot, lambda: again() is not None, "the form again")
        form = again()
        assert form is not None
        values = {f: form.query_one(f"#{f}", Input).value for f in ("name", "workflow")}
        assert values == {"name": "bad name", "workflow": workflow_id}
        assert form.query_one("#input_map", Input).value == "who=/who"
        assert form.query_one("#description", Input).value == "from CI"
        assert "must match the pattern" in form.error
        form.query_one("#name", Input).value = "good-name"
        form.confirmed()
        await until(pilot, lambda: shown_secret(app) is not None, "the secret")
        await press(pilot, "enter")
        await until(pilot, lambda: app.screen is screen, "the secret dismissed")
        await until(pilot, lambda: "good-name" in [h.name for h in screen.items], "listed")
