"""The diff between a fork and its origin, and the records the console reads."""

from typing import Any

import httpx

from tests.transfers.test_transfers import ask, source_with_subscriptions
from tests.world import Party, World, bearer


async def fork(world: World) -> dict[str, Any]:
    r = await world.sim("POST", "/fork", json={"name": "what if"})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def diff(world: World, other: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {**world.admin, **({"CSPSIM-Against-Key": key} if key else {})}
    return await world.http.get(f"/sim/v1/sandboxes/{world.id}/diff", params={"against": other["id"]}, headers=headers)


async def portal_token_in(world: World, sandbox: dict[str, Any], party: Party) -> str:
    r = await world.http.post(
        f"/sim/v1/sandboxes/{sandbox['id']}/portal-sessions",
        headers=bearer(sandbox["adminKey"]),
        json={"tenantId": party.id, "userPrincipalName": party.admin_upn},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["accessToken"])


async def test_a_transfer_in_the_fork_is_exactly_what_the_diff_lists(world: World) -> None:
    source, target, customer, sub = await source_with_subscriptions(world)
    transfer = (await ask(target, customer["id"], source)).json()
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    portal = bearer(await source.portal_token())
    r = await world.http.patch(path, headers=portal, json={"lineItems": [{"subscriptionId": sub["id"]}]})
    assert r.status_code == 200, r.text
    copy = await fork(world)
    same = await diff(world, copy, copy["adminKey"])
    assert same.status_code == 200, same.text
    assert (same.json()["totalChanges"], same.json()["kinds"]) == (0, {})

    # In the fork only, the source submits: the subscription moves to the target.
    in_fork = bearer(await portal_token_in(world, copy, source))
    submitted = await world.http.post(f"{path}/accept", headers=in_fork)
    assert submitted.status_code == 200, submitted.text
    new_sub = submitted.json()["orders"][0]["lineItems"][0]["subscriptionId"]
    new_order = submitted.json()["orders"][0]["id"]
    fork_events = await world.http.get(f"/sim/v1/sandboxes/{copy['id']}/events", headers=bearer(copy["adminKey"]))
    origin_events = {e["id"] for e in (await world.sim("GET", "/events", params={"size": 500})).json()["items"]}
    events_since = [e for e in fork_events.json()["items"] if e["id"] not in origin_events]
    assert any(e["name"] == "complete-transfer" for e in events_since)

    answer = await diff(world, copy, copy["adminKey"])
    assert answer.status_code == 200, answer.text
    kinds = answer.json()["kinds"]
    subscriptions = kinds["subscriptions"]
    assert [s["id"] for s in subscriptions["added"]] == [new_sub]
    assert [c["id"] for c in subscriptions["changed"]] == [sub["id"]]
    assert subscriptions["changed"][0]["changes"]["status"] == {"from": "active", "to": "deleted"}
    assert subscriptions["removed"] == []
    assert [t["id"] for t in kinds["transfers"]["changed"]] == [transfer["id"]]
    assert kinds["transfers"]["changed"][0]["changes"]["status"] == {"from": "Active", "to": "Complete"}
    assert [o["id"] for o in kinds["orders"]["added"]] == [new_order]
    assert sorted(e["id"] for e in kinds["events"]["added"]) == sorted(e["id"] for e in events_since)
    assert set(kinds) <= {"subscriptions", "transfers", "orders", "events", "invoices"}
    # The other way round, the same rows: what the fork added, the origin lacks.
    back = (
        await world.http.get(
            f"/sim/v1/sandboxes/{copy['id']}/diff",
            params={"against": world.id},
            headers={**bearer(copy["adminKey"]), "CSPSIM-Against-Key": world.sandbox["adminKey"]},
        )
    ).json()
    assert [s["id"] for s in back["kinds"]["subscriptions"]["removed"]] == [new_sub]


async def test_the_diff_needs_the_other_sandboxs_key(world: World) -> None:
    copy = await fork(world)
    assert (await diff(world, copy)).status_code == 401
    assert (await diff(world, copy, world.sandbox["adminKey"])).status_code == 401
    itself = await diff(world, {"id": world.id})
    assert (itself.status_code, itself.json()["totalChanges"]) == (200, 0)
    stranger = await World.create(world.http)
    assert (await diff(world, {"id": stranger.id}, copy["adminKey"])).status_code == 401


async def test_records_page_and_link_by_id(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca("fabrikam")
    assert (await partner.order(customer["id"], quantity=3)).status_code == 201
    tenants = await world.sim("GET", "/records/tenants", params={"size": 1})
    assert tenants.status_code == 200, tenants.text
    assert tenants.json()["totalCount"] == 2
    assert len(tenants.json()["items"]) == 1
    assert tenants.json()["links"]["next"]["headers"][0]["key"] == "MS-ContinuationToken"
    mentions = (await world.sim("GET", "/records/subscriptions", params={"ref": customer["id"]})).json()
    assert [s["customerTenantId"] for s in mentions["items"]] == [customer["id"]]
    one = await world.sim("GET", f"/records/subscriptions/{mentions['items'][0]['id']}")
    assert one.json()["quantity"] == 3
    assert "sandboxId" not in one.json()
    assert (await world.sim("GET", "/records/nothing")).status_code == 404
    assert (await world.sim("GET", f"/records/orders/{customer['id']}")).status_code == 404


async def test_a_change_inside_a_json_column_is_listed_and_an_unchanged_one_is_not(world: World) -> None:
    # The database picks the rows that differ (JSON compared as its stored text); each is then compared field by field.
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    copy = await fork(world)
    path = f"/v1/customers/{customer['id']}/profiles/billing"
    profile = (await partner.get(path)).json()
    profile["defaultAddress"]["city"] = "Seattle"
    headers = {**bearer(await partner.app_token()), "If-Match": profile["attributes"]["etag"]}
    changed = await world.http.put(path, json=profile, headers=headers)
    assert changed.status_code == 200, changed.text
    kinds = (await diff(world, copy, copy["adminKey"])).json()["kinds"]
    (relationship,) = kinds["relationships"]["changed"]
    billing = relationship["changes"]["billingProfile"]
    assert (billing["from"]["defaultAddress"]["city"], billing["to"]["defaultAddress"]["city"]) == (
        "Seattle",
        "Redmond",
    )
    assert set(relationship["changes"]) <= {"billingProfile", "updatedAt"}
    assert set(kinds) <= {"relationships", "events"}
