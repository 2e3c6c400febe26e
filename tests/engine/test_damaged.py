"""A damaged execution never stops the engine: recovery sets it aside and goes on with the others;
every operator action on it is refused, except an explicit resume from its readable part.

Each test writes what a killed process leaves (snapshot, catalog row, journal), damages one file
the way a disk or an editor would, and runs a real engine over the folder (asyncio and trio).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.engine_probe import engine_options
from helpers.killed import write_killed_execution
from helpers.workflows import by_status, task

from harmonia.engine import open_engine
from harmonia.errors import InvalidOperation
from harmonia.loader import load_workflow_dict
from harmonia.state import apply
from harmonia.store import Store

pytestmark = pytest.mark.anyio

FLOW = {
    "name": "chain",
    "tasks": {
        "a": task("core.echo", input={"x": 1}),
        "b": task("core.echo", "a", input={"y": 2}),
        "c": task("core.echo", "b", input={"z": 3}),
    },
}

RAN_A_AND_B: list[tuple[str, str | None, dict[str, Any]]] = [
    ("workflow_started", None, {"workflow": "chain", "input": {}, "task_count": 3}),
    ("task_started", "a", {"attempt": 1}),
    ("task_completed", "a", {"attempt": 1, "output": {"x": 1}, "duration": 0.001}),
    ("task_started", "b", {"attempt": 1}),
    ("task_completed", "b", {"attempt": 1, "output": {"y": 2}, "duration": 0.001}),
    ("task_started", "c", {"attempt": 1}),
]


def crashed(
    data_dir: Path,
    execution_id: str,
    events: list[tuple[str, str | None, dict[str, Any]]] = RAN_A_AND_B,
    *,
    snapshot_after: int = 0,
) -> list[bytes]:
    """What a process killed with -9 leaves; with `snapshot_after`, a snapshot taken after
    that many events. Returns the journal's lines."""
    state, journal = write_killed_execution(data_dir, FLOW, events, execution_id)
    if snapshot_after:
        for event in journal[:snapshot_after]:
            apply(state, event)
        Store(data_dir).write_snapshot(
            state.meta_record(), {t: s.to_record() for t, s in state.tasks.items()}
        )
    return [e.to_journal_line() for e in journal]


def journal(data_dir: Path, execution_id: str) -> Path:
    return data_dir / "executions" / execution_id / "journal.jsonl"


def flip(path: Path, at: int) -> bytes:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    return bytes(data)


def kept_copies(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".damaged-*"))


GOOD, BAD = "20260101-000000-aaaaaa", "20260101-000000-bbbbbb"


async def test_recovery_sets_a_damaged_execution_aside_and_resumes_the_others(
    data_dir: Path,
) -> None:
    crashed(data_dir, GOOD)
    lines = crashed(data_dir, BAD)
    path = journal(data_dir, BAD)
    offset = sum(map(len, lines[:2]))
    damaged = flip(path, offset + 30)  # inside line 3, which still parses: only its checksum knows

    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == [GOOD]
        state = await engine.wait(GOOD)
        bad = await engine.get(BAD)
    assert state.status == "completed"
    assert bad.status == "damaged"
    assert bad.damage is not None and bad.damage["status"] == "running"
    [item] = bad.damage["files"]
    assert (item["file"], item["line"], item["offset"]) == (
        f"executions/{BAD}/journal.jsonl",
        3,
        offset,
    )
    assert "checksum" in item["reason"]
    # as far as the readable part goes: a started, not completed
    assert bad.tasks["a"].status == "running" and bad.last_seq == 2
    # the evidence: untouched, and a byte-identical copy kept aside
    assert path.read_bytes() == damaged
    [copy] = kept_copies(path)
    assert copy.read_bytes() == damaged
    assert item["kept_as"] == f"executions/{BAD}/{copy.name}"
    row = {r["id"]: r for r in Store(data_dir).list_summaries()}[BAD]
    assert row["status"] == "damaged" and row["interrupted"] is False
    assert row["damage"]["files"][0]["line"] == 3


def cut_short(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc)[:25]


def without_workflow(doc: dict[str, Any]) -> bytes:
    del doc["execution"]["1"]["workflow"]
    return orjson.dumps(doc)


def unknown_status(doc: dict[str, Any]) -> bytes:
    doc["execution"]["1"]["status"] = "sleeping"
    return orjson.dumps(doc)


@pytest.mark.parametrize(
    ("damage", "reason", "offset"),
    [
        (cut_short, "not valid JSON", 25),  # CorruptDatabase from the start before
        (without_workflow, "no workflow document with tasks", None),  # KeyError before
        (unknown_status, "unknown execution status 'sleeping'", None),
    ],
)
async def test_a_damaged_snapshot_does_not_stop_recovery(
    data_dir: Path, damage: Any, reason: str, offset: int | None
) -> None:
    crashed(data_dir, GOOD)
    crashed(data_dir, BAD)
    state_file = data_dir / "executions" / BAD / "state.json"
    state_file.write_bytes(damage(orjson.loads(state_file.read_bytes())))
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == [GOOD]
        await engine.wait(GOOD)
        bad = await engine.get(BAD)
    assert bad.status == "damaged" and bad.workflow_name == "chain"
    assert bad.damage is not None
    [item] = bad.damage["files"]
    assert item["file"] == f"executions/{BAD}/state.json" and item["offset"] == offset
    assert reason in item["reason"]
    # rebuilt from the journal alone: every task it names, as far as it goes
    assert by_status(bad.tasks) == {"completed": {"a", "b"}, "running": {"c"}}
    assert len(kept_copies(state_file)) == 1


async def test_an_event_that_does_not_fit_the_execution_is_damage(data_dir: Path) -> None:
    events = [*RAN_A_AND_B[:3], ("task_started", "nope", {"attempt": 1}), *RAN_A_AND_B[3:]]
    lines = crashed(data_dir, BAD, events)
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == []
        bad = await engine.get(BAD)
    assert bad.damage is not None
    [item] = bad.damage["files"]
    assert item["line"] == 4 and item["offset"] == sum(map(len, lines[:3]))
    assert "names task 'nope'" in item["reason"]
    assert bad.tasks["a"].status == "completed" and bad.last_seq == 3


async def test_every_operator_action_on_a_damaged_execution_is_refused(data_dir: Path) -> None:
    lines = crashed(data_dir, BAD)
    path = journal(data_dir, BAD)
    data = path.read_bytes()
    path.write_bytes(data[: len(lines[0])] + b"garbage\n" + data[len(lines[0]) :])
    before = path.read_bytes()
    async with open_engine(data_dir, **engine_options()) as engine:
        with pytest.raises(
            InvalidOperation, match=r"is damaged: .*line 2, byte \d+: not valid JSON"
        ):
            await engine.resume(BAD)
        with pytest.raises(InvalidOperation, match=r"is damaged: .*--from-damaged"):
            await engine.retry_task(BAD, "a")
        with pytest.raises(InvalidOperation, match="is damaged"):
            await engine.cancel(BAD)
        with pytest.raises(InvalidOperation, match="is damaged"):
            await engine.checkpoint(BAD)
        assert not engine.is_live(BAD)
    assert path.read_bytes() == before
    assert not Store(data_dir).is_locked(BAD)


async def test_resume_from_damaged_goes_on_from_the_readable_part(data_dir: Path) -> None:
    crashed(data_dir, GOOD)
    lines = crashed(data_dir, BAD)
    path = journal(data_dir, BAD)
    damaged = flip(path, sum(map(len, lines[:4])) + 5)  # line 5: b's completion
    async with open_engine(data_dir, **engine_options()) as engine:
        with pytest.raises(InvalidOperation, match="not damaged"):
            await engine.resume(GOOD, from_damaged=True)
        assert not engine.is_live(GOOD)
        await engine.resume(BAD, from_damaged=True)
        state = await engine.wait(BAD)
    assert state.status == "completed" and state.damage is None
    [copy] = kept_copies(path)
    assert copy.read_bytes() == damaged  # the evidence, byte for byte
    events = Store(data_dir).read_events(BAD)
    assert b"".join(lines[:4]) == path.read_bytes()[: sum(map(len, lines[:4]))]
    marker = events[4]
    assert (marker.seq, marker.type) == (5, "journal_repaired")
    assert marker.data["after_seq"] == 4 and marker.data["damage"]["line"] == 5
    assert events[5].data["reason"] == "from_damaged"
    started = [(e.task_id, e.data["attempt"]) for e in events if e.type == "task_started"]
    # a's completion was readable: never again; b's was not: b runs again
    assert started == [("a", 1), ("b", 1), ("b", 2), ("c", 1)]
    assert Store(data_dir).load_execution(BAD).damage is None


async def test_resume_from_damaged_behind_a_snapshot_keeps_seqs_checkable(data_dir: Path) -> None:
    """The snapshot holds more than the readable part of the journal: the marker takes the
    seq after the snapshot's and names the last readable one; the journal stays checkable."""
    lines = crashed(data_dir, BAD, snapshot_after=5)
    path = journal(data_dir, BAD)
    path.write_bytes(b"".join(lines[:2]) + b"X" + b"".join(lines[2:]))
    async with open_engine(data_dir, **engine_options()) as engine:
        damaged = await engine.get(BAD)
        assert damaged.status == "damaged" and damaged.last_seq == 5  # the snapshot's
        await engine.resume(BAD, from_damaged=True)
        state = await engine.wait(BAD)
    assert state.status == "completed"
    events = Store(data_dir).read_events(BAD)
    assert [e.seq for e in events][:4] == [1, 2, 6, 7]
    assert events[2].type == "journal_repaired" and events[2].data["after_seq"] == 2
    assert Store(data_dir).load_execution(BAD).damage is None
    started = [(e.task_id, e.data["attempt"]) for e in events if e.type == "task_started"]
    assert started == [("a", 1), ("c", 1)]  # b completed by the snapshot's account


async def test_resume_from_damaged_refuses_a_damaged_snapshot(data_dir: Path) -> None:
    crashed(data_dir, BAD)
    state_file = data_dir / "executions" / BAD / "state.json"
    state_file.write_bytes(b"[]")
    before = journal(data_dir, BAD).read_bytes()
    async with open_engine(data_dir, **engine_options()) as engine:
        with pytest.raises(InvalidOperation, match=r"state\.json: not a JSON object"):
            await engine.resume(BAD, from_damaged=True)
        with pytest.raises(InvalidOperation, match=r"is damaged: .*cannot be run again"):
            await engine.resume(BAD)
    assert journal(data_dir, BAD).read_bytes() == before
    assert state_file.read_bytes() == b"[]"


async def test_a_snapshot_whose_workflow_no_longer_validates_is_damaged(data_dir: Path) -> None:
    crashed(data_dir, BAD)
    state_file = data_dir / "executions" / BAD / "state.json"
    doc = orjson.loads(state_file.read_bytes())
    doc["execution"]["1"]["workflow"]["tasks"]["b"]["depends_on"] = ["zz"]
    state_file.write_bytes(orjson.dumps(doc))
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == []
        with pytest.raises(InvalidOperation, match=r"is damaged: .*workflow document is not valid"):
            await engine.resume(BAD)


async def test_the_sweep_finds_damage_in_finished_executions_and_forgets_mended_files(
    data_dir: Path,
) -> None:
    async with open_engine(data_dir, **engine_options()) as engine:
        done = await engine.start(load_workflow_dict(FLOW))
        await engine.wait(done.id)
    path = journal(data_dir, done.id)
    good = path.read_bytes()
    flip(path, len(good) // 2)
    assert Store(data_dir).list_summaries()[0]["status"] == "completed"  # nobody looked yet
    async with open_engine(data_dir, **engine_options()) as engine:
        checked, found = await engine.find_damaged()
        assert checked == 1 and [s.id for s in found] == [done.id]
    assert Store(data_dir).list_summaries()[0]["status"] == "damaged"
    path.write_bytes(good)  # an operator put the journal back from a backup
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.find_damaged() == (1, [])
    row = Store(data_dir).list_summaries()[0]
    assert row["status"] == "completed" and row["damage"] is None
