"""The catalog beyond products: a SKU by id, promotions, inventory checks, Azure plan upgrades and the legacy offers,
each answered in the shape of Partner Center's documented example."""

from tests.world import World

RESERVATION = ("DZH318Z0BQ4L", "00J1")


async def test_a_sku_read_by_id_says_what_it_needs_before_purchase(world: World) -> None:
    partner = await world.direct_bill_partner()
    r = await partner.get(f"/v1/products/{RESERVATION[0]}/skus/{RESERVATION[1]}", params={"country": "US"})
    assert r.status_code == 200, r.text
    sku = r.json()
    assert sku["purchasePrerequisites"] == ["AzureSubscriptionRegistration", "InventoryCheck"]
    assert sku["inventoryVariables"] == ["CustomerId", "AzureSubscriptionId", "ArmRegionName"]
    assert sku["dynamicAttributes"]["armRegionName"] == "eastus"
    assert sku["links"]["availabilities"]["uri"].endswith("/availabilities?country=us")
    seats = (await partner.get("/v1/products/CFQ7TTC0LFLX/skus/0001", params={"country": "US"})).json()
    assert seats["inventoryVariables"] == []
    assert seats["attributes"]["objectType"] == "Sku"
    missing = await partner.get("/v1/products/CFQ7TTC0LFLX/skus/9999", params={"country": "US"})
    assert missing.status_code == 404


async def test_promotions_run_by_country_segment_and_the_sandbox_clock(world: World) -> None:
    partner = await world.direct_bill_partner()
    r = await partner.get("/v1/productpromotions", params={"country": "US", "segment": "commercial"})
    assert r.status_code == 200, r.text
    listed = r.json()
    ids = {p["id"] for p in listed["items"]}
    assert ids == {"CFQ7TTC0LFLX:0001:CFQ7TTC0KXK9", "CFQ7TTC0LCHC:0002:CFQ7TTC0KXKB"}  # the ended one is not running
    canada = (await partner.get("/v1/productpromotions", params={"country": "CA", "segment": "Commercial"})).json()
    assert {p["id"] for p in canada["items"]} == {"CFQ7TTC0LFLX:0001:CFQ7TTC0KXK9"}  # the US-only one is not there
    bad = await partner.get("/v1/productpromotions", params={"country": "US", "segment": "government"})
    assert bad.status_code == 400

    one = await partner.get("/v1/productpromotions/CFQ7TTC0LH18:0001:CFQ7TTC0KXKC", params={"country": "US"})
    assert one.status_code == 200, one.text
    assert one.json()["requiredProducts"][0]["pricingPolicies"][0] == {
        "policyType": "PercentDiscount",
        "type": "PercentDiscount",
        "value": "0.20",
    }
    assert (await partner.get("/v1/productpromotions/NOPE", params={"country": "US"})).status_code == 404


async def test_an_inventory_check_answers_each_items_restrictions(world: World) -> None:
    partner = await world.direct_bill_partner()
    context = {"customerId": "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d", "azureSubscriptionId": "3A231FBE-37FE-4410-93FD"}
    path = "/v1/extensions/product/checkInventory"
    body = {
        "TargetItems": [{"ProductId": RESERVATION[0]}],
        "InventoryContext": context | {"armRegionName": "japanwest"},
    }
    r = await partner.post(path, params={"country": "US"}, json=body)  # the SDK's PascalCase, as documented
    assert r.status_code == 200, r.text
    assert r.json()[0]["isRestricted"] is True
    assert r.json()[0]["restrictions"][0]["properties"] == {"type": "Location", "values": "japanwest"}

    open_region = {
        "targetItems": [{"productId": RESERVATION[0], "skuId": RESERVATION[1]}, {"productId": "NOT-IN-CATALOG"}],
        "inventoryContext": context | {"armRegionName": "eastus"},
    }
    r = await partner.post(path, params={"country": "US"}, json=open_region)
    assert r.json() == [
        {"productId": RESERVATION[0], "skuId": RESERVATION[1], "isRestricted": False, "restrictions": []}
    ]

    r = await partner.post(path, params={"country": "US"}, json={"targetItems": [{"productId": RESERVATION[0]}]})
    assert r.status_code == 400
    assert r.json()["code"] == 400026
    seats = await partner.post(path, params={"country": "US"}, json={"targetItems": [{"productId": "CFQ7TTC0LFLX"}]})
    assert seats.json()[0]["isRestricted"] is False


async def test_a_customer_is_eligible_for_the_azure_plan_upgrade_until_it_has_one(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    body = {"customerId": customer["id"], "productFamily": "Azure"}
    r = await partner.post("/v1/productupgrades/eligibility", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["isEligible"] is True
    r = await partner.post("/v1/productupgrades", json=body)
    assert r.status_code == 202, r.text
    assert r.headers["Location"].startswith("productUpgrades/")
    assert r.content == b""

    assert (
        await partner.order(customer["id"], offer="DZH318Z0BPS6:0001:DZH318Z0BNZ2", quantity=1, term="")
    ).status_code == 201
    r = await partner.post("/v1/productupgrades/eligibility", json=body)
    assert r.json()["isEligible"] is False
    assert r.json()["reason"] == "The customer already has an active Azure plan."
    refused = await partner.post("/v1/productupgrades", json=body)
    assert refused.status_code == 400
    stranger = await world.direct_bill_partner()
    assert (await stranger.post("/v1/productupgrades/eligibility", json=body)).status_code == 404


async def test_the_legacy_offer_catalog_is_read_only_and_names_its_new_commerce_successors(world: World) -> None:
    partner = await world.direct_bill_partner()
    categories = await world.http.get(
        "/v1/offercategories",
        params={"country": "US"},
        headers={"Authorization": f"Bearer {await partner.app_token()}", "X-Locale": "en-GB"},
    )
    assert categories.status_code == 200, categories.text
    assert categories.json()["items"][0]["locale"] == "en-gb"

    first = await partner.get("/v1/offers", params={"country": "US", "offset": 0, "size": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["totalCount"] == 5
    assert len(page["items"]) == 2
    assert page["links"]["next"]["uri"].endswith("offset=2&size=2")
    rest = (await partner.get("/v1/offers", params={"country": "US", "offset": 2, "size": 10})).json()
    assert len(rest["items"]) == 3
    assert rest["links"].get("next") is None
    names = {o["name"] for o in page["items"] + rest["items"]}
    products = {p["title"] for p in (await partner.get("/v1/products", params={"country": "US"})).json()["items"]}
    assert names - {"Office 365 E3"} <= products  # the same names as new commerce's products

    r = await partner.get("/v1/offers/796B6B5F-613C-4E24-A17C-EBA730D49C02", params={"country": "US"})
    assert r.status_code == 200, r.text
    offer = r.json()
    assert offer["isAvailableForPurchase"] is False
    assert offer["successorProductId"] == "CFQ7TTC0LFLX"
    assert (await partner.get("/v1/offers/NOPE", params={"country": "US"})).status_code == 404
    assert (await partner.get("/v1/offers", params={"country": "ZZ"})).status_code == 400
