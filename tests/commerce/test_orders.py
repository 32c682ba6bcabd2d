"""Catalog and orders: who may buy for whom, what, and with whom on record."""

from decimal import Decimal

import pytest

from tests.world import E3, World, bearer


async def test_the_catalog_in_new_commerce_shape(world: World) -> None:
    partner = await world.direct_bill_partner()
    products = (await partner.get("/v1/products", params={"country": "US"})).json()["items"]
    titles = {p["title"] for p in products}
    assert {"Microsoft 365 E3", "Azure plan", "Microsoft 365 Business Premium"} <= titles
    availability = (
        await partner.get("/v1/products/CFQ7TTC0LFLX/skus/0001/availabilities", params={"country": "US"})
    ).json()["items"][0]
    assert availability["catalogItemId"] == E3
    prices = {t["duration"]: Decimal(t["price"]["listPrice"]) for t in availability["terms"]}
    assert prices["P1Y"] == Decimal("36.00")
    assert prices["P1M"] == prices["P1Y"] * Decimal("1.2")  # the monthly-term premium
    canada = (await partner.get("/v1/products/CFQ7TTC0LFLX/skus/0001/availabilities", params={"country": "CA"})).json()[
        "items"
    ][0]
    assert canada["defaultCurrency"]["code"] == "CAD"
    assert (await partner.get("/v1/products", params={"country": "ZZ"})).status_code == 400


@pytest.mark.rule("COM-1")
@pytest.mark.rule("AGR-1")
async def test_a_direct_bill_partner_orders_for_its_customer_once_the_mca_holds(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    refused = await partner.order(customer["id"])
    assert refused.status_code == 403
    assert refused.json()["rule"] == "AGR-1"
    assert refused.json()["code"] == 13605
    await partner.attest_mca(customer["id"])
    r = await partner.order(customer["id"], quantity=10)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "completed"
    assert order["lineItems"][0]["transactionType"] == "new"
    subs = (await partner.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert len(subs) == 1
    sub = subs[0]
    assert (sub["offerId"], sub["quantity"], sub["termDuration"], sub["status"]) == (E3, 10, "P1Y", "active")
    assert sub["unitPrice"] == "36.00"
    assert sub["refundableQuantity"]["totalQuantity"] == 10
    assert sub["cancellationAllowedUntilDate"] is not None
    history = (await partner.get(f"/v1/customers/{customer['id']}/orders")).json()["items"]
    assert [o["id"] for o in history] == [order["id"]]


@pytest.mark.rule("REL-3")
async def test_direct_bill_capability_cannot_buy_for_a_customer_held_as_indirect_reseller(world: World) -> None:
    provider, partner = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, partner)
    acquired = (await provider.create_customer(associatedPartnerId=partner.id)).json()
    await provider.attest_mca(acquired["id"])
    await partner.revenue(*[100_000] * 12)
    assert (await partner.enroll("DirectBill", acknowledgeIndirectOverride=True)).status_code == 201
    await partner.attest_mca(acquired["id"])
    r = await partner.order(acquired["id"])
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-3"
    own = await partner.customer_with_mca()
    assert (await partner.order(own["id"])).status_code == 201


@pytest.mark.rule("REL-5")
async def test_a_provider_needs_its_own_relationship_to_order(world: World) -> None:
    holder, other, reseller = await world.provider(), await world.provider(), await world.indirect_reseller()
    await world.partner_up(holder, reseller)
    await world.partner_up(other, reseller)
    customer = (await holder.create_customer(associatedPartnerId=reseller.id)).json()
    await holder.attest_mca(customer["id"])
    r = await other.order(customer["id"])
    assert r.status_code == 403
    assert (r.json()["rule"], r.json()["code"]) == ("REL-5", 20002)  # Partner Center: no commerce relationship
    assert (await holder.order(customer["id"])).status_code == 201


@pytest.mark.rule("COM-2")
@pytest.mark.rule("COM-3")
async def test_an_indirect_reseller_asks_its_provider_who_orders_with_it_on_record(world: World) -> None:
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    customer = (await provider.create_customer(associatedPartnerId=reseller.id)).json()
    await provider.attest_mca(customer["id"])
    r = await reseller.order(customer["id"], token=await reseller.portal_token())
    assert r.status_code == 403
    assert r.json()["rule"] == "COM-2"
    line = {"lineItemNumber": 0, "offerId": E3, "quantity": 5, "termDuration": "P1Y", "billingCycle": "monthly"}
    r = await reseller.post(
        "/v1/orderrequests", json={"customerId": customer["id"], "indirectProviderId": provider.id, "lineItems": [line]}
    )
    assert r.status_code == 201, r.text
    request = r.json()
    assert request["status"] == "Pending"
    seen = (await provider.get("/v1/orderrequests")).json()["items"]
    assert [x["id"] for x in seen] == [request["id"]]
    r = await provider.post(f"/v1/orderrequests/{request['id']}/fulfill", token=await provider.app_token())
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "Fulfilled"
    subs = (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert [(s["quantity"], s["partnerId"]) for s in subs] == [(5, reseller.tenant["partnerId"])]
    notes = (await reseller.get("/v1/notifications", token=await reseller.portal_token())).json()["items"]
    assert "order-request-fulfilled" in [n["kind"] for n in notes]
    r = await reseller.post(
        "/v1/orderrequests", json={"customerId": customer["id"], "indirectProviderId": provider.id, "lineItems": [line]}
    )
    rejected = await provider.post(
        f"/v1/orderrequests/{r.json()['id']}/reject",
        token=await provider.app_token(),
        json={"reason": "credit limit reached"},
    )
    assert rejected.json()["status"] == "Rejected"
    notes = (await reseller.get("/v1/notifications", token=await reseller.portal_token())).json()["items"]
    assert any(n["kind"] == "order-request-rejected" and "credit limit" in n["body"] for n in notes)
    again = await provider.post(f"/v1/orderrequests/{r.json()['id']}/fulfill", token=await provider.app_token())
    assert again.status_code == 409


@pytest.mark.rule("COM-3")
async def test_the_partner_of_record_must_be_a_related_indirect_reseller(world: World) -> None:
    provider, reseller, stranger = await world.provider(), await world.indirect_reseller(), await world.partner()
    await world.partner_up(provider, reseller)
    customer = (await provider.create_customer(associatedPartnerId=reseller.id)).json()
    await provider.attest_mca(customer["id"])
    r = await provider.order(customer["id"], partnerIdOnRecord=stranger.tenant["partnerId"])
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-3"
    r = await provider.order(customer["id"])  # left out: the customer's reseller goes on record
    assert r.json()["lineItems"][0]["partnerIdOnRecord"] == reseller.tenant["partnerId"]
    direct = await world.direct_bill_partner()
    own = await direct.customer_with_mca()
    r = await direct.order(own["id"], partnerIdOnRecord=reseller.tenant["partnerId"])
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-3"


@pytest.mark.rule("COM-3")
async def test_a_customer_handed_over_by_the_extension_records_its_reseller_named_or_not(world: World) -> None:
    provider, partner = await world.provider(), await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    await world.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")
    assert (await partner.enroll("IndirectReseller")).status_code == 201
    await world.accept_mpa(partner)
    await world.partner_up(provider, partner)
    r = await partner.post(
        f"/v1/customers/{customer['id']}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    await provider.attest_mca(customer["id"])
    r = await provider.order(customer["id"], partnerIdOnRecord="999999999")
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-3"
    named = await provider.order(customer["id"], partnerIdOnRecord=partner.tenant["partnerId"])
    assert named.status_code == 201, named.text
    left_out = await provider.order(customer["id"])
    assert left_out.status_code == 201, left_out.text
    assert [o.json()["lineItems"][0]["partnerIdOnRecord"] for o in (named, left_out)] == [
        partner.tenant["partnerId"]
    ] * 2


@pytest.mark.rule("COM-4")
async def test_direct_ea_and_pay_as_you_go_are_not_resold(world: World) -> None:
    direct = await world.direct_bill_partner()
    customer = await direct.customer_with_mca()
    r = await direct.order(customer["id"], offer="MS-AZR-0003P", term="")
    assert r.status_code == 403
    assert r.json()["rule"] == "COM-4"
    listed = (await direct.get("/v1/products", params={"country": "US"})).json()["items"]
    assert "MS-AZR-0003P" not in {p["id"] for p in listed}
    r = await direct.order(customer["id"], offer="DZH318Z0BPS6:0001:DZH318Z0BNZ2", quantity=1, term="")
    assert r.status_code == 201, r.text  # the Azure plan is
    assert (await direct.order(customer["id"], offer="NOPE:0001:NOPE")).json()["code"] == 800004


@pytest.mark.rule("REL-3")
@pytest.mark.rule("PRG-9")
async def test_a_transitioning_partner_keeps_serving_its_direct_customers_through_the_portal(world: World) -> None:
    """Seed 001: during the transition a partner whose direct bill is Restricted keeps managing its direct customers'
    subscription needs (orders, seats, cancellation) as a person in the portal; it loses the API (PRG-9) and never
    uses direct bill for a customer it acquired as an indirect reseller (REL-3)."""
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    own = await partner.customer_with_mca()
    assert (await partner.order(own["id"], quantity=10)).status_code == 201
    await world.transition(partner)
    await world.partner_up(provider, partner)
    acquired = (await provider.create_customer(associatedPartnerId=partner.id)).json()
    await provider.attest_mca(acquired["id"])
    portal = await partner.portal_token()
    # The API went with the active enrollment.
    r = await partner.order(own["id"])
    assert r.status_code == 403
    assert r.json()["rule"] == "PRG-9"
    # A customer acquired as an indirect reseller is served by the provider.
    r = await partner.order(acquired["id"], token=portal)
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-3"
    # Its own direct customer: a new order, more seats, fewer seats within the window, a cancellation.
    r = await partner.order(own["id"], quantity=3, token=portal)
    assert r.status_code == 201, r.text
    subscription = r.json()["lineItems"][0]["subscriptionId"]
    path = f"/v1/customers/{own['id']}/subscriptions/{subscription}"
    for change in ({"quantity": 5}, {"quantity": 4}, {"status": "deleted"}):
        r = await partner.world.http.patch(path, json=change, headers=bearer(portal))
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "deleted"
