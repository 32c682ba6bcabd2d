"""Refusals and failures always answer in the surface's error shape: forged continuation tokens are bad input (400),
and a defect of cspsim's own is a 500 with the request id to quote, never plain text."""

import base64
import json
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter

from app.config import Settings
from app.main import create_app
from tests.world import World, bearer


def _token(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        _token([123]),  # a number where an id belongs
        # a key count that does not fit, and a number out of any range (a fixed id: each xdist worker collects alike)
        _token([1e300, "9eecf876-61f7-4bd0-8bd0-a0ee320aaa3b"]),
        _token([2**70]),
        _token(["a\u0000b"]),  # PostgreSQL refuses NUL in text
        _token({"id": 1}),
        "%%%not-base64",
        _token("just a string"),
    ],
)
async def test_a_forged_continuation_token_is_bad_input(world: World, token: str) -> None:
    partner = await world.direct_bill_partner()
    auth = bearer(await partner.app_token())
    r = await world.http.get("/v1/customers", headers=auth | {"MS-ContinuationToken": token})
    assert r.status_code == 400, r.text
    assert "continuation token" in r.json()["description"]
    r = await world.http.get("/v1/customers", headers=auth, params={"continuationToken": token})
    assert r.status_code == 400, r.text


async def test_a_defect_answers_500_in_the_surface_shape_with_the_request_id(database: str, tmp_path: Path) -> None:
    application = create_app(Settings(database_url=database, data_dir=tmp_path), run_timers=False)
    broken = APIRouter()

    @broken.get("/v1/broken")
    @broken.get("/v1.0/broken")
    async def fail() -> None:
        raise RuntimeError("a defect")

    application.include_router(broken)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        r = await http.get("/v1/broken", headers={"MS-RequestId": "quote-me"})
        assert r.status_code == 500
        assert r.headers["MS-RequestId"] == "quote-me"
        assert r.json()["errorName"] == "InternalServerError"
        assert "quote-me" in r.json()["description"]
        r = await http.get("/v1.0/broken")
        assert r.status_code == 500
        assert r.json()["error"]["code"] == "InternalServerError"
        assert (await http.get("/healthz")).status_code == 200  # the next request is answered as usual
    await application.state.db.dispose()


async def test_control_characters_are_refused_wherever_they_come(client: httpx.AsyncClient, world: World) -> None:
    """NUL (which PostgreSQL cannot store) and its kin, in a path, a query, a JSON body or a form, even on routes
    that need no credentials: a 400 naming where, before any route runs, in the surface's shape (Entra's on the
    token endpoint)."""
    refused = [
        await client.post("/sim/v1/sandboxes", json={"name": "n\u0000m"}),
        await client.post("/sim/v1/sandboxes", json={"name": "ok", "settings": {"a\u0007": 1}}),
        await client.get("/admin/invitations/a%00b"),
        await client.get("/v1/customers", params={"filter": "x\u0001"}),
        await client.post("/sim/v1/sandboxes", json={"name": "back\bspace"}),  # JSON's \b escape
        await client.request(  # a body is checked whatever the method that sends it
            "GET", "/v1/customers", content=b'{"name": "n\\u0000m"}', headers={"Content-Type": "application/json"}
        ),
        await client.post(
            "/sim/v1/sandboxes", content=b'{"name": "del\x7f"}', headers={"Content-Type": "application/json"}
        ),  # a raw DEL, which JSON allows unescaped
        await client.post(
            f"/{world.id}/oauth2/v2.0/token",
            content=b"grant_type=password&username=a%7F%40x.example&password=p",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        await client.post(
            f"/{world.id}/oauth2/v2.0/token",
            data={"grant_type": "password", "username": "a\u0000@x.example", "password": "p"},
        ),
    ]
    for r in refused:
        assert r.status_code == 400, r.text
        assert "control character" in r.json().get("description", r.json().get("error_description"))
    assert refused[-1].json()["error"] == "invalid_request"
    accepted = await client.post("/sim/v1/sandboxes", json={"name": "tab\tand\nnewline are text"})
    assert accepted.status_code == 201, accepted.text


async def test_json_nested_too_deep_is_refused(client: httpx.AsyncClient) -> None:
    for depth in (40, 5000):  # past the limit; and past Python's own recursion limit
        body = '{"name": "x", "settings": {"a": ' + "[" * depth + "1" + "]" * depth + "}}"
        r = await client.post("/sim/v1/sandboxes", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
        assert "nested deeper" in r.json()["description"]


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (503, True), (500, False), (409, False), (400, False)])
async def test_only_a_throttled_or_busy_answer_is_retryable(world: World, status: int, retryable: bool) -> None:
    """`isRetryable` tells a client whether the same request may pass later: a 429 or a 503 (Retry-After), never
    a refusal that would fail again as it is."""
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    rule = {"kind": "error", "pathPrefix": "/v1/customers", "probability": 1.0, "statusCode": status}
    assert (await world.sim("POST", "/faults", json=rule)).status_code == 201
    r = await world.http.get("/v1/customers", headers=bearer(token))
    assert r.status_code == status, r.text
    assert r.json()["isRetryable"] is retryable
