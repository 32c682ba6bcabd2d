"""MS-RequestId is the idempotency key: one thing per id, the same answer twice."""

import asyncio
import uuid

import httpx

from tests.world import World


async def test_same_request_id_creates_one_thing_and_answers_the_same_body(world: World) -> None:
    rid = str(uuid.uuid4())
    body = {"label": "once", "afterHours": 5}
    first = await world.sim("POST", "/timers", json=body, headers={"MS-RequestId": rid})
    second = await world.sim("POST", "/timers", json=body, headers={"MS-RequestId": rid})
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers["MS-RequestId"] == rid
    assert len((await world.sim("GET", "/timers")).json()["items"]) == 1


async def test_two_request_ids_create_two_things(world: World) -> None:
    body = {"label": "twice", "afterHours": 5}
    a = await world.sim("POST", "/timers", json=body, headers={"MS-RequestId": str(uuid.uuid4())})
    b = await world.sim("POST", "/timers", json=body, headers={"MS-RequestId": str(uuid.uuid4())})
    assert a.json()["id"] != b.json()["id"]
    no_id = await world.sim("POST", "/timers", json=body)
    assert no_id.status_code == 201
    assert len((await world.sim("GET", "/timers")).json()["items"]) == 3


async def test_a_tenant_created_twice_with_one_id_is_one_tenant(world: World) -> None:
    rid = str(uuid.uuid4())
    body = {
        "kind": "customer",
        "displayName": "Fabrikam",
        "domain": "fabrikam.onmicrosoft.com",
        "country": "US",
        "apps": [{"displayName": "a"}],
    }
    first = await world.sim("POST", "/tenants", json=body, headers={"MS-RequestId": rid})
    second = await world.sim("POST", "/tenants", json=body, headers={"MS-RequestId": rid})
    assert first.status_code == 201
    assert second.json() == first.json()
    assert (await world.sim("GET", "/tenants")).json()["totalCount"] == 1


async def test_a_reused_id_with_another_request_is_refused(world: World) -> None:
    rid = str(uuid.uuid4())
    await world.sim("POST", "/timers", json={"label": "a", "afterHours": 1}, headers={"MS-RequestId": rid})
    r = await world.sim("POST", "/timers", json={"label": "b", "afterHours": 1}, headers={"MS-RequestId": rid})
    assert r.status_code == 409
    assert "MS-RequestId" in r.json()["description"]


async def test_a_refused_request_is_not_remembered(world: World) -> None:
    rid = str(uuid.uuid4())
    bad = await world.sim("POST", "/timers", json={"label": "x"}, headers={"MS-RequestId": rid})
    assert bad.status_code == 400
    good = await world.sim("POST", "/timers", json={"label": "x", "afterHours": 1}, headers={"MS-RequestId": rid})
    assert good.status_code == 201


async def test_ids_are_per_caller_and_per_sandbox(client: httpx.AsyncClient) -> None:
    rid = str(uuid.uuid4())
    a, b = await World.create(client), await World.create(client)
    body = {"label": "mine", "afterHours": 1}
    ra = await a.sim("POST", "/timers", json=body, headers={"MS-RequestId": rid})
    rb = await b.sim("POST", "/timers", json=body, headers={"MS-RequestId": rid})
    assert ra.json()["id"] != rb.json()["id"]


async def test_answers_are_kept_for_the_retention_time_on_the_sandbox_clock(client: httpx.AsyncClient) -> None:
    world = await World.create(client, idempotencyRetentionHours=1)
    rid = str(uuid.uuid4())
    body = {"label": "kept", "afterHours": 100}
    first = await world.sim("POST", "/timers", json=body, headers={"MS-RequestId": rid})
    await world.sim("POST", "/clock/advance", json={"hours": 2})
    later = await world.sim("POST", "/timers", json=body, headers={"MS-RequestId": rid})
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]


async def test_concurrent_repeats_create_one_thing(world: World) -> None:
    rid = str(uuid.uuid4())
    body = {"label": "race", "afterHours": 3}
    answers = await asyncio.gather(
        *[world.sim("POST", "/timers", json=body, headers={"MS-RequestId": rid}) for _ in range(10)]
    )
    assert {r.status_code for r in answers} <= {201, 409}
    created = {r.json()["id"] for r in answers if r.status_code == 201}
    assert len(created) == 1
    assert len((await world.sim("GET", "/timers")).json()["items"]) == 1


async def test_repeats_sent_while_the_first_is_answered_answer_its_answer(world: World) -> None:
    """A repeat that finds no kept answer yet does the work again, but its change (the same customer's domain, the
    same key) cannot commit beside the first's: it answers the first's answer, as Partner Center's SDK expects of a
    retry. Another request under a key answered meanwhile is refused."""
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    rid, name = str(uuid.uuid4()), f"race{uuid.uuid4().hex[:8]}"
    answers = await asyncio.gather(*[partner.create_customer(name, token=token, request_id=rid) for _ in range(6)])
    assert [r.status_code for r in answers] == [201] * 6, [r.text for r in answers]
    assert len({r.text for r in answers}) == 1, "every repeat answers the first answer, byte for byte"
    listed = await partner.get("/v1/customers", token=token)
    assert [c["id"] for c in listed.json()["items"]] == [answers[0].json()["id"]]
    other = await partner.create_customer(f"other{uuid.uuid4().hex[:8]}", token=token, request_id=rid)
    assert other.status_code == 409, other.text
