"""A subscription as Partner Center's clients read it: every field they parse, every date a UTC date-time."""

from tests.commerce.journeys import E3, parse, path_of, subscription_of
from tests.world import World


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
