"""Licences: the SKUs a customer's subscriptions give, assigned to its users, never more seats than bought."""

import pytest

from tests.customer_users.steps import (
    DIRECTORY_READERS,
    E3_SKU,
    LICENSE_ADMINISTRATOR,
    admin_of_customer,
    call,
    create_user,
)
from tests.gdap.steps import USER_ADMINISTRATOR
from tests.world import Party, World


def assign(*skus: str, remove: tuple[str, ...] = ()) -> dict[str, object]:
    """The body of Partner Center's "Assign licenses to a user"."""
    return {
        "LicensesToAssign": [{"ExcludedPlans": None, "SkuId": s} for s in skus],
        "LicensesToRemove": list(remove) or None,
        "LicenseWarnings": None,
        "Attributes": {"ObjectType": "LicenseUpdate"},
    }


async def seats(partner: Party, customer: Party, token: str) -> dict[str, object]:
    r = await call(partner, "GET", f"/v1/customers/{customer.id}/subscribedskus", token)
    assert r.status_code == 200, r.text
    [sku] = r.json()["items"]
    return dict(sku)


async def test_seats_assigned_never_exceed_the_subscriptions_quantity(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, USER_ADMINISTRATOR)
    await partner.attest_mca(customer.id)
    ordered = await partner.order(customer.id, quantity=2)
    assert ordered.status_code == 201, ordered.text
    sku = await seats(partner, customer, token)
    assert sku["productSku"] == {
        "id": E3_SKU,
        "name": "Microsoft 365 E3",
        "skuPartNumber": "SPE_E3",
        "targetType": "User",
        "licenseGroupId": "group1",
    }
    assert (sku["activeUnits"], sku["consumedUnits"], sku["availableUnits"]) == (2, 0, 2)
    assert (sku["capabilityStatus"], sku["attributes"]) == ("Enabled", {"objectType": "SubscribedSku"})
    ada, bob, cy = [await create_user(partner, customer, token, n) for n in ("ada", "bob", "cy")]

    def updates(user: dict[str, object]) -> str:
        return f"/v1/customers/{customer.id}/users/{user['id']}/licenseupdates"

    r = await call(partner, "POST", updates(ada), token, json=assign(E3_SKU))
    assert r.status_code == 201, r.text
    assert r.json() == {
        "licensesToAssign": [{"skuId": E3_SKU, "excludedPlans": None}],
        "licensesToRemove": [],
        "licenseWarnings": [],
        "attributes": {"objectType": "LicenseUpdate"},
    }
    assert (await call(partner, "POST", updates(bob), token, json=assign(E3_SKU))).status_code == 201
    refused = await call(partner, "POST", updates(cy), token, json=assign(E3_SKU))
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == 60012
    assert "Microsoft 365 E3" in refused.json()["description"]
    assert E3_SKU in refused.json()["description"]
    assert "0 of 2 seats available" in refused.json()["description"]
    assert refused.json()["data"][1] == {"skuId": E3_SKU, "availableUnits": 0, "activeUnits": 2}
    sku = await seats(partner, customer, token)
    assert (sku["consumedUnits"], sku["availableUnits"]) == (2, 0)

    licensed = await call(partner, "GET", f"/v1/customers/{customer.id}/users/{ada['id']}/licenses", token)
    assert licensed.status_code == 200, licensed.text
    assert [lic["productSku"]["skuPartNumber"] for lic in licensed.json()["items"]] == ["SPE_E3"]
    assert licensed.json()["items"][0]["attributes"] == {"objectType": "License"}

    # Removing a licence frees its seat.
    freed = await call(partner, "POST", updates(ada), token, json=assign(remove=(E3_SKU,)))
    assert freed.status_code == 201, freed.text
    assert freed.json()["licensesToRemove"] == [E3_SKU]
    assert (await call(partner, "POST", updates(cy), token, json=assign(E3_SKU))).status_code == 201
    again = await call(partner, "POST", updates(ada), token, json=assign(remove=(E3_SKU,)))
    assert again.status_code == 400  # ada holds none any more
    assert (await call(partner, "POST", updates(ada), token, json={})).status_code == 400

    # A deleted user's seat is free; restoring it needs one again.
    bob_path = f"/v1/customers/{customer.id}/users/{bob['id']}"
    assert (await call(partner, "DELETE", bob_path, token)).status_code == 204
    assert (await seats(partner, customer, token))["availableUnits"] == 1
    assert (await call(partner, "POST", updates(ada), token, json=assign(E3_SKU))).status_code == 201
    blocked = await call(partner, "PATCH", bob_path, token, json={"state": "active"})
    assert blocked.status_code == 400, blocked.text
    assert blocked.json()["code"] == 60012
    assert (await call(partner, "POST", updates(ada), token, json=assign(remove=(E3_SKU,)))).status_code == 201
    restored = await call(partner, "PATCH", bob_path, token, json={"state": "active"})
    assert restored.status_code == 200, restored.text
    sku = await seats(partner, customer, token)
    assert (sku["consumedUnits"], sku["availableUnits"]) == (2, 0)

    # More seats bought, more licences assignable.
    subscription = (await partner.get(f"/v1/customers/{customer.id}/subscriptions")).json()["items"][0]
    r = await world.http.patch(
        f"/v1/customers/{customer.id}/subscriptions/{subscription['id']}",
        json={"quantity": 3},
        headers={"Authorization": f"Bearer {await partner.app_token()}"},
    )
    assert r.status_code == 200, r.text
    assert (await call(partner, "POST", updates(ada), token, json=assign(E3_SKU))).status_code == 201


async def test_a_sku_the_customer_holds_no_subscription_of_is_refused(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, LICENSE_ADMINISTRATOR)
    r = await call(partner, "GET", f"/v1/customers/{customer.id}/subscribedskus", token)
    assert r.json()["items"] == []
    admin_id = (await world.sim("GET", f"/tenants/{customer.id}/users")).json()["items"][0]["id"]
    updates = f"/v1/customers/{customer.id}/users/{admin_id}/licenseupdates"
    refused = await call(partner, "POST", updates, token, json=assign(E3_SKU))
    assert refused.status_code == 400, refused.text
    assert "not among the customer's subscribed SKUs" in refused.json()["description"]


@pytest.mark.rule("GDP-1")
async def test_licences_need_license_or_user_administrator(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, DIRECTORY_READERS)
    users = (await call(partner, "GET", f"/v1/customers/{customer.id}/users", token)).json()["items"]
    path = f"/v1/customers/{customer.id}/users/{users[0]['id']}"
    assert (await call(partner, "GET", f"/v1/customers/{customer.id}/subscribedskus", token)).status_code == 200
    assert (await call(partner, "GET", f"{path}/licenses", token)).status_code == 200
    refused = await call(partner, "POST", f"{path}/licenseupdates", token, json=assign(E3_SKU))
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "GDP-1"
    assert "License Administrator or User Administrator" in refused.json()["description"]

    licensing, other, licence_token = await admin_of_customer(world, LICENSE_ADMINISTRATOR)
    await licensing.attest_mca(other.id)
    assert (await licensing.order(other.id, quantity=1)).status_code == 201
    admin = f"/v1/customers/{other.id}/users"
    # A License Administrator assigns licences but reads no user list and changes no user.
    assert (await call(licensing, "GET", admin, licence_token)).status_code == 403
    admin_id = (await world.sim("GET", f"/tenants/{other.id}/users")).json()["items"][0]["id"]
    r = await call(licensing, "POST", f"{admin}/{admin_id}/licenseupdates", licence_token, json=assign(E3_SKU))
    assert r.status_code == 201, r.text
    assert (
        await call(licensing, "PATCH", f"{admin}/{admin_id}", licence_token, json={"displayName": "x"})
    ).status_code == 403
