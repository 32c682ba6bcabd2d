"""Add-ons: bought through the one ordering path with parentSubscriptionId, co-termed with their base, listed
under it, held to COM-8 like any purchase, and cancelled with their base."""

import pytest

from tests.commerce.journeys import BUSINESS_BASIC, E5_COMPLIANCE, patch, path_of, read, subscription_of
from tests.world import World


@pytest.mark.rule("COM-8")
async def test_an_add_on_journey(world: World) -> None:
    partner, customer, base = await subscription_of(world)
    cid = customer["id"]
    # An add-on needs its base, of a product it is an add-on of.
    r = await partner.order(cid, offer=E5_COMPLIANCE, quantity=5)
    assert (r.status_code, r.json()["code"]) == (400, 800002), r.text
    basic = (await partner.order(cid, offer=BUSINESS_BASIC, quantity=5)).json()["lineItems"][0]["subscriptionId"]
    r = await partner.order(cid, offer=E5_COMPLIANCE, quantity=5, parentSubscriptionId=basic)
    assert (r.status_code, r.json()["code"]) == (400, 800029), r.text  # not an add-on of Business Basic
    r = await partner.order(cid, offer=BUSINESS_BASIC, quantity=5, parentSubscriptionId=base["id"])
    assert (r.status_code, r.json()["code"]) == (400, 800002), r.text  # not an add-on at all
    await world.sim("POST", "/clock/advance", json={"days": 20})
    r = await partner.order(cid, offer=E5_COMPLIANCE, quantity=5, parentSubscriptionId=base["id"])
    assert r.status_code == 201, r.text
    line = r.json()["lineItems"][0]
    assert line["parentSubscriptionId"] == base["id"]
    addon = await read(partner, cid, line["subscriptionId"])
    assert addon["parentSubscriptionId"] == base["id"]
    assert addon["links"]["parentSubscription"]["uri"].endswith(base["id"])
    assert addon["commitmentEndDate"] == base["commitmentEndDate"]  # co-termed with its base
    listed = (await partner.get(f"{path_of(customer, base['id'])}/addons")).json()
    assert [a["id"] for a in listed["items"]] == [addon["id"]]
    assert listed["attributes"] == {"objectType": "Collection"}
    # COM-8: the add-on is a purchase of its own, with its own 168 hours; the base's window closed long ago.
    assert (await patch(partner, path_of(customer, addon["id"]), quantity=3)).status_code == 200
    await world.sim("POST", "/clock/advance", json={"hours": 169})
    refused = await patch(partner, path_of(customer, addon["id"]), quantity=2)
    assert (refused.status_code, refused.json()["rule"]) == (400, "COM-8")
    assert (await read(partner, cid, addon["id"]))["quantity"] == 3


async def test_an_add_on_is_cancelled_with_its_base(world: World) -> None:
    partner, customer, base = await subscription_of(world)
    r = await partner.order(customer["id"], offer=E5_COMPLIANCE, quantity=2, parentSubscriptionId=base["id"])
    assert r.status_code == 201, r.text
    addon_id = r.json()["lineItems"][0]["subscriptionId"]
    r = await patch(partner, path_of(customer, base["id"]), status="deleted")
    assert r.status_code == 200, r.text
    assert (await read(partner, customer["id"], addon_id))["status"] == "deleted"
    r = await partner.order(customer["id"], offer=E5_COMPLIANCE, quantity=2, parentSubscriptionId=base["id"])
    assert r.status_code == 409  # no add-on on a cancelled base
