"""The request pipeline runs on every route of every tenant surface. The routes are read from the app's route table,
so a router added later is walked too: it cannot opt out of faults, throttling, the lane or PRG-9 by forgetting."""

import inspect
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.kernel import throttling
from app.kernel.pipeline import ADMIN_CENTER, CONTROL_PREFIX, GRAPH_API, SURFACES, WEBHOOKS, Surface
from tests.world import World, bearer

WITH_BODY = {"POST", "PUT", "PATCH"}
# Served without a tenant's token: Entra ID's endpoints, the admin center's and the storefront's pages (a person
# signs in on them), the operator's control surface, health and certificates.
OPEN_PATHS = re.compile(
    r"^/(\{tenant\}|common|cspsim|healthz|metrics|admin/(invitations|granularAdminRelationships)|storefront/mca|sim/v1)"
)


def route_table(app: FastAPI) -> dict[str, list[str]]:
    """Every path the app serves and its methods, as its OpenAPI document lists them."""
    return {path: [m.upper() for m in ops] for path, ops in app.openapi()["paths"].items()}


def calls_of(app: FastAPI, surface: Surface) -> list[tuple[str, str]]:
    """Every (method, path) of the surface, its path parameters filled with ids nobody holds."""
    found = [
        (method, re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path))
        for path, methods in route_table(app).items()
        if path.startswith(tuple(prefix + "/" for prefix in surface.prefixes))
        for method in methods
    ]
    assert found, f"{surface.name} serves no route"
    return found


def documented(app: FastAPI, method: str, path: str) -> set[int]:
    """The statuses the OpenAPI document promises for the operation a concrete path belongs to."""
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) and method.lower() in operations:
            return {int(code) for code in operations[method.lower()]["responses"]}
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


async def call(world: World, app: FastAPI, method: str, path: str, token: str) -> httpx.Response:
    """One call; whatever it answers, the OpenAPI document says the operation may answer it."""
    body: dict[str, Any] | None = {} if method in WITH_BODY else None
    r = await world.http.request(method, path, headers=bearer(token), json=body)
    assert r.status_code in documented(app, method, path), (method, path, r.status_code)
    return r


async def caller_token(world: World, surface: Surface) -> str:
    """A person of the kind of tenant the surface serves (a portal sign-in passes PRG-9 and every audience)."""
    party = await (world.customer() if surface is ADMIN_CENTER else world.direct_bill_partner())
    return await party.portal_token()


def test_every_path_belongs_to_a_declared_surface(app: FastAPI) -> None:
    """A new surface is declared in `app.kernel.pipeline` (then the walks below cover it), or it is one of the open
    paths; nothing else is served."""
    prefixes = [prefix + "/" for s in SURFACES for prefix in s.prefixes]
    for path in route_table(app):
        assert any(path.startswith(p) for p in prefixes) or OPEN_PATHS.match(path), path
    assert any(path.startswith(CONTROL_PREFIX) for path in route_table(app))


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
async def test_a_fault_rule_fires_on_every_route(world: World, app: FastAPI, surface: Surface) -> None:
    token = await caller_token(world, surface)
    for prefix in surface.prefixes:
        rule = {"kind": "error", "pathPrefix": prefix + "/", "probability": 1.0, "statusCode": 503}
        r = await world.sim("POST", "/faults", json=rule | {"message": "down on purpose"})
        assert r.status_code == 201, r.text
    for method, path in calls_of(app, surface):
        r = await call(world, app, method, path, token)
        assert r.status_code == 503, (method, path, r.text)
        if method == "HEAD":  # a HEAD answer has no body: its status is all there is
            continue
        message = r.json()["error"]["message"] if surface is GRAPH_API else r.json()["description"]
        assert message == "down on purpose", (method, path)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
async def test_realistic_throttling_counts_every_throttled_route(world: World, app: FastAPI, surface: Surface) -> None:
    token = await caller_token(world, surface)
    await world.sim("POST", "/clock/freeze")
    r = await world.sim("PATCH", "/settings", json={"realisticThrottling": {"enabled": True, "requestsPerMinute": 1}})
    assert r.status_code == 200, r.text
    throttled = [(m, p) for m, p in calls_of(app, surface) if throttling.family_of(m, p)]
    assert throttled, f"{surface.name} throttles nothing"
    for method, path in throttled:
        await world.sim("POST", "/clock/advance", json={"minutes": 1})  # a fresh window for this call
        await call(world, app, method, path, token)
        r = await call(world, app, method, path, token)
        assert r.status_code == 429, (method, path, r.text)
        assert r.headers["Retry-After"] == "60"


@pytest.mark.rule("PRG-9")
@pytest.mark.parametrize("surface", [s for s in SURFACES if s.admissions], ids=lambda s: s.name)
async def test_the_api_channel_rule_guards_every_route(world: World, app: FastAPI, surface: Surface) -> None:
    reseller = await world.indirect_reseller()
    token = await reseller.app_token()
    for method, path in calls_of(app, surface):
        r = await call(world, app, method, path, token)
        assert r.status_code == 403, (method, path, r.text)
        assert method == "HEAD" or r.json()["rule"] == "PRG-9", (method, path)
    assert {s.name for s in SURFACES if s.admissions} == {"Partner Center", WEBHOOKS.name}


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
async def test_each_surface_serves_only_its_kind_of_tenant(world: World, app: FastAPI, surface: Surface) -> None:
    """Customers stay customers: a customer's sign-in opens no partner surface, a partner's no admin center."""
    stranger = await (world.direct_bill_partner() if surface is ADMIN_CENTER else world.customer())
    token = await stranger.portal_token()
    for method, path in calls_of(app, surface):
        r = await call(world, app, method, path, token)
        assert r.status_code == 403, (method, path, r.text)


def _api_routes(entries: Any) -> Iterator[APIRoute]:
    for entry in entries:
        if isinstance(entry, APIRoute):
            yield entry
        yield from _api_routes(getattr(entry, "routes", None) or [])
        included = getattr(entry, "original_router", None)  # an included router, as this FastAPI keeps it
        if included is not None:
            yield from _api_routes(included.routes)


def test_no_dependency_runs_in_a_worker_thread(app: FastAPI) -> None:
    """FastAPI runs a plain function dependency in a worker thread: a thread hop on every call of the route for what
    is a few attribute reads (a page's size and token, a `$filter`). Every dependency is a coroutine."""

    def awaited(call: Any) -> bool:
        target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
        return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)

    def plain(dependant: Dependant) -> Iterator[str]:
        for dependency in dependant.dependencies:
            if dependency.call is not None and not awaited(dependency.call):
                yield f"{dependency.call.__module__}.{getattr(dependency.call, '__qualname__', dependency.call)}"
            yield from plain(dependency)

    routes = list(_api_routes(app.routes))
    assert len(routes) > 200, "the route table was not walked"
    found = {(route.path, name) for route in routes for name in plain(route.dependant)}
    assert not found, sorted(found)
