"""A distributor's price books, support plans and invoices per reseller, re-billed at the billing run (BIL-5, BIL-6).

The distributor is an indirect provider; its reseller an indirect reseller partnered with it; the end customers are
the provider's customers it serves with that reseller. Seats are bought in March 2029 and billed at the billing run
on April 8th (billing's calendar month, invoice ready a week after it closes).
"""

import csv
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.world import E3, Party, World

MARKET = "/marketplace/v1"
LIST_E3 = Decimal("36.00")  # the catalog's E3 P1Y monthly price, as billing's own tests read it
PRODUCT, SKU = E3.split(":")[:2]


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def call(party: Party, method: str, path: str, **kw: Any) -> httpx.Response:
    token = await party.portal_token()
    return await party.world.http.request(method, f"{MARKET}{path}", headers={"Authorization": f"Bearer {token}"}, **kw)


async def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def advance(world: World, **delta: int) -> None:
    r = await world.sim("POST", "/clock/advance", json=delta)
    assert r.status_code == 200, r.text


async def distribution(world: World, *, customers: int) -> tuple[Party, Party, list[str]]:
    """A distributor, its reseller and `customers` end customers (MCA attested) served with the reseller."""
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    ids = []
    for _ in range(customers):
        r = await provider.create_customer(associatedPartnerId=reseller.id)
        assert r.status_code == 201, r.text
        await provider.attest_mca(r.json()["id"])
        ids.append(str(r.json()["id"]))
    return provider, reseller, ids


async def buy(provider: Party, customer_id: str, seats: int) -> None:
    r = await provider.order(customer_id, quantity=seats)
    assert r.status_code == 201, r.text


async def invoices(provider: Party, reseller: Party) -> list[dict[str, Any]]:
    found = await ok(await call(provider, "GET", f"/resellers/{reseller.id}/invoices"))
    assert found["attributes"]["objectType"] == "Collection"
    assert found["totalCount"] == len(found["items"])
    return list(found["items"])


async def invoice(provider: Party, reseller: Party, invoice_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await ok(await call(provider, "GET", f"/resellers/{reseller.id}/invoices/{invoice_id}"))
    lines = found["lineItems"]
    for total in ("sellerCost", "customerCost", "margin"):
        assert money(found[total]) == money(sum(money(line[total]) for line in lines)), total
    assert money(found["supportCharges"]) == sum(
        (money(line["customerCost"]) for line in lines if line["lineType"] == "supportPlan"), Decimal(0)
    )
    return found


@pytest.mark.rule("BIL-5")
@pytest.mark.rule("BIL-6")
@pytest.mark.parametrize("part", [None, 1], ids=["lines-at-once", "lines-by-parts"])
async def test_a_marked_up_reseller_invoice_shows_cost_price_and_support_and_splits_per_end_customer(
    world: World, monkeypatch: pytest.MonkeyPatch, part: int | None
) -> None:
    if part:  # the provider's lines are read and re-billed by parts of PART (500): by one, each line is a part
        monkeypatch.setattr("app.kernel.bulk.PART", part)
    await world.freeze_at("2029-03-10T10:00:00Z")
    provider, reseller, (first, second) = await distribution(world, customers=2)
    book = await ok(await call(provider, "POST", "/pricebooks", json={"name": "Plus 20", "markupPercent": 20}), 201)
    assert (book["markupPercent"], book["isDefault"], book["attributes"]["objectType"]) == (20, False, "PriceBook")
    assigned = await ok(
        await call(provider, "PUT", f"/resellers/{reseller.id}/pricebook", json={"priceBookId": book["id"]})
    )
    assert (assigned["priceBook"]["id"], assigned["effectiveFrom"]) == (book["id"], "2029-03-10")
    plan = {"type": "percentage", "percent": 10, "minimum": 50, "currency": "USD"}
    assert (await ok(await call(provider, "PUT", f"/customers/{first}/supportplan", json=plan)))[
        "resellerTenantId"
    ] == (reseller.id)
    await ok(await call(provider, "PUT", f"/customers/{second}/supportplan", json={"type": "fixed", "amount": 25}))
    assert (await ok(await call(provider, "GET", f"/customers/{second}/supportplan")))["amount"] == 25
    await buy(provider, first, 20)
    await buy(provider, second, 3)

    await advance(world, days=30)  # 2029-04-09: March's run was on the 8th
    [aggregated] = await invoices(provider, reseller)
    assert aggregated["endCustomerTenantId"] is None
    assert (aggregated["billingPeriodStartDate"], aggregated["billingPeriodEndDate"]) == ("2029-03-01", "2029-03-31")
    march = await invoice(provider, reseller, aggregated["id"])
    charges = {line["customerTenantId"]: line for line in march["lineItems"] if line["lineType"] == "charge"}
    support = {line["customerTenantId"]: line for line in march["lineItems"] if line["lineType"] == "supportPlan"}
    marked_up = (LIST_E3 * Decimal("1.20")).quantize(Decimal("0.01"))
    for customer, seats in ((first, 20), (second, 3)):
        line = charges[customer]
        assert (line["chargeType"], line["quantity"], line["productId"], line["skuId"]) == ("new", seats, PRODUCT, SKU)
        assert (money(line["listPrice"]), money(line["resellerPrice"]), money(line["customerPrice"])) == (
            LIST_E3,
            LIST_E3,
            marked_up,
        )
        assert money(line["sellerCost"]) == LIST_E3 * seats
        assert money(line["customerCost"]) == marked_up * seats
        assert line["sourceInvoiceId"] == "G000001"  # the distributor's own Partner Center invoice it re-bills
    # 10 % of 20 x 43.20 = 86.40 is over the 50.00 minimum; the second customer's plan is a fixed 25.00.
    assert money(support[first]["customerCost"]) == (marked_up * 20 / 10).quantize(Decimal("0.01"))
    assert money(support[second]["customerCost"]) == Decimal("25.00")
    assert all(money(s["sellerCost"]) == 0 for s in support.values())
    assert money(march["sellerCost"]) == money(march["totalCharges"]) == LIST_E3 * 23
    assert money(march["customerCost"]) == marked_up * 23 + money(march["supportCharges"])
    assert money(march["margin"]) == money(march["customerCost"]) - money(march["sellerCost"])
    assert march["seats"] == 23

    # The reseller chooses one invoice per end customer: April's run splits, and the totals are the aggregate's.
    r = await call(provider, "PUT", f"/resellers/{reseller.id}/billingsettings", json={"invoicePerEndCustomer": True})
    assert (await ok(r))["invoicePerEndCustomer"] is True
    await advance(world, days=30)  # 2029-05-09
    split = (await invoices(provider, reseller))[1:]
    assert sorted(i["endCustomerTenantId"] for i in split) == sorted([first, second])
    for item in split:
        lines = (await invoice(provider, reseller, item["id"]))["lineItems"]
        assert {line["customerTenantId"] for line in lines} == {item["endCustomerTenantId"]}
        assert {line["chargeType"] for line in lines} == {"cycleCharge", "supportPlan"}
    for total in ("sellerCost", "customerCost", "supportCharges", "margin"):
        assert sum(money(i[total]) for i in split) == money(march[total]), total

    # The reports: seller cost, customer cost, margin and seats per end customer and product, in JSON and CSV.
    report = await ok(await call(provider, "GET", f"/resellers/{reseller.id}/reports", params={"period": "2029-04"}))
    rows = {(row["customerTenantId"], row["productId"]): row for row in report["items"]}
    assert rows[(first, PRODUCT)]["seats"] == 20
    assert money(rows[(first, PRODUCT)]["margin"]) == (marked_up - LIST_E3) * 20
    [totals] = report["totals"]
    assert (money(totals["sellerCost"]), totals["seats"]) == (LIST_E3 * 23, 23)
    assert money(totals["margin"]) == money(march["margin"])
    r = await call(provider, "GET", f"/resellers/{reseller.id}/reports", params={"period": "2029-04", "format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert {(row["CustomerTenantId"], row["ProductId"], row["Seats"], row["Margin"]) for row in table} == {
        (str(row["customerTenantId"]), row["productId"], str(row["seats"]), str(money(row["margin"])))
        for row in report["items"]
    }


@pytest.mark.rule("BIL-6")
async def test_a_fixed_price_and_a_price_book_from_a_later_day_price_the_charges_that_start_then(world: World) -> None:
    await world.freeze_at("2029-03-10T10:00:00Z")
    provider, reseller, [customer] = await distribution(world, customers=1)
    fixed = {"productId": PRODUCT, "skuId": SKU, "unitPrice": "39.99", "currency": "USD"}
    body = {"name": "E3 at 39.99", "markupPercent": 50, "overrides": [fixed]}
    book = await ok(await call(provider, "POST", "/pricebooks", json=body), 201)
    r = await call(
        provider,
        "PUT",
        f"/resellers/{reseller.id}/pricebook",
        json={"priceBookId": book["id"], "effectiveFrom": "2029-04-01"},
    )
    found = await ok(r)
    assert found["priceBook"]["id"] == "default", "until April the reseller keeps the default price book"
    assert [a["effectiveFrom"] for a in found["assignments"]] == ["2029-04-01"]
    books = await ok(await call(provider, "GET", "/pricebooks"))
    assert [b["id"] for b in books["items"]] == ["default", book["id"]]
    await buy(provider, customer, 4)
    await advance(world, days=60)  # 2029-05-09: March and April are invoiced
    march, april = await invoices(provider, reseller)
    [bought] = (await invoice(provider, reseller, march["id"]))["lineItems"]
    assert (bought["priceBookId"], money(bought["customerPrice"]), money(bought["margin"])) == ("default", LIST_E3, 0)
    [cycle] = (await invoice(provider, reseller, april["id"]))["lineItems"]
    assert (cycle["priceBookId"], money(cycle["customerPrice"])) == (book["id"], Decimal("39.99"))
    assert money(cycle["customerCost"]) == Decimal("39.99") * 4
    assert money(cycle["margin"]) == (Decimal("39.99") - LIST_E3) * 4
    assert (await ok(await call(provider, "GET", f"/resellers/{reseller.id}/pricebook")))["priceBook"]["id"] == book[
        "id"
    ]


@pytest.mark.rule("BIL-6")
async def test_a_negative_price_a_markup_below_minus_100_and_a_past_day_are_refused(world: World) -> None:
    await world.freeze_at("2029-03-10T10:00:00Z")
    provider, reseller, [customer] = await distribution(world, customers=1)
    refused = [
        await call(provider, "POST", "/pricebooks", json={"name": "below nothing", "markupPercent": "-100.5"}),
        await call(
            provider,
            "POST",
            "/pricebooks",
            json={"name": "neg", "overrides": [{"productId": PRODUCT, "unitPrice": "-1.00"}]},
        ),
        await call(
            provider,
            "PUT",
            f"/resellers/{reseller.id}/pricebook",
            json={"priceBookId": "default", "effectiveFrom": "2029-03-09"},
        ),
        await call(provider, "PUT", f"/customers/{customer}/supportplan", json={"type": "fixed", "amount": "-5"}),
    ]
    for r in refused:
        assert (r.status_code, r.json()["rule"]) == (400, "BIL-6"), r.text
    books = await ok(await call(provider, "GET", "/pricebooks"))
    assert [b["id"] for b in books["items"]] == ["default"], "a refused price book is not half-written"
    assert (await ok(await call(provider, "GET", f"/resellers/{reseller.id}/pricebook")))["assignments"] == []
    assert (await call(provider, "GET", f"/customers/{customer}/supportplan")).status_code == 404
    free = await call(provider, "POST", "/pricebooks", json={"name": "at cost", "markupPercent": -100})
    assert free.status_code == 201, "-100 % sells at nothing, which is allowed"


@pytest.mark.rule("BIL-6")
async def test_only_the_distributor_prices_its_own_resellers_and_customers(world: World) -> None:
    provider, reseller, [customer] = await distribution(world, customers=1)
    other = await world.provider()
    for path in (
        f"/resellers/{reseller.id}/pricebook",
        f"/resellers/{reseller.id}/invoices",
        f"/customers/{customer}/supportplan",
    ):
        assert (await call(other, "GET", path)).status_code == 404, path
    direct = await world.direct_bill_partner()
    r = await call(direct, "POST", "/pricebooks", json={"name": "not a distributor"})
    assert (r.status_code, r.json()["rule"]) == (403, "BIL-6")
    r = await call(provider, "GET", f"/resellers/{reseller.id}/reports", params={"period": "March"})
    assert r.status_code == 400
    r = await call(provider, "PUT", f"/customers/{customer}/supportplan", json={"type": "fixed", "percent": 5})
    assert r.status_code == 400
    r = await call(provider, "GET", f"/resellers/{reseller.id}/billingsettings")
    assert (await ok(r))["invoicePerEndCustomer"] is False


@pytest.mark.rule("BIL-6")
async def test_the_price_sheet_shows_list_price_the_resellers_cost_and_the_customers_price(world: World) -> None:
    provider, reseller, _ = await distribution(world, customers=0)
    fixed = {"productId": PRODUCT, "skuId": SKU, "unitPrice": "39.99", "currency": "USD"}
    book = await ok(
        await call(provider, "POST", "/pricebooks", json={"name": "Mixed", "markupPercent": 50, "overrides": [fixed]}),
        201,
    )
    sheet = f"/resellers/{reseller.id}/prices"
    before = await ok(await call(provider, "GET", sheet, params={"productId": PRODUCT}))
    assert {row["priceBookId"] for row in before["items"]} == {"default"}
    assert all(row["customerPrice"] == row["listPrice"] == row["resellerPrice"] for row in before["items"])
    await ok(await call(provider, "PUT", f"/resellers/{reseller.id}/pricebook", json={"priceBookId": book["id"]}))
    rows = (await ok(await call(provider, "GET", sheet))).get("items")
    e3 = [row for row in rows if (row["productId"], row["skuId"]) == (PRODUCT, SKU)]
    assert {money(row["customerPrice"]) for row in e3} == {Decimal("39.99")}, "the SKU's fixed price, every term"
    others = [row for row in rows if row["productId"] != PRODUCT and money(row["listPrice"]) > 0]
    assert others
    for row in others:
        assert money(row["customerPrice"]) == (money(row["listPrice"]) * Decimal("1.5")).quantize(Decimal("0.01"))
        assert money(row["resellerPrice"]) == money(row["listPrice"])
    unknown = await call(provider, "GET", sheet, params={"productId": "NOPE"})
    assert unknown.status_code == 404
