"""Carts: new commerce's way to buy (create, update, check out), through the same ordering service as an order."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.world import E3, Party, World, bearer

AZURE_PLAN = "DZH318Z0BPS6:0001:DZH318Z0BNZ2"
PERPETUAL = "DG7GMGF0D7FV:0002:DG7GMGF0DWMS"  # Windows Server, perpetual software: one time, no term


async def api(party: Party, method: str, path: str, body: Any = None) -> httpx.Response:
    """As an integration calls Partner Center: its app's token."""
    return await party.world.http.request(method, path, json=body, headers=bearer(await party.app_token()))


def e3(quantity: int = 5, **extra: Any) -> dict[str, Any]:
    return {
        "id": 0,
        "catalogItemId": E3,
        "quantity": quantity,
        "billingCycle": "Monthly",
        "termDuration": "P1Y",
        **extra,
    }


async def cart_for(party: Party, customer_id: str, *lines: dict[str, Any]) -> dict[str, Any]:
    r = await api(party, "POST", f"/v1/customers/{customer_id}/carts", {"lineItems": list(lines or [e3()])})
    assert r.status_code == 201, r.text
    cart: dict[str, Any] = r.json()
    return cart


async def test_a_new_commerce_purchase_through_a_cart(world: World) -> None:
    """Create (Partner Center's body), update the quantity (the whole cart sent back), check out, read the
    provisioning status, and find the subscriptions; a second checkout answers the first result."""
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    carts = f"/v1/customers/{customer['id']}/carts"
    cart = await cart_for(
        partner,
        customer["id"],
        e3(friendlyName="Sales seats"),
        {"catalogItemId": AZURE_PLAN, "quantity": 1, "billingCycle": "MONTHLY"},
        {"catalogItemId": PERPETUAL, "quantity": 2, "billingCycle": "OneTime"},
    )
    assert cart["status"] == "Active"
    assert cart["attributes"]["objectType"] == "Cart"
    created = datetime.fromisoformat(cart["creationTimestamp"])
    assert datetime.fromisoformat(cart["expirationTimestamp"]) - created == timedelta(days=7)
    lines = cart["lineItems"]
    assert [line["id"] for line in lines] == [0, 1, 2]
    assert [line["billingCycle"] for line in lines] == ["monthly", "monthly", "one_time"]
    assert lines[0]["termDuration"] == "P1Y"
    assert "termDuration" not in lines[1]  # the Azure plan and perpetual software have no term
    assert "termDuration" not in lines[2]
    assert [line["orderGroup"] for line in lines] == ["0", "1", "2"]  # one order per product type and cycle
    assert {line["currencyCode"] for line in lines} == {"USD"}

    # Update: the cart as read, sent back with more seats.
    read = (await api(partner, "GET", f"{carts}/{cart['id']}")).json()
    read["lineItems"][0]["quantity"] = 8
    r = await api(partner, "PUT", f"{carts}/{cart['id']}", read)
    assert r.status_code == 200, r.text
    assert r.json()["lineItems"][0]["quantity"] == 8
    assert r.json()["lineItems"][0]["friendlyName"] == "Sales seats"

    r = await api(partner, "POST", f"{carts}/{cart['id']}/checkout")
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["attributes"]["objectType"] == "CartCheckoutResult"
    assert result["orderErrors"] == []
    assert len(result["orders"]) == 3
    seats = result["orders"][0]
    assert (seats["status"], seats["billingCycle"], seats["currencySymbol"]) == ("completed", "monthly", "$")
    assert seats["links"]["provisioningStatus"]["uri"].endswith(f"/orders/{seats['id']}/provisioningstatus")
    provisioning = await api(partner, "GET", f"/v1/customers/{customer['id']}/orders/{seats['id']}/provisioningstatus")
    assert provisioning.status_code == 200, provisioning.text
    [status] = provisioning.json()["items"]
    assert (status["lineItemNumber"], status["status"], status["quantityProvisioned"]) == (0, "fulfilled", 8)
    subscriptions = (await api(partner, "GET", f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    by_offer = {s["offerId"]: s for s in subscriptions}
    assert by_offer[E3]["quantity"] == 8
    assert by_offer[E3]["id"] == status["subscriptionId"] == seats["lineItems"][0]["subscriptionId"]
    assert set(by_offer) == {E3, AZURE_PLAN, PERPETUAL}

    again = await api(partner, "POST", f"{carts}/{cart['id']}/checkout")
    assert again.status_code == 201, again.text
    assert [o["id"] for o in again.json()["orders"]] == [o["id"] for o in result["orders"]]
    assert len((await api(partner, "GET", f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]) == 3
    assert (await api(partner, "GET", f"{carts}/{cart['id']}")).json()["status"] == "Ordered"
    assert (await api(partner, "PUT", f"{carts}/{cart['id']}", read)).status_code == 409


@pytest.mark.rule("AGR-1")
async def test_a_checkout_needs_the_mca_and_a_refusal_changes_nothing(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    cart = await cart_for(partner, customer["id"])
    checkout = f"/v1/customers/{customer['id']}/carts/{cart['id']}/checkout"
    r = await api(partner, "POST", checkout)
    assert r.status_code == 403, r.text
    assert (r.json()["rule"], r.json()["code"]) == ("AGR-1", 13605)
    assert (await api(partner, "GET", f"/v1/customers/{customer['id']}/orders")).json()["totalCount"] == 0
    assert (await api(partner, "GET", checkout.removesuffix("/checkout"))).json()["status"] == "Active"
    await partner.attest_mca(customer["id"])
    r = await api(partner, "POST", checkout)
    assert r.status_code == 201, r.text
    assert len(r.json()["orders"]) == 1


@pytest.mark.rule("REL-3")
async def test_a_checkout_keeps_direct_bill_away_from_a_customer_held_as_indirect_reseller(world: World) -> None:
    provider, partner = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, partner)
    acquired = (await provider.create_customer(associatedPartnerId=partner.id)).json()
    await provider.attest_mca(acquired["id"])
    await partner.revenue(*[100_000] * 12)
    assert (await partner.enroll("DirectBill", acknowledgeIndirectOverride=True)).status_code == 201
    await partner.attest_mca(acquired["id"])
    cart = await cart_for(partner, acquired["id"])
    r = await api(partner, "POST", f"/v1/customers/{acquired['id']}/carts/{cart['id']}/checkout")
    assert r.status_code == 403, r.text
    assert r.json()["rule"] == "REL-3"
    own = await partner.customer_with_mca()
    cart = await cart_for(partner, own["id"])
    assert (await api(partner, "POST", f"/v1/customers/{own['id']}/carts/{cart['id']}/checkout")).status_code == 201


@pytest.mark.rule("COM-3")
async def test_an_order_group_refused_for_its_lines_is_an_order_error_and_the_others_are_ordered(world: World) -> None:
    """The partner of record is a line's: a group naming a stranger is answered in orderErrors and orders nothing;
    the other group is ordered, with the customer's reseller on record."""
    provider, reseller, stranger = await world.provider(), await world.indirect_reseller(), await world.partner()
    await world.partner_up(provider, reseller)
    customer = (await provider.create_customer(associatedPartnerId=reseller.id)).json()
    await provider.attest_mca(customer["id"])
    stranger_on_record = [{"key": "transaction_reseller", "value": stranger.tenant["partnerId"]}]
    cart = await cart_for(
        provider,
        customer["id"],
        e3(participants=stranger_on_record),
        {"catalogItemId": PERPETUAL, "quantity": 1, "billingCycle": "one_time"},
    )
    assert cart["lineItems"][0]["participants"] == stranger_on_record
    r = await api(provider, "POST", f"/v1/customers/{customer['id']}/carts/{cart['id']}/checkout")
    assert r.status_code == 201, r.text
    [error] = r.json()["orderErrors"]
    assert (error["orderGroupId"], error["code"], error["rule"]) == ("0", 800016, "COM-3")
    [order] = r.json()["orders"]
    assert order["lineItems"][0]["offerId"] == PERPETUAL
    assert order["lineItems"][0]["partnerIdOnRecord"] == reseller.tenant["partnerId"]
    subscriptions = (await api(provider, "GET", f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert [s["offerId"] for s in subscriptions] == [PERPETUAL]


@pytest.mark.rule("COM-4")
async def test_a_cart_resolves_its_lines_as_an_order_does(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    carts = f"/v1/customers/{customer['id']}/carts"
    r = await api(partner, "POST", carts, {"lineItems": [e3(), {"catalogItemId": "MS-AZR-0003P", "quantity": 1}]})
    assert r.status_code == 403, r.text
    assert r.json()["rule"] == "COM-4"
    assert "Line item 1" in r.json()["description"]
    bad = [
        e3(billingCycle="triennial"),  # not a cycle of E3's P1Y term
        e3(termDuration="P5Y"),
        e3(currencyCode="EUR"),
        e3(participants=[{"key": "distributor", "value": "123"}]),
        e3(renewsTo={"termDuration": "P3Y"}),  # a term E3 does not sell
    ]
    for line in bad:
        r = await api(partner, "POST", carts, {"lineItems": [line]})
        assert r.status_code == 400, (line, r.text)
    r = await api(partner, "POST", carts, {"LineItems": [e3(billingCycle="ANNUAL")]})  # PascalCase, any casing
    assert r.status_code == 201, r.text
    assert r.json()["lineItems"][0]["billingCycle"] == "annual"


async def test_an_expired_cart_is_not_checked_out(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    cart = await cart_for(partner, customer["id"])
    path = f"/v1/customers/{customer['id']}/carts/{cart['id']}"
    advanced = (await world.sim("POST", "/clock/advance", json={"days": 7})).json()["fired"]
    assert {"kind": "cart.expire", "ref": cart["id"]} in [{"kind": f["kind"], "ref": f["ref"]} for f in advanced]
    r = await api(partner, "POST", f"{path}/checkout")
    assert r.status_code == 409, r.text
    assert r.json()["errorName"] == "CartExpired"
    assert cart["id"] in r.json()["description"]
    assert (await api(partner, "GET", path)).json()["status"] == "Expired"
    assert (await api(partner, "PUT", path, {"lineItems": [e3()]})).status_code == 409
    assert (await api(partner, "GET", f"/v1/customers/{customer['id']}/orders")).json()["totalCount"] == 0


async def test_another_partners_cart_is_not_found(world: World) -> None:
    partner, other = await world.direct_bill_partner(), await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    cart = await cart_for(partner, customer["id"])
    path = f"/v1/customers/{customer['id']}/carts/{cart['id']}"
    assert (await api(other, "GET", path)).status_code == 404
    assert (await api(other, "POST", f"{path}/checkout")).status_code == 404
