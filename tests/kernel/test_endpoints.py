"""A route's endpoint is called directly (`app.kernel.endpoints`), and answers as FastAPI's own handler would: the
same requests, good and bad, sent once each way (registering any dependency override hands every request to
FastAPI's handler), answer the same status and the same body."""

import inspect
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.config import Settings
from app.kernel.db import TransactionalRoute
from app.kernel.endpoints import direct_handler
from app.kernel.errors import Forbidden
from app.kernel.pipeline import PARTNER_CENTER_API
from app.main import create_app
from tests.gdap.steps import graph_token
from tests.kernel.test_pipeline import _api_routes
from tests.world import World, bearer


def _unused() -> None:  # a dependency no route has: overriding it changes nothing but the handler
    return None


@contextmanager
def fastapi_handling(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[_unused] = _unused
    try:
        yield
    finally:
        app.dependency_overrides.pop(_unused, None)


def _fallback(_: Any) -> Any:
    raise AssertionError("not called")


def test_every_transactional_route_is_called_directly(app: FastAPI) -> None:
    """Every route that runs in one transaction has a shape the direct call serves, but for the forms of fields (the
    pages a person posts) and plain functions (run in a worker thread, as FastAPI runs them: the metrics' text), so a
    route added later with a dependency that cannot be planned is caught here. A form that is one model of text
    fields (Entra's token request) is served directly."""
    routes = [route for route in _api_routes(app.routes) if isinstance(route, TransactionalRoute)]
    assert len(routes) > 200, "the route table was not walked"
    left = sorted(
        f"{sorted(route.methods)[0]} {route.path}"
        for route in routes
        if direct_handler(route, _fallback) is _fallback and not _is_form(route) and not _is_plain(route)
    )
    assert left == []
    tokens = [route for route in routes if route.path.endswith("/token") and _is_form(route)]
    assert len(tokens) == 2
    assert all(direct_handler(route, _fallback) is not _fallback for route in tokens)


def _is_plain(route: APIRoute) -> bool:
    return not inspect.iscoroutinefunction(route.endpoint)


def _is_form(route: APIRoute) -> bool:
    return route.body_field is not None and type(route.body_field.field_info).__name__ in ("Form", "File")


async def _both_ways(app: FastAPI, http: httpx.AsyncClient, method: str, path: str, **kw: Any) -> httpx.Response:
    direct = await http.request(method, path, **kw)
    with fastapi_handling(app):
        handled = await http.request(method, path, **kw)
    assert (direct.status_code, _plain(direct)) == (handled.status_code, _plain(handled)), (method, path)
    for header in ("content-type", "etag", "location", "retry-after", "www-authenticate"):
        assert direct.headers.get(header) == handled.headers.get(header), (method, path, header)
    return direct


VARYING = {"id", "createdAt", "links", "userPrincipalName", "request-id", "client-request-id", "date", "now"}
VARYING |= {"access_token", "timestamp", "trace_id", "correlation_id", "expires_on", "not_before"}


def _plain(response: httpx.Response) -> Any:
    """The body but what differs per call (ids made, request ids, stamps)."""
    return _without_varying(response.json()) if response.content else None


def _without_varying(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_varying(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [_without_varying(v) for v in value]
    return value


async def test_reads_and_refusals_answer_alike_either_way(world: World, app: FastAPI) -> None:
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    customer = (await partner.customer_with_mca())["id"]
    auth, graph_auth = bearer(token), bearer(await graph_token(partner))
    http = world.http
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/v1/customers/{customer}", {"headers": auth}),
        ("GET", "/v1/customers/not-a-guid", {"headers": auth}),
        ("GET", f"/v1/customers/{uuid.uuid4()}", {"headers": auth}),
        ("GET", f"/v1/customers/{customer}", {}),  # no token
        ("GET", "/v1/customers?size=0", {"headers": auth}),
        ("GET", "/v1/customers?size=abc", {"headers": auth}),
        ("GET", "/v1/customers?size=2", {"headers": auth}),
        ("GET", "/v1/customers", {"headers": {**auth, "MS-ContinuationToken": "not-a-token"}}),
        ("GET", "/v1/products/CFQ7TTC0LH18", {"headers": auth}),  # its required country not sent
        ("GET", "/v1/products/CFQ7TTC0LH18?country=USA", {"headers": auth}),
        ("GET", "/v1/products/CFQ7TTC0LH18?country=US", {"headers": auth}),
        ("GET", f"/v1/customers/{customer}/subscriptions", {"headers": auth}),
        ("GET", f"/v1/customers/{customer}/profiles/billing", {"headers": auth}),
        ("POST", "/v1/customers", {"headers": {**auth, "content-type": "application/json"}, "content": b"{not json"}),
        ("POST", "/v1/customers", {"headers": auth, "json": {"companyProfile": {"domain": 5}}}),
        ("POST", "/v1/customers", {"headers": auth, "json": []}),
        ("POST", "/v1/customers", {"headers": {**auth, "content-type": "text/plain"}, "content": b"{}"}),
        ("POST", f"/v1/customers/{customer}/orders", {"headers": auth, "json": {"lineItems": "none"}}),
        ("GET", "/v1.0/tenantRelationships/delegatedAdminRelationships?$top=x", {"headers": graph_auth}),
        ("GET", "/v1.0/tenantRelationships/delegatedAdminRelationships", {"headers": graph_auth}),
        ("POST", "/v1.0/tenantRelationships/delegatedAdminRelationships", {"headers": graph_auth, "json": {}}),
        ("GET", f"/sim/v1/sandboxes/{world.id}/clock", {"headers": world.admin}),
        ("GET", f"/sim/v1/sandboxes/{world.id}/events?size=-1", {"headers": world.admin}),
        ("GET", f"/sim/v1/sandboxes/{world.id}/clock", {"headers": bearer("wrong")}),
        ("POST", f"/sim/v1/sandboxes/{world.id}/clock/advance", {"headers": world.admin, "json": {"days": "x"}}),
    ]
    statuses = [(await _both_ways(app, http, method, path, **kw)).status_code for method, path, kw in cases]
    assert (statuses[0], statuses[3]) == (200, 401)
    assert 404 in statuses
    assert sum(400 <= s < 500 for s in statuses) >= 12, statuses


async def test_token_forms_answer_alike_either_way(world: World, app: FastAPI) -> None:
    """Entra's token request, a form: good ones, form-encoded, multipart and with fields repeated or unknown, and bad
    ones (a field left empty, a JSON body, a broken multipart body, a field past the form's limit)."""
    partner = await world.partner()
    good = partner.client_credentials()
    form = {"content-type": "application/x-www-form-urlencoded"}
    boundary = "cspsimformboundary"
    multipart = {"content-type": f"multipart/form-data; boundary={boundary}"}
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in good.items()
    )
    v1 = {**good, "scope": "", "resource": "https://api.partnercenter.microsoft.com"}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("v2.0/token", {"data": good}),
        ("v2.0/token", {"headers": multipart, "content": f"{parts}--{boundary}--\r\n"}),
        (
            "v2.0/token",
            {"headers": form, "content": str(httpx.QueryParams([*good.items(), ("scope", "x"), ("u", "")]))},
        ),
        ("v2.0/token", {"data": {**good, "client_id": ""}}),
        ("v2.0/token", {"data": {**good, "client_secret": "wrong"}}),
        ("v2.0/token", {"json": good}),
        ("v2.0/token", {"headers": multipart, "content": f"--{boundary}\r\nbroken"}),
        ("v2.0/token", {"headers": form, "content": "client_id=" + "x" * 1_100_000}),
        ("token", {"data": v1}),
        ("token", {"data": {**v1, "grant_type": "implicit"}}),
    ]
    statuses = [
        (await _both_ways(app, world.http, "POST", f"/{partner.id}/oauth2/{path}", **kw)).status_code
        for path, kw in cases
    ]
    assert statuses[:3] == [200, 200, 400], statuses  # a repeated field's last value is read: scope "x" is refused
    assert statuses[8] == 200, statuses
    assert {400, 401} <= set(statuses[3:8]), statuses


async def test_a_change_answers_alike_either_way(world: World, app: FastAPI) -> None:
    """A create through either handler: the same status, the same shape, the same headers."""
    partner = await world.direct_bill_partner()
    created = [(await partner.customer_with_mca()) for _ in range(1)]
    with fastapi_handling(app):
        created.append(await partner.customer_with_mca())
    direct, handled = created
    assert direct.keys() == handled.keys()
    assert direct["companyProfile"].keys() == handled["companyProfile"].keys()


async def test_a_dependency_override_is_honoured(world: World, app: FastAPI) -> None:
    """A test suite's `app.dependency_overrides` still takes effect: such a request goes to FastAPI's handler."""

    async def refused() -> None:
        raise Forbidden("overridden for this test")

    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    app.dependency_overrides[PARTNER_CENTER_API.caller] = refused
    try:
        r = await world.http.get("/v1/customers", headers=bearer(token))
    finally:
        app.dependency_overrides.pop(PARTNER_CENTER_API.caller, None)
    assert (r.status_code, r.json()["description"]) == (403, "overridden for this test")
    assert (await world.http.get("/v1/customers", headers=bearer(token))).status_code == 200


async def test_a_server_started_with_a_tracer_keeps_fastapis_spans(database: str, tmp_path: Path) -> None:
    """Whether FastAPI traces is read once, at start-up (`main.settle_telemetry`): a server started with an
    OpenTelemetry tracer provider answers through FastAPI's handler, which records its spans, and answers alike."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(Settings(database_url=database, data_dir=tmp_path), run_timers=False)
    app._native_telemetry.config["tracer_provider"] = provider  # as FastAPI(telemetry={"tracer_provider": ...})
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
            world = await World.create(http)
            partner = await world.direct_bill_partner()
            r = await http.get("/v1/customers", headers=bearer(await partner.app_token()))
    assert (r.status_code, r.json()["totalCount"]) == (200, 0)
    names = {span.name for span in exporter.get_finished_spans()}
    assert "GET /v1/customers" in names, names
    assert {"fastapi.dependencies", "fastapi.serialization"} <= names  # FastAPI's handler's own spans
