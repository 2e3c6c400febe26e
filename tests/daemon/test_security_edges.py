"""The daemon's edges, through a real `harmoniad`: WebSocket handshakes from foreign browser
origins, and tokens too short for a bind other machines can reach (requests so malformed that
uvicorn answers them itself: test_http_parsers.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harmoniad.config import ConfigError, config_from_args
from helpers.daemon_testing import Harmoniad, echo_workflow, start_execution
from websockets.exceptions import ConnectionClosedOK, InvalidStatus
from websockets.sync.client import connect

MIN_TOKEN_LENGTH = 32


@pytest.fixture(scope="module")
def finished_id(daemon: Harmoniad) -> str:
    with daemon.client() as client:
        execution_id = start_execution(client, echo_workflow("origins"))
    assert daemon.wait_finished(execution_id)["status"] == "completed"
    return execution_id


def stream_over_websocket(daemon: Harmoniad, execution_id: str, origin: str | None) -> list[int]:
    """Every seq the socket delivers before its normal close."""
    url = f"{daemon.ws_url}/ws/executions/{execution_id}"
    seqs: list[int] = []
    kwargs: dict[str, Any] = {"additional_headers": daemon.auth, "open_timeout": 30}
    if origin is not None:
        kwargs["origin"] = origin
    with connect(url, **kwargs) as ws, pytest.raises(ConnectionClosedOK):
        while True:
            seqs.append(json.loads(ws.recv(timeout=30))["seq"])
    return seqs


# ---- Origin --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "https://evil.example:8007", "null", "http://[bad"]
)
def test_a_websocket_from_a_foreign_origin_is_refused_before_accept(
    daemon: Harmoniad, finished_id: str, origin: str
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        stream_over_websocket(daemon, finished_id, origin)
    response = refused.value.response
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/json"
    body = json.loads(bytes(response.body))
    assert body["code"] == "forbidden_origin" and body["status"] == 403
    assert "Origin" in body["message"]
    # the refusal is not an error of the daemon's: uvicorn's false "without completing
    # handshake" is not logged (its run of the handler is over once the next request is served)
    with daemon.client() as api:
        api.get("/health")
    daemon.wait_for_log("GET /health")
    assert "without completing handshake" not in daemon.log


@pytest.mark.parametrize("origin", [None, "http://127.0.0.1:{port}", "http://localhost:3000"])
def test_a_websocket_without_origin_or_from_this_machine_streams(
    daemon: Harmoniad, finished_id: str, origin: str | None
) -> None:
    if origin is not None:
        origin = origin.format(port=daemon.port)
    seqs = stream_over_websocket(daemon, finished_id, origin)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 4


# ---- the token's length --------------------------------------------------------------------


def test_a_short_token_on_a_bind_other_machines_reach_is_refused(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data", "--host", "0.0.0.0", token="x")
    with pytest.raises(RuntimeError, match="exited with 2"):
        daemon.start()
    line = daemon.wait_for_log("refusing to listen on 0.0.0.0")
    assert "$HARMONIA_TOKEN is 1 character(s) long" in line
    assert f"at least {MIN_TOKEN_LENGTH}" in line
    assert not (tmp_path / "data").exists()  # refused before touching anything

    token_file = tmp_path / "token"
    token_file.write_text("short\n")
    token_file.chmod(0o600)
    by_file = Harmoniad(tmp_path / "data2", "--host", "0.0.0.0", "--token-file", str(token_file))
    with pytest.raises(RuntimeError, match="exited with 2"):
        by_file.start()
    line = by_file.wait_for_log("refusing to listen on 0.0.0.0")
    assert f"the token file {token_file} is 5 character(s) long" in line


def test_the_minimum_applies_to_binds_other_machines_reach_only() -> None:
    long_enough = {"HARMONIA_TOKEN": "k" * MIN_TOKEN_LENGTH}
    assert (
        config_from_args(["--host", "0.0.0.0"], long_enough).token == long_enough["HARMONIA_TOKEN"]
    )
    with pytest.raises(ConfigError, match=f"at least {MIN_TOKEN_LENGTH}"):
        config_from_args(["--host", "0.0.0.0"], {"HARMONIA_TOKEN": "k" * (MIN_TOKEN_LENGTH - 1)})
    assert config_from_args(["--host", "127.0.0.1"], {"HARMONIA_TOKEN": "k"}).token == "k"


def test_a_short_token_on_loopback_is_accepted_with_a_warning(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "data", "--allow-host", "harmonia.test", token="s3cret") as daemon:
        line = daemon.wait_for_log("character(s) long")
        assert "WARNING" in line and "accepted only because 127.0.0.1 is loopback" in line
        with daemon.client() as client:
            assert client.get("/ready").status_code == 200
            execution_id = start_execution(client, echo_workflow("allowed"))
        daemon.wait_finished(execution_id)
        # a page served from an --allow-host name may open WebSockets too
        assert stream_over_websocket(daemon, execution_id, "http://harmonia.test")
