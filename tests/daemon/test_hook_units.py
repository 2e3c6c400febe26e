"""The parts of inbound hooks without a daemon: signing, the input mapping, the hooks' file,
and the delivery ids (one start per id, a failed start forgotten, ids expire)."""

from __future__ import annotations

from pathlib import Path

import anyio
import orjson
import pytest
from harmoniad.hooks.deliveries import MARGIN, PRUNE_EVERY, DeliveryIds, hook_trigger
from harmoniad.hooks.mapping import apply_mapping, check_mapping
from harmoniad.hooks.store import HookRecord, HookStore

from harmonia.errors import ValidationFailed
from harmonia.signing import sign, signature_matches, signed_headers

pytestmark = pytest.mark.anyio


def test_the_signed_string_is_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign(b"k", "1700000000", b"{}") == f"sha256={expected}"
    assert signature_matches(b"k", "1700000000", b"{}", f"sha256={expected}")
    assert not signature_matches(b"k", "1700000001", b"{}", f"sha256={expected}")
    headers = signed_headers("k", b"{}", now=1700000000, delivery_id="d")
    assert headers["X-Harmonia-Signature-256"] == f"sha256={expected}"
    assert headers["X-Harmonia-Delivery"] == "d"


def test_mapping_by_json_pointer() -> None:
    body = {"a": {"b/c": [10, {"~d": 2}]}, "x": 1}
    mapping = check_mapping({"first": "/a/b~1c/0", "tilde": "/a/b~1c/1/~0d", "all": ""})
    assert apply_mapping(body, mapping) == {"first": 10, "tilde": 2, "all": body}
    assert apply_mapping(body, None) is body
    with pytest.raises(ValidationFailed, match="nothing at '/a/zz'"):
        apply_mapping(body, {"v": "/a/zz"})
    with pytest.raises(ValidationFailed, match="not an object"):
        apply_mapping([1], None)
    with pytest.raises(ValidationFailed) as bad:
        check_mapping({"ok": "relative", "bad name": "/x"})
    assert {p.field for p in bad.value.problems} == {"input_map.ok", "input_map"}


def test_the_hooks_file_round_trips_and_keeps_unknown_fields(tmp_path: Path) -> None:
    store = HookStore(tmp_path)
    store.load()
    assert store.records == {}
    record = HookRecord("gh", "wf-1", "s3cret", 1.5, {"ref": "/ref"}, 60.0, "about")
    record.extra["later"] = {"x": 1}
    store.records["gh"] = record
    store.write(store.snapshot())
    assert (tmp_path / "hooks.json").stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob(".hooks.json.*"))  # no temporary file left behind
    again = HookStore(tmp_path)
    again.load()
    assert again.records["gh"] == record
    assert orjson.loads((tmp_path / "hooks.json").read_bytes())["hooks"][0]["later"] == {"x": 1}


async def test_one_start_per_delivery_id() -> None:
    now = [1000.0]
    ids = DeliveryIds(lambda: now[0])
    starts = 0
    gate = anyio.Event()

    async def start() -> str:
        nonlocal starts
        starts += 1
        await gate.wait()
        return f"exec-{starts}"

    results: list[tuple[str, bool]] = []

    async def one() -> None:
        results.append(await ids.accept("gh", "d-1", now[0] + 600, start))

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(one)
        await anyio.wait_all_tasks_blocked()
        gate.set()
    assert starts == 1
    assert sorted(results) == [("exec-1", False), ("exec-1", True), ("exec-1", True)]
    assert await ids.accept("other-hook", "d-1", now[0] + 600, start) == ("exec-2", False)


async def test_a_failed_start_is_forgotten_and_ids_expire() -> None:
    now = [1000.0]
    ids = DeliveryIds(lambda: now[0])

    async def fail() -> str:
        raise RuntimeError("refused")

    async def start() -> str:
        return "exec"

    with pytest.raises(RuntimeError):
        await ids.accept("gh", "d", now[0] + 10, fail)
    assert await ids.accept("gh", "d", now[0] + 10, start) == ("exec", False)
    assert len(ids) == 1
    now[0] += 10 + PRUNE_EVERY
    assert await ids.accept("gh", "e", now[0] + 10, start) == ("exec", False)
    assert len(ids) == 1  # d expired


def test_ids_are_read_back_from_catalog_rows() -> None:
    ids = DeliveryIds(lambda: 2000.0)
    rows = [
        {"id": "e1", "trigger": hook_trigger("gh", "fresh", 1900)},
        {"id": "e2", "trigger": hook_trigger("gh", "old", 2000 - 300 - MARGIN - 1)},
        {"id": "e3", "trigger": {"kind": "schedule", "schedule_id": "s"}},
        {"id": "e4"},
    ]
    assert ids.load(rows, lambda hook: 300.0) == 1
