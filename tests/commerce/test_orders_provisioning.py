"""Orders are provisioned asynchronously, as on Partner Center: pending for the sandbox's orderProvisioningSeconds
(0, at once, by default), cancellable until then, their subscriptions made by provisioning."""

from typing import Any

import httpx

from tests.world import E3, Party, World, bearer


async def api(party: Party, method: str, path: str, body: Any = None) -> httpx.Response:
    return await party.world.http.request(method, path, json=body, headers=bearer(await party.app_token()))


async def slow_provisioning(world: World, seconds: int = 3600) -> None:
    r = await world.sim("PATCH", "/settings", json={"orderProvisioningSeconds": seconds})
    assert r.status_code == 200, r.text


async def test_an_order_is_pending_until_provisioned_on_the_sandbox_clock(world: World) -> None:
    await slow_provisioning(world)
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    r = await partner.order(customer["id"], quantity=6)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "pending"
    assert "subscriptionId" not in order["lineItems"][0]
    links = order["lineItems"][0]["links"]  # Partner Center's OrderLineItemLinks: no subscription yet
    assert set(links) == {"product", "sku", "availability", "provisioningStatus"}
    assert links["sku"]["uri"] == "/products/CFQ7TTC0LFLX/skus/0001"
    base = f"/v1/customers/{customer['id']}/orders/{order['id']}"
    assert order["links"]["self"]["uri"] == base.removeprefix("/v1")
    assert order["links"]["patchOperation"]["method"] == "PATCH"
    status = (await api(partner, "GET", f"{base}/provisioningstatus")).json()
    assert status["attributes"]["objectType"] == "Collection"
    assert [(s["status"], s["quantityProvisioned"]) for s in status["items"]] == [("pending", 0)]
    assert (await api(partner, "GET", f"/v1/customers/{customer['id']}/subscriptions")).json()["items"] == []

    fired = (await world.sim("POST", "/clock/advance", json={"hours": 1})).json()["fired"]
    assert {"kind": "order.provision", "ref": order["id"]} in [{"kind": f["kind"], "ref": f["ref"]} for f in fired]
    provisioned = (await api(partner, "GET", base)).json()
    assert provisioned["status"] == "completed"
    links = provisioned["lineItems"][0]["links"]
    assert links["provisioningStatus"]["uri"] == f"{base}/provisioningstatus".removeprefix("/v1")
    subscription_link = f"/customers/{customer['id']}/subscriptions/{provisioned['lineItems'][0]['subscriptionId']}"
    assert links["subscription"]["uri"] == subscription_link
    [line] = (await api(partner, "GET", f"{base}/provisioningstatus")).json()["items"]
    assert (line["status"], line["quantityProvisioned"]) == ("fulfilled", 6)
    [subscription] = (await api(partner, "GET", f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert subscription["id"] == line["subscriptionId"] == provisioned["lineItems"][0]["subscriptionId"]
    assert (subscription["quantity"], subscription["status"], subscription["offerId"]) == (6, "active", E3)
    # Its term starts at provisioning, an hour after the order.
    assert subscription["effectiveStartDate"] > order["creationDate"]
    r = await api(partner, "PATCH", base, {"status": "cancelled"})
    assert r.status_code == 409, r.text


async def test_a_pending_order_is_cancelled_and_never_provisioned(world: World) -> None:
    await slow_provisioning(world, 600)
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    order = (await partner.order(customer["id"])).json()
    base = f"/v1/customers/{customer['id']}/orders/{order['id']}"
    assert (await api(partner, "PATCH", base, {"status": "completed"})).status_code == 400
    read = (await api(partner, "GET", base)).json()
    r = await api(partner, "PATCH", base, {**read, "status": "Cancelled"})  # the order as read, sent back
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    await world.sim("POST", "/clock/advance", json={"hours": 1})
    assert (await api(partner, "GET", base)).json()["status"] == "cancelled"
    [line] = (await api(partner, "GET", f"{base}/provisioningstatus")).json()["items"]
    assert (line["status"], line["quantityProvisioned"]) == ("cancelled", 0)
    assert (await api(partner, "GET", f"/v1/customers/{customer['id']}/subscriptions")).json()["items"] == []


async def test_a_cart_checkout_waits_for_provisioning_too(world: World) -> None:
    await slow_provisioning(world, 120)
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    carts = f"/v1/customers/{customer['id']}/carts"
    line = {"catalogItemId": E3, "quantity": 3, "billingCycle": "monthly", "termDuration": "P1M"}
    cart = (await api(partner, "POST", carts, {"lineItems": [line]})).json()
    r = await api(partner, "POST", f"{carts}/{cart['id']}/checkout")
    assert r.status_code == 201, r.text
    assert [o["status"] for o in r.json()["orders"]] == ["pending"]
    await world.sim("POST", "/clock/advance", json={"hours": 1})
    subscriptions = (await api(partner, "GET", f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert [(s["quantity"], s["termDuration"]) for s in subscriptions] == [(3, "P1M")]
    again = (await api(partner, "POST", f"{carts}/{cart['id']}/checkout")).json()
    assert [o["status"] for o in again["orders"]] == ["completed"]


async def test_an_order_takes_partner_centers_optional_fields_and_answers_its_own(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    line = {"lineItemNumber": 0, "offerId": E3, "quantity": 2, "termDuration": "P1Y", "billingCycle": "monthly"}
    body = {"referenceCustomerId": customer["id"], "partnerOnRecordAttestationAccepted": True, "lineItems": [line]}
    r = await api(partner, "POST", f"/v1/customers/{customer['id']}/orders", body)
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["status"], order["currencySymbol"], order["transactionType"]) == ("completed", "$", "UserPurchase")
    assert order["alternateId"]
    assert order["alternateId"] != order["id"]
    assert set(order["links"]) == {"self", "provisioningStatus", "patchOperation"}
    other = {**body, "referenceCustomerId": partner.id}
    r = await api(partner, "POST", f"/v1/customers/{customer['id']}/orders", other)
    assert r.status_code == 400, r.text
    assert "referenceCustomerId" in r.json()["description"]


async def test_an_order_read_alone_answers_what_placing_it_answered_and_no_one_else_reads_it(world: World) -> None:
    """GET of an order is one statement of values (with its caller's principal on PostgreSQL): the same document
    the order's creation answered; a customer the caller does not hold, or an order it did not place, is not found,
    each by its own name."""
    partner, other = await world.direct_bill_partner(), await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    placed = await partner.order(customer["id"])
    assert placed.status_code == 201, placed.text
    base = f"/v1/customers/{customer['id']}/orders"
    read = await api(partner, "GET", f"{base}/{placed.json()['id']}")
    assert read.status_code == 200, read.text
    assert read.json() == placed.json()
    listed = (await api(partner, "GET", base)).json()["items"]
    assert listed == [placed.json()]
    unknown = await api(partner, "GET", f"{base}/{customer['id']}")  # an id of the right shape, no such order
    assert (unknown.status_code, "Order" in unknown.json()["description"]) == (404, True), unknown.text
    stranger = await api(other, "GET", f"{base}/{placed.json()['id']}")
    assert (stranger.status_code, "Customer" in stranger.json()["description"]) == (404, True), stranger.text
