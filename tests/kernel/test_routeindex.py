"""The route index hands a request to the same route FastAPI's walk of the whole table finds: every served path, with
and without a trailing slash, with every method (a 405's partial match included), and paths nobody serves."""

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import routing
from starlette.routing import Match

from app.config import Settings
from app.kernel.routeindex import RouteIndex
from app.main import create_app
from tests.world import World

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _scope(app: Any, method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "app": app,
    }


def _first(app: Any, routes: list[Any], method: str, path: str) -> tuple[Match, Any]:
    """The entry of `routes` FastAPI's router would hand the request to: the first full match, else the first
    partial one."""
    partial = None
    for route in routes:
        match, _ = route.matches(_scope(app, method, path))
        if match is Match.FULL:
            return match, route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, RouteIndex]:
    database = Path(tmp_path_factory.mktemp("routeindex")) / "routes.db"
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{database}"), run_timers=False)
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex), "create_app routes through the index"
    return app, index


def _paths(app: Any) -> list[str]:
    served = [re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path) for path in app.openapi()["paths"]]
    others = ["/openapi.json", "/docs-assets/swagger-ui.css", "/console/assets/x.js", "/", "/nowhere", "/v1/nowhere"]
    others += ["", "/v1", "/v1.0", "/v1customers", "/v1/customersx/1", "//v1/customers", "/v1//customers", "/sim"]
    return served + [p + "/" for p in served] + others


def _handled_by(app: Any, method: str, path: str) -> Any:
    """The FastAPI route FastAPI's routing hands the request to, through the included routers that hold it; None
    when it is not one (a partial match, a mount, nothing)."""
    match, entry = _first(app, app.router.routes, method, path)
    while match is Match.FULL and isinstance(entry, routing._IncludedRouter):
        match, _, entry, context = entry._match(_scope(app, method, path))
        if context is not None:
            return context.original_route
    return None


def test_the_index_picks_the_route_the_whole_table_would(indexed: tuple[Any, RouteIndex]) -> None:
    app, index = indexed
    index._index()
    checked, handed = 0, set()
    for path in _paths(app):
        chosen = index.chosen(path)
        # Found among the candidates of the path's first two segments: what a walk of every entry finds.
        assert chosen == tuple(i for i, parts in index._entries if parts is None or path.startswith(parts)), path
        view = index._view(chosen).routes
        assert len(view) < len(app.router.routes) or path == "/", f"{path}: the index narrowed nothing"
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            assert _first(app, view, method, path) == _first(app, app.router.routes, method, path), (method, path)
            # The one walk hands the request to the route FastAPI would, or leaves it to FastAPI's routing.
            found = index._routes_of(chosen).find(path, method)
            expected = _handled_by(app, method, path)
            assert (found[1].original_route if found else None) is expected, (method, path)
            if found is not None:
                handed.add((method, re.sub(UUID, "{}", path)))
            checked += 1
    assert checked > 1000
    # Every operation the app documents is handed over by the one walk, none left to FastAPI's second.
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert len(documented) > 250
    assert documented <= handed, sorted(documented - handed)[:5]


async def test_a_route_added_after_the_app_was_built_is_found(indexed: tuple[Any, RouteIndex]) -> None:
    app, index = indexed

    @app.get("/routeindex-probe")
    def probe() -> dict[str, str]:
        return {"found": "yes"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        r = await http.get("/routeindex-probe")
    assert r.status_code == 200, r.text
    assert r.json() == {"found": "yes"}
    assert index._size == len(app.router.routes), "the index was built again"


async def test_partner_center_paths_match_without_regard_to_case(world: World) -> None:
    """As Partner Center's do: its pages spell `checkInventory` and send `checkinventory`."""
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    token = await partner.app_token()
    exact = await partner.get(f"/v1/customers/{customer['id']}", token=token)
    shouted = await partner.get(f"/V1/Customers/{customer['id']}", token=token)
    assert (exact.status_code, shouted.status_code) == (200, 200)
    assert shouted.json()["id"] == exact.json()["id"] == customer["id"]
    body = {"targetItems": [{"productId": "CFQ7TTC0LFLX"}]}
    for spelling in ("checkInventory", "checkinventory", "CHECKINVENTORY"):
        r = await partner.post(f"/v1/extensions/product/{spelling}?country=US", token=token, json=body)
        assert r.status_code == 200, (spelling, r.text)
