"""Azure plan consumption: recorded on the control surface, read as utilization records, priced from the rate card
and billed in arrears (BIL-1)."""

from decimal import Decimal
from typing import Any

import pytest

from tests.billing.test_invoices import (
    AZURE_PLAN,
    advance,
    bought,
    invoices,
    lines,
    money,
    read,
)
from tests.world import Party, World, bearer


async def azure_plan(partner: Party, customer_id: str) -> str:
    r = await partner.order(customer_id, offer=AZURE_PLAN, quantity=1, term=None, billingCycle="monthly")
    assert r.status_code == 201, r.text
    r = await read(partner, f"/v1/customers/{customer_id}/subscriptions")
    [plan] = [s["id"] for s in r.json()["items"] if s["offerId"].startswith(AZURE_PLAN.split(":")[0])]
    return str(plan)


async def meters(partner: Party, card: str = "azure", **params: str) -> dict[str, dict[str, Any]]:
    r = await read(partner, f"/v1/ratecards/{card}")
    if params:
        r = await partner.get(f"/v1/ratecards/{card}", token=await partner.portal_token(), params=params)
    assert r.status_code == 200, r.text
    assert r.json()["attributes"]["objectType"] == "AzureRateCard"
    return {m["name"]: m for m in r.json()["meters"]}


async def use(world: World, subscription_id: str, meter: str, quantity: str, day: str, **extra: str) -> Any:
    body = {"meterId": meter, "quantity": quantity, "usageDate": day, **extra}
    return await world.sim("POST", f"/subscriptions/{subscription_id}/usage", json=body)


@pytest.mark.rule("BIL-1")
async def test_march_usage_is_invoiced_after_march_closes_at_the_rate_card_price(world: World) -> None:
    """Reference §5 scenario 7's meter: 720 hours of a D2s v3 at $0.096 an hour over a month is 69.12."""
    partner, customer_id, _ = await bought(world, at="2029-03-10T10:00:00Z")
    plan = await azure_plan(partner, customer_id)
    vm = (await meters(partner))["D2s v3"]
    assert (money(vm["rates"]["0"]), vm["unit"]) == (Decimal("0.10"), "1 Hour")
    assert Decimal(str(vm["rates"]["0"])) == Decimal("0.096")
    await advance(world, days=15)  # 03-25
    for day in ("2029-03-10", "2029-03-20", "2029-03-25"):
        r = await use(world, plan, vm["id"], "240", day, resourceGroup="web", resourceName="vm1")
        assert r.status_code == 201, r.text
    future = await use(world, plan, vm["id"], "1", "2029-03-26")
    assert future.status_code == 400
    assert "future" in future.json()["description"]
    await advance(world, days=13)  # 04-07: March closed, its invoice not ready yet
    assert (await use(world, plan, vm["id"], "100", "2029-04-02")).status_code == 201
    assert await invoices(partner) == [], "not before the invoice of March is issued"
    unbilled = "/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=usagelineitems&currencycode=USD"
    r = await read(partner, f"{unbilled}&period=previous")
    assert r.status_code == 200, r.text
    assert [i["usageDate"][:10] for i in r.json()["items"]] == ["2029-03-10", "2029-03-20", "2029-03-25"]
    assert r.json()["items"][0]["attributes"]["objectType"] == "DailyRatedUsageLineItem"
    await advance(world, days=2)  # 04-09
    [march] = await invoices(partner)
    seats, consumed = await lines(partner, march["id"])  # lines() checks the total is the sum of the lines
    assert seats["productId"] == "CFQ7TTC0LFLX"
    assert (consumed["productId"], consumed["unitType"]) == ("DZH318Z0BPS6", "1 Hour")
    assert Decimal(str(consumed["billableQuantity"])) == Decimal(720)
    assert money(consumed["subtotal"]) == Decimal("69.12")
    assert "D2s v3" in consumed["meterDescription"]
    assert (consumed["chargeStartDate"][:10], consumed["chargeEndDate"][:10]) == ("2029-03-01", "2029-03-31")
    assert money(march["totalCharges"]) == Decimal("429.12")  # 360.00 of E3 seats in advance + 69.12 in arrears
    r = await read(partner, f"/v1/invoices/{march['id']}/lineitems/OneTime/UsageLineItems")
    daily = r.json()["items"]
    assert [(i["usageDate"][:10], i["invoiceNumber"]) for i in daily] == [
        ("2029-03-10", march["id"]),
        ("2029-03-20", march["id"]),
        ("2029-03-25", march["id"]),
    ]
    assert sum(money(i["billingPreTaxTotal"]) for i in daily) == Decimal("69.12")
    paged = await read(partner, f"/v1/invoices/{march['id']}/lineitems/OneTime/UsageLineItems?size=2")
    assert [i["usageDate"][:10] for i in paged.json()["items"]] == ["2029-03-10", "2029-03-20"]
    follow = paged.json()["links"]["next"]
    headers = {h["key"]: h["value"] for h in follow["headers"]} | bearer(await partner.portal_token())
    rest = await world.http.get(follow["uri"], headers=headers)
    assert rest.status_code == 200, rest.text
    assert [i["usageDate"][:10] for i in rest.json()["items"]] == ["2029-03-25"]
    late = await use(world, plan, vm["id"], "5", "2029-03-15")
    assert late.status_code == 409
    assert "invoiced" in late.json()["description"]
    await advance(world, days=30)  # 05-09: April's 100 hours, in arrears
    april = (await invoices(partner))[-1]
    assert april["billingPeriodStartDate"].startswith("2029-04-01")
    usage_lines = [i for i in await lines(partner, april["id"]) if i["productId"] == "DZH318Z0BPS6"]
    assert [money(i["subtotal"]) for i in usage_lines] == [Decimal("9.60")]


@pytest.mark.rule("BIL-1")
async def test_usage_is_refused_for_what_cannot_be_billed(world: World) -> None:
    partner, customer_id, e3_path = await bought(world, at="2029-03-10T10:00:00Z")
    plan = await azure_plan(partner, customer_id)
    vm = (await meters(partner))["D2s v3"]["id"]
    e3 = e3_path.rsplit("/", 1)[1]
    r = await use(world, e3, vm, "1", "2029-03-10")
    assert r.status_code == 400
    assert "not an Azure plan" in r.json()["description"]
    r = await use(world, plan, "00000000-0000-0000-0000-000000000000", "1", "2029-03-10")
    assert r.status_code == 400
    assert "00000000-0000-0000-0000-000000000000" in r.json()["description"]
    r = await use(world, plan, vm, "-2", "2029-03-10")
    assert r.status_code == 400
    assert "negative" in r.json()["description"]
    r = await use(world, plan, vm, "1", "2029-03-09")
    assert r.status_code == 400
    assert "before the subscription began" in r.json()["description"]
    r = await world.sim(
        "POST", f"/subscriptions/{plan}/usage", json={"meterId": vm, "quantity": "NaN", "usageDate": "2029-03-10"}
    )
    assert r.status_code in (400, 422)
    assert (
        await read(
            partner,
            "/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=usagelineitems&currencycode=USD&period=current",
        )
    ).json()["items"] == [], "nothing was written"


async def test_rate_cards_in_the_market_currency(world: World) -> None:
    await world.freeze_at("2029-03-10T10:00:00Z")
    partner = await world.direct_bill_partner()
    usd = await meters(partner)
    assert len(usd) >= 8
    vm = usd["D2s v3"]
    assert {
        "id",
        "name",
        "rates",
        "tags",
        "category",
        "subcategory",
        "region",
        "unit",
        "includedQuantity",
        "effectiveDate",
    } <= set(vm)
    cad = await meters(partner, currency="CAD", region="CA")
    assert Decimal(str(cad["D2s v3"]["rates"]["0"])) == Decimal("0.096") * Decimal("1.36")
    shared = await meters(partner, "azure-shared")
    assert set(shared).isdisjoint(usd)
    r = await partner.get("/v1/ratecards/azure", token=await partner.portal_token(), params={"currency": "XYZ"})
    assert r.status_code == 400
    assert "XYZ" in r.json()["description"]


async def test_utilization_records_daily_hourly_and_paged(world: World) -> None:
    partner, customer_id, _ = await bought(world, at="2029-03-10T10:00:00Z")
    plan = await azure_plan(partner, customer_id)
    card = await meters(partner)
    vm, disk = card["D2s v3"]["id"], card["S10 Disks"]["id"]
    await advance(world, days=3)  # 03-13
    for day in ("2029-03-10", "2029-03-11", "2029-03-12"):
        assert (await use(world, plan, vm, "24", day, resourceName="vm1")).status_code == 201
        assert (await use(world, plan, vm, "12", day, resourceName="vm2")).status_code == 201
    assert (await use(world, plan, disk, "0.1", "2029-03-11")).status_code == 201
    path = f"/v1/customers/{customer_id}/subscriptions/{plan}/utilizations/azure"
    token = await partner.portal_token()
    query = {"start_time": "2029-03-10T00:00:00Z", "end_time": "2029-03-13T00:00:00Z", "size": "3"}
    r = await partner.get(path, token=token, params=query)
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["totalCount"], len(page["items"])) == (7, 3)
    first = page["items"][0]
    assert first["attributes"]["objectType"] == "AzureUtilizationRecord"
    assert (first["usageStartTime"][:19], first["usageEndTime"][:19]) == ("2029-03-10T00:00:00", "2029-03-11T00:00:00")
    assert first["resource"]["id"] == vm
    assert first["instanceData"]["resourceUri"].endswith("/vm1")
    seen = page["items"]
    while page["links"].get("next"):
        nxt = page["links"]["next"]
        headers = {h["key"]: h["value"] for h in nxt["headers"]}
        r = await partner.world.http.get(nxt["uri"], headers={"Authorization": f"Bearer {token}", **headers})
        assert r.status_code == 200, r.text
        page = r.json()
        seen += page["items"]
    assert len(seen) == 7
    assert sum(Decimal(str(i["quantity"])) for i in seen) == Decimal("108.1")
    r = await partner.get(path, token=token, params={**query, "show_details": "false", "size": "100"})
    assert [Decimal(str(i["quantity"])) for i in r.json()["items"] if i["resource"]["id"] == vm] == [36, 36, 36]
    assert all(i["instanceData"] is None for i in r.json()["items"])
    r = await partner.get(path, token=token, params={**query, "granularity": "hourly", "size": "1000"})
    hourly = r.json()["items"]
    assert len(hourly) == 24 * 7
    assert sum(Decimal(str(i["quantity"])) for i in hourly) == Decimal("108.1")
    bad = await partner.get(path, token=token, params={**query, "granularity": "weekly"})
    assert bad.status_code == 400
    assert "weekly" in bad.json()["description"]
    tampered = await partner.world.http.get(
        path, params=query, headers={"Authorization": f"Bearer {token}", "MS-ContinuationToken": "bm90IGEgdG9rZW4"}
    )
    assert tampered.status_code == 400
    assert "continuation token" in tampered.json()["description"]
