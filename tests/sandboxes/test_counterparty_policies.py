"""Counter-party policies: the other side of a flow acts by itself, through the same service calls."""

import httpx

from tests.sandboxes.test_clock import next_weekday_at_nine
from tests.world import World, bearer


async def test_a_customer_accepts_an_invitation_after_two_business_days(client: httpx.AsyncClient) -> None:
    world = await World.create(
        client, counterpartyPolicies={"customerInvitation": {"action": "accept", "afterBusinessDays": 2}}
    )
    await world.freeze_at((await next_weekday_at_nine(world, 4)).isoformat())  # a Friday: the weekend waits
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    customer = await world.customer()
    r = await reseller.post(
        "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": customer.id}
    )
    assert r.status_code == 201, r.text
    r = await world.sim("POST", "/clock/advance", json={"days": 3})  # Monday: one business day gone
    assert r.json()["fired"] == []
    assert (await reseller.get(f"/v1/customers/{customer.id}", token=await reseller.portal_token())).status_code == 404
    r = await world.sim("POST", "/clock/advance", json={"days": 1})  # Tuesday: two
    assert [f["kind"] for f in r.json()["fired"]] == ["policy.customer-invitation"]
    # The same effects as a manual acceptance: both relationships, the customer's partner list, the event.
    assert (await reseller.get(f"/v1/customers/{customer.id}", token=await reseller.portal_token())).status_code == 200
    assert (await provider.get(f"/v1/customers/{customer.id}")).status_code == 200
    partners = await world.http.get("/admin/v1/partnerRelationships", headers=bearer(await customer.portal_token()))
    assert {p["partnerTenantId"] for p in partners.json()["items"]} == {reseller.id, provider.id}
    events = await world.sim("GET", "/events", params={"name": "indirect-reseller-relationship-accepted-by-customer"})
    assert events.json()["totalCount"] == 1


async def test_a_customer_that_declines(client: httpx.AsyncClient) -> None:
    world = await World.create(client, counterpartyPolicies={"customerInvitation": {"action": "reject"}})
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    customer = await world.customer()
    r = await reseller.post(
        "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": customer.id}
    )
    await world.sim("POST", "/timers/run")
    code = r.json()["url"].rsplit("/", 1)[-1]
    seen = await world.http.get(f"/admin/v1/invitations/{code}", headers=bearer(await customer.portal_token()))
    assert seen.json()["status"] == "Declined"
    assert (await reseller.get(f"/v1/customers/{customer.id}", token=await reseller.portal_token())).status_code == 404


async def test_a_source_partner_submits_a_transfer_by_itself(client: httpx.AsyncClient) -> None:
    from tests.transfers.test_transfers import ask, source_with_subscriptions

    world = await World.create(
        client, counterpartyPolicies={"transferSubmission": {"action": "accept", "afterBusinessDays": 1}}
    )
    source, target, customer, sub = await source_with_subscriptions(world)
    transfer = (await ask(target, customer["id"], source)).json()
    await world.sim("POST", "/clock/advance", json={"days": 4})
    done = (await target.get(f"/v1/customers/{customer['id']}/transfers/{transfer['id']}")).json()
    assert done["status"] == "Complete"
    moved = (await target.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert [(s["offerId"], s["quantity"]) for s in moved] == [(sub["offerId"], sub["quantity"])]


async def test_a_customer_approves_a_gdap_request_after_two_business_days(client: httpx.AsyncClient) -> None:
    from tests.gdap.steps import THROUGH_ACTIVATION, create, customer_of, events, lock, read

    world = await World.create(
        client, counterpartyPolicies={"gdapApproval": {"action": "accept", "afterBusinessDays": 2}}
    )
    await world.freeze_at((await next_weekday_at_nine(world, 4)).isoformat())  # a Friday
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner, "fabrikam")
    relationship = await create(partner, customer=customer)
    unnamed = await create(partner)  # no customer named: nobody to approve it by policy
    await lock(partner, unnamed["id"])
    assert (await lock(partner, relationship["id"]))["status"] == "approvalPending"
    r = await world.sim("POST", "/clock/advance", json={"days": 3})  # Monday: one business day gone
    assert "policy.gdap-approval" not in [f["kind"] for f in r.json()["fired"]]
    assert (await read(partner, relationship["id"]))["status"] == "approvalPending"
    r = await world.sim("POST", "/clock/advance", json={"days": 1})  # Tuesday: two
    assert [f["kind"] for f in r.json()["fired"]] == ["policy.gdap-approval"]
    # The same effects as the customer's own approval: active on both sides, the same events.
    active = await read(partner, relationship["id"])
    assert active["status"] == "active"
    assert active["customer"] == {"tenantId": customer.id, "displayName": "Fabrikam"}
    seen = await world.http.get(
        f"/admin/v1/granularAdminRelationships/{relationship['id']}", headers=bearer(await customer.portal_token())
    )
    assert seen.json()["status"] == "active"
    assert seen.json()["activatedDateTime"] == active["activatedDateTime"]
    assert await events(world, relationship["id"]) == THROUGH_ACTIVATION
    assert (await read(partner, unnamed["id"]))["status"] == "approvalPending"


async def test_a_customer_cannot_be_set_to_reject_gdap(world: World) -> None:
    r = await world.sim("PATCH", "/settings", json={"counterpartyPolicies": {"gdapApproval": {"action": "reject"}}})
    assert r.status_code == 400
    assert "cannot reject a GDAP request" in r.json()["description"]


async def test_the_operator_rejects_an_enrollment_when_the_delay_is_over(client: httpx.AsyncClient) -> None:
    world = await World.create(
        client, enrollmentApprovalBusinessDays=2, counterpartyPolicies={"enrollmentDecision": {"action": "reject"}}
    )
    await world.freeze_at((await next_weekday_at_nine(world, 4)).isoformat())  # a Friday
    partner = await world.partner()
    r = await partner.enroll("IndirectProvider", primaryContactEmail="ops@provider.example")
    assert r.json()["status"] == "Pending"
    assert (await world.sim("POST", "/clock/advance", json={"days": 3})).json()["fired"] == []  # Monday
    fired = (await world.sim("POST", "/clock/advance", json={"days": 1})).json()["fired"]  # Tuesday
    assert [f["kind"] for f in fired] == ["enrollment.approve"]
    # The same effects as the operator's own rejection: the status, the reason, the mail.
    enrollments = (await partner.get("/v1/enrollments", token=await partner.portal_token())).json()["items"]
    assert [(e["status"], e["decisionReason"]) for e in enrollments] == [
        ("Rejected", "Rejected by the sandbox's enrollmentDecision policy.")
    ]
    mail = (await world.sim("GET", "/mailbox", params={"to": "ops@provider.example"})).json()["items"]
    assert [m["kind"] for m in mail] == ["enrollment-rejected"]


async def test_a_manual_operator_leaves_enrollments_pending_until_it_decides(client: httpx.AsyncClient) -> None:
    world = await World.create(client, counterpartyPolicies={"enrollmentDecision": {"action": "manual"}})
    partner = await world.partner()
    r = await partner.enroll("IndirectProvider")
    assert r.json()["status"] == "Pending"  # no delay set, and still nobody decides
    await world.sim("POST", "/clock/advance", json={"days": 30})
    assert await partner.program_statuses() == {"IndirectProvider": "Pending"}
    decided = await world.sim("POST", f"/enrollments/{r.json()['id']}/decision", json={"decision": "approve"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "Active"
    assert await partner.program_statuses() == {"IndirectProvider": "Active"}
