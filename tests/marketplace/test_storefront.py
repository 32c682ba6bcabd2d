"""COM-6 and COM-7: the requirements for resale, and storefront orders with a purchase mode, each the distributor's
Partner Center order."""

from decimal import Decimal

import pytest

from tests.marketplace.steps import end_customer, grant, mp, ok, order_body, ready_reseller, storefront_order
from tests.world import World

ACCEPTANCE = {"firstName": "Ada", "lastName": "Byron", "email": "ada@reseller.example"}


@pytest.mark.rule("COM-7")
async def test_three_orders_one_per_mode_only_the_end_customer_one_has_a_partner_of_record(world: World) -> None:
    distributor = await world.provider(name="Synnex")
    reseller, account = await ready_reseller(world, distributor, name="Contoso")
    await grant(distributor, reseller, account["id"])
    customer = await end_customer(distributor, reseller)
    buyer = await reseller.portal_token()
    base = f"/accounts/{account['id']}"

    personal = await storefront_order(
        reseller, account["id"], order_body("PersonalUse", customerAgreement=ACCEPTANCE), token=buyer
    )
    affiliate_body = order_body(
        "AffiliateAccount",
        affiliate={"companyName": "Contoso Hosting", "domain": "contosohosting.onmicrosoft.com"},
        customerAgreement=ACCEPTANCE,
    )
    affiliate = await storefront_order(reseller, account["id"], affiliate_body, token=buyer)
    end = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", customerTenantId=customer), token=buyer
    )
    placed = {o["purchaseMode"]: o for o in (ok(personal, 201), ok(affiliate, 201), ok(end, 201))}

    partner_id = reseller.tenant["partnerId"]
    assert placed["EndCustomer"]["partnerIdOnRecord"] == partner_id
    assert placed["EndCustomer"]["incentiveEligible"] is True
    assert placed["EndCustomer"]["order"]["lineItems"][0]["partnerIdOnRecord"] == partner_id
    for mode in ("PersonalUse", "AffiliateAccount"):
        assert placed[mode]["partnerIdOnRecord"] is None
        assert placed[mode]["incentiveEligible"] is False
        assert placed[mode]["order"]["lineItems"][0]["partnerIdOnRecord"] is None
    assert {o["billedToTenantId"] for o in placed.values()} == {reseller.id}

    # Each is the distributor's Partner Center order, for the tenant its mode buys for.
    own = ok(await mp(reseller, "GET", base, token=buyer))["ownTenantId"]
    affiliates = ok(await mp(reseller, "GET", f"{base}/affiliates", token=buyer))["items"]
    assert placed["PersonalUse"]["customerTenantId"] == own
    assert placed["AffiliateAccount"]["customerTenantId"] == affiliates[0]["tenantId"]
    for o in placed.values():
        seen = await distributor.get(f"/v1/customers/{o['customerTenantId']}/orders/{o['order']['id']}")
        assert ok(seen)["lineItems"][0]["partnerIdOnRecord"] == o["partnerIdOnRecord"]
        subs = ok(await distributor.get(f"/v1/customers/{o['customerTenantId']}/subscriptions"))["items"]
        assert [s["partnerId"] for s in subs] == [o["partnerIdOnRecord"]]
    listed = ok(await mp(distributor, "GET", f"{base}/orders"))
    assert listed["totalCount"] == 3

    # A second order for the reseller's own use and for its affiliate reuse the same tenants.
    again = ok(await storefront_order(reseller, account["id"], order_body("PersonalUse"), token=buyer), 201)
    assert again["customerTenantId"] == own
    body = order_body("AffiliateAccount", customerTenantId=affiliates[0]["tenantId"])
    assert (
        ok(await storefront_order(reseller, account["id"], body, token=buyer), 201)["customerTenantId"]
        == affiliates[0]["tenantId"]
    )


@pytest.mark.rule("COM-7")
async def test_a_mode_that_does_not_match_the_tenant_and_another_resellers_affiliate_are_refused(world: World) -> None:
    distributor = await world.provider()
    reseller, account = await ready_reseller(world, distributor)
    other, other_account = await ready_reseller(world, distributor)
    for who, acct in ((reseller, account), (other, other_account)):
        await grant(distributor, who, acct["id"])
    customer = await end_customer(distributor, reseller)
    buyer = await reseller.portal_token()
    theirs = ok(
        await storefront_order(
            other,
            other_account["id"],
            order_body(
                "AffiliateAccount",
                affiliate={"companyName": "Other Hosting", "domain": "otherhost.example"},
                customerAgreement=ACCEPTANCE,
            ),
            token=await other.portal_token(),
        ),
        201,
    )["customerTenantId"]

    refusals = [
        order_body("AffiliateAccount", customerTenantId=theirs),  # another reseller's affiliate
        order_body("PersonalUse", customerTenantId=customer),  # personal use for an end customer's tenant
        order_body("EndCustomer", customerTenantId=theirs),  # an affiliate is no end customer
        order_body("AffiliateAccount", customerTenantId=customer),  # an end customer is no affiliate
    ]
    for body in refusals:
        r = await storefront_order(reseller, account["id"], body, token=buyer)
        assert (r.status_code, r.json()["rule"]) == (400, "COM-7"), (body, r.text)
    assert "another reseller" in (await storefront_order(reseller, account["id"], refusals[0], token=buyer)).text
    # Nothing was half-written: no order, no affiliate.
    assert ok(await mp(reseller, "GET", f"/accounts/{account['id']}/orders", token=buyer))["totalCount"] == 0
    assert ok(await mp(reseller, "GET", f"/accounts/{account['id']}/affiliates", token=buyer))["items"] == []
    # The purchase mode decides the partner of record; a buyer does not name one.
    body = order_body("EndCustomer", customerTenantId=customer)
    body["lineItems"][0]["partnerIdOnRecord"] = other.tenant["partnerId"]
    assert (await storefront_order(reseller, account["id"], body, token=buyer)).status_code == 400


@pytest.mark.rule("COM-6")
async def test_resale_needs_the_account_the_partnership_the_mpa_and_the_customers_mca(world: World) -> None:
    distributor = await world.provider()
    reseller = await world.indirect_reseller()  # MPA accepted, but no partnership with this distributor yet
    account = ok(await mp(distributor, "POST", "/accounts", json={"resellerTenantId": reseller.id}), 201)
    await grant(distributor, reseller, account["id"])
    buyer = await reseller.portal_token()
    prerequisites = ok(await mp(reseller, "GET", f"/accounts/{account['id']}/prerequisites", token=buyer))
    assert {p["name"]: p["met"] for p in prerequisites["items"]} == {
        "PlatformAccount": True,
        "IndirectResellerPartnerId": False,
        "PartnerAgreementAccepted": True,
    }
    refused = await storefront_order(
        reseller, account["id"], order_body("PersonalUse", customerAgreement=ACCEPTANCE), token=buyer
    )
    assert (refused.status_code, refused.json()["rule"]) == (403, "COM-6")
    assert refused.json()["data"][0]["missing"] == ["IndirectResellerPartnerId"]

    await world.partner_up(distributor, reseller)
    customer = await end_customer(distributor, reseller, mca=False)
    refused = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", customerTenantId=customer), token=buyer
    )
    assert (refused.status_code, refused.json()["rule"]) == (403, "COM-6")
    assert refused.json()["data"][0]["missing"] == ["CustomerAgreementConfirmed"]
    # The reseller does not accept for an end customer: its admin does, on the storefront page.
    body = order_body("EndCustomer", customerTenantId=customer, customerAgreement=ACCEPTANCE)
    refused = await storefront_order(reseller, account["id"], body, token=buyer)
    assert (refused.status_code, refused.json()["rule"]) == (400, "COM-6")

    # A reseller that asked for an account has none until operations approve it.
    late = await world.indirect_reseller()
    await world.partner_up(distributor, late)
    requested = ok(
        await mp(
            late, "POST", "/accounts", token=await late.portal_token(), json={"distributorTenantId": distributor.id}
        ),
        201,
    )
    assert requested["status"] == "Requested"
    r = await mp(
        late,
        "POST",
        f"/accounts/{requested['id']}/programs",
        token=await late.portal_token(),
        json={"program": "Microsoft Azure Reseller Program"},
    )
    assert (r.status_code, r.json()["rule"]) == (409, "COM-6")
    decided = ok(await mp(distributor, "POST", f"/accounts/{requested['id']}/decision", json={"approve": True}))
    assert decided["status"] == "Active"
    mail = ok(await world.sim("GET", "/mailbox", params={"to": f"contact@{late.tenant['domain']}"}))["items"]
    assert any("marketplace account is active" in m["subject"] for m in mail)


@pytest.mark.rule("BIL-6")
async def test_a_storefront_line_shows_list_price_reseller_cost_and_customer_price(world: World) -> None:
    """A 20 % price book: the line's list price is the order's, the reseller's cost is list (the distributor passes
    Microsoft's price through), the customer's price is list plus 20 %, to the cent; a listing shows the same."""
    distributor = await world.provider(name="Synnex")
    reseller, account = await ready_reseller(world, distributor, name="Contoso")
    await grant(distributor, reseller, account["id"])
    customer = await end_customer(distributor, reseller)
    book = ok(await mp(distributor, "POST", "/pricebooks", json={"name": "Plus 20", "markupPercent": 20}), 201)
    ok(await mp(distributor, "PUT", f"/resellers/{reseller.id}/pricebook", json={"priceBookId": book["id"]}))

    placed = ok(
        await storefront_order(reseller, account["id"], order_body("EndCustomer", customerTenantId=customer)), 201
    )
    [line] = placed["lines"]
    list_price = Decimal(placed["order"]["lineItems"][0]["unitPrice"])
    assert (line["offerId"], line["quantity"]) == (placed["order"]["lineItems"][0]["offerId"], 5)
    assert Decimal(line["listPrice"]) == Decimal(line["resellerPrice"]) == list_price
    assert Decimal(line["customerPrice"]) == (list_price * Decimal("1.2")).quantize(Decimal("0.01"))
    assert line["priceBookId"] == book["id"]
    listed = ok(await mp(reseller, "GET", f"/accounts/{account['id']}/orders", token=await reseller.portal_token()))
    assert [o["lines"] for o in listed["items"]] == [placed["lines"]]
