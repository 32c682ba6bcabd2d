"""A subscription as Partner Center's clients read it: every field they parse, every date a UTC date-time."""

import json
from pathlib import Path

from tests.catalog.documented import assert_documented_shape
from tests.commerce.journeys import E3, E5, LEGACY_O365_E3, parse, path_of, subscription_of
from tests.world import World

FIXTURES = Path(__file__).parent / "fixtures"


async def test_a_subscription_has_the_fields_real_clients_read(world: World) -> None:
    partner, customer, sub = await subscription_of(world, offer=E3)
    for date_field in ("creationDate", "effectiveStartDate", "commitmentEndDate", "cancellationAllowedUntilDate"):
        parse(sub[date_field])  # a bare date ("2027-06-30") fails a published client's parser
    assert parse(sub["commitmentEndDate"]).time().isoformat() == "00:00:00"
    assert parse(sub["commitmentEndDate"]) > parse(sub["effectiveStartDate"])
    assert sub["attributes"] == {"objectType": "Subscription"}
    assert (sub["billingType"], sub["isTrial"], sub["suspensionReasons"], sub["parentSubscriptionId"]) == (
        "license",
        False,
        [],
        None,
    )
    assert {"Suspend", "Cancel", "Upgrade"} <= set(sub["actions"])
    assert sub["hasPurchasableAddons"] is True
    links = sub["links"]
    assert links["self"]["uri"] == path_of(customer, sub["id"]).removeprefix("/v1")
    assert links["offer"]["uri"] == "/products/CFQ7TTC0LFLX"
    assert links["entitlement"]["uri"].endswith(sub["entitlementId"])
    entitlement = await partner.get(f"/v1{links['entitlement']['uri']}")
    assert entitlement.status_code == 200, entitlement.text
    assert entitlement.json()["subscriptionId"] == sub["id"]
    assert entitlement.json()["attributes"] == {"objectType": "Entitlement"}
    listed = (await partner.get(f"/v1/customers/{customer['id']}/entitlements")).json()
    assert [(e["id"], e["productId"], e["quantity"]) for e in listed["items"]] == [
        (sub["entitlementId"], "CFQ7TTC0LFLX", sub["quantity"])
    ]
    parse(listed["items"][0]["expiryDate"])


async def test_a_cancelled_subscription_says_why_and_offers_nothing(world: World) -> None:
    partner, customer, sub = await subscription_of(world)
    r = await partner.world.http.patch(
        path_of(customer, sub["id"]),
        json={"status": "deleted"},
        headers={"Authorization": f"Bearer {await partner.app_token()}"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["suspensionReasons"], r.json()["actions"]) == (["CustomerCancellation"], [])
    assert (await partner.get(f"/v1/customers/{customer['id']}/entitlements")).json()["items"] == []


def shaped_like(answer: object, fixture: str) -> None:
    """Every key of Partner Center's example answer (tests/commerce/fixtures) is in cspsim's, with its JSON type."""
    assert_documented_shape(answer, json.loads((FIXTURES / f"{fixture}.json").read_text()))


async def test_each_subscription_operation_answers_partner_centers_documented_shape(world: World) -> None:
    partner, customer, sub = await subscription_of(world, offer=E3)
    shaped_like(sub, "subscription")
    path = path_of(customer, sub["id"])
    shaped_like((await partner.get(f"{path}/transitionEligibilities")).json(), "transition_eligibilities")
    shaped_like((await partner.get(f"/v1/customers/{customer['id']}/entitlements")).json(), "entitlements")
    r = await partner.post(f"{path}/transitions", json={"toCatalogItemId": E5, "quantity": 4})
    assert r.status_code == 200, r.text
    shaped_like(r.json(), "transition")
    legacy = {"channel": "CSP", "partnerTenantId": partner.id, "offerId": LEGACY_O365_E3, "offerName": "O365 E3"}
    legacy_id = (
        await world.sim("POST", f"/tenants/{customer['id']}/subscriptions", json={**legacy, "quantity": 2})
    ).json()["id"]
    body = {"currentSubscriptionId": legacy_id, "termDuration": "P1Y", "billingCycle": "monthly"}
    base = f"/v1/customers/{customer['id']}/migrations/newcommerce"
    shaped_like((await partner.post(f"{base}/validate", json=body)).json(), "new_commerce_eligibility")
    shaped_like((await partner.post(base, json=body)).json(), "new_commerce_migration")
