"""The route groups imported on first use (`harmoniad.routegroups`): each group's endpoints
live under its prefixes and never under an eager path, and a daemon whose first request ever
falls into a group serves it exactly as if the group had been there from the start: a public
hook delivery passes the token check, an unknown path is the JSON 404, a wrong method the 405.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harmoniad.app import route_table
from harmoniad.routegroups import RouteGroup, RouteTable
from harmoniad.routes import TABLE
from harmoniad.routing import Endpoint
from harmoniad.streams import ENDPOINTS as STREAM_ENDPOINTS
from harmoniad.streams import SOCKETS
from helpers.daemon_testing import Harmoniad


def test_every_group_serves_only_paths_under_its_prefixes() -> None:
    table = route_table()
    endpoints = table.endpoints()  # raises if a group strays
    for group in table.groups:
        own = table.group_endpoints(group)
        assert own, group.module
        assert all(group.covers(e.path) for e in own), group.module
    served = {(e.method, e.path) for e in endpoints}
    assert len(served) == len(endpoints), "two endpoints for one method and path"


def test_a_group_may_not_cover_an_eager_path_nor_serve_outside_its_prefixes() -> None:
    eager = [e for e in TABLE if isinstance(e, Endpoint)]
    with pytest.raises(ValueError, match="served eagerly"):
        RouteTable([*eager, RouteGroup("harmoniad.routes.webhooks", ("/api/v1",))], SOCKETS)
    stray = RouteTable(
        [
            *eager,
            *STREAM_ENDPOINTS,
            RouteGroup("harmoniad.routes.webhooks", ("/api/v1/elsewhere",)),
        ],
        SOCKETS,
    )
    with pytest.raises(ValueError, match="outside its prefixes"):
        stray.endpoints()


def test_public_requests_are_known_before_their_group_is_loaded() -> None:
    table = route_table()
    assert table.is_public("GET", "/health")
    assert table.is_public("POST", "/api/v1/hooks/deploy")  # a delivery: signed, no token
    assert not table.is_public("GET", "/api/v1/hooks/deploy")
    assert not table.is_public("POST", "/api/v1/executions")
    assert not table.is_public("", "/api/v1/hooks/deploy")  # a WebSocket has no method


def test_a_first_request_into_a_group_is_served_as_any_other(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "data") as daemon:
        with daemon.client(token=False) as anonymous:
            # the very first request: unsigned, to no hook; the hook's handler answers it
            answer = anonymous.post("/api/v1/hooks/nobody", content=b"{}")
            assert answer.status_code == 404, answer.text
            assert answer.json()["code"] == "not_found"
            refused = anonymous.get("/api/v1/schedules")
            assert refused.status_code == 401, refused.text
        with daemon.client() as api:
            missing = api.get("/api/v1/webhooks/nothing-here")
            assert missing.status_code == 404
            assert missing.headers["content-type"].startswith("application/json")
            wrong = api.put("/api/v1/templates")
            assert wrong.status_code == 405, wrong.text
            assert set(wrong.headers["allow"].split(", ")) >= {"GET", "POST"}
            assert api.get("/api/v1/webhooks/deliveries").json()["total"] == 0
            listed = {(e["method"], e["path"]) for e in api.get("/discovery").json()["endpoints"]}
            assert ("POST", "/api/v1/hooks/{name}") in listed
            assert ("GET", "/api/v1/schedules") in listed
