import uuid

import httpx

from tests.world import World, bearer


async def test_create_answers_id_key_all_settings_and_clock(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/sim/v1/sandboxes", json={"name": "ci-run-17", "seed": 42, "settings": {"revenueThresholdUsd": "500000"}}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["name"] == "ci-run-17"
    assert body["seed"] == 42
    assert body["adminKey"].startswith("csk_")
    assert body["clock"]["frozen"] is False
    assert body["settings"]["revenueThresholdUsd"] == "500000"
    assert body["settings"]["enrollmentApprovalBusinessDays"] == 0
    assert body["settings"]["transferExpiryDays"] == 30
    assert body["settings"]["gdapApprovalExpiryDays"] == 90
    assert body["settings"]["billingPeriodStartDay"] == {"US": 1, "CA": 20}
    read = await client.get(f"/sim/v1/sandboxes/{body['id']}", headers=bearer(body["adminKey"]))
    assert read.status_code == 200
    assert "adminKey" not in read.json()
    assert read.json()["id"] == body["id"]


async def test_bad_settings_are_refused_with_the_field(client: httpx.AsyncClient) -> None:
    r = await client.post("/sim/v1/sandboxes", json={"settings": {"transferExpiryDays": 0}})
    assert r.status_code == 400
    assert r.json()["data"][0]["field"] == "transferExpiryDays"
    r = await client.post("/sim/v1/sandboxes", json={"settings": {"noSuchSetting": 1}})
    assert r.status_code == 400
    assert "noSuchSetting" in r.json()["description"]


async def test_patch_settings_changes_only_what_is_named(world: World) -> None:
    r = await world.sim("PATCH", "/settings", json={"tokenLifetimeSeconds": 120, "billingPeriodStartDay": {"gb": 5}})
    assert r.status_code == 200, r.text
    assert r.json()["tokenLifetimeSeconds"] == 120
    assert r.json()["billingPeriodStartDay"] == {"US": 1, "CA": 20, "GB": 5}
    assert r.json()["transferExpiryDays"] == 30
    r = await world.sim("PATCH", "/settings", json={"billingPeriodStartDay": {"US": 31}})
    assert r.status_code == 400
    assert (await world.sim("GET", "/settings")).json()["billingPeriodStartDay"]["US"] == 1


async def test_admin_key_is_required_on_every_sandbox_call(client: httpx.AsyncClient, world: World) -> None:
    for path in ("", "/settings", "/clock", "/tenants", "/mailbox", "/events", "/timers"):
        url = f"/sim/v1/sandboxes/{world.id}{path}"
        assert (await client.get(url)).status_code == 401
        wrong = await client.get(url, headers=bearer("csk_wrong"))
        assert wrong.status_code == 401
        assert wrong.json()["errorName"] == "Unauthorized"
        assert (await client.get(url, headers=world.admin)).status_code == 200
    other = await World.create(client)
    foreign = await client.get(f"/sim/v1/sandboxes/{world.id}", headers=other.admin)
    unknown = await client.get(f"/sim/v1/sandboxes/{uuid.uuid4()}", headers=world.admin)
    # The same answer for a sandbox that exists and one that does not: nothing tells which ids exist.
    assert foreign.status_code == unknown.status_code == 401
    assert foreign.json()["description"] == unknown.json()["description"]


async def test_delete_removes_the_sandbox_and_everything_in_it(client: httpx.AsyncClient, world: World) -> None:
    partner = await world.partner()
    token = await partner.app_token()
    r = await world.sim("DELETE", "")
    assert r.status_code == 204
    assert (await world.sim("GET", "")).status_code == 401
    assert (await client.get("/v1/profiles/partner", headers=bearer(token))).status_code == 401


async def test_deleting_a_sandbox_of_customers_leaves_another_alike_untouched(client: httpx.AsyncClient) -> None:
    # Emptied with PostgreSQL's row-by-row key checks off (every row of the sandbox goes): the other sandbox, holding
    # the same seeded partner and customers, must keep every row.
    doomed, kept = await World.create(client), await World.create(client)
    seed = {"partners": 1, "customers": 3, "subscriptions": 1}
    for world in (doomed, kept):
        assert (await world.sim("POST", "/seed", json=seed)).status_code == 200
    before = (await kept.sim("GET", "/tenants")).json()
    assert (await doomed.sim("POST", "/reset")).json()["id"] == doomed.id
    assert (await doomed.sim("GET", "/tenants")).json()["totalCount"] == 0
    assert (await doomed.sim("POST", "/seed", json=seed)).status_code == 200
    assert (await doomed.sim("DELETE", "")).status_code == 204
    assert (await doomed.sim("GET", "")).status_code == 401
    assert (await kept.sim("GET", "/tenants")).json() == before
    assert (await kept.sim("POST", "/seed", json=seed)).json()["customersTotal"] == 6


async def test_reset_empties_but_keeps_id_key_and_settings(world: World) -> None:
    await world.sim("PATCH", "/settings", json={"transferExpiryDays": 10})
    await world.partner()
    await world.sim("POST", "/clock/advance", json={"days": 3})
    await world.sim("POST", "/timers", json={"label": "x", "afterHours": 1})
    r = await world.sim("POST", "/reset")
    assert r.status_code == 200
    assert r.json()["id"] == world.id
    assert r.json()["settings"]["transferExpiryDays"] == 10
    assert (await world.sim("GET", "/tenants")).json()["totalCount"] == 0
    assert (await world.sim("GET", "/timers")).json()["items"] == []
    assert (await world.sim("GET", "/events")).json()["totalCount"] == 0


async def test_two_sandboxes_see_none_of_each_others_tenants(client: httpx.AsyncClient) -> None:
    a, b = await World.create(client), await World.create(client)
    pa, pb = await a.direct_bill_partner(), await b.direct_bill_partner()
    listed_a = {t["id"] for t in (await a.sim("GET", "/tenants")).json()["items"]}
    assert (await a.sim("GET", "/enrollments")).json()["totalCount"] == 1
    listed_b = {t["id"] for t in (await b.sim("GET", "/tenants")).json()["items"]}
    assert listed_a == {pa.id}
    assert listed_b == {pb.id}
    assert (await a.sim("GET", f"/tenants/{pb.id}")).status_code == 404
    assert (await b.sim("GET", f"/tenants/{pa.id}")).status_code == 404
    assert (await a.sim("GET", f"/tenants/{pb.id}/users")).status_code == 404
    # The same domain may exist in both: a seeded scenario builds the same world in many sandboxes.
    domain = pa.tenant["domain"]
    r = await b.sim(
        "POST", "/tenants", json={"kind": "customer", "displayName": "Twin", "domain": domain, "country": "US"}
    )
    assert r.status_code == 201, r.text
    # Each partner's token shows its own profile only.
    assert (await pa.get("/v1/profiles/partner")).json()["id"] == pa.id
    assert (await pb.get("/v1/profiles/partner")).json()["id"] == pb.id
