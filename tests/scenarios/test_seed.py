"""`POST /sim/v1/sandboxes/{id}/seed` (what `cspsim seed` sends): the first customer of each partner in a batch is
made through the services, the others are copies of every row it made. A copied customer answers every later call
exactly as the one the services made: read, listed, seats changed, billed, renewed."""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Executable, event, func, literal, select, union_all

from app.kernel.bulk import sandbox_tables, undo_abandoned
from app.kernel.context import OPERATOR, SandboxContext
from app.models import Sandbox
from app.scenarios import seed
from tests.world import World, bearer

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
START = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0).isoformat()
LINES = "lineitems?provider=onetime&invoicelineitemtype=billinglineitems"


async def seeded(world: World, **body: int) -> dict[str, Any]:
    r = await world.sim("POST", "/seed", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def token_of(http: httpx.AsyncClient, partner: dict[str, Any]) -> dict[str, str]:
    ask = partner["tokenRequest"]
    r = await http.post(ask["url"], data=ask["form"])
    assert r.status_code == 200, r.text
    return bearer(r.json()[ask["tokenField"]])


def canonical(document: Any, number: int) -> str:
    """The document with the customer's number, domain and name written as placeholders and each id as its place
    of first appearance: two customers built alike read alike."""
    text = json.dumps(document, sort_keys=True)
    text = re.sub(r'"etag": "[0-9a-f]+"', '"etag": "<hash>"', text)  # a hash of the resource, ids included
    text = text.replace(f"seed-customer-{number:07d}", "<domain>").replace(f"Seed Customer {number}", "<name>")
    places: dict[str, str] = {}
    return UUID.sub(lambda m: places.setdefault(m.group(0), f"<id {len(places)}>"), text)


def each(items: list[Any], number: int) -> list[str]:
    """A collection's items, each canonical, in one order (a listing orders by id, which differ)."""
    return sorted(canonical(item, number) for item in items)


async def story(world: World, headers: dict[str, str], customer: dict[str, Any], number: int) -> dict[str, Any]:
    """Everything a partner does and reads of one customer: read, subscriptions, seats changed."""
    path = f"/v1/customers/{customer['id']}"
    read = await world.http.get(path, headers=headers)
    assert read.status_code == 200, read.text
    subscriptions = (await world.http.get(f"{path}/subscriptions", headers=headers)).json()["items"]
    first = min(subscriptions, key=lambda s: s["offerId"])
    patched = await world.http.patch(f"{path}/subscriptions/{first['id']}", headers=headers, json={"quantity": 8})
    assert patched.status_code == 200, patched.text
    return {"customer": read.json(), "subscriptions": each(subscriptions, number), "patched": patched.json()}


async def test_a_copied_customer_behaves_as_the_one_the_services_made(client: httpx.AsyncClient) -> None:
    world = await World.create(client)
    await world.freeze_at(START)  # one instant for every stamp, as the copies share the template's
    answer = await seeded(world, customers=3, subscriptions=2)
    assert answer["customersCreated"] == 3
    assert answer["subscriptionsCreated"] == 6
    headers = await token_of(client, answer["newPartners"][0])
    listed = await client.get("/v1/customers", headers=headers, params={"size": 10})
    assert listed.status_code == 200, listed.text
    assert listed.json()["totalCount"] == 3  # the template counted by the services, its copies by the seed
    by_name = {c["companyProfile"]["companyName"]: c for c in listed.json()["items"]}
    assert sorted(by_name) == ["Seed Customer 1", "Seed Customer 2", "Seed Customer 3"]
    made, copied = by_name["Seed Customer 1"], by_name["Seed Customer 3"]  # 1 through the services, 3 a copy
    ids = [uuid.UUID(c["id"]) for c in by_name.values()]
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}  # random, led by the millisecond
    assert len(set(ids)) == 3
    assert canonical(copied, 3) == canonical(made, 1)
    assert canonical(await story(world, headers, copied, 3), 3) == canonical(await story(world, headers, made, 1), 1)
    # A month and more on: the billing run invoices both alike, and both still renew alike.
    advanced = await world.sim("POST", "/clock/advance", json={"days": 40})
    assert advanced.status_code == 200, advanced.text
    invoices = (await client.get("/v1/invoices", headers=headers)).json()["items"]
    assert invoices, "the billing run issued no invoice"
    lines = []
    for invoice in invoices:
        r = await client.get(f"/v1/invoices/{invoice['id']}/{LINES}", headers=headers)
        assert r.status_code == 200, r.text
        lines += r.json()["items"]
    billed = {n: [ln for ln in lines if ln.get("customerId") == c["id"]] for c, n in ((made, 1), (copied, 3))}
    assert len(billed[1]) >= 2  # a month of each subscription, and the seats added
    assert each(billed[3], 3) == each(billed[1], 1)
    reads = {}
    for customer, number in ((made, 1), (copied, 3)):
        r = await client.get(f"/v1/customers/{customer['id']}/subscriptions", headers=headers)
        reads[number] = each(r.json()["items"], number)
    assert reads[3] == reads[1]


async def test_a_seeded_sandbox_gives_copies_ids_of_its_sequence(client: httpx.AsyncClient) -> None:
    """In a sandbox created with a seed, the copies' ids come from its sequence too (version 5), each once."""
    r = await client.post("/sim/v1/sandboxes", json={"name": "seeded", "seed": 42})
    assert r.status_code == 201, r.text
    world = World(http=client, sandbox=r.json())
    answer = await seeded(world, customers=4, subscriptions=1)
    headers = await token_of(client, answer["newPartners"][0])
    listed = (await client.get("/v1/customers", headers=headers, params={"size": 10})).json()["items"]
    assert len(listed) == 4
    assert {uuid.UUID(c["id"]).version for c in listed} == {5}
    for customer in listed:
        r = await client.get(f"/v1/customers/{customer['id']}/subscriptions", headers=headers)
        assert r.status_code == 200, r.text
        assert [uuid.UUID(s["id"]).version for s in r.json()["items"]] == [5]


async def test_a_batch_copies_its_first_customer_whatever_its_size(world: World, app: Any) -> None:
    """The bulk path is taken: a batch of 30 customers runs the statements a batch of 3 does (the first customer
    through the services, the rest copied table by table), not ten times as many. The services' events and audit
    records, written by Core inserts, once made every batch fall back to the services (239 customers/s on SQLite)."""
    from tests.plans import statements_on

    await seeded(world, partners=1, customers=1, subscriptions=1)  # the partner and its billing run, made once

    async def statements_to_seed(customers: int) -> list[str]:
        with statements_on(app) as statements:
            answer = await seeded(world, partners=1, customers=customers, subscriptions=1)
        assert answer["customersCreated"] == customers
        return [statement for statement, _ in statements]

    few = await statements_to_seed(3)
    many = await statements_to_seed(30)
    assert len(many) == len(few), "\n".join(many)


async def rows_of(app: Any, sandbox_id: uuid.UUID) -> dict[str, int]:
    """How many rows each table holds of the sandbox."""
    counted = [
        select(literal(t.name), func.count()).select_from(t).where(t.c.sandbox_id == sandbox_id)
        for t in sandbox_tables()
    ]
    async with app.state.db.sessions() as session:
        return {name: n for name, n in (await session.execute(union_all(*counted))).all() if n}


@pytest.mark.postgres
async def test_a_batch_writes_its_copies_on_a_connection_of_its_own_beside_the_requests(app: Any, world: World) -> None:
    """Where the role may skip the key checks (the test suite's may), one COPY runs on one server core: a batch's
    copies are shared between the request's connection and one more, and the customers are all there."""
    await seeded(world, partners=1, customers=1, subscriptions=1)
    checkouts: list[bool] = []

    def checked_out(*_: object) -> None:
        checkouts.append(True)

    event.listen(app.state.db.engine.sync_engine, "checkout", checked_out)
    try:
        answer = await seeded(world, partners=1, customers=6, subscriptions=2)
    finally:
        event.remove(app.state.db.engine.sync_engine, "checkout", checked_out)
    assert len(checkouts) == 2
    assert answer["customersTotal"] == 7
    counts = await rows_of(app, uuid.UUID(world.id))
    assert counts["subscriptions"] == 1 + 6 * 2
    assert counts["customer_relationships"] == 7


@pytest.mark.postgres
@pytest.mark.parametrize("sandbox_seed", [None, 42], ids=["random ids", "a seeded sandbox's ids"])
async def test_a_batch_rolled_back_leaves_none_of_the_copies_written_beside_it(
    app: Any, client: httpx.AsyncClient, sandbox_seed: int | None
) -> None:
    """The connection beside the request commits its copies before the request's transaction: should that roll
    back, what the request leaves to run after it (`keep_on_rollback`) deletes exactly what that connection wrote
    (by the new ids' range and its transaction), whether the sandbox's ids ascend (random) or not (seeded)."""
    r = await client.post("/sim/v1/sandboxes", json={"name": "rolled back", "seed": sandbox_seed})
    assert r.status_code == 201, r.text
    world = World(http=client, sandbox=r.json())
    await seeded(world, partners=1, customers=2, subscriptions=1)
    sandbox_id = uuid.UUID(world.id)
    before = await rows_of(app, sandbox_id)
    undo: list[Executable] = []
    async with app.state.db.sessions() as session:  # closed without a commit: the batch is rolled back
        origin = await session.get_one(Sandbox, sandbox_id)
        ctx = SandboxContext.of(session, origin, OPERATOR)
        made = await seed.seed(ctx, partners=1, customers=5, subscriptions=2, if_rolled_back=undo.append)
        assert made.customers_created == 5
    left = await rows_of(app, sandbox_id)
    assert left != before, "nothing was written beside the request"
    async with app.state.db.transaction() as session:
        for statement in undo:
            await session.execute(statement)
    assert await rows_of(app, sandbox_id) == before
    assert await undo_abandoned(app.state.db.engine) == 0  # the undo deleted the record of what it undid


@pytest.mark.postgres
async def test_a_batch_whose_worker_died_between_the_commits_is_undone_by_the_next_pass(app: Any, world: World) -> None:
    """Should the worker die after the connection beside the request committed and before the request did (here:
    the request's transaction ends without a commit, and what it left to run after a rollback is never run), the
    record committed with the copies outlives it, and the next pass of `undo_abandoned` deletes what that connection
    wrote; the customers the sandbox had stay, and the count is theirs again."""
    await seeded(world, partners=1, customers=2, subscriptions=1)
    sandbox_id = uuid.UUID(world.id)
    before = await rows_of(app, sandbox_id)
    async with app.state.db.sessions() as session:  # closed without a commit, and nothing run after it
        origin = await session.get_one(Sandbox, sandbox_id)
        ctx = SandboxContext.of(session, origin, OPERATOR)
        await seed.seed(ctx, partners=1, customers=5, subscriptions=2, if_rolled_back=lambda _: None)
        assert await undo_abandoned(app.state.db.engine) == 0  # its request is still at work
    assert await rows_of(app, sandbox_id) != before, "nothing was written beside the request"
    assert await undo_abandoned(app.state.db.engine) == 1
    assert await rows_of(app, sandbox_id) == before
    answer = await seeded(world, partners=1, customers=1, subscriptions=1)
    assert answer["customersTotal"] == 3
