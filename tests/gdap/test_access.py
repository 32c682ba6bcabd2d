"""Access assignments and their operations, and the provider that came through the extension (GDP-4)."""

import json

import pytest

from tests.gdap.steps import (
    GLOBAL_READER,
    HELPDESK_ADMINISTRATOR,
    RELATIONSHIPS,
    USER_ADMINISTRATOR,
    active_relationship,
    admin_user_id,
    approve,
    assign,
    create,
    customer_of,
    graph,
    graph_token,
    group,
    lock,
    read,
    relationship_body,
    run_timers,
)
from tests.world import Party, World


@pytest.mark.rule("GDP-3")
async def test_an_assignment_grants_only_the_relationships_roles_and_changes_through_an_operation(
    world: World,
) -> None:
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    token = await graph_token(partner)
    relationship = await active_relationship(partner, customer, roles=(USER_ADMINISTRATOR, GLOBAL_READER))
    helpdesk = await group(world, partner, "Helpdesk", admin_user_id(partner))
    outside = await assign(partner, relationship["id"], helpdesk["id"], HELPDESK_ADMINISTRATOR)
    assert outside.status_code == 400
    assert outside.json()["rule"] == "GDP-3"
    assert outside.json()["error"]["message"].startswith("GDAP roles: ")
    assert "Helpdesk Administrator" in outside.json()["error"]["message"]
    stranger = await world.direct_bill_partner()
    foreign = await group(world, stranger, "Not yours")
    r = await assign(partner, relationship["id"], foreign["id"], GLOBAL_READER)
    assert r.status_code == 400
    assert "security group of your tenant" in r.json()["error"]["message"]

    created = await assign(partner, relationship["id"], helpdesk["id"], GLOBAL_READER)
    assert created.status_code == 201, created.text
    assignment = created.json()
    base = f"{RELATIONSHIPS}/{relationship['id']}/accessAssignments"
    assert created.headers["Location"].endswith(f"{base}/{assignment['id']}")
    assert assignment["@odata.type"] == "#microsoft.graph.delegatedAdminAccessAssignment"
    assert assignment["status"] == "pending"
    assert assignment["accessContainer"] == {
        "accessContainerId": helpdesk["id"],
        "accessContainerType": "securityGroup",
    }
    twice = await assign(partner, relationship["id"], helpdesk["id"], GLOBAL_READER)
    assert twice.status_code == 409
    await run_timers(world)
    active = (await graph(partner, "GET", f"{base}/{assignment['id']}", token=token)).json()
    assert active["status"] == "active"
    path = f"{base}/{assignment['id']}"

    def roles(*ids: str) -> dict[str, object]:
        return {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in ids]}}

    assert (await graph(partner, "PATCH", path, token=token, json=roles(USER_ADMINISTRATOR))).status_code == 400
    etag = {"If-Match": active["@odata.etag"]}
    unchanged = await graph(partner, "PATCH", path, token=token, json=roles(GLOBAL_READER), headers=etag)
    assert unchanged.status_code == 200
    assert unchanged.json()["accessDetails"] == active["accessDetails"]
    wider = await graph(partner, "PATCH", path, token=token, json=roles(HELPDESK_ADMINISTRATOR), headers=etag)
    assert wider.status_code == 400
    assert wider.json()["rule"] == "GDP-3"
    accepted = await graph(
        partner, "PATCH", path, token=token, json=roles(GLOBAL_READER, USER_ADMINISTRATOR), headers=etag
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Retry-After"]
    operation_url = accepted.headers["Location"]
    assert f"{RELATIONSHIPS}/{relationship['id']}/operations/" in operation_url
    operation = (await graph(partner, "GET", operation_url, token=token)).json()
    assert (operation["operationType"], operation["status"]) == ("delegatedAdminAccessAssignmentUpdate", "notStarted")
    await run_timers(world)
    operation = (await graph(partner, "GET", operation_url, token=token)).json()
    assert operation["status"] == "succeeded"
    assert json.loads(operation["data"])["accessAssignmentId"] == assignment["id"]
    listed = await graph(partner, "GET", f"{RELATIONSHIPS}/{relationship['id']}/operations", token=token)
    assert [o["id"] for o in listed.json()["value"]] == [operation["id"]]
    changed = (await graph(partner, "GET", path, token=token)).json()
    assert [r["roleDefinitionId"] for r in changed["accessDetails"]["unifiedRoles"]] == [
        GLOBAL_READER,
        USER_ADMINISTRATOR,
    ]
    assert changed["@odata.etag"] != active["@odata.etag"]
    stored = await world.sim("GET", "/events", params={"size": 500})
    mine = [e["name"] for e in stored.json()["items"] if e["resourceId"] == assignment["id"]]
    assert mine == [
        "granular-admin-access-assignment-created",
        "granular-admin-access-assignment-activated",
        "granular-admin-access-assignment-updated",
    ]
    # Now the user may manage the customer's users; deleting the assignment takes that away.
    assert (await partner.get(f"/v1/customers/{customer.id}/users", token=await partner.portal_token())).is_success
    gone = await graph(partner, "DELETE", path, token=token, headers={"If-Match": changed["@odata.etag"]})
    assert gone.status_code == 204
    assert (await graph(partner, "GET", path, token=token)).json()["status"] == "deleting"
    await run_timers(world)
    assert (await graph(partner, "GET", path, token=token)).json()["status"] == "deleted"
    r = await partner.get(f"/v1/customers/{customer.id}/users", token=await partner.portal_token())
    assert r.status_code == 403
    # Assignments belong to active relationships only.
    draft = await create(partner)
    assert (await assign(partner, draft["id"], helpdesk["id"], USER_ADMINISTRATOR)).status_code == 409


async def test_a_security_group_holds_users_of_its_own_tenant(world: World) -> None:
    partner, other = await world.direct_bill_partner(), await world.direct_bill_partner()
    r = await world.sim(
        "POST", f"/tenants/{partner.id}/groups", json={"displayName": "x", "memberUserIds": [admin_user_id(other)]}
    )
    assert r.status_code == 400
    made = await group(world, partner, "Admins", admin_user_id(partner))
    listed = await world.sim("GET", f"/tenants/{partner.id}/groups")
    assert listed.json()["items"] == [made]
    assert (await world.sim("POST", f"/tenants/{partner.id}/groups", json={"displayName": "Admins"})).status_code == 409


async def extended_customer(world: World) -> tuple[Party, Party, Party]:
    """A transitioning partner's direct-bill customer, handed to its provider through the extension (REL-6)."""
    provider = await world.provider(name="Northwind")
    partner = await world.direct_bill_partner(name="Tailspin")
    customer = await customer_of(world, partner)
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    assert (await world.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")).status_code == 200
    assert (await partner.enroll("IndirectReseller")).status_code == 201
    await world.accept_mpa(partner)
    await world.partner_up(provider, partner)
    r = await partner.post(
        f"/v1/customers/{customer.id}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    return provider, partner, customer


@pytest.mark.rule("GDP-4")
async def test_a_provider_related_only_through_the_extension_gets_no_admin_access(world: World) -> None:
    provider, reseller, customer = await extended_customer(world)
    token = await graph_token(provider)
    refused = await graph(provider, "POST", RELATIONSHIPS, token=token, json=relationship_body(customer=customer))
    assert refused.status_code == 403
    assert refused.json()["rule"] == "GDP-4"
    assert "an indirect reseller invitation is needed" in refused.json()["error"]["message"]
    # An open request does not get around it: the customer's approval is refused the same way.
    open_request = await create(provider)
    await lock(provider, open_request["id"])
    r = await approve(customer, open_request["id"])
    assert r.status_code == 403
    assert r.json()["rule"] == "GDP-4"
    assert (await read(provider, open_request["id"]))["status"] == "approvalPending"
    # The allowed path: an indirect reseller invitation relates the provider to a customer with admin privileges.
    invited = await world.customer(name="Wingtip")
    r = await reseller.post(
        "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": invited.id}
    )
    assert r.status_code == 201, r.text
    code = r.json()["url"].rsplit("/", 1)[-1]
    accepted = await world.http.post(
        f"/admin/v1/invitations/{code}/accept", headers={"Authorization": f"Bearer {await invited.portal_token()}"}
    )
    assert accepted.status_code == 200, accepted.text
    relationship = await active_relationship(provider, invited)
    assert relationship["customer"]["tenantId"] == invited.id
    # The reseller, which holds the customer by its own direct-bill relationship, may ask for admin access too.
    assert (await graph(reseller, "POST", RELATIONSHIPS, json=relationship_body(customer=customer))).status_code == 201


async def test_a_sandbox_with_gdap_in_it_resets_and_deletes(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    relationship = await active_relationship(partner, customer)
    admins = await group(world, partner, "Admins", admin_user_id(partner))
    assert (await assign(partner, relationship["id"], admins["id"], USER_ADMINISTRATOR)).status_code == 201
    r = await world.sim("POST", "/reset")
    assert r.status_code == 200, r.text
    assert (await world.sim("GET", "/timers", params={"status": "pending"})).json()["items"] == []
    assert (await world.sim("DELETE", "")).status_code == 204
