"""Migrations to new commerce: a legacy subscription ends and its new-commerce successor begins (a purchase: AGR-1;
COM-8 from then on), which is what TRF-1 asks of a legacy subscription before it moves."""

from datetime import timedelta
from typing import Any

import pytest

from tests.commerce.journeys import E3, LEGACY_O365_E3, frozen, parse, patch, path_of, read
from tests.transfers.test_transfers import accept_relationship_request, ask, submitted
from tests.world import Party, World


async def legacy_subscription(world: World, partner: Party, customer_id: str, **extra: Any) -> str:
    now = parse((await world.sim("GET", "/clock")).json()["now"].replace("+00:00", "Z"))
    body = {
        "channel": "CSP",
        "partnerTenantId": partner.id,
        "offerId": LEGACY_O365_E3,
        "offerName": "Office 365 E3 (legacy)",
        "quantity": 4,
        "termDuration": "P1Y",
        "billingCycle": "monthly",
        "commitmentEndDate": (now + timedelta(days=100)).date().isoformat(),
        **extra,
    }
    r = await world.sim("POST", f"/tenants/{customer_id}/subscriptions", json=body)
    assert r.status_code == 201, r.text
    parse(r.json()["commitmentEndDate"])  # the control surface answers date-times too
    return str(r.json()["id"])


def migration(subscription_id: str, **extra: Any) -> dict[str, Any]:
    return {"currentSubscriptionId": subscription_id, "termDuration": "P1Y", "billingCycle": "monthly", **extra}


@pytest.mark.rule("AGR-1")
@pytest.mark.rule("COM-8")
async def test_a_legacy_subscription_migrates_to_new_commerce(world: World) -> None:
    await frozen(world)
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    cid = customer["id"]
    legacy_id = await legacy_subscription(world, partner, cid)
    legacy = await read(partner, cid, legacy_id)
    upgrade = {"toCatalogItemId": "CFQ7TTC0LF8S:0002:CFQ7TTC0LF8Q", "quantity": 4}
    r = await partner.post(f"{path_of(customer, legacy_id)}/transitions", json=upgrade)
    assert (r.status_code, r.json()["code"]) == (400, 900263), r.text  # a legacy subscription migrates instead
    base = f"/v1/customers/{cid}/migrations/newcommerce"
    check = (await partner.post(f"{base}/validate", json=migration(legacy_id))).json()
    assert (check["isEligible"], check["catalogItemId"], check["quantity"]) == (True, E3, 4)
    check = (await partner.post(f"{base}/validate", json=migration(legacy_id, termDuration="P3Y"))).json()
    assert (check["isEligible"], check["errors"][0]["code"]) == (False, 900222)
    # A migration is a purchase: the MCA first (AGR-1).
    refused = await partner.post(base, json=migration(legacy_id))
    assert (refused.status_code, refused.json()["rule"], refused.json()["code"]) == (403, "AGR-1", 13605)
    await partner.attest_mca(cid)
    r = await partner.post(base, json=migration(legacy_id, externalReferenceId="ticket-42"))
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["attributes"], done["externalReferenceId"]) == (
        "Completed",
        {"objectType": "NewCommerceMigration"},
        "ticket-42",
    )
    assert (await partner.get(f"{base}/{done['id']}")).json() == done
    assert (await read(partner, cid, legacy_id))["status"] == "deleted"
    migrated = await read(partner, cid, done["newCommerceSubscriptionId"])
    assert (migrated["offerId"], migrated["quantity"], migrated["isNewCommerce"]) == (E3, 4, True)
    assert migrated["orderId"] == done["newCommerceOrderId"]
    assert migrated["commitmentEndDate"] == legacy["commitmentEndDate"]  # co-termed: no purchaseFullTerm
    assert done["subscriptionEndDate"] == migrated["commitmentEndDate"]
    again = await partner.post(base, json=migration(legacy_id))
    assert (again.status_code, again.json()["code"]) == (400, 900215)
    # COM-8 holds the new-commerce subscription from its purchase: 168 hours, no more.
    path = path_of(customer, migrated["id"])
    assert (await patch(partner, path, quantity=3)).status_code == 200
    await world.sim("POST", "/clock/advance", json={"hours": 169})
    refused = await patch(partner, path, status="deleted")
    assert (refused.status_code, refused.json()["rule"]) == (400, "COM-8")


async def test_a_full_term_migration_starts_a_new_term(world: World) -> None:
    await frozen(world)
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    legacy_id = await legacy_subscription(world, partner, customer["id"])
    r = await partner.post(
        f"/v1/customers/{customer['id']}/migrations/newcommerce",
        json=migration(legacy_id, purchaseFullTerm=True, quantity=6),
    )
    assert r.status_code == 200, r.text
    migrated = await read(partner, customer["id"], r.json()["newCommerceSubscriptionId"])
    start, end = parse(migrated["effectiveStartDate"]), parse(migrated["commitmentEndDate"])
    assert (migrated["quantity"], 363 <= (end - start).days <= 365) == (6, True)


@pytest.mark.rule("TRF-1")
async def test_the_transfer_refusal_advises_the_migration_and_following_it_works(world: World) -> None:
    source = await world.direct_bill_partner()
    customer = await source.customer_with_mca()
    target = await world.direct_bill_partner()
    await accept_relationship_request(world, target, customer)
    legacy_id = await legacy_subscription(world, source, customer["id"])
    transfer = (await ask(target, customer["id"], source)).json()
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    portal = {"Authorization": f"Bearer {await source.portal_token()}"}
    r = await world.http.patch(path, headers=portal, json={"lineItems": [{"subscriptionId": legacy_id}]})
    assert (r.status_code, r.json()["rule"]) == (400, "TRF-1")
    advised = f"/v1/customers/{customer['id']}/migrations/newcommerce"
    assert advised in r.json()["description"]
    done = await source.post(advised, json=migration(legacy_id))
    assert done.status_code == 200, done.text
    moved = await submitted(source, customer["id"], transfer, done.json()["newCommerceSubscriptionId"])
    assert (await read(target, customer["id"], moved))["offerId"] == E3
