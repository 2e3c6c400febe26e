"""Join rules through a real `harmoniad`: a stored workflow with rules runs as the table says
over HTTP, and an unknown rule is a 422 naming the line, task and field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.daemon_testing import Harmoniad
from helpers.workflows import by_status

from harmonia.client import Client, ValidationError

SAMPLE = Path(__file__).resolve().parent.parent.parent / "sample_workflows" / "join_rules.yaml"

BAD_RULE = """\
name: bad-rule
tasks:
  work: {component: core, action: echo}
  alert:
    component: core
    action: echo
    depends_on: [work]
    trigger_rule: one_faild
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    daemon = Harmoniad(tmp_path_factory.mktemp("rules-daemon") / "data")
    with daemon, Client(daemon.url, data_dir=daemon.data_dir) as connected:
        yield connected


def test_a_stored_workflow_with_rules_runs_as_the_table_says(client: Client) -> None:
    stored = client.create_workflow(SAMPLE.read_text())
    execution = client.start_execution(stored.id, input={"fail": True})
    final = client.wait(execution.id, timeout=30)
    assert final.status == "failed"
    assert by_status(final.tasks) == {
        "completed": {"prepare", "alert", "cleanup"},
        "failed": {"extract_a"},
        "skipped": {"extract_b"},
        "pending": {"merge", "publish"},
    }
    document = client.get_workflow(stored.id).document
    assert document["tasks"]["alert"]["trigger_rule"] == "one_failed"


def test_an_unknown_rule_is_refused_with_its_place(client: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        client.create_workflow(BAD_RULE)
    assert (caught.value.status, caught.value.code) == (422, "validation_error")
    (line,) = caught.value.problem_lines("bad.yaml")
    assert line.startswith("bad.yaml:8, task 'alert', field 'trigger_rule': ")
    assert "unknown trigger rule 'one_faild' (did you mean 'one_failed'?)" in line
