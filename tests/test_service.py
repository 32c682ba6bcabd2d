"""The service as a whole: health, the committed OpenAPI document, errors and request ids on every surface."""

import json
import uuid
from pathlib import Path

import httpx

from tests.world import World

ROOT = Path(__file__).resolve().parent.parent


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_committed_openapi_is_what_the_app_serves(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert served == committed, "run: cspsim openapi > openapi/openapi.json"


async def test_every_route_has_a_summary_and_a_tag(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert op.get("summary"), f"{method} {path} has no summary"
            assert op.get("tags"), f"{method} {path} has no tag"


async def test_request_ids_are_echoed_or_generated(client: httpx.AsyncClient) -> None:
    rid, cid = str(uuid.uuid4()), str(uuid.uuid4())
    r = await client.get("/healthz", headers={"MS-RequestId": rid, "MS-CorrelationId": cid})
    assert r.headers["MS-RequestId"] == rid
    assert r.headers["MS-CorrelationId"] == cid
    r = await client.get("/healthz")
    assert uuid.UUID(r.headers["MS-RequestId"])
    assert uuid.UUID(r.headers["MS-CorrelationId"])


async def test_bad_input_is_a_400_in_partner_center_shape(world: World) -> None:
    r = await world.sim("POST", "/tenants", json={"kind": "reseller", "displayName": "", "domain": "x", "country": 1})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 800002
    assert body["source"] == "cspsim"
    assert body["isRetryable"] is False
    fields = {d["field"] for d in body["data"]}
    assert {"body.kind", "body.displayName", "body.domain", "body.country"} <= fields
    r = await world.sim("POST", "/tenants", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["errorName"] == "InvalidInput"


async def test_unknown_paths_and_methods_answer_in_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["code"] == 1000
    r = await client.put("/healthz")
    assert r.status_code == 405
    assert r.json()["errorName"] == "MethodNotAllowed"


async def test_the_graph_surface_answers_in_graphs_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1.0/tenantRelationships/nothing-here")
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "ResourceNotFound"
    assert error["innerError"]["request-id"] == r.headers["MS-RequestId"]
