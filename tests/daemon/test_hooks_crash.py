"""Inbound hooks across `kill -9`: hooks and their secrets survive, and a delivery id accepted
before the kill is answered after the restart with the execution it started; deliveries in
flight at the kill never start two executions for one id, and a sender's retry of one that got
no answer starts it then. The hooks' file is replaced whole; a damaged one is set aside."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
from helpers.daemon_testing import Harmoniad, echo_workflow

from harmonia.signing import signed_headers

API = "/api/v1/hooks"


def deliver(
    http: httpx.Client, name: str, body: Any, secret: str, delivery_id: str
) -> httpx.Response:
    raw = orjson.dumps(body)
    headers = signed_headers(secret, raw, delivery_id=delivery_id)
    return http.post(f"{API}/{name}", content=raw, headers=headers)


def hook_executions(client: httpx.Client) -> list[dict[str, Any]]:
    items = client.get("/api/v1/executions", params={"limit": 1000}).json()["items"]
    documents = [client.get(f"/api/v1/executions/{e['id']}").json() for e in items]
    return [d for d in documents if (d.get("trigger") or {}).get("kind") == "hook"]


def test_replayed_ids_and_secrets_survive_kill_9(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as client:
            wf = client.post("/api/v1/workflows", json=echo_workflow("hooked")).json()["id"]
            secret = client.post(API, json={"name": "gh", "workflow_id": wf}).json()["secret"]
            first = deliver(client, "gh", {"who": "a"}, secret, "before-kill")
            assert first.status_code == 201, first.text
        assert (tmp_path / "data" / "hooks.json").stat().st_mode & 0o077 == 0
        daemon.kill()
        daemon.start()
        with daemon.client(token=False) as anonymous:
            again = deliver(anonymous, "gh", {"who": "a"}, secret, "before-kill")
            assert again.status_code == 200, again.text
            assert again.json()["execution_id"] == first.json()["execution_id"]
            fresh = deliver(anonymous, "gh", {"who": "b"}, secret, "after-kill")
            assert fresh.status_code == 201, fresh.text
    finally:
        daemon.kill()


def test_kill_9_with_deliveries_in_flight(tmp_path: Path) -> None:
    """Eight senders deliver until the daemon is killed under them; then each sender retries
    every id it sent (as a webhook sender does when it got no answer): every id ends with
    exactly one execution."""
    daemon = Harmoniad(tmp_path / "data").start()
    sent: list[str] = []
    answered: dict[str, str] = {}
    lock = threading.Lock()
    try:
        with daemon.client() as client:
            wf = client.post("/api/v1/workflows", json=echo_workflow("hooked")).json()["id"]
            secret = client.post(API, json={"name": "gh", "workflow_id": wf}).json()["secret"]
        enough = threading.Event()

        def sender(n: int) -> None:
            with daemon.client(token=False, timeout=10) as http:
                for i in range(1000):
                    delivery_id = f"s{n}-{i}"
                    with lock:
                        sent.append(delivery_id)
                    try:
                        answer = deliver(http, "gh", {"who": delivery_id}, secret, delivery_id)
                    except httpx.HTTPError:
                        return  # the daemon died under this one
                    with lock:
                        answered[delivery_id] = answer.json()["execution_id"]
                        if len(answered) >= 40:
                            enough.set()

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        assert enough.wait(60), daemon.log
        daemon.kill()
        for thread in threads:
            thread.join(30)
        daemon.start()
        with daemon.client() as client:
            for delivery_id in sent:
                retry = deliver(client, "gh", {"who": delivery_id}, secret, delivery_id)
                assert retry.status_code in (200, 201), retry.text
                if delivery_id in answered:  # it got an answer before: the same execution
                    assert retry.status_code == 200
                    assert retry.json()["execution_id"] == answered[delivery_id]
            runs = Counter(e["trigger"]["delivery_id"] for e in hook_executions(client))
        assert set(runs) == set(sent)
        assert max(runs.values()) == 1, [k for k, v in runs.items() if v > 1]
    finally:
        daemon.kill()


def test_a_damaged_hooks_file_is_set_aside(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "hooks.json").write_bytes(b'{"version": 1, "hooks": [{"name": ')
    with Harmoniad(data_dir) as daemon, daemon.client() as client:
        assert client.get(API).json()["items"] == []
        kept = list(data_dir.glob("hooks.json.damaged-*"))
        assert len(kept) == 1 and kept[0].read_bytes().startswith(b'{"version": 1')
        daemon.wait_for_log("hooks.json is damaged")  # its stderr is read by another thread
        wf = client.post("/api/v1/workflows", json=echo_workflow("hooked")).json()["id"]
        assert client.post(API, json={"name": "new", "workflow_id": wf}).status_code == 201
        stored = orjson.loads((data_dir / "hooks.json").read_bytes())
        assert [h["name"] for h in stored["hooks"]] == ["new"]
