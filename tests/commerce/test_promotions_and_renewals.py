"""A line's promotion (`promotionId`, checked against GET /v1/productpromotions) and its renewal term (`renewsTo`),
on carts and orders alike: recorded on the order line and the subscription, the promotion's discount in the price."""

from typing import Any

import httpx

from tests.world import E3, Party, World, bearer

E3_PROMOTION = "CFQ7TTC0LFLX:0001:CFQ7TTC0KXK9"  # 10% off E3 for a year billed annually, in US, CA, GB, DE
US_ONLY_PROMOTION = "CFQ7TTC0LCHC:0002:CFQ7TTC0KXKB"  # Business Premium, a year billed monthly, US only
ENDED_PROMOTION = "CFQ7TTC0LH18:0001:CFQ7TTC0KXKC"  # Business Basic, June 2021
BUSINESS_BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0LH0R"


async def api(party: Party, method: str, path: str, body: Any = None) -> httpx.Response:
    return await party.world.http.request(method, path, json=body, headers=bearer(await party.app_token()))


def line(**extra: Any) -> dict[str, Any]:
    return {"catalogItemId": E3, "quantity": 2, "billingCycle": "annual", "termDuration": "P1Y", **extra}


async def test_a_listed_promotion_is_priced_and_recorded_on_the_order_line_and_subscription(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    listed = await api(partner, "GET", "/v1/productpromotions?country=US&segment=commercial")
    assert E3_PROMOTION in {p["id"] for p in listed.json()["items"]}
    carts = f"/v1/customers/{customer['id']}/carts"
    r = await api(partner, "POST", carts, {"lineItems": [line(promotionId=E3_PROMOTION)]})
    assert r.status_code == 201, r.text
    [cart_line] = r.json()["lineItems"]
    assert cart_line["promotionId"] == E3_PROMOTION
    assert cart_line["pricing"] == {
        "listPrice": 36.0,
        "discountedPrice": 32.4,
        "proratedPrice": 32.4,
        "price": 32.4,
        "extendedPrice": 777.6,  # 2 seats, 12 months
    }
    r = await api(partner, "POST", f"{carts}/{r.json()['id']}/checkout")
    assert r.status_code == 201, r.text
    [order_line] = r.json()["orders"][0]["lineItems"]
    assert (order_line["promotionId"], order_line["unitPrice"]) == (E3_PROMOTION, "32.40")
    subscription = (await api(partner, "GET", f"/v1{order_line['links']['subscription']['uri']}")).json()
    assert (subscription["promotionId"], subscription["unitPrice"]) == (E3_PROMOTION, "32.40")
    # Without one, the list price and no promotion.
    r = await partner.order(customer["id"], offer=E3, quantity=1)
    assert r.status_code == 201, r.text
    assert r.json()["lineItems"][0]["unitPrice"] == "36.00"
    assert "promotionId" not in r.json()["lineItems"][0]


async def test_an_unknown_or_ineligible_promotion_is_refused(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()  # in the US
    carts = f"/v1/customers/{customer['id']}/carts"
    refused = {
        "PromotionNotFound": line(promotionId="NOPE:0001:NOPE"),
        "PromotionNotEligible": line(promotionId=E3_PROMOTION, billingCycle="monthly"),  # the promotion's is annual
    }
    for name, body in refused.items():
        r = await api(partner, "POST", carts, {"lineItems": [body]})
        assert (r.status_code, r.json()["errorName"]) == (400, name), r.text
        assert "Line item 0" in r.json()["description"]
    ended = await partner.order(customer["id"], offer=BUSINESS_BASIC, quantity=1, promotionId=ENDED_PROMOTION)
    assert (ended.status_code, ended.json()["errorName"]) == (400, "PromotionNotEligible"), ended.text
    assert "runs from 2021" in ended.json()["description"]
    other_product = await partner.order(customer["id"], offer=E3, quantity=1, promotionId=US_ONLY_PROMOTION)
    assert (other_product.status_code, other_product.json()["errorName"]) == (400, "PromotionNotEligible")
    assert (await api(partner, "GET", f"/v1/customers/{customer['id']}/orders")).json()["totalCount"] == 0


async def test_renews_to_is_the_term_of_the_first_renewal(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    carts = f"/v1/customers/{customer['id']}/carts"
    monthly = line(billingCycle="monthly", termDuration="P1M", renewsTo={"termDuration": "P1Y"})
    r = await api(partner, "POST", carts, {"lineItems": [monthly]})
    assert r.status_code == 201, r.text
    assert r.json()["lineItems"][0]["renewsTo"] == {"termDuration": "P1Y"}
    r = await api(partner, "POST", f"{carts}/{r.json()['id']}/checkout")
    assert r.status_code == 201, r.text
    [order_line] = r.json()["orders"][0]["lineItems"]
    assert order_line["renewsTo"] == {"termDuration": "P1Y"}
    path = f"/v1/customers/{customer['id']}/subscriptions/{order_line['subscriptionId']}"
    subscription = (await api(partner, "GET", path)).json()
    assert subscription["termDuration"] == "P1M"
    assert subscription["scheduledNextTermInstructions"]["product"]["termDuration"] == "P1Y"
    await world.sim("POST", "/clock/advance", json={"days": 32})  # past the month: renewed
    renewed = (await api(partner, "GET", path)).json()
    assert (renewed["termDuration"], renewed["status"]) == ("P1Y", "active")
    # A term the offer does not sell with the line's billing cycle is refused.
    annual = line(renewsTo={"termDuration": "P1M"})  # P1M bills monthly only
    r = await api(partner, "POST", carts, {"lineItems": [annual]})
    assert r.status_code == 400, r.text
