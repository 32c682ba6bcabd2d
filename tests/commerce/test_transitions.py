"""Transitions (upgrades): full and partial, what is eligible now and at renewal (COM-8), and the purchase gate."""

from typing import Any

import pytest

from tests.commerce.journeys import (
    BUSINESS_BASIC,
    E3,
    E5,
    E5_COMPLIANCE,
    parse,
    patch,
    path_of,
    read,
    subscription_of,
)
from tests.world import Party, World


async def upgrade(partner: Party, path: str, **body: Any) -> Any:
    return await partner.post(f"{path}/transitions", json={"toCatalogItemId": E5, **body})


@pytest.mark.rule("COM-8")
async def test_an_immediate_full_upgrade_converts_the_source(world: World) -> None:
    partner, customer, source = await subscription_of(world, offer=E3, quantity=10)
    path = path_of(customer, source["id"])
    addon = await partner.order(customer["id"], offer=E5_COMPLIANCE, quantity=2, parentSubscriptionId=source["id"])
    assert addon.status_code == 201, addon.text
    found = (await partner.get(f"{path}/transitionEligibilities", params={"eligibilityType": "immediate"})).json()
    by_term = {(e["catalogItemId"], e["termDuration"]): e["eligibilities"][0] for e in found["items"]}
    assert by_term[(E5, "P1Y")]["isEligible"] is True
    shorter = by_term[(E5, "P1M")]  # COM-8: mid-term, the commitment made is kept
    assert (shorter["isEligible"], shorter["errors"][0]["code"]) == (False, 900267)
    assert BUSINESS_BASIC not in {e["catalogItemId"] for e in found["items"]}  # a downgrade waits for renewal
    refused = await upgrade(partner, path, quantity=10, termDuration="P1M")
    assert (refused.status_code, refused.json()["rule"], refused.json()["code"]) == (400, "COM-8", 900267)
    refused = await upgrade(partner, path, quantity=10, toCatalogItemId=BUSINESS_BASIC)
    assert (refused.status_code, refused.json()["rule"], refused.json()["code"]) == (400, "COM-8", 800024)
    await world.sim("POST", "/clock/advance", json={"days": 30})  # long after the source's 168 hours
    r = await upgrade(partner, path, quantity=10, fromCatalogItemId=E3, transitionType="transition_only")
    assert r.status_code == 200, r.text
    transition = r.json()
    assert (transition["status"], transition["quantity"], transition["attributes"]) == (
        "completed",
        10,
        {"objectType": "Transition"},
    )
    converted = await read(partner, customer["id"], source["id"])
    assert (converted["status"], converted["quantity"]) == ("deleted", 10)
    upgraded = await read(partner, customer["id"], transition["toSubscriptionId"])
    assert (upgraded["offerId"], upgraded["quantity"], upgraded["status"]) == (E5, 10, "active")
    assert upgraded["commitmentEndDate"] == source["commitmentEndDate"]  # co-termed
    assert upgraded["orderId"] == transition["orderId"]
    addons = (await partner.get(f"{path_of(customer, upgraded['id'])}/addons")).json()["items"]
    assert [a["id"] for a in addons] == [addon.json()["lineItems"][0]["subscriptionId"]]  # the add-on follows
    listed = (await partner.get(f"{path}/transitions")).json()["items"]
    assert [t["id"] for t in listed] == [transition["id"]]
    # COM-8: the upgrade is a purchase with its own 168 hours, no more.
    assert upgraded["refundableQuantity"]["totalQuantity"] == 10
    await world.sim("POST", "/clock/advance", json={"hours": 169})
    refused = await patch(partner, path_of(customer, upgraded["id"]), status="deleted")
    assert (refused.status_code, refused.json()["rule"]) == (400, "COM-8")


@pytest.mark.rule("COM-8")
async def test_an_immediate_partial_upgrade_leaves_the_rest_with_the_source(world: World) -> None:
    partner, customer, source = await subscription_of(world, offer=E3, quantity=10)
    path = path_of(customer, source["id"])
    assert (await upgrade(partner, path, quantity=11)).status_code == 400
    await world.sim("POST", "/clock/advance", json={"days": 10})
    r = await upgrade(partner, path, quantity=4)
    assert r.status_code == 200, r.text
    kept = await read(partner, customer["id"], source["id"])
    assert (kept["status"], kept["quantity"]) == ("active", 6)
    moved = await read(partner, customer["id"], r.json()["toSubscriptionId"])
    assert (moved["offerId"], moved["quantity"], moved["refundableQuantity"]["totalQuantity"]) == (E5, 4, 4)
    # COM-8: seats moving out are no refund, and the source's own window stays closed.
    assert kept["refundableQuantity"]["totalQuantity"] == 0
    refused = await patch(partner, path, quantity=5)
    assert (refused.status_code, refused.json()["rule"]) == (400, "COM-8")


@pytest.mark.rule("COM-8")
async def test_a_downgrade_is_scheduled_for_the_renewal(world: World) -> None:
    partner, customer, source = await subscription_of(world, offer=E3, quantity=10)
    path = path_of(customer, source["id"])
    found = (await partner.get(f"{path}/transitionEligibilities", params={"eligibilityType": "scheduled"})).json()
    assert any(e["catalogItemId"] == BUSINESS_BASIC and e["termDuration"] == "P1M" for e in found["items"])
    product = {"productId": "CFQ7TTC0LH18", "skuId": "0001", "availabilityId": "CFQ7TTC0LH0R", "termDuration": "P1M"}
    r = await patch(partner, path, scheduledNextTermInstructions={"product": {**product, "skuId": "9999"}})
    assert r.status_code == 400, r.text
    r = await patch(partner, path, scheduledNextTermInstructions={"product": product, "quantity": 8})
    assert r.status_code == 200, r.text
    assert r.json()["scheduledNextTermInstructions"]["product"]["productId"] == "CFQ7TTC0LH18"
    r = await world.sim("POST", "/clock/advance", json={"days": 366})
    renewed = await read(partner, customer["id"], source["id"])
    assert (renewed["offerId"], renewed["termDuration"], renewed["quantity"]) == (BUSINESS_BASIC, "P1M", 8)
    assert renewed["scheduledNextTermInstructions"] is None
    assert parse(renewed["effectiveStartDate"]) > parse(source["effectiveStartDate"])


@pytest.mark.rule("AGR-1")
async def test_an_upgrade_is_a_purchase_and_needs_the_mca(world: World) -> None:
    """A provider that received the subscription by a transfer holds no MCA for the customer yet (AGR-2): it can
    read the subscription but not upgrade it until it records the customer's acceptance."""
    provider = await world.provider()
    partner, customer, source = await subscription_of(world, offer=E3, quantity=10)
    await world.transition(partner)
    await world.partner_up(provider, partner)
    r = await partner.post(
        f"/v1/customers/{customer['id']}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    transfer = await provider.post(
        f"/v1/customers/{customer['id']}/transfers",
        json={"sourcePartnerTenantId": partner.id, "customerEmailId": "it@customer.example", "transferType": 5},
    )
    assert transfer.status_code == 201, transfer.text
    tpath = f"/v1/customers/{customer['id']}/transfers/{transfer.json()['id']}"
    portal = {"Authorization": f"Bearer {await partner.portal_token()}"}
    r = await world.http.patch(tpath, headers=portal, json={"lineItems": [{"subscriptionId": source["id"]}]})
    assert r.status_code == 200, r.text
    assert (await world.http.post(f"{tpath}/accept", headers=portal)).status_code == 200
    moved = (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"][0]
    path = path_of(customer, moved["id"])
    refused = await upgrade(provider, path, quantity=10)
    assert (refused.status_code, refused.json()["rule"], refused.json()["code"]) == (403, "AGR-1", 13605)
    assert (await provider.get(path)).json()["offerId"] == E3
    await provider.attest_mca(customer["id"])
    r = await upgrade(provider, path, quantity=10)
    assert r.status_code == 200, r.text


@pytest.mark.rule("COM-8")
async def test_seats_move_into_an_existing_subscription_named_by_to_subscription_id(world: World) -> None:
    """Partner Center's `toSubscriptionId`: the eligibilities list the customer's subscriptions of the target offer
    (`subscriptionEligibilities`, codes 1-4), and the transition adds the seats to the one named."""
    partner, customer, source = await subscription_of(world, offer=E3, quantity=10)
    path = path_of(customer, source["id"])
    monthly = await partner.order(customer["id"], offer=E5, quantity=1, term="P1M")
    yearly = await partner.order(customer["id"], offer=E5, quantity=2)
    monthly_id, yearly_id = (r.json()["lineItems"][0]["subscriptionId"] for r in (monthly, yearly))

    async def into() -> dict[str, list[int]]:
        found = (await partner.get(f"{path}/transitionEligibilities")).json()["items"]
        [e5] = [e for e in found if (e["catalogItemId"], e["termDuration"]) == (E5, "P1Y")]
        assert (e5["quantity"], e5["attributes"]) == (10, {"objectType": "TransitionEligibility"})
        return {s["subscriptionId"]: [e["code"] for e in s["errors"]] for s in e5["subscriptionEligibilities"]}

    # Both were just bought (their cancellation window is open); the monthly one is also a shorter term.
    assert await into() == {monthly_id: [2, 3, 4], yearly_id: [2]}
    refused = await upgrade(partner, path, quantity=4, toSubscriptionId=yearly_id)
    assert (refused.status_code, refused.json()["code"]) == (409, 2), refused.text
    await world.sim("POST", "/clock/advance", json={"days": 8})
    assert (await into())[yearly_id] == []
    refused = await upgrade(partner, path, quantity=4, toSubscriptionId=monthly_id, termDuration="P1Y")
    assert (refused.status_code, refused.json()["rule"], refused.json()["code"]) == (400, "COM-8", 3)
    r = await upgrade(partner, path, quantity=4, fromSubscriptionId=source["id"], toSubscriptionId=yearly_id)
    assert r.status_code == 200, r.text
    transition = r.json()
    assert (transition["fromSubscriptionId"], transition["toSubscriptionId"]) == (source["id"], yearly_id)
    assert (transition["termDuration"], transition["billingCycle"]) == ("P1Y", "monthly")
    assert [e["status"] for e in transition["events"]] == ["Started", "Completed"]
    target = await read(partner, customer["id"], yearly_id)
    assert (target["quantity"], target["refundableQuantity"]["totalQuantity"]) == (6, 4)
    assert (await read(partner, customer["id"], source["id"]))["quantity"] == 6
    listed = (await partner.get(f"{path}/transitions")).json()["items"]
    assert [t["toSubscriptionId"] for t in listed] == [yearly_id]
