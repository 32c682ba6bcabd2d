"""Partner Center's own throttling, opt-in per sandbox (`realisticThrottling`).

Partner Center throttles some APIs per partner tenant and others per partner tenant and customer tenant, answering
429 with `Retry-After` and the API gateway's body (api-throttling-guidance); Graph answers its own 429 shape. The
request pipeline counts every surface's calls here (`app.kernel.pipeline`). It names the throttled APIs, not
their limits: cspsim applies one limit, `requestsPerMinute` (500 by default, the figure reported for
subscriptions), to each family below, per partner for the partner-wide listing and per partner and customer for
everything under one customer. The window is one minute of the sandbox clock, which runs at real-time rate: calls
spread over real time recover as on the real service, and moving the clock forward empties the window, so a test
sees a 429 and its recovery without sleeping.

Counting is in the serving process's memory: one process, one count (several workers would each count their own).
"""

import math
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request

from app.kernel.context import SandboxContext
from app.kernel.errors import InjectedFault

WINDOW = timedelta(minutes=1)
_CUSTOMER = r"/v1/customers/(?P<customer>[^/]+)"


@dataclass(frozen=True)
class Family:
    """Throttled calls counted together; per customer when the path names one."""

    name: str
    methods: frozenset[str]
    path: re.Pattern[str]


def _family(name: str, methods: str, path: str) -> Family:
    return Family(name, frozenset(methods.split()), re.compile(path + r"/?"))


# The APIs api-throttling-guidance lists: orders (and their provisioning status), carts and checkout, a customer
# by id, subscriptions read and changed, transfers listed; and the customer listing scanned by pollers. Graph
# throttles every call per app and tenant (its GDAP API included), and so do the webhook registration API and
# the admin center: each is one family, per caller tenant.
FAMILIES = (
    _family("orders", "GET POST PATCH", _CUSTOMER + r"/orders(/.*)?"),
    _family("carts", "GET POST PUT", _CUSTOMER + r"/carts(/.*)?"),
    _family("subscriptions", "GET PATCH", _CUSTOMER + r"/subscriptions(/[^/]+)?"),
    _family("transfers", "GET", _CUSTOMER + r"/transfers"),
    _family("customer", "GET", _CUSTOMER),
    _family("customers", "GET", r"/v1/customers"),
    _family("graph", "GET POST PATCH DELETE", r"/v1\.0/tenantRelationships(/.*)?"),
    _family("webhooks", "GET POST PUT DELETE", r"/webhooks/v1(/.*)?"),
    _family("admin center", "GET POST PUT PATCH DELETE", r"/admin/v1(/.*)?"),
    # A distributor's platform API limits each account's calls as a whole (ION, Pax8 rate limits): one family.
    _family("marketplace", "GET POST PUT PATCH DELETE", r"/marketplace/v1(/.*)?"),
)

Key = tuple[uuid.UUID, str, uuid.UUID, str | None]
_calls: dict[Key, deque[datetime]] = {}
_last_used: dict[Key, float] = {}  # real time, to forget the windows of sandboxes nobody calls any more
_FORGET_AFTER_SECONDS = 600
_MANY_KEYS = 10_000


def family_of(method: str, path: str) -> tuple[Family, str | None] | None:
    for family in FAMILIES:
        found = family.path.fullmatch(path)
        if found and method in family.methods:
            return family, found.groupdict().get("customer")
    return None


def check(ctx: SandboxContext, request: Request) -> None:
    """Count this call against its family's window; over the limit, it ends with the gateway's 429."""
    setting = ctx.settings.realistic_throttling
    if not setting.enabled or ctx.actor.tenant_id is None:
        return
    matched = family_of(request.method.upper(), request.url.path)
    if matched is None:
        return
    family, customer = matched
    key = (ctx.sandbox_id, family.name, ctx.actor.tenant_id, customer.lower() if customer else None)
    if len(_calls) > _MANY_KEYS:
        _forget_idle()
    window = _calls.setdefault(key, deque())
    _last_used[key] = time.monotonic()
    while window and window[0] <= ctx.now - WINDOW:
        window.popleft()
    if len(window) >= setting.requests_per_minute:
        wait = math.ceil((window[0] + WINDOW - ctx.now).total_seconds())
        raise InjectedFault(kind="throttle", status_code=429, code=None, message=None, retry_after_seconds=max(wait, 1))
    window.append(ctx.now)


def _forget_idle() -> None:
    idle_since = time.monotonic() - _FORGET_AFTER_SECONDS
    for key in [k for k, used in _last_used.items() if used < idle_since]:
        del _calls[key], _last_used[key]
