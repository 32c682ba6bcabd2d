"""SQL statements per request: the pipeline and the answer's shaping must not creep back to a query per step.

Counted through HTTP with SQLAlchemy's `before_cursor_execute` on the app's engine, after a warm-up call (the
signing key loads once per process, and a verified token's principal is cached once per process).
"""

import gc
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.orm import Session, SessionTransaction

from app.kernel.statements import Read, Write
from app.models import Event
from tests.gdap.steps import graph_token
from tests.plans import Statement, statements_on
from tests.world import E3, World, bearer


def _counted_sql(statements: list[Statement]) -> list[str]:
    # SQLite's BEGIN (IMMEDIATE for a write, DEFERRED for a read) is the transaction's start, not a query the request
    # chose to make.
    return [s for s, _ in statements if s.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE")]


# A GET of one object: the principal (one join), and the object with what its answer needs (a customer's MCA status,
# the relationships that show a subscription, REL-4, or an order, the relationships that make its customer visible),
# or a customer's subscriptions with the relationships; on PostgreSQL the object is read with the principal, one
# statement (`principals.ReadAhead`). A create: the principal and the rows it writes (tenant, admin user,
# relationship, audit record, event). The tenant's domain and its admin's name are left to their unique keys (no read
# first), and a tenant written in the same request has no relationship to look up; the partner's kept customer count
# rides on the relationship's insert (a CTE; on SQLite a statement of its own). On PostgreSQL inserts that answer
# nothing back wait for the connection's next statement or the commit and go with it as one
# (`statements.send_pending`): a create's tenant, admin, relationship (with its count), audit record and event are one
# statement at the commit, sent with no BEGIN or COMMIT of its own. An order: the principal (the caller's capabilities
# with it, and whether the sandbox holds a webhook registration: none, so no event reads them), the purchase's
# relationship with the customer's tenant, AGR-1 and whether the partner's billing run waits, the order with its event
# and audit record, the subscription, charge, renewal timer, the run's timer (the partner's first order starts one)
# and the subscription's event, the order's completion (written into the order's waiting insert), and its event and
# audit record: on PostgreSQL the whole change one statement at the commit (on SQLite each insert is a statement, and
# the completion an UPDATE). With an MS-RequestId (Partner Center's SDK sends one on every call), the create reads
# whether an answer is kept for it with its principal (on SQLite a statement of its own) and keeps its answer as one
# more insert with the create's: no more; a repeat is the principal with the kept answer. A cart: the principal, the
# customer as its caller sees it (whose tenant prices the lines), and the cart with its expiry timer, event and audit
# record. A subscription renamed: the principal, the subscription locked in the statement that answers REL-4, its
# update, and its event with its audit record (on PostgreSQL one statement: inserts are sent together, but not with an
# UPDATE). A page of the customer listing: the principal with the first page and the list's kept count (a page after a
# token, or on SQLite, a statement of its own), and the page's relationships with whether the MCA holds for each
# customer. Graph's GDAP listing: the principal and the page (built once, its $filter's clauses parameters).
LIMITS = {
    "customer": 1,
    "subscription": 1,
    "subscriptions": 1,
    "customers": 2,
    "create customer": 2,
    "order": 3,
    "cart": 3,
    "rename subscription": 4,
    "GDAP list": 2,
    "read order": 1,
    "create customer with MS-RequestId": 2,
}
ON_SQLITE = {
    "customer": 2,
    "subscription": 2,
    "subscriptions": 2,
    "customers": 3,
    "create customer": 7,
    "order": 13,
    "cart": 6,
    "rename subscription": 5,
    "GDAP list": 2,
    "read order": 2,
    "create customer with MS-RequestId": 9,
}
REPEAT = {"postgresql": 1, "sqlite": 2}  # a repeat: the principal, with its kept answer on PostgreSQL


@pytest.mark.parametrize(
    "what",
    [
        "customer",
        "subscription",
        "subscriptions",
        "customers",
        "create customer",
        "create customer with MS-RequestId",
        "order",
        "cart",
        "rename subscription",
        "GDAP list",
        "read order",
    ],
)
async def test_a_request_runs_few_statements(world: World, app: Any, what: str) -> None:
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    customer = await partner.customer_with_mca()
    if what in ("subscription", "rename subscription"):
        assert (await partner.order(customer["id"], token=token)).status_code == 201
        listed = await partner.get(f"/v1/customers/{customer['id']}/subscriptions", token=token)
        path = f"/v1/customers/{customer['id']}/subscriptions/{listed.json()['items'][0]['id']}"
    elif what == "subscriptions":
        assert (await partner.order(customer["id"], token=token)).status_code == 201
        path = f"/v1/customers/{customer['id']}/subscriptions"
    elif what == "customers":
        path = "/v1/customers?size=20"
    elif what == "read order":
        placed = await partner.order(customer["id"], token=token)
        assert placed.status_code == 201, placed.text
        path = f"/v1/customers/{customer['id']}/orders/{placed.json()['id']}"
    elif what == "GDAP list":
        token, path = await graph_token(partner), "/v1.0/tenantRelationships/delegatedAdminRelationships"
    else:
        path = f"/v1/customers/{customer['id']}"
    assert (await partner.get(path, token=token)).status_code == 200  # warm: the key and the principal

    if what == "create customer":
        with statements_on(app) as statements:
            r = await partner.create_customer(token=token)
        assert r.status_code == 201, r.text
    elif what == "create customer with MS-RequestId":
        name, request_id = f"idem{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
        with statements_on(app) as statements:
            r = await partner.create_customer(name, token=token, request_id=request_id)
        assert r.status_code == 201, r.text
        with statements_on(app) as repeated:
            again = await partner.create_customer(name, token=token, request_id=request_id)
        assert (again.status_code, again.json()) == (201, r.json())
        repeat_limit = REPEAT["sqlite" if app.state.db.is_sqlite else "postgresql"]
        assert len(_counted_sql(repeated)) <= repeat_limit, "\n".join(_counted_sql(repeated))
    elif what == "order":
        with statements_on(app) as statements:
            r = await partner.order(customer["id"], token=token)
        assert r.status_code == 201, r.text
    elif what == "rename subscription":
        with statements_on(app) as statements:
            r = await world.http.patch(path, json={"friendlyName": "renamed"}, headers=bearer(token))
        assert r.status_code == 200, r.text
        assert r.json()["friendlyName"] == "renamed"
    elif what == "cart":
        line = {"id": 0, "catalogItemId": E3, "quantity": 1, "termDuration": "P1M", "billingCycle": "Monthly"}
        with statements_on(app) as statements:
            r = await world.http.post(
                f"/v1/customers/{customer['id']}/carts", json={"lineItems": [line]}, headers=bearer(token)
            )
        assert r.status_code == 201, r.text
    else:
        with statements_on(app) as statements:
            r = await world.http.get(path, headers=bearer(token))
        assert r.status_code == 200, r.text
    sql = _counted_sql(statements)
    print(f"\n{what}: {len(sql)} statements\n" + "\n".join(s.split("\n")[0][:160] for s in sql))
    limit = ON_SQLITE.get(what, LIMITS[what]) if app.state.db.is_sqlite else LIMITS[what]
    assert len(sql) <= limit, "\n".join(sql)


@pytest.mark.parametrize("what", ["customer", "subscription", "customers"])
async def test_a_read_ahead_is_not_taken_once_the_request_changed_something(world: World, app: Any, what: str) -> None:
    """A GET of one object reads it with its caller's principal (`principals.ReadAhead`); a request that changed
    something before its route (a fault rule's hit) reads it again, and answers the same."""
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    customer = await partner.customer_with_mca()
    path = f"/v1/customers/{customer['id']}"
    if what == "subscription":
        assert (await partner.order(customer["id"], token=token)).status_code == 201
        listed = await partner.get(f"{path}/subscriptions", token=token)
        path += f"/subscriptions/{listed.json()['items'][0]['id']}"
    elif what == "customers":  # a listing's first page
        await partner.customer_with_mca()
        path = "/v1/customers?size=1"
    before = await partner.get(path, token=token)
    assert before.status_code == 200, before.text
    rule = {"kind": "latency", "pathPrefix": path.split("?")[0], "probability": 1.0, "latencyMs": 1}
    r = await world.sim("POST", "/faults", json=rule)
    assert r.status_code == 201, r.text
    with statements_on(app) as statements:
        delayed = await world.http.get(path, headers=bearer(token))
    assert delayed.status_code == 200, delayed.text
    assert delayed.json() == before.json()
    assert [rule["hits"] for rule in (await world.sim("GET", "/faults")).json()["items"]] == [1]
    sql = _counted_sql(statements)
    assert any(s.lstrip().startswith("UPDATE fault_rules") for s in sql), "\n".join(sql)
    read = "customer_counts" if what == "customers" else "customer_relationships"  # the page: with its count
    own_read = [s for s in sql if read in s and "sandboxes" not in s]  # not the principal's
    assert own_read, "\n".join(sql)


@pytest.mark.parametrize("taken", ["the same domain", "the same domain in another case"])
async def test_a_domain_left_to_its_unique_key_is_still_a_409_that_says_what_to_do(world: World, taken: str) -> None:
    partner = await world.direct_bill_partner()
    first = await partner.create_customer("twicetaken")
    assert first.status_code == 201, first.text
    again = await partner.create_customer("twicetaken" if taken == "the same domain" else "TwiceTaken")
    assert again.status_code == 409, again.text
    assert "domain already belongs to a tenant" in again.json()["description"]
    listed = (await partner.get("/v1/customers")).json()
    assert listed["totalCount"] == 1


async def test_an_app_token_runs_one_statement(world: World, app: Any) -> None:
    """A client-credentials token reads the app with its sandbox and tenant in one statement; the signing key is
    read once per process (warmed by the first token)."""
    partner = await world.direct_bill_partner()
    form = partner.client_credentials()
    assert (await world.http.post(f"/{partner.id}/oauth2/v2.0/token", data=form)).status_code == 200
    with statements_on(app) as statements:
        r = await world.http.post(f"/{partner.id}/oauth2/v2.0/token", data=form)
    assert r.status_code == 200, r.text
    sql = _counted_sql(statements)
    assert len(sql) == 1, "\n".join(sql)


async def test_every_page_counts_the_whole_list(world: World) -> None:
    """The list's count rides on each page's rows (one statement); a page past the end, which has no row to carry
    it, still answers the count."""
    from app.kernel.pagination import token_of

    partner = await world.direct_bill_partner()
    auth = bearer(await partner.app_token())
    ids = sorted([(await partner.create_customer()).json()["id"] for _ in range(3)])
    pages, path, headers = [], "/v1/customers?size=2", {}
    while True:
        r = await world.http.get(path, headers=auth | headers)
        assert r.status_code == 200, r.text
        pages.append(r.json())
        following = r.json()["links"].get("next")
        if not following:
            break
        path, headers = following["uri"], {h["key"]: h["value"] for h in following["headers"]}
    assert [p["totalCount"] for p in pages] == [3, 3]
    assert sorted(c["id"] for p in pages for c in p["items"]) == ids
    past = await world.http.get("/v1/customers?size=2", headers=auth | {"MS-ContinuationToken": token_of([ids[-1]])})
    assert past.status_code == 200, past.text
    assert (past.json()["totalCount"], past.json()["items"]) == (3, [])


@pytest.mark.postgres
async def test_inserts_that_wait_go_before_the_next_statement_and_a_rollback_drops_them(world: World, app: Any) -> None:
    """An insert that answers nothing waits for its connection's next statement (`statements.send_pending`): a read
    after it sees it, inserts made in a row go as one statement in the order made, a rollback to a savepoint drops
    what waited since and undoes what was sent since (the savepoint is made before the first statement inside it,
    a driver's too), and the commit sends the rest."""
    table = cast(Table, Event.__table__)
    write, names = Write.insert(table), Read(select(Event.name).where(Event.sandbox_id == bindparam("sandbox_id")))
    sandbox_id = uuid.UUID(world.id)

    def event(name: str) -> dict[str, Any]:
        return {"sandbox_id": sandbox_id, "id": uuid.uuid4(), "seq": 0, "name": name, "resource_type": "Test",
                "resource_id": name, "tenant_ids": [], "data": {}, "occurred_at": datetime.now(UTC)}  # fmt: skip

    async def seen(session: Any) -> list[str]:
        return sorted(name for (name,) in await names.all(session, {"sandbox_id": sandbox_id}) if name[:5] == "wait-")

    with statements_on(app, "events") as sent:
        async with app.state.db.transaction() as session:
            for name in ("wait-1", "wait-2", "wait-3"):
                assert await write.run(session, event(name)) == 1
            assert [s for s, _ in sent] == []  # nothing sent yet
            assert await seen(session) == ["wait-1", "wait-2", "wait-3"]
            assert len(sent) == 2  # the three inserts as one statement, then the read
            async with session.begin_nested() as savepoint:  # a rollback to it drops what waits, and undoes what went
                await write.run(session, event("wait-sent-then-undone"))
                assert "wait-sent-then-undone" in await seen(session)
                await write.run(session, event("wait-dropped"))
                await savepoint.rollback()
            await write.run(session, event("wait-4"))
    async with app.state.db.reading() as session:
        assert await seen(session) == ["wait-1", "wait-2", "wait-3", "wait-4"]


async def test_partner_license_insights_read_as_many_statements_for_many_customers_as_for_one(
    world: World, app: Any
) -> None:
    """A partner's licence insights sum the seats of every customer it holds: a statement per customer took 130 s
    for 100,000 (issue 17); the grouped statements are as many for three customers as for one."""
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    counted, seats = [], 4
    for name in ("first", "second", "third"):
        customer = await partner.customer_with_mca(name)
        assert (await partner.order(customer["id"], token=token, quantity=seats)).status_code == 201
        with statements_on(app) as statements:
            r = await partner.get("/partner/v1/analytics/licenses/usage", token=token)
        assert r.status_code == 200, r.text
        counted.append(len(_counted_sql(statements)))
    assert [row["licensesQualified"] for row in r.json()["value"]] == [3 * seats]
    assert counted[0] == counted[1] == counted[2], counted


async def test_a_requests_session_serves_the_next_of_its_kind_with_nothing_of_it_left(world: World, app: Any) -> None:
    """A request that ended gives its session back for the next request of its kind, a read's (GET) or a write's
    (making one was a twenty-fifth of a GET's CPU): the next is answered from its own reads, and nothing the first
    noted is kept. A refused request's session is closed, not kept."""
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    first, second = await partner.customer_with_mca(), await partner.customer_with_mca()
    db = app.state.db
    readers, writers = db._idle[True], db._idle[False]
    readers.clear()
    assert (await partner.get(f"/v1/customers/{first['id']}", token=token)).status_code == 200
    [kept] = readers
    assert kept.sync_session.info == {}
    r = await partner.get(f"/v1/customers/{second['id']}", token=token)
    assert (r.status_code, r.json()["id"]) == (200, second["id"])
    assert readers == [kept]  # taken by the second and given back again
    missing = await partner.get(f"/v1/customers/{uuid.uuid4()}", token=token)
    assert missing.status_code == 404
    assert readers == []  # the refused read took it, and closed it as any refused request
    writers.clear()
    made = await partner.create_customer(token=token)
    assert made.status_code == 201, made.text
    [writer] = writers
    assert (writer.sync_session.info, writer.sync_session.in_transaction()) == ({}, False)
    again = await partner.create_customer(token=token)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != made.json()["id"]
    assert writers == [writer]
    assert (await partner.get(f"/v1/customers/{again.json()['id']}", token=token)).status_code == 200


async def test_a_request_leaves_its_session_to_no_garbage_collection(world: World) -> None:
    """A request's session, transaction and connection are freed when it ends, not left in a reference cycle for the
    garbage collector (a session's `info` held its transaction, which holds the session: 45 objects a create, a
    young collection of 8 to 10 ms every 430 or so creates)."""
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    customer = await partner.customer_with_mca()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert (await partner.create_customer(token=token)).status_code == 201
        assert (await partner.order(customer["id"], token=token)).status_code == 201
        assert (await partner.get(f"/v1/customers/{customer['id']}", token=token)).status_code == 200
        gc.collect()
        cyclic = [o for o in gc.garbage if isinstance(o, (Session, SessionTransaction, Connection))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert cyclic == []
