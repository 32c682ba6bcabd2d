"""GDAP relationships on Microsoft Graph's shape: the flow field for field, the limits, PATCH and DELETE with
If-Match, listing, and who sees what."""

import uuid
from datetime import timedelta

import pytest

from tests.gdap.steps import (
    ADMIN_RELATIONSHIPS,
    GLOBAL_ADMINISTRATOR,
    GLOBAL_READER,
    RELATIONSHIPS,
    USER_ADMINISTRATOR,
    WEBHOOK_EVENTS,
    advance,
    approve,
    create,
    customer_of,
    events,
    freeze,
    graph,
    graph_token,
    lock,
    parse,
    read,
    relationship_body,
    request_action,
)
from tests.world import World, bearer


@pytest.mark.rule("GDP-1")
@pytest.mark.rule("GDP-2")
async def test_the_graph_flow_field_for_field(world: World) -> None:
    """create → lockForApproval → the customer approves through the API → active, ending at activation + duration."""
    start = await freeze(world)
    partner = await world.direct_bill_partner(name="Contoso")
    customer = await customer_of(world, partner, "fabrikam")
    token = await graph_token(partner)
    body = {
        "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
        "displayName": "Fabrikam admins",
        "duration": "P730D",
        "customer": {"tenantId": customer.id, "displayName": "as the partner calls it"},
        "accessDetails": {
            "unifiedRoles": [{"roleDefinitionId": USER_ADMINISTRATOR}, {"roleDefinitionId": GLOBAL_READER}]
        },
        "autoExtendDuration": "P180D",
    }
    r = await graph(partner, "POST", RELATIONSHIPS, token=token, json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["Location"] == f"http://cspsim.test{RELATIONSHIPS}/{created['id']}"
    assert created["@odata.context"] == (
        "http://cspsim.test/v1.0/$metadata#tenantRelationships/delegatedAdminRelationships/$entity"
    )
    assert created["@odata.type"] == "#microsoft.graph.delegatedAdminRelationship"
    assert created["@odata.etag"].startswith('W/"')
    expected = {
        "displayName": "Fabrikam admins",
        "duration": "P730D",
        "status": "created",
        "autoExtendDuration": "P180D",
        "customer": {"tenantId": customer.id, "displayName": "Fabrikam"},
        "accessDetails": {
            "unifiedRoles": [{"roleDefinitionId": USER_ADMINISTRATOR}, {"roleDefinitionId": GLOBAL_READER}]
        },
        "activatedDateTime": None,
        "endDateTime": None,
        "approvalLink": None,
    }
    assert {k: created[k] for k in expected} == expected
    assert parse(created["createdDateTime"]) == parse(created["lastModifiedDateTime"]) == start
    assert (await graph(partner, "GET", r.headers["Location"], token=token)).json() == created

    locked = await request_action(partner, created["id"], "lockForApproval")
    assert locked.status_code == 201, locked.text
    request = locked.json()
    assert locked.headers["Location"].endswith(f"{RELATIONSHIPS}/{created['id']}/requests/{request['id']}")
    assert (request["action"], request["status"]) == ("lockForApproval", "succeeded")
    pending = await read(partner, created["id"])
    assert pending["status"] == "approvalPending"
    assert pending["@odata.etag"] != created["@odata.etag"]
    assert pending["approvalLink"] == (
        f"http://cspsim.test/admin/granularAdminRelationships/{created['id']}?sandbox={world.id}"
    )
    listed = await graph(partner, "GET", f"{RELATIONSHIPS}/{created['id']}/requests", token=token)
    assert [q["action"] for q in listed.json()["value"]] == ["lockForApproval"]

    # The customer's admin center shows who asks, for what, for how long.
    seen = await world.http.get(ADMIN_RELATIONSHIPS, headers=bearer(await customer.portal_token()))
    assert seen.status_code == 200, seen.text
    [item] = seen.json()["items"]
    assert item["partner"]["name"] == "Contoso"
    assert [role["name"] for role in item["roles"]] == ["User Administrator", "Global Reader"]
    assert item["durationInWords"] == "730 days (2 years)"
    assert parse(item["approvalExpiresDateTime"]) == start + timedelta(days=90)

    await advance(world, hours=1)
    approved = await approve(customer, created["id"])
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    active = await read(partner, created["id"])
    assert active["status"] == "active"
    assert parse(active["activatedDateTime"]) == start + timedelta(hours=1)
    assert parse(active["endDateTime"]) == parse(active["activatedDateTime"]) + timedelta(days=730)
    assert active["approvalLink"] is None
    assert [n for n in await events(world, created["id"]) if n in WEBHOOK_EVENTS] == [
        "granular-admin-relationship-approved",
        "granular-admin-relationship-activated",
    ]
    customers = await graph(partner, "GET", "/v1.0/tenantRelationships/delegatedAdminCustomers", token=token)
    assert customers.json()["value"] == [
        {
            "@odata.type": "#microsoft.graph.delegatedAdminCustomer",
            "id": customer.id,
            "tenantId": customer.id,
            "displayName": "Fabrikam",
        }
    ]
    one = await graph(partner, "GET", f"/v1.0/tenantRelationships/delegatedAdminCustomers/{customer.id}", token=token)
    assert one.json()["displayName"] == "Fabrikam"
    stranger = await world.customer()
    missing = f"/v1.0/tenantRelationships/delegatedAdminCustomers/{stranger.id}"
    assert (await graph(partner, "GET", missing, token=token)).status_code == 404


@pytest.mark.rule("GDP-3")
async def test_the_limits_refuse_with_the_rule_in_graphs_envelope(world: World) -> None:
    partner = await world.direct_bill_partner()
    token = await graph_token(partner)
    # Each refusal opens with the GDP-3 facet it is about: duration, roles, name (and editability, below).
    refused = [
        ({"duration": "P3Y"}, "duration", "P1D to P2Y"),
        ({"duration": "P731D"}, "duration", "P1D to P2Y"),
        ({"duration": "PT12H"}, "duration", "P1D to P2Y"),
        ({"duration": "two years"}, "duration", "ISO 8601"),
        ({"autoExtendDuration": "P90D"}, "duration", "autoExtendDuration"),
        (
            {
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": GLOBAL_ADMINISTRATOR}]},
                "autoExtendDuration": "P180D",
            },
            "duration",
            "Global Administrator",
        ),
        ({"displayName": "x" * 51}, "name", "1 to 50 characters"),
        (
            {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": str(uuid.uuid4())}]}},
            "roles",
            "built-in Entra role",
        ),
        ({"accessDetails": {"unifiedRoles": []}}, "roles", "at least one"),
    ]
    for change, facet, words in refused:
        r = await graph(partner, "POST", RELATIONSHIPS, token=token, json={**relationship_body(), **change})
        assert r.status_code == 400, (change, r.text)
        body = r.json()
        assert body["rule"] == "GDP-3"
        assert body["error"]["code"] == "BadRequest"
        assert body["error"]["message"].startswith(f"GDAP {facet}: "), (change, body)
        assert words in body["error"]["message"], (change, body)
        assert set(body["error"]["innerError"]) >= {"date", "request-id"}
    allowed = [
        {"duration": "P1D"},
        {"duration": "P2Y"},
        {"duration": "P730D", "autoExtendDuration": "P0D"},
        {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": GLOBAL_ADMINISTRATOR}]}, "autoExtendDuration": "PT0S"},
        {"displayName": "y" * 50},
    ]
    for change in allowed:
        r = await graph(partner, "POST", RELATIONSHIPS, token=token, json={**relationship_body(), **change})
        assert r.status_code == 201, (change, r.text)
    duplicate = await graph(partner, "POST", RELATIONSHIPS, token=token, json=relationship_body("y" * 50))
    assert duplicate.status_code == 400
    assert duplicate.json()["rule"] == "GDP-3"
    assert duplicate.json()["error"]["message"].startswith("GDAP name: ")
    assert "already have a relationship named" in duplicate.json()["error"]["message"]
    # The name is unique per partner, not across partners.
    other = await world.direct_bill_partner()
    assert (await graph(other, "POST", RELATIONSHIPS, json=relationship_body("y" * 50))).status_code == 201


@pytest.mark.rule("GDP-3")
async def test_patch_and_delete_need_if_match_and_a_created_relationship(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    token = await graph_token(partner)
    relationship = await create(partner, name="first")
    path = f"{RELATIONSHIPS}/{relationship['id']}"
    missing = await graph(partner, "PATCH", path, token=token, json={"displayName": "renamed"})
    assert missing.status_code == 400
    assert "If-Match" in missing.json()["error"]["message"]
    stale = await graph(partner, "PATCH", path, token=token, json={"displayName": "x"}, headers={"If-Match": 'W/"x"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "PreconditionFailed"
    etag = relationship["@odata.etag"]
    too_long = await graph(partner, "PATCH", path, token=token, json={"duration": "P3Y"}, headers={"If-Match": etag})
    assert too_long.status_code == 400
    assert too_long.json()["rule"] == "GDP-3"
    r = await graph(
        partner,
        "PATCH",
        path,
        token=token,
        json={"displayName": "renamed", "customer": {"tenantId": customer.id}},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["displayName"], r.json()["customer"]["tenantId"]) == ("renamed", customer.id)
    assert r.json()["@odata.etag"] != etag
    again = await graph(partner, "PATCH", path, token=token, json={"displayName": "x"}, headers={"If-Match": etag})
    assert again.status_code == 412
    etag = r.json()["@odata.etag"]
    await lock(partner, relationship["id"])
    etag = (await read(partner, relationship["id"]))["@odata.etag"]
    locked = await graph(partner, "PATCH", path, token=token, json={"displayName": "y"}, headers={"If-Match": etag})
    assert locked.status_code == 409
    assert locked.json()["rule"] == "GDP-3"
    assert locked.json()["error"]["message"].startswith("GDAP editability: ")
    assert "only while created" in locked.json()["error"]["message"]
    gone = await graph(partner, "DELETE", path, token=token, headers={"If-Match": etag})
    assert gone.status_code == 409
    assert gone.json()["rule"] == "GDP-3"
    # Active: only autoExtendDuration may change.
    assert (await approve(customer, relationship["id"])).status_code == 200
    etag = (await read(partner, relationship["id"]))["@odata.etag"]
    extend = await graph(
        partner, "PATCH", path, token=token, json={"autoExtendDuration": "P180D"}, headers={"If-Match": etag}
    )
    assert extend.status_code == 200, extend.text
    assert extend.json()["autoExtendDuration"] == "P180D"
    etag = extend.json()["@odata.etag"]
    rename = await graph(partner, "PATCH", path, token=token, json={"displayName": "z"}, headers={"If-Match": etag})
    assert rename.status_code == 409
    assert rename.json()["rule"] == "GDP-3"
    # DELETE while created, with If-Match.
    draft = await create(partner)
    draft_path = f"{RELATIONSHIPS}/{draft['id']}"
    assert (await graph(partner, "DELETE", draft_path, token=token)).status_code == 400
    deleted = await graph(partner, "DELETE", draft_path, token=token, headers={"If-Match": draft["@odata.etag"]})
    assert deleted.status_code == 204
    assert (await graph(partner, "GET", draft_path, token=token)).status_code == 404


async def test_lists_filter_and_page_in_graphs_envelope(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    token = await graph_token(partner)
    first = await create(partner, name="first", customer=customer)
    await create(partner, name="second")
    await create(partner, name="third")
    await lock(partner, first["id"])
    page = await graph(partner, "GET", RELATIONSHIPS, token=token, params={"$top": 2, "$count": "true"})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["@odata.context"].endswith("$metadata#tenantRelationships/delegatedAdminRelationships")
    assert body["@odata.count"] == 3
    assert [r["displayName"] for r in body["value"]] == ["first", "second"]
    assert all("@odata.etag" in r for r in body["value"])
    rest = await graph(partner, "GET", body["@odata.nextLink"], token=token)
    assert [r["displayName"] for r in rest.json()["value"]] == ["third"]
    assert "@odata.nextLink" not in rest.json()
    assert rest.json()["@odata.count"] == 3  # the next link keeps the query's options
    assert "$skiptoken=" in body["@odata.nextLink"]
    assert "@odata.count" not in (await graph(partner, "GET", RELATIONSHIPS, token=token)).json()

    async def names(filter_text: str) -> list[str]:
        r = await graph(partner, "GET", RELATIONSHIPS, token=token, params={"$filter": filter_text})
        assert r.status_code == 200, r.text
        return [x["displayName"] for x in r.json()["value"]]

    assert await names("status eq 'approvalPending'") == ["first"]
    assert await names("status eq 'created'") == ["second", "third"]
    assert await names(f"customer/tenantId eq '{customer.id}'") == ["first"]
    assert await names(f"status eq 'created' and customer/tenantId eq '{customer.id}'") == []
    assert await names("displayName eq 'third'") == ["third"]
    bad = await graph(partner, "GET", RELATIONSHIPS, token=token, params={"$filter": "status ne 'active'"})
    assert bad.status_code == 400
    assert "error" in bad.json()
    assert (await graph(partner, "GET", RELATIONSHIPS, token=token, params={"$top": 301})).status_code == 400


@pytest.mark.rule("GDP-1")
async def test_no_partner_sees_anothers_relationships_and_a_customer_sees_only_its_own(world: World) -> None:
    contoso, northwind = await world.direct_bill_partner(), await world.direct_bill_partner()
    fabrikam, tailspin = await customer_of(world, contoso), await customer_of(world, northwind)
    mine = await create(contoso, name="for fabrikam", customer=fabrikam)
    theirs = await create(northwind, name="for tailspin", customer=tailspin)
    open_request = await create(contoso, name="for anyone")
    for relationship, owner in ((mine, contoso), (theirs, northwind), (open_request, contoso)):
        await lock(owner, relationship["id"])
    listed = await graph(northwind, "GET", RELATIONSHIPS)
    assert [r["id"] for r in listed.json()["value"]] == [theirs["id"]]
    token = await graph_token(northwind)
    path = f"{RELATIONSHIPS}/{mine['id']}"
    assert (await graph(northwind, "GET", path, token=token)).status_code == 404
    assert (await graph(northwind, "DELETE", path, token=token, headers={"If-Match": "*"})).status_code == 404
    assert (await request_action(northwind, mine["id"], "terminate")).status_code == 404
    assert (await graph(northwind, "GET", f"{path}/accessAssignments", token=token)).status_code == 404
    # A customer lists only what is addressed to it; an open request shows to whoever holds its link.
    for customer, own in ((fabrikam, mine), (tailspin, theirs)):
        headers = bearer(await customer.portal_token())
        seen = await world.http.get(ADMIN_RELATIONSHIPS, headers=headers)
        assert [r["id"] for r in seen.json()["items"]] == [own["id"]]
        other = theirs if own is mine else mine
        assert (await world.http.get(f"{ADMIN_RELATIONSHIPS}/{other['id']}", headers=headers)).status_code == 404
        assert (await approve(customer, other["id"])).status_code == 404
        assert (await world.http.get(f"{ADMIN_RELATIONSHIPS}/{open_request['id']}", headers=headers)).status_code == 200
    # Graph's GDAP surface is the partner's; a customer's token is turned away.
    customer_token = await fabrikam.portal_token()
    refused = await world.http.get(RELATIONSHIPS, headers=bearer(customer_token))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Forbidden"
    unauthenticated = await world.http.get(RELATIONSHIPS)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "InvalidAuthenticationToken"


@pytest.mark.rule("GDP-1")
async def test_only_a_global_admin_of_the_customer_approves_and_any_customer_may_take_an_open_request(
    world: World,
) -> None:
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    relationship = await create(partner)
    # Not sent yet: no customer can see or approve it.
    assert (await approve(customer, relationship["id"])).status_code == 404
    await lock(partner, relationship["id"])
    user = f"user@{customer.tenant['domain']}"
    r = await world.sim("POST", f"/tenants/{customer.id}/users", json={"userPrincipalName": user, "roles": ["User"]})
    assert r.status_code == 201, r.text
    not_admin = await approve(customer, relationship["id"], upn=user)
    assert not_admin.status_code == 403
    assert not_admin.json()["rule"] == "GDP-1"
    assert (await read(partner, relationship["id"]))["status"] == "approvalPending"
    approved = await approve(customer, relationship["id"])
    assert approved.status_code == 200, approved.text
    taken = await read(partner, relationship["id"])
    assert taken["customer"]["tenantId"] == customer.id
    assert taken["status"] == "active"
    # Once taken, it belongs to that customer alone.
    other = await world.customer()
    assert (await approve(other, relationship["id"])).status_code == 404
    # approve and reject are an indirect reseller's answers to its provider, not this flow.
    draft = await create(partner)
    refused = await request_action(partner, draft["id"], "approve")
    assert refused.status_code == 400
    assert "lockForApproval" in refused.json()["error"]["message"]
