"""The route table, indexed by literal path prefix: a request tries only the routes that could match its path.

FastAPI finds a request's route by trying every included router in turn, and every route of each: with some 260
routes in 50 routers, that walk cost a GET of one customer more than its principal's statement (the profile, issue
17). A route's path can only match a request path that starts with its literal part (the text before its first
`{parameter}`), so the index keeps, for each entry of the app's route table, those literal parts; a request is
handed to a view of the router holding only the entries one of whose parts its path starts with, in their order
(looked for among the entries that can match the path's first two segments, kept per those: a walk of every entry
was a twentieth of a GET's CPU).
The view's FastAPI routes are then tried in FastAPI's order, each once, and the first that matches fully is handed
the request with the scope FastAPI's routing would give it: FastAPI's own walk matches an included router, then walks
it again to handle the request, a twentieth of a GET's CPU (issue 17). Whatever else (no full match, an entry that
is not a FastAPI route first) goes to FastAPI's routing on the view, as it would on the whole table: partial matches
(405), trailing-slash redirects (a part is compared without its trailing slash) and mounts. An entry whose paths
cannot be read (a host route) stays in every view.

Partner Center reads its paths without regard to case (its pages spell `checkInventory` in the syntax and
`checkinventory` in the example): under the prefixes given as caseless, a path segment that differs from a route's
literal segment only by case is spelled as the route spells it before matching. Parameters are left as sent.
"""

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import routing
from fastapi.telemetry._api import _route_selected
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Host, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

Prefixes = tuple[str, ...] | None  # None: any path may match


def _literal(path: str) -> str:
    return path.split("{", 1)[0].rstrip("/")


def _prefixes(entry: Any) -> Prefixes:
    """The literal parts of every path `entry` (a route, a mount or an included router) can match."""
    if isinstance(entry, routing._IncludedRouter):
        parts: set[str] = set()
        for inner in [*entry.effective_candidates(), *entry.effective_low_priority_routes()]:
            found = _prefixes(inner)
            if found is None:
                return None
            parts.update(found)
        return tuple(sorted(parts))
    if isinstance(entry, routing._EffectiveRouteContext):
        inner_route = entry.starlette_route or entry.original_route
        if isinstance(inner_route, Host) or isinstance(entry.original_route, Host):
            return None
        if isinstance(inner_route, Mount):
            return (_literal(inner_route.path),)
        path = getattr(entry, "path_format", None) or getattr(inner_route, "path_format", None)
        return (_literal(path),) if isinstance(path, str) else None
    if isinstance(entry, Mount):
        return (_literal(entry.path),)
    path = getattr(entry, "path_format", None)
    return (_literal(path),) if isinstance(path, str) and not isinstance(entry, Host) else None


def _formats(entry: Any) -> list[str]:
    """The path formats of every route `entry` (a route or an included router) serves."""
    if isinstance(entry, routing._IncludedRouter):
        inner = [*entry.effective_candidates(), *entry.effective_low_priority_routes()]
        return [path for each in inner for path in _formats(each)]
    if isinstance(entry, routing._EffectiveRouteContext):
        route = entry.starlette_route or entry.original_route
        path = getattr(entry, "path_format", None) or getattr(route, "path_format", None)
    else:
        path = getattr(entry, "path_format", None)
    return [path] if isinstance(path, str) else []


Branch = tuple[Any, ...]  # the included routers (`routing._IncludedRouter`) a route is reached through, outermost first
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_Route = tuple[Branch, Any, list[tuple[str, str]]]  # branch, effective route, (parameter, its group in the pattern)


@dataclass
class _Routes:
    """A view's FastAPI routes in the order FastAPI tries them, each with the included routers it sits in, so that a
    request is handed to the first route that matches it fully with one walk, as FastAPI's own routing would hand it
    after two (an included router is matched, then walked again to handle). Anything else (no full match, a route
    that is not FastAPI's) goes to FastAPI's routing, which answers it as always (405, a redirect, a mount)."""

    router: routing.APIRouter
    routes: list[tuple[Branch, Any]]  # (branch, `routing._EffectiveRouteContext`), or (branch, None): not ours
    versions: list[tuple[Any, int]]
    _patterns: dict[str, tuple[re.Pattern[str], list["_Route"]]] = field(default_factory=dict)

    @classmethod
    def of(cls, view: routing.APIRouter) -> "_Routes":
        routes: list[tuple[Branch, Any]] = []
        versions: list[tuple[Any, int]] = []

        def walk(included: Any, branch: Branch) -> None:
            versions.append((included.original_router, included.original_router._routes_version))
            for candidate in included.effective_candidates():
                if isinstance(candidate, routing._IncludedRouter):
                    walk(candidate, (*branch, candidate))
                elif isinstance(candidate.original_route, routing.APIRoute) and candidate.starlette_route is None:
                    routes.append((branch, candidate))
                else:
                    routes.append((branch, None))

        for entry in view.routes:
            if isinstance(entry, routing._IncludedRouter):
                walk(entry, (entry,))
            else:
                routes.append(((), None))
        return cls(view, routes, versions)

    def current(self) -> bool:
        return all(router._routes_version == version for router, version in self.versions)  # a route added since

    def find(self, path: str, method: str) -> tuple[Branch, Any, dict[str, Any]] | None:
        """The first route that matches the request fully, with its branch and converted path parameters; None
        when FastAPI's own routing must decide (no full match before an entry that is not FastAPI's)."""
        if method not in _METHODS:  # one pattern per method is kept: not one per name a client makes up
            return None
        pattern, routes = self._patterns.get(method) or self._pattern(method)
        found = pattern.match(path)
        if found is None:
            return None
        branch, context, groups = routes[int(found.lastgroup[1:])]  # type: ignore[index]
        convertors = context.param_convertors
        return branch, context, {name: convertors[name].convert(found.group(group)) for name, group in groups}

    def _pattern(self, method: str) -> tuple[re.Pattern[str], list["_Route"]]:
        """The routes of `method` up to the first entry that is not FastAPI's, as one regular expression of
        alternatives in their order: the first that matches the whole path is the route (the walk runs in C)."""
        alternatives: list[str] = []
        routes: list[_Route] = []
        for branch, context in self.routes:
            regex = context.path_regex.pattern if context is not None else ""
            if not (regex.startswith("^") and regex.endswith("$")):  # not ours, or not a path regex as Starlette's
                break
            if context.methods and method not in context.methods:
                continue
            k = len(routes)
            groups = [(name, f"p{k}_{name}") for name in context.param_convertors]
            body = re.sub(r"\(\?P<(\w+)>", rf"(?P<p{k}_\1>", regex[1:-1])
            alternatives.append(f"(?P<r{k}>{body})")
            routes.append((branch, context, groups))
        self._patterns[method] = compiled = (re.compile(f"^(?:{'|'.join(alternatives) or '(?!)'})$"), routes)
        return compiled

    async def dispatch(self, path: str, scope: Scope, receive: Receive, send: Send) -> bool:
        """Hand the request to its route, with the scope FastAPI's routing gives it; False when FastAPI must."""
        found = self.find(path, scope["method"])
        if found is None:
            return False
        branch, context, params = found
        routing._apply_router_form_limits(scope, self.router.form_limits)
        selected = routing._get_fastapi_scope(scope)
        for included in branch:
            routing._apply_router_form_limits(scope, included.include_context.form_limits)
            selected[routing._FASTAPI_INCLUDED_ROUTER_KEY] = included
        scope.update(
            endpoint=context.endpoint,
            path_params={**scope.get("path_params", {}), **params},
            route=context.original_route,
        )
        _route_selected(scope=scope, path=context.path_format)
        selected[routing._FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY] = context
        await context.app(scope, receive, send)
        return True


_HEADS = 4096


def _head(path: str) -> str:
    """A path's first two segments (`/v1/customers` of `/v1/customers/{id}/orders`), or the whole of a shorter one."""
    second = path.find("/", 1)
    third = path.find("/", second + 1) if second > 0 else -1
    return path if third == -1 else path[:third]


class RouteIndex:
    """The app router's innermost ASGI app (`Router.middleware_stack`), in place of the router's own `app`."""

    def __init__(self, router: routing.APIRouter, caseless: tuple[str, ...] = ()) -> None:
        self.router = router
        self.caseless = tuple(prefix.lower() for prefix in caseless)
        self._spelling: dict[str, str] = {}
        self._indexed: list[BaseRoute] | None = None
        self._size = -1
        self._entries: list[tuple[int, Prefixes]] = []
        self._candidates: dict[str, list[tuple[int, Prefixes]]] = {}
        self._views: dict[tuple[int, ...], routing.APIRouter] = {}
        self._routes: dict[tuple[int, ...], _Routes] = {}

    def _index(self) -> None:
        routes = self.router.routes
        self._entries = [(i, _prefixes(route)) for i, route in enumerate(routes)]
        self._spelling = {
            segment.lower(): segment
            for route in routes
            for path in _formats(route)
            if path.startswith(self.caseless)
            for segment in path.split("/")
            if segment and "{" not in segment
        }
        self._views, self._routes, self._candidates = {}, {}, {}
        self._indexed, self._size = routes, len(routes)

    def chosen(self, path: str) -> tuple[int, ...]:
        """The entries one of whose literal parts `path` starts with (or whose paths cannot be read), in order."""
        return tuple(i for i, parts in self._candidates_for(_head(path)) if parts is None or path.startswith(parts))

    def _candidates_for(self, head: str) -> list[tuple[int, Prefixes]]:
        """The entries a path whose first two segments are `head` may match: a literal part of three segments or
        more matches only paths of its own first two, a shorter one only paths whose first two start with it."""
        found = self._candidates.get(head)
        if found is None:
            if len(self._candidates) >= _HEADS:  # a tenant's id leads the identity surface's paths: stay bounded
                self._candidates.clear()
            found = self._candidates[head] = [
                (i, parts)
                for i, parts in self._entries
                if parts is None
                or any(_head(part) == head if part.count("/") > 2 else head.startswith(part) for part in parts)
            ]
        return found

    def _view(self, chosen: tuple[int, ...]) -> routing.APIRouter:
        view = self._views.get(chosen)
        if view is None:
            view = copy.copy(self.router)
            view.routes = [self.router.routes[i] for i in chosen]
            self._views[chosen] = view
        return view

    def _routes_of(self, chosen: tuple[int, ...]) -> "_Routes":
        routes = self._routes.get(chosen)
        if routes is None or not routes.current():
            routes = self._routes[chosen] = _Routes.of(self._view(chosen))
        return routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router.app(scope, receive, send)
            return
        if self.router.routes is not self._indexed or len(self.router.routes) != self._size:
            self._index()  # routes were added after the app was built (a test may): index again
        path = get_route_path(scope)
        if self.caseless and path.lower().startswith(self.caseless):
            spelled = "/".join(self._spelling.get(segment.lower(), segment) for segment in path.split("/"))
            if spelled != path:
                scope = {**scope, "path": scope.get("root_path", "") + spelled}
                path = spelled
        chosen = self.chosen(path)
        scope.setdefault("router", self.router)  # url_for reads the whole table, never a view
        if await self._routes_of(chosen).dispatch(path, scope, receive, send):
            return
        await self._view(chosen).app(scope, receive, send)


def index_routes(app: Any, *, caseless: tuple[str, ...] = ()) -> None:
    """Route the app's requests through a `RouteIndex` (when its router has no middleware of its own to keep),
    matching the paths under `caseless` prefixes without regard to case."""
    router: routing.APIRouter = app.router
    stack: ASGIApp = router.middleware_stack
    if getattr(stack, "__func__", None) is routing.APIRouter.app and getattr(stack, "__self__", None) is router:
        router.middleware_stack = RouteIndex(router, caseless)
