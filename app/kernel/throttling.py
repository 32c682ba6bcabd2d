"""Partner Center's own throttling, opt-in per sandbox (`realisticThrottling`).

Partner Center throttles some APIs per partner tenant and others per partner tenant and customer tenant, answering
429 with `Retry-After` and the API gateway's body (api-throttling-guidance); Graph answers its own 429 shape. The
request pipeline counts every surface's calls here (`app.kernel.pipeline`). It names the throttled APIs, not
their limits: cspsim applies one limit, `requestsPerMinute` (500 by default, the figure reported for
subscriptions), to each family below, per partner for the partner-wide listing and per partner and customer for
everything under one customer. The window is one minute of the sandbox clock, which runs at real-time rate: calls
spread over real time recover as on the real service, and moving the clock forward empties the window, so a test
sees a 429 and its recovery without sleeping.

Counts live in the database (`throttle_windows`), so every worker and every replica on one database counts the same
calls: one upsert per throttled call opens the caller's window at its first call, or counts one more call in it,
and answers the count. A window is one row per family, caller and customer, reused minute after minute, so the
table does not grow with history. A refused call counts too (the gateway counts what it refuses).
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from fastapi import Request
from sqlalchemy import Table, case
from sqlalchemy.dialects import postgresql, sqlite

from app.kernel.context import SandboxContext
from app.kernel.db import Database, keep_on_rollback
from app.kernel.errors import InjectedFault
from app.models import ThrottleWindow

WINDOW = timedelta(minutes=1)
_READS = frozenset({"GET", "HEAD"})
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
# throttles every call per app and tenant (its GDAP API included), and so do the webhook registration API,
# the admin center and the marketplace: each is one family, per caller tenant.
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


def family_of(method: str, path: str) -> tuple[Family, str | None] | None:
    for family in FAMILIES:
        found = family.path.fullmatch(path)
        if found and method in family.methods:
            return family, found.groupdict().get("customer")
    return None


async def check(ctx: SandboxContext, request: Request) -> None:
    """Count this call against its family's window; over the limit, it ends with the gateway's 429."""
    setting = ctx.settings.realistic_throttling
    if not setting.enabled or ctx.actor.tenant_id is None:
        return
    matched = family_of(request.method.upper(), request.url.path)
    if matched is None:
        return
    family, customer = matched
    opened_at, calls = await _count(ctx, request, family.name, (customer or "").lower()[:64])
    if calls > setting.requests_per_minute:
        wait = math.ceil((opened_at + WINDOW - ctx.now).total_seconds())
        raise InjectedFault(kind="throttle", status_code=429, code=None, message=None, retry_after_seconds=max(wait, 1))


async def _count(ctx: SandboxContext, request: Request, family: str, customer: str) -> tuple[datetime, int]:
    """One statement: open the window at this call, or count this call in the open one; answers the window. A change
    counts in the request's transaction (a row lock held by one caller's calls of one family, which the limit paces
    anyway), and again on its own if the request is refused (a 404 counts as the gateway counts it)."""
    dialect = ctx.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, ThrottleWindow.__table__)
    upsert = insert(table).values(
        sandbox_id=ctx.sandbox_id,
        family=family,
        tenant_id=ctx.actor.tenant_id,
        customer=customer,
        opened_at=ctx.now,
        calls=1,
    )
    expired = table.c.opened_at <= ctx.now - WINDOW
    stmt = upsert.on_conflict_do_update(
        index_elements=[table.c.sandbox_id, table.c.family, table.c.tenant_id, table.c.customer],
        set_={
            "calls": case((expired, 1), else_=table.c.calls + 1),
            "opened_at": case((expired, upsert.excluded.opened_at), else_=table.c.opened_at),
        },
    ).returning(table.c.opened_at, table.c.calls)
    if request.method in _READS:
        # A read counts in a short write of its own: the read's transaction stays a reader (on SQLite it never asks
        # for the write lock behind its snapshot), and it holds no row lock while it reads.
        db: Database = request.app.state.db
        async with db.transaction() as session:
            opened_at, calls = (await session.execute(stmt)).one()
        return opened_at, calls
    opened_at, calls = (await ctx.session.execute(stmt)).one()
    keep_on_rollback(request, stmt)
    return opened_at, calls
