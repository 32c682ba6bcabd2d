"""GDAP on the sandbox clock: unapproved requests expire, active relationships end or auto-extend, either side
terminates, and the partner's admin access follows."""

from datetime import timedelta

import pytest

from tests.gdap.steps import (
    ADMIN_RELATIONSHIPS,
    GLOBAL_READER,
    RELATIONSHIPS,
    THROUGH_ACTIVATION,
    USER_ADMINISTRATOR,
    WEBHOOK_EVENTS,
    active_relationship,
    admin_user_id,
    advance,
    approve,
    assign,
    create,
    customer_of,
    events,
    freeze,
    graph,
    lock,
    parse,
    read,
    request_action,
    run_timers,
)
from tests.world import Party, World, bearer


async def users_of(partner: Party, customer: Party) -> int:
    """The partner's admin (a person in the portal) lists the customer's users: the status code."""
    r = await partner.get(f"/v1/customers/{customer.id}/users", token=await partner.portal_token())
    return r.status_code


@pytest.mark.rule("GDP-1")
async def test_an_unapproved_request_expires_after_the_approval_window(world: World) -> None:
    start = await freeze(world)
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    relationship = await create(partner, customer=customer)
    await lock(partner, relationship["id"])
    await advance(world, days=89)
    assert (await read(partner, relationship["id"]))["status"] == "approvalPending"
    fired = await advance(world, days=1)
    assert {"kind": "gdap.approval-expiry", "ref": relationship["id"]}.items() <= fired[0].items()
    expired = await read(partner, relationship["id"])
    assert expired["status"] == "expired"
    assert expired["activatedDateTime"] is None
    assert [n for n in await events(world, relationship["id"]) if n in WEBHOOK_EVENTS] == [
        "granular-admin-relationship-expired"
    ]
    late = await approve(customer, relationship["id"])
    assert late.status_code == 409
    # The window is a sandbox setting.
    assert (await world.sim("PATCH", "/settings", json={"gdapApprovalExpiryDays": 10})).status_code == 200
    short = await create(partner, customer=customer)
    await lock(partner, short["id"])
    await advance(world, days=10)
    assert (await read(partner, short["id"]))["status"] == "expired"
    assert parse((await read(partner, short["id"]))["lastModifiedDateTime"]) == start + timedelta(days=100)


@pytest.mark.rule("GDP-2")
async def test_an_active_relationship_expires_at_its_end_date_and_locks_the_partner_out(world: World) -> None:
    start = await freeze(world)
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    admins = await world.sim(
        "POST",
        f"/tenants/{partner.id}/groups",
        json={"displayName": "Customer admins", "memberUserIds": [admin_user_id(partner)]},
    )
    assert admins.status_code == 201, admins.text
    # No GDAP yet: being the customer's reseller gives no admin rights in its tenant.
    r = await partner.get(f"/v1/customers/{customer.id}/users", token=await partner.portal_token())
    assert r.status_code == 403
    assert r.json()["rule"] == "GDP-1"
    relationship = await active_relationship(partner, customer, duration="P30D", auto_extend="PT0S")
    assert parse(relationship["endDateTime"]) == start + timedelta(days=30)
    assignment = await assign(partner, relationship["id"], admins.json()["id"], USER_ADMINISTRATOR)
    assert assignment.status_code == 201, assignment.text
    assert assignment.json()["status"] == "pending"
    assert await users_of(partner, customer) == 403  # a pending assignment grants nothing yet
    await run_timers(world)
    listed = await partner.get(f"/v1/customers/{customer.id}/users", token=await partner.portal_token())
    assert listed.status_code == 200, listed.text
    assert [u["userPrincipalName"] for u in listed.json()["items"]] == [customer.admin_upn]
    assert listed.json()["items"][0]["attributes"]["objectType"] == "CustomerUser"
    created = await partner.post(
        f"/v1/customers/{customer.id}/users",
        json={
            "userPrincipalName": f"ada@{customer.tenant['domain']}",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "usageLocation": "US",
            "passwordProfile": {"forceChangePassword": True, "password": "Pa55-word!"},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["displayName"] == "Ada Lovelace"
    # An app alone holds no GDAP role, even its partner's.
    app_call = await partner.get(f"/v1/customers/{customer.id}/users")
    assert app_call.status_code == 403
    assert app_call.json()["rule"] == "GDP-1"

    await advance(world, days=29)
    assert (await read(partner, relationship["id"]))["status"] == "active"
    assert await users_of(partner, customer) == 200
    await advance(world, days=1)
    expired = await read(partner, relationship["id"])
    assert expired["status"] == "expired"
    assert parse(expired["lastModifiedDateTime"]) == start + timedelta(days=30)
    refused = await partner.get(f"/v1/customers/{customer.id}/users", token=await partner.portal_token())
    assert refused.status_code == 403
    assert refused.json()["rule"] == "GDP-1"
    assert "expired or terminated" in refused.json()["description"]
    gone = await graph(partner, "GET", f"{RELATIONSHIPS}/{relationship['id']}/accessAssignments")
    assert [a["status"] for a in gone.json()["value"]] == ["deleted"]
    names = await events(world, relationship["id"])
    assert names[-2:] == ["granular-admin-relationship-expiring", "granular-admin-relationship-expired"]
    customers = await graph(partner, "GET", "/v1.0/tenantRelationships/delegatedAdminCustomers")
    assert customers.json()["value"] == []


@pytest.mark.rule("GDP-2")
async def test_auto_extension_moves_the_end_date_by_180_days_until_it_is_turned_off(world: World) -> None:
    start = await freeze(world)
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    relationship = await active_relationship(partner, customer, duration="P30D", auto_extend="P180D")
    await advance(world, days=30)
    extended = await read(partner, relationship["id"])
    assert extended["status"] == "active"
    assert parse(extended["activatedDateTime"]) == start
    assert parse(extended["endDateTime"]) == start + timedelta(days=30 + 180)
    assert "granular-admin-relationship-auto-extended" in await events(world, relationship["id"])
    await advance(world, days=180)
    again = await read(partner, relationship["id"])
    assert (again["status"], parse(again["endDateTime"])) == ("active", start + timedelta(days=30 + 360))
    # While active, the partner may turn auto-extension off; the next end date then ends it.
    r = await graph(
        partner,
        "PATCH",
        f"{RELATIONSHIPS}/{relationship['id']}",
        json={"autoExtendDuration": "PT0S"},
        headers={"If-Match": again["@odata.etag"]},
    )
    assert r.status_code == 200, r.text
    await advance(world, days=180)
    assert (await read(partner, relationship["id"]))["status"] == "expired"


@pytest.mark.rule("GDP-2")
async def test_activation_can_take_a_while(world: World) -> None:
    start = await freeze(world)
    assert (await world.sim("PATCH", "/settings", json={"gdapActivationSeconds": 120})).status_code == 200
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    relationship = await create(partner, customer=customer, duration="P90D")
    await lock(partner, relationship["id"])
    assert (await approve(customer, relationship["id"])).status_code == 200
    activating = await read(partner, relationship["id"])
    assert (activating["status"], activating["activatedDateTime"]) == ("activating", None)
    await advance(world, hours=1)
    active = await read(partner, relationship["id"])
    assert active["status"] == "active"
    assert parse(active["activatedDateTime"]) == start + timedelta(seconds=120)
    assert parse(active["endDateTime"]) == start + timedelta(seconds=120, days=90)


@pytest.mark.rule("GDP-2")
async def test_either_side_terminates_and_the_events_follow_in_order(world: World) -> None:
    await freeze(world)
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    by_customer = await active_relationship(partner, customer, roles=(GLOBAL_READER,))
    by_partner = await active_relationship(partner, customer, roles=(USER_ADMINISTRATOR,))
    await advance(world, days=3)
    r = await world.http.post(
        f"{ADMIN_RELATIONSHIPS}/{by_customer['id']}/terminate", headers=bearer(await customer.portal_token())
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "terminated"
    r = await request_action(partner, by_partner["id"], "terminate")
    assert r.status_code == 201, r.text
    assert (r.json()["action"], r.json()["status"]) == ("terminate", "succeeded")
    for relationship in (by_customer, by_partner):
        ended = await read(partner, relationship["id"])
        assert ended["status"] == "terminated"
        assert parse(ended["lastModifiedDateTime"]) == parse(ended["activatedDateTime"]) + timedelta(days=3)
        assert await events(world, relationship["id"]) == [
            *THROUGH_ACTIVATION,
            "granular-admin-relationship-termination-requested",
            "granular-admin-relationship-terminating",
            "granular-admin-relationship-terminated",
        ]
    stored = await world.sim("GET", "/events", params={"name": "granular-admin-relationship-terminated"})
    assert {e["tenantIds"][0] for e in stored.json()["items"]} == {partner.id}
    # A terminated relationship cannot be terminated again, nor can one that never became active.
    again = await request_action(partner, by_partner["id"], "terminate")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "Conflict"
    draft = await create(partner)
    assert (await request_action(partner, draft["id"], "terminate")).status_code == 409
    seen = await world.http.get(ADMIN_RELATIONSHIPS, headers=bearer(await customer.portal_token()))
    assert [item["status"] for item in seen.json()["items"]] == ["terminated", "terminated"]
