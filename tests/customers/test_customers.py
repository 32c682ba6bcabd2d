"""Customers and relationships: REL-1..8 through HTTP."""

import uuid
from typing import Any

import httpx
import pytest

from tests.plans import statements_on
from tests.world import Party, World, bearer


async def customer_sees(world: World, customer: Party) -> dict[str, list[str]]:
    r = await world.http.get("/admin/v1/partnerRelationships", headers=bearer(await customer.portal_token()))
    assert r.status_code == 200, r.text
    return {p["partnerTenantId"]: p["roles"] for p in r.json()["items"]}


async def accept(world: World, customer: Party, url: str, upn: str | None = None) -> "object":
    code = url.rsplit("/", 1)[-1]
    return await world.http.post(
        f"/admin/v1/invitations/{code}/accept", headers=bearer(await customer.portal_token(upn))
    )


async def customer_ids(partner: Party, token: str) -> set[str]:
    r = await partner.get("/v1/customers", token=token)
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["items"]}


@pytest.mark.rule("REL-1")
async def test_an_indirect_reseller_invitation_relates_the_customer_to_both_partners(world: World) -> None:
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    customer, other = await world.customer(), await world.customer()
    r = await reseller.post(
        "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": customer.id}
    )
    assert r.status_code == 201, r.text
    invitation = r.json()
    assert invitation["url"].startswith("http")
    assert invitation["url"] in invitation["emailDraft"]["body"]
    code = invitation["url"].rsplit("/", 1)[-1]
    seen = await world.http.get(f"/admin/v1/invitations/{code}", headers=bearer(await customer.portal_token()))
    assert seen.json()["partner"]["id"] == reseller.id
    assert seen.json()["indirectProvider"]["id"] == provider.id
    # Another customer tenant neither reads nor takes a link sent to this one (not found: its partners are not
    # that customer's to see); a user who is no Global admin cannot accept.
    r = await accept(world, other, invitation["url"])
    assert r.status_code == 404
    r = await world.http.get(f"/admin/v1/invitations/{code}", headers=bearer(await other.portal_token()))
    assert r.status_code == 404
    user = f"user@{customer.tenant['domain']}"
    await world.sim("POST", f"/tenants/{customer.id}/users", json={"userPrincipalName": user, "roles": ["User"]})
    r = await accept(world, customer, invitation["url"], upn=user)
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-1"
    r = await accept(world, customer, invitation["url"])
    assert r.status_code == 200, r.text
    assert {p["partnerTenantId"] for p in r.json()["partners"]} == {reseller.id, provider.id}
    assert await customer_sees(world, customer) == {
        reseller.id: ["IndirectReseller"],
        provider.id: ["IndirectProvider"],
    }
    assert customer.id in await customer_ids(reseller, await reseller.portal_token())
    assert customer.id in await customer_ids(provider, await provider.app_token())
    again = await accept(world, customer, invitation["url"])
    assert again.status_code == 409
    events = await world.sim("GET", "/events", params={"name": "indirect-reseller-relationship-accepted-by-customer"})
    assert set(events.json()["items"][0]["tenantIds"]) == {reseller.id, provider.id}


@pytest.mark.rule("REL-1")
async def test_only_a_partnered_indirect_reseller_invites_with_a_provider(world: World) -> None:
    provider, reseller = await world.provider(), await world.indirect_reseller()
    r = await reseller.post("/v1/customers/invitations", json={"indirectProviderId": provider.id})
    assert r.status_code == 400
    assert r.json()["rule"] == "REL-1"
    direct = await world.direct_bill_partner()
    r = await direct.post("/v1/customers/invitations", json={"indirectProviderId": provider.id})
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-1"


@pytest.mark.rule("REL-2")
async def test_only_providers_and_direct_bill_partners_create_customer_tenants(world: World) -> None:
    provider, reseller = await world.provider(), await world.indirect_reseller()
    r = await reseller.create_customer(token=await reseller.portal_token())
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-2"
    r = await provider.create_customer(associatedPartnerId=reseller.id)
    assert r.status_code == 400
    assert r.json()["rule"] == "REL-2"
    assert r.json()["code"] == 800016
    await world.partner_up(provider, reseller)
    r = await provider.create_customer("fabrikam", associatedPartnerId=reseller.id)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["companyProfile"]["domain"] == "fabrikam.onmicrosoft.com"
    assert created["associatedPartnerId"] == reseller.id
    assert created["userCredentials"]["userName"] == "admin"  # the short name; it signs in at the domain
    assert created["userCredentials"]["password"]
    assert created["id"] in await customer_ids(reseller, await reseller.portal_token())
    direct = await world.direct_bill_partner()
    r = await direct.create_customer("contoso")
    assert r.status_code == 201, r.text
    assert [p["kind"] for p in r.json()["partnerRelationships"]] == ["DirectBill"]
    # The customer's first admin can sign in with the credentials answered once.
    token = await world.http.post(
        f"/{created['id']}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "username": f"{created['userCredentials']['userName']}@{created['companyProfile']['domain']}",
            "password": created["userCredentials"]["password"],
        },
    )
    assert token.status_code == 200, token.text


@pytest.mark.rule("REL-4")
async def test_a_direct_customer_shows_products_an_indirect_one_does_not(world: World) -> None:
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    indirect = (await provider.create_customer(associatedPartnerId=reseller.id)).json()
    direct_partner = await world.direct_bill_partner()
    direct = (await direct_partner.create_customer()).json()
    ops = direct["allowedOperations"]
    assert "viewSubscriptions" in ops
    assert "addProducts" in ops
    seen = await reseller.get(f"/v1/customers/{indirect['id']}", token=await reseller.portal_token())
    assert seen.status_code == 200, seen.text
    assert "viewSubscriptions" not in seen.json()["allowedOperations"]
    assert "addProducts" not in seen.json()["allowedOperations"]
    assert "requestOrder" in seen.json()["allowedOperations"]
    assert seen.json()["partnerRelationships"][0]["kind"] == "IndirectReseller"


@pytest.mark.rule("REL-3")
async def test_direct_bill_capability_does_not_reach_customers_acquired_as_indirect_reseller(world: World) -> None:
    provider, partner = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, partner)
    acquired = (await provider.create_customer(associatedPartnerId=partner.id)).json()
    await partner.revenue(*[100_000] * 12)
    assert (await partner.enroll("DirectBill", acknowledgeIndirectOverride=True)).status_code == 201
    own = (await partner.create_customer()).json()
    assert "addProducts" in own["allowedOperations"]
    seen = (await partner.get(f"/v1/customers/{acquired['id']}")).json()
    assert "addProducts" not in seen["allowedOperations"]
    assert [r["kind"] for r in seen["partnerRelationships"]] == ["IndirectReseller"]
    # The purchase itself is refused for the acquired customer, allowed for the partner's own.
    await provider.attest_mca(acquired["id"])
    await partner.attest_mca(acquired["id"])
    r = await partner.order(acquired["id"])
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-3"
    await partner.attest_mca(own["id"])
    assert (await partner.order(own["id"])).status_code == 201


@pytest.mark.rule("REL-5")
async def test_a_provider_without_its_own_relationship_cannot_reach_the_customer(world: World) -> None:
    first, second, reseller = await world.provider(), await world.provider(), await world.indirect_reseller()
    await world.partner_up(first, reseller)
    await world.partner_up(second, reseller)
    customer = (await first.create_customer(associatedPartnerId=reseller.id)).json()
    assert (await first.get(f"/v1/customers/{customer['id']}")).status_code == 200
    assert (await second.get(f"/v1/customers/{customer['id']}")).status_code == 404
    assert customer["id"] not in await customer_ids(second, await second.app_token())
    # Asked to buy for it, the second provider is told why (Partner Center's 20002); the first one buys.
    await first.attest_mca(customer["id"])
    r = await second.order(customer["id"])
    assert r.status_code == 403
    assert (r.json()["rule"], r.json()["code"]) == ("REL-5", 20002)
    assert (await first.order(customer["id"])).status_code == 201


@pytest.mark.rule("REL-6")
async def test_the_extension_needs_all_four_conditions(world: World) -> None:
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    direct_customer = (await partner.create_customer()).json()
    await partner.post(f"/v1/customers/{direct_customer['id']}/agreements", json=attestation())
    # (a) a direct-bill partner that has not completed the indirect reseller enrollment
    extension = {"indirectProviderId": provider.id, "customerConsentRecorded": True}
    path = f"/v1/customers/{direct_customer['id']}/resellerrelationshipextension"
    r = await partner.post(path, json=extension)
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-6"
    assert "completed the indirect reseller enrollment" in r.json()["description"]
    restricted = await partner.post(
        "/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"}
    )
    await world.sim("POST", f"/servicerequests/{restricted.json()['id']}/resolve")
    assert (await partner.enroll("IndirectReseller")).status_code == 201
    await world.accept_mpa(partner)
    # (c) a provider whose partnership invitation it has not accepted
    r = await partner.post(path, json=extension)
    assert r.status_code == 403
    assert "partnership invitation" in r.json()["description"]
    await world.partner_up(provider, partner)
    # (b) an indirect reseller customer, not a direct-bill one
    other_provider = await world.provider()
    await world.partner_up(other_provider, partner)
    indirect_customer = (await other_provider.create_customer(associatedPartnerId=partner.id)).json()
    r = await partner.post(f"/v1/customers/{indirect_customer['id']}/resellerrelationshipextension", json=extension)
    assert r.status_code == 403
    assert "direct-bill customers" in r.json()["description"]
    # (d) the customer's consent
    r = await partner.post(path, json={**extension, "customerConsentRecorded": False})
    assert r.status_code == 403
    assert "consent" in r.json()["description"]
    assert (await provider.get(f"/v1/customers/{direct_customer['id']}")).status_code == 404
    r = await partner.post(path, json=extension)
    assert r.status_code == 201, r.text
    seen = await provider.get(f"/v1/customers/{direct_customer['id']}")
    assert seen.status_code == 200
    relationship = seen.json()["partnerRelationships"][0]
    assert (relationship["kind"], relationship["origin"], relationship["adminPrivileges"]) == (
        "IndirectProvider",
        "Extension",
        False,
    )
    copied, original = seen.json()["billingProfile"], direct_customer["billingProfile"]
    assert {k: v for k, v in copied.items() if k != "id"} == {k: v for k, v in original.items() if k != "id"}
    assert "manageUsers" not in seen.json()["allowedOperations"]
    assert "addProducts" in seen.json()["allowedOperations"]
    admin = await world.sim("GET", f"/tenants/{direct_customer['id']}/users")
    customer = Party(
        world=world,
        tenant={"id": direct_customer["id"]},
        admin_upn=admin.json()["items"][0]["userPrincipalName"],
        app={},
    )
    partners = await world.http.get("/admin/v1/partnerRelationships", headers=bearer(await customer.portal_token()))
    listed = {p["partnerTenantId"]: p for p in partners.json()["items"]}
    assert listed[provider.id]["roles"] == ["IndirectProvider"]
    assert listed[provider.id]["adminPrivileges"] is False


@pytest.mark.rule("REL-6")
async def test_the_extension_keeps_the_consent_and_shows_the_relationship_to_everyone_concerned(world: World) -> None:
    """The audit: the consent was a flag never stored, and the provider's relationships listed nothing. Now the
    consent (who, when, on which customer) is read back by both partners and is in both audit logs, and the
    relationship shows to both partners and in the customer's admin center."""
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    await world.transition(partner)
    await world.partner_up(provider, partner)
    path = f"/v1/customers/{customer['id']}/resellerrelationshipextension"
    consent = {
        "indirectProviderId": provider.id,
        "customerConsentRecorded": True,
        "consentedBy": {"firstName": "Grace", "lastName": "Hopper", "email": "Grace@Customer.example"},
        "dateConsented": "2026-01-20T00:00:00Z",
    }
    refused = await partner.post(path, json={**consent, "customerConsentRecorded": False})
    assert refused.status_code == 403
    assert refused.json()["rule"] == "REL-6"
    refused = await partner.post(path, json={**consent, "dateConsented": "2999-01-01T00:00:00Z"})
    assert refused.status_code == 400
    assert refused.json()["rule"] == "REL-6"
    assert (await partner.get(path, token=await partner.portal_token())).json()["items"] == []
    r = await partner.post(path, json=consent)
    assert r.status_code == 201, r.text
    assert r.json()["associatedPartnerId"] is None  # the partner holds it as direct bill still
    # Both partners read back the consent and the relationship it allowed.
    mine = (await partner.get(path, token=await partner.portal_token())).json()["items"]
    theirs = (await provider.get(path)).json()["items"]
    assert mine == theirs
    assert len(mine) == 1
    record = mine[0]
    assert (record["customerId"], record["resellerId"], record["indirectProviderId"]) == (
        customer["id"],
        partner.id,
        provider.id,
    )
    assert record["consentedBy"] == {"firstName": "Grace", "lastName": "Hopper", "email": "grace@customer.example"}
    assert record["dateConsented"].startswith("2026-01-20")
    assert record["recordedBy"] == partner.admin_upn
    # Both audit logs name it.
    for party, token in ((partner, await partner.portal_token()), (provider, await provider.app_token())):
        audit = (await party.get("/v1/auditrecords", token=token)).json()["items"]
        assert ("extend_reseller_relationship", record["id"]) in [(a["operationType"], a["resourceId"]) for a in audit]
    # The relationship: the provider names the partner as the customer's indirect reseller, and the other way round.
    seen = (await provider.get(f"/v1/customers/{customer['id']}")).json()
    assert seen["associatedPartnerId"] == partner.id
    listed = (await provider.get(f"/v1/customers/{customer['id']}/relationships")).json()["items"]
    assert [(p["id"], p["relationshipType"]) for p in listed] == [(partner.id, "indirect_reseller")]
    relationships = f"/v1/customers/{customer['id']}/relationships"
    listed = (await partner.get(relationships, token=await partner.portal_token())).json()["items"]
    assert [(p["id"], p["relationshipType"]) for p in listed] == [(provider.id, "indirect_provider")]
    holder = Party(
        world=world,
        tenant={"id": customer["id"]},
        admin_upn=f"{customer['userCredentials']['userName']}@{customer['companyProfile']['domain']}",
        app={},
    )
    assert (await customer_sees(world, holder))[provider.id] == ["IndirectProvider"]
    # A stranger provider learns nothing of it.
    stranger = await world.provider()
    assert (await stranger.get(path)).status_code == 404


@pytest.mark.rule("REL-7")
async def test_the_relationship_request_link_serves_each_customer_once(world: World) -> None:
    direct = await world.direct_bill_partner()
    r = await direct.get("/v1/customers/relationshiprequests")
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    assert r.json()["attributes"]["objectType"] == "RelationshipRequest"
    assert (await direct.get("/v1/customers/relationshiprequests")).json()["url"] == url
    first, second = await world.customer(), await world.customer()
    assert (await accept(world, first, url)).status_code == 200
    assert (await accept(world, second, url)).status_code == 200
    assert (await accept(world, first, url)).status_code == 409
    assert {first.id, second.id} <= await customer_ids(direct, await direct.app_token())
    assert await customer_sees(world, first) == {direct.id: ["Reseller"]}
    reseller = await world.indirect_reseller()
    r = await reseller.get("/v1/customers/relationshiprequests", token=await reseller.portal_token())
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-7"


@pytest.mark.rule("REL-8")
async def test_multi_channel_leaves_existing_subscriptions_as_they_were(world: World) -> None:
    customer = await world.customer()
    for body in (
        {
            "channel": "Direct",
            "offerId": "CFQ7TTC0LH18:0001",
            "offerName": "Microsoft 365 E3",
            "quantity": 25,
            "termDuration": "P1Y",
            "billingCycle": "annual",
            "commitmentEndDate": "2027-06-30",
        },
        {
            "channel": "Advisor",
            "offerId": "DZH318Z0BQ3Q:0001",
            "offerName": "Azure subscription",
            "quantity": 1,
            "partnerOfRecord": "4899999",
            "autoRenew": False,
        },
    ):
        assert (await world.sim("POST", f"/tenants/{customer.id}/subscriptions", json=body)).status_code == 201
    before = (await world.sim("GET", f"/tenants/{customer.id}/subscriptions")).json()["items"]
    direct = await world.direct_bill_partner()
    url = (await direct.get("/v1/customers/relationshiprequests")).json()["url"]
    assert (await accept(world, customer, url)).status_code == 200
    after = (await world.sim("GET", f"/tenants/{customer.id}/subscriptions")).json()["items"]
    assert len(after) == len(before) == 2
    for old, new in zip(before, after, strict=True):
        for field in old:
            assert new[field] == old[field], field
    assert customer.id in await customer_ids(direct, await direct.app_token())


def attestation(**overrides: object) -> dict[str, object]:
    return {
        "primaryContact": {"firstName": "Grace", "lastName": "Hopper", "email": "grace@customer.example"},
        "templateId": "117a77b0-9360-443b-8795-c6dedc750cf9",
        "dateAgreed": "2026-01-15T00:00:00Z",
        "type": "MicrosoftCustomerAgreement",
        **overrides,
    }


@pytest.mark.rule("AGR-3")
async def test_an_attestation_records_contact_date_template_and_recorder(world: World) -> None:
    direct = await world.direct_bill_partner()
    templates = (await direct.get("/v1/agreements", params={"agreementType": "MicrosoftCustomerAgreement"})).json()
    assert templates["items"][0]["templateId"] == "117a77b0-9360-443b-8795-c6dedc750cf9"
    customer = (await direct.create_customer()).json()
    path = f"/v1/customers/{customer['id']}/agreements"
    bad = await direct.post(path, token=await direct.app_token(), json=attestation(templateId="nope"))
    assert bad.status_code == 400
    assert bad.json()["rule"] == "AGR-3"
    r = await direct.post(path, json=attestation())
    assert r.status_code == 201, r.text
    recorded = r.json()
    assert recorded["primaryContact"] == {
        "firstName": "Grace",
        "lastName": "Hopper",
        "email": "grace@customer.example",
        "phoneNumber": None,
    }
    assert recorded["dateAgreed"].startswith("2026-01-15")
    assert recorded["recordedBy"] == direct.admin_upn
    assert recorded["userId"]
    duplicate = await direct.post(path, json=attestation())
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == 600061
    listed = (await direct.get(path)).json()["items"]
    assert len(listed) == 1


@pytest.mark.rule("AGR-1")
@pytest.mark.rule("AGR-2")
async def test_an_attested_mca_does_not_move_to_the_provider_an_admin_center_one_does(world: World) -> None:
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    assert customer["mcaAccepted"] is False
    assert (await partner.post(f"/v1/customers/{customer['id']}/agreements", json=attestation())).status_code == 201
    assert (await partner.get(f"/v1/customers/{customer['id']}")).json()["mcaAccepted"] is True
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    await world.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")
    await partner.enroll("IndirectReseller")
    await world.accept_mpa(partner)
    await world.partner_up(provider, partner)
    r = await partner.post(
        f"/v1/customers/{customer['id']}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    assert (await provider.get(f"/v1/customers/{customer['id']}")).json()["mcaAccepted"] is False
    admin_upn = f"{customer['userCredentials']['userName']}@{customer['companyProfile']['domain']}"
    holder = Party(world=world, tenant={"id": customer["id"]}, admin_upn=admin_upn, app={})
    r = await world.http.post(
        "/admin/v1/agreements/mca/accept",
        headers=bearer(await holder.portal_token()),
        json={"firstName": "Grace", "lastName": "Hopper", "email": "grace@customer.example"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == "AdminCenter"
    assert (await provider.get(f"/v1/customers/{customer['id']}")).json()["mcaAccepted"] is True
    again = await world.http.post(
        "/admin/v1/agreements/mca/accept",
        headers=bearer(await holder.portal_token()),
        json={"firstName": "G", "lastName": "H", "email": "g@customer.example"},
    )
    assert again.status_code == 409


@pytest.mark.rule("AGR-2")
async def test_after_the_transition_the_provider_buys_only_on_an_acceptance_that_was_kept(world: World) -> None:
    """AGR-2 in what it changes, a purchase: the partner's attestation is not carried over, so the provider's order
    is refused (AGR-1); the customer's own acceptance in its admin center is kept, so the provider's order goes
    through with no attestation of its own."""
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    attested, accepted = await partner.customer_with_mca(), (await partner.create_customer()).json()
    holder = Party(
        world=world,
        tenant={"id": accepted["id"]},
        admin_upn=f"{accepted['userCredentials']['userName']}@{accepted['companyProfile']['domain']}",
        app={},
    )
    r = await world.http.post(
        "/admin/v1/agreements/mca/accept",
        headers=bearer(await holder.portal_token()),
        json={"firstName": "Ada", "lastName": "Lovelace", "email": "ada@customer.example"},
    )
    assert r.status_code == 201, r.text
    await world.transition(partner)
    await world.partner_up(provider, partner)
    for customer in (attested, accepted):
        r = await partner.post(
            f"/v1/customers/{customer['id']}/resellerrelationshipextension",
            json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
        )
        assert r.status_code == 201, r.text
    refused = await provider.order(attested["id"])
    assert refused.status_code == 403
    assert refused.json()["rule"] == "AGR-1"
    assert "agreements" in refused.json()["description"]
    r = await provider.order(accepted["id"])
    assert r.status_code == 201, r.text
    # The provider records the attested customer's acceptance again, and then buys for it too.
    await provider.attest_mca(attested["id"])
    assert (await provider.order(attested["id"])).status_code == 201


async def test_a_stranger_reaches_no_customer_through_any_route(world: World) -> None:
    """Every /v1/customers/{customer_id}... route answers a partner with no relationship 404, except asking for a
    transfer, which TRF-2 refuses in the same words whether or not the customer exists (nothing leaks)."""
    direct = await world.direct_bill_partner()
    customer = (await direct.create_customer()).json()
    stranger = await world.direct_bill_partner()
    spec = (await world.http.get("/openapi.json")).json()
    routes = [
        (path, method)
        for path, ops in spec["paths"].items()
        if path.startswith("/v1/customers/{customer_id}")
        for method in ops
    ]
    assert len(routes) >= 10
    token = await stranger.app_token()
    migration = {"currentSubscriptionId": str(uuid.uuid4()), "termDuration": "P1Y", "billingCycle": "monthly"}
    # A valid body per route, so the refusal comes from visibility, not from validation.
    bodies: dict[tuple[str, str], object] = {
        ("/v1/customers/{customer_id}/resellerrelationshipextension", "post"): {
            "indirectProviderId": stranger.id,
            "customerConsentRecorded": True,
        },
        ("/v1/customers/{customer_id}/agreements", "post"): attestation(),
        ("/v1/customers/{customer_id}/profiles/billing", "put"): {
            "email": "billing@stranger.example",
            "companyName": "Stranger",
            "defaultAddress": {
                "firstName": "S",
                "lastName": "T",
                "addressLine1": "1 Way",
                "city": "Redmond",
                "postalCode": "98052",
                "country": "US",
            },
        },
        ("/v1/customers/{customer_id}/qualifications", "post"): {"qualification": "StateOwnedEntity"},
        ("/v1/customers/{customer_id}/orders", "post"): {
            "lineItems": [
                {"lineItemNumber": 0, "offerId": "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5", "quantity": 1, "termDuration": "P1Y"}
            ]
        },
        ("/v1/customers/{customer_id}/carts", "post"): {
            "lineItems": [{"catalogItemId": "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5", "quantity": 1, "termDuration": "P1Y"}]
        },
        ("/v1/customers/{customer_id}/carts/{cart_id}", "put"): {
            "lineItems": [{"catalogItemId": "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5", "quantity": 1, "termDuration": "P1Y"}]
        },
        ("/v1/customers/{customer_id}/carts/{cart_id}/checkout", "post"): None,
        ("/v1/customers/{customer_id}/orders/{order_id}", "patch"): {"status": "cancelled"},
        ("/v1/customers/{customer_id}/transfers", "post"): {
            "sourcePartnerTenantId": direct.id,
            "customerEmailId": "it@customer.example",
            "transferType": 5,
        },
        ("/v1/customers/{customer_id}/transfers/{transfer_id}", "patch"): {"status": "Cancel"},
        ("/v1/customers/{customer_id}/subscriptions/{subscription_id}", "patch"): {"quantity": 2},
        ("/v1/customers/{customer_id}/subscriptions/{subscription_id}/transitions", "post"): {
            "toCatalogItemId": "CFQ7TTC0LF8S:0002:CFQ7TTC0LF8Q",
            "quantity": 1,
        },
        ("/v1/customers/{customer_id}/migrations/newcommerce", "post"): migration,
        ("/v1/customers/{customer_id}/migrations/newcommerce/validate", "post"): migration,
        ("/v1/customers/{customer_id}/deviceBatches", "post"): {
            "batchId": "b1",
            "devices": [{"hardwareHash": "h1"}],
        },
        ("/v1/customers/{customer_id}/deviceBatches/{batch_id}/devices", "post"): [{"hardwareHash": "h2"}],
        ("/v1/customers/{customer_id}/policies", "post"): {"name": "p", "policySettings": ["skip_eula"]},
        ("/v1/customers/{customer_id}/policies/{policy_id}", "put"): {"name": "p", "policySettings": ["skip_eula"]},
        ("/v1/customers/{customer_id}/users", "post"): {
            "userPrincipalName": f"someone@{customer['companyProfile']['domain']}",
            "displayName": "Someone",
            "usageLocation": "US",
        },
        ("/v1/customers/{customer_id}/users/{user_id}", "patch"): {
            "state": "active",
            "attributes": {"objectType": "CustomerUser"},
        },
        ("/v1/customers/{customer_id}/users/{user_id}/licenseupdates", "post"): {
            "licensesToAssign": [{"skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965"}],
            "attributes": {"objectType": "LicenseUpdate"},
        },
        ("/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers", "post"): {
            "id": str(uuid.uuid4()),
            "attributes": {"objectType": "UserMember"},
        },
    }
    for path, method in routes:
        needs_body = method in ("post", "patch", "put") and not path.endswith("/accept")
        assert not needs_body or (path, method) in bodies, f"add a valid body for {method} {path} to this walk"

    async def call(method: str, path: str, customer_id: str) -> httpx.Response:
        url = path.replace("{customer_id}", customer_id)
        for name in (
            "{subscription_id}",
            "{order_id}",
            "{cart_id}",
            "{transfer_id}",
            "{user_id}",
            "{role_id}",
            "{batch_id}",
            "{device_id}",
            "{policy_id}",
            "{tracking_id}",
            "{azure_plan_subscription_id}",
            "{migration_id}",
            "{entitlement_id}",
        ):
            url = url.replace(name, str(uuid.uuid4()))
        return await world.http.request(method.upper(), url, headers=bearer(token), json=bodies.get((path, method)))

    for path, method in routes:
        r = await call(method, path, customer["id"])
        if (path, method) == ("/v1/customers/{customer_id}/transfers", "post"):
            assert r.status_code == 403, r.text
            assert r.json()["rule"] == "TRF-2"
            unknown = await call(method, path, str(uuid.uuid4()))
            assert unknown.json() == r.json()
            continue
        assert r.status_code == 404, (method, path, r.text)


async def test_a_page_of_customers_costs_the_same_queries_whatever_its_size(world: World, app: Any) -> None:
    """Shaping the listing reads each page's relationships and MCA acceptances once, never once per customer."""
    partner = await world.direct_bill_partner()
    token = await partner.app_token()

    async def queries_to_list(expected: int) -> int:
        with statements_on(app) as statements:
            r = await partner.get("/v1/customers", token=token)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) == expected
        return len(statements)

    await partner.customer_with_mca()
    one = await queries_to_list(1)
    await partner.customer_with_mca()
    await partner.create_customer()
    assert await queries_to_list(3) == one


async def test_a_customer_read_alone_answers_what_its_listing_answers(world: World) -> None:
    """GET of one customer reads it as values (`customers.service.show_visible_customer`); the listing answers it
    from entities: the two agree field for field, bill-to, relationships and MCA included."""
    partner = await world.direct_bill_partner()
    with_mca = await partner.customer_with_mca()
    without = (await partner.create_customer()).json()
    listed = {c["id"]: c for c in (await partner.get("/v1/customers")).json()["items"]}
    for customer in (with_mca, without):
        read = await partner.get(f"/v1/customers/{customer['id']}")
        assert read.status_code == 200, read.text
        assert read.json() == listed[customer["id"]]
    assert listed[with_mca["id"]]["mcaAccepted"] is True
    assert listed[without["id"]]["mcaAccepted"] is False


async def listed_count(partner: Party, token: str) -> tuple[int, int]:
    """The listing's totalCount and how many customers walking its pages finds."""
    found, path, headers = 0, "/v1/customers?size=2", dict[str, str]()
    while True:
        r = await partner.world.http.get(path, headers=bearer(token) | headers)
        assert r.status_code == 200, r.text
        found += len(r.json()["items"])
        following = r.json()["links"].get("next")
        if not following:
            return r.json()["totalCount"], found
        path, headers = following["uri"], {h["key"]: h["value"] for h in following["headers"]}


async def test_a_partners_customer_count_follows_its_relationships(world: World) -> None:
    """totalCount is kept as relationships come and go (not counted over the book): a customer held two ways counts
    once, a deleted one no longer counts, another partner's customers never."""
    provider, partner = await world.provider(), await world.direct_bill_partner()
    token, provider_token = await partner.portal_token(), await provider.app_token()
    customer = await world.customer()
    link = (await partner.get("/v1/customers/relationshiprequests", token=token)).json()["url"]
    assert (await accept(world, customer, link)).status_code == 200
    assert await listed_count(partner, token) == (1, 1)
    r = await partner.create_customer(token=token)
    assert r.status_code == 201, r.text
    own = r.json()
    await world.transition(partner)  # now an indirect reseller too
    await world.partner_up(provider, partner)
    r = await partner.post(
        "/v1/customers/invitations",
        json={"indirectProviderId": provider.id, "customerTenantId": customer.id},
        token=token,
    )
    assert r.status_code == 201, r.text
    assert (await accept(world, customer, r.json()["url"])).status_code == 200
    assert sorted((await customer_sees(world, customer))[partner.id]) == ["IndirectReseller", "Reseller"]
    assert await listed_count(partner, token) == (2, 2)  # one held two ways, counted once
    assert await listed_count(provider, provider_token) == (1, 1)
    for _ in range(2):
        assert (await provider.create_customer(token=provider_token)).status_code == 201
    assert await listed_count(partner, token) == (2, 2)
    assert await listed_count(provider, provider_token) == (3, 3)
    assert (await world.http.delete(f"/v1/customers/{own['id']}", headers=bearer(token))).status_code == 204
    assert await listed_count(partner, token) == (1, 1)
