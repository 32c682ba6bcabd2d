"""Invoices priced from commerce's charges, issued by billing runs on the sandbox clock (BIL-1, BIL-2).

The reference's scenarios are dated 2025; the sandbox clock never moves backwards, so they run in 2029, whose
months have the same lengths (March 31 days, June 30) and whose year from 10 March has 365 days, as 2025's has.
"""

import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.world import E3, Party, World, bearer

BUSINESS_BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0LH0R"  # Microsoft 365 Business Basic

LINES = "lineitems?provider=onetime&invoicelineitemtype=billinglineitems"


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def bought(world: World, *, at: str, country: str = "US", **order: Any) -> tuple[Party, str, str]:
    """A direct-bill partner whose customer (in `country`) bought E3 at `at`: the partner, the customer id and the
    subscription's path."""
    await world.freeze_at(at)
    partner = await world.direct_bill_partner()
    customer_id = await customer_in(partner, country)
    r = await partner.order(customer_id, **order)
    assert r.status_code == 201, r.text
    return partner, customer_id, await subscription_path(partner, customer_id)


async def customer_in(partner: Party, country: str) -> str:
    name = f"cust{country.lower()}{len(partner.world.parties)}x"
    address = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "addressLine1": "1 Bill St",
        "city": "Toronto" if country == "CA" else "Redmond",
        "state": "ON" if country == "CA" else "WA",
        "postalCode": "M5H 2N2" if country == "CA" else "98052",
        "country": country,
    }
    profile = {"email": f"billing@{name}.example", "companyName": name.title(), "defaultAddress": address}
    r = await partner.create_customer(name, billingProfile=profile)
    assert r.status_code == 201, r.text
    await partner.attest_mca(r.json()["id"])
    return str(r.json()["id"])


async def subscription_path(partner: Party, customer_id: str) -> str:
    r = await read(partner, f"/v1/customers/{customer_id}/subscriptions")
    return f"/v1/customers/{customer_id}/subscriptions/{r.json()['items'][-1]['id']}"


async def patch(partner: Party, path: str, **body: object) -> httpx.Response:
    return await partner.world.http.patch(
        path, json=body, headers={"Authorization": f"Bearer {await partner.portal_token()}"}
    )


async def advance(world: World, **delta: int) -> None:
    r = await world.sim("POST", "/clock/advance", json=delta)
    assert r.status_code == 200, r.text


async def read(partner: Party, path: str) -> httpx.Response:
    # As a person in the portal: months on, the revenue review may have restricted the partner's API channel.
    return await partner.get(path, token=await partner.portal_token())


async def invoices(partner: Party) -> list[dict[str, Any]]:
    r = await read(partner, "/v1/invoices")
    assert r.status_code == 200, r.text
    assert r.json()["attributes"]["objectType"] == "Collection"
    assert r.json()["totalCount"] == len(r.json()["items"])
    return list(r.json()["items"])


async def lines(partner: Party, invoice_id: str) -> list[dict[str, Any]]:
    r = await read(partner, f"/v1/invoices/{invoice_id}/{LINES}")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    assert money(sum(money(i["totalForCustomer"]) for i in items)) == money(
        (await read(partner, f"/v1/invoices/{invoice_id}")).json()["totalCharges"]
    ), "an invoice's total is the sum of its lines, to the cent"
    return items


@pytest.mark.rule("BIL-1")
async def test_a_purchase_is_billed_in_advance_from_its_purchase_date(world: World) -> None:
    partner, _, _ = await bought(world, at="2029-03-15T10:00:00Z")
    assert await invoices(partner) == [], "nothing is invoiced before the period closes"
    await advance(world, days=25)  # 2029-04-09: March's invoice was ready on the 8th
    [invoice] = await invoices(partner)
    assert invoice["id"] == "G000001"
    assert invoice["billingPeriodStartDate"].startswith("2029-03-01T00:00:00")
    assert invoice["billingPeriodEndDate"].startswith("2029-03-31T00:00:00")
    assert invoice["invoiceDate"].startswith("2029-04-08")
    assert invoice["attributes"]["objectType"] == "Invoice"
    [line] = await lines(partner, "G000001")
    assert line["chargeType"] == "new"
    assert line["chargeStartDate"].startswith("2029-03-15")
    assert line["chargeEndDate"].startswith("2029-04-14")
    assert (money(line["unitPrice"]), line["quantity"]) == (Decimal("36.00"), 10)  # the catalog's E3 P1Y price
    assert money(line["subtotal"]) == money(invoice["totalCharges"]) == Decimal("360.00")
    assert line["attributes"]["objectType"] == "OneTimeInvoiceLineItem"
    # The path form answers the same, and the next month's installment follows on April's invoice.
    r = await read(partner, "/v1/invoices/G000001/lineitems/OneTime/BillingLineItems")
    assert r.status_code == 200
    assert r.json()["items"] == [line]
    await advance(world, days=30)  # 2029-05-09
    second = (await invoices(partner))[1]
    [cycle] = await lines(partner, second["id"])
    assert (cycle["chargeType"], money(cycle["subtotal"])) == ("cycleCharge", Decimal("360.00"))
    assert cycle["chargeStartDate"].startswith("2029-04-15")
    assert cycle["chargeEndDate"].startswith("2029-05-14")


@pytest.mark.rule("BIL-1")
@pytest.mark.parametrize("part", [None, 2], ids=["lines-at-once", "lines-by-parts"])
async def test_an_increase_is_prorated_and_a_reduction_within_168_hours_credited(
    world: World, monkeypatch: pytest.MonkeyPatch, part: int | None
) -> None:
    if part:  # work over many rows goes by parts of PART (500): with 2, this invoice's three lines take two parts
        monkeypatch.setattr("app.kernel.bulk.PART", part)
    partner, _, path = await bought(world, at="2029-03-15T10:00:00Z")
    await advance(world, days=10)  # 03-25: 21 of the 31 days of 03-15..04-14 remain
    assert (await patch(partner, path, quantity=15)).status_code == 200
    await advance(world, days=2)  # 03-27: 19 days remain; the 5 added seats are still refundable
    assert (await patch(partner, path, quantity=12)).status_code == 200
    await advance(world, days=5)  # 04-01: after 168 hours the added seats no longer come down
    refused = await patch(partner, path, quantity=10)
    assert refused.status_code == 400
    assert refused.json()["rule"] == "COM-8"
    await advance(world, days=8)  # 04-09
    [invoice] = await invoices(partner)
    new, added, removed = await lines(partner, invoice["id"])
    assert (new["chargeType"], money(new["subtotal"])) == ("new", Decimal("360.00"))
    assert added["chargeType"] == "addQuantity"
    assert added["quantity"] == 5
    assert added["chargeStartDate"].startswith("2029-03-25")
    assert added["chargeEndDate"].startswith("2029-04-14")
    assert money(added["subtotal"]) == Decimal("121.94")  # 5 x 36 x 21/31 = 121.935..., half-up
    assert removed["chargeType"] == "removeQuantity"
    assert removed["quantity"] == -3
    assert money(removed["subtotal"]) == Decimal("-66.19")  # 3 x 36 x 19/31 = 66.193...
    assert money(invoice["totalCharges"]) == Decimal("415.75")
    # Line items come by pages of up to 2,000 (`size`), the next one by `links.next`, as the SDK's enumerator reads.
    r = await read(partner, f"/v1/invoices/{invoice['id']}/{LINES}&size=2")
    assert r.status_code == 200, r.text
    first = r.json()
    assert (first["totalCount"], [i["chargeType"] for i in first["items"]]) == (3, ["new", "addQuantity"])
    follow = first["links"]["next"]
    assert "seekOperation=Next" in follow["uri"]
    headers = {h["key"]: h["value"] for h in follow["headers"]} | bearer(await partner.portal_token())
    r = await world.http.get(follow["uri"], headers=headers)
    assert r.status_code == 200, r.text
    assert [i["chargeType"] for i in r.json()["items"]] == ["removeQuantity"]
    assert "next" not in r.json()["links"]
    too_many = await read(partner, f"/v1/invoices/{invoice['id']}/{LINES}&size=2001")
    assert too_many.status_code == 400, too_many.text


async def waiting_runs(world: World) -> list[str]:
    r = await world.sim("GET", "/timers?status=pending")
    assert r.status_code == 200, r.text
    return sorted(t["ref"] for t in r.json()["items"] if t["kind"] == "billing.run")


@pytest.mark.rule("BIL-2")
async def test_a_partners_run_of_a_country_waits_once_however_many_charges_start_it(world: World) -> None:
    """The purchase reads whether its run waits beside the customer, and an order's charges after the first know
    it: two lines, a second order and the partner's customer in another country leave one run per country."""
    partner, us_customer, _ = await bought(world, at="2029-03-15T10:00:00Z")
    assert await waiting_runs(world) == [f"{partner.id}:US"]
    two_lines = {
        "lineItems": [
            {"lineItemNumber": n, "offerId": offer, "quantity": 2, "termDuration": "P1M", "billingCycle": "monthly"}
            for n, offer in enumerate([E3, BUSINESS_BASIC])
        ]
    }
    headers = bearer(await partner.app_token())
    r = await world.http.post(f"/v1/customers/{us_customer}/orders", json=two_lines, headers=headers)
    assert r.status_code == 201, r.text
    assert (await partner.order(us_customer)).status_code == 201
    assert await waiting_runs(world) == [f"{partner.id}:US"]
    ca_customer = await customer_in(partner, "CA")
    r = await world.http.post(f"/v1/customers/{ca_customer}/orders", json=two_lines, headers=headers)
    assert r.status_code == 201, r.text
    assert await waiting_runs(world) == sorted([f"{partner.id}:US", f"{partner.id}:CA"])
    await advance(world, days=25)  # both runs fired, each scheduled its next: still one a country
    assert await waiting_runs(world) == sorted([f"{partner.id}:US", f"{partner.id}:CA"])
    assert len(await invoices(partner)) == 2


@pytest.mark.rule("BIL-2")
async def test_each_country_is_billed_over_its_own_period(world: World) -> None:
    partner, us_customer, _ = await bought(world, at="2029-03-15T10:00:00Z")
    ca_customer = await customer_in(partner, "CA")
    assert (await partner.order(ca_customer)).status_code == 201
    await advance(world, days=25)  # 04-09: Canada's 02-20..03-19 invoice (ready 03-27) and the US March one
    first, second = await invoices(partner)
    assert (first["currencyCode"], second["currencyCode"]) == ("CAD", "USD"), "issued in order"
    assert first["billingPeriodStartDate"].startswith("2029-02-20")
    assert first["billingPeriodEndDate"].startswith("2029-03-19")
    assert second["billingPeriodStartDate"].startswith("2029-03-01")
    assert second["billingPeriodEndDate"].startswith("2029-03-31")
    [ca_line] = await lines(partner, first["id"])
    [us_line] = await lines(partner, second["id"])
    assert (ca_line["customerId"], ca_line["customerCountry"]) == (ca_customer, "CA")
    assert (us_line["customerId"], us_line["customerCountry"]) == (us_customer, "US")
    assert money(ca_line["subtotal"]) == Decimal("489.60")  # 10 x the catalog's CAD price, 48.96
    # A long advance produces every invoice of the months it passes, in order: Canada's 03-20..04-19 (04-27),
    # the US April (05-08), Canada's 04-20..05-19 (05-27), the US May (06-08).
    await advance(world, days=60)  # 06-08
    periods = [(i["currencyCode"], i["billingPeriodStartDate"][:10]) for i in await invoices(partner)]
    assert periods == [
        ("CAD", "2029-02-20"),
        ("USD", "2029-03-01"),
        ("CAD", "2029-03-20"),
        ("USD", "2029-04-01"),
        ("CAD", "2029-04-20"),
        ("USD", "2029-05-01"),
    ]


@pytest.mark.rule("BIL-1")
async def test_reference_scenario_1_a_reduction_within_the_window(world: World) -> None:
    """Reference §5 scenario 1 (10 x E3 P1Y monthly on 2029-03-10 10:00Z, reduced to 8 at 03-13 10:00Z; the
    catalog's E3 P1Y price is the reference's $36.00). The reference shows the reduction as -360.00 +288.00 and a
    day-use line of 72.00 x 3/31 = 6.97, net 294.97, and marks that layout UNCONFIRMED; cspsim writes the same net
    as one removeQuantity credit for the removed seats' remaining days, 72.00 x 28/31 = 65.03: 360.00 - 65.03."""
    partner, _, path = await bought(world, at="2029-03-10T10:00:00Z")
    await advance(world, hours=72)
    r = await patch(partner, path, quantity=8)
    assert r.status_code == 200, r.text
    assert r.json()["refundableQuantity"]["details"][0]["allowedUntilDateTime"].startswith("2029-03-17T10:00:00")
    await advance(world, days=27)  # 04-09
    [invoice] = await invoices(partner)
    new, removed = await lines(partner, invoice["id"])
    assert new["chargeStartDate"].startswith("2029-03-10")
    assert new["chargeEndDate"].startswith("2029-04-09")
    assert money(new["subtotal"]) == Decimal("360.00")
    assert money(removed["subtotal"]) == Decimal("-65.03")
    assert money(invoice["totalCharges"]) == Decimal("294.97")


@pytest.mark.rule("BIL-1")
async def test_reference_scenario_3_a_mid_term_addition(world: World) -> None:
    """Reference §5 scenario 3: 5 seats added on 2029-06-18 to the 06-10..07-09 cycle (30 days, 22 remaining):
    5 x 36 x 22/30 = 132.00, the end date unchanged."""
    partner, _, path = await bought(world, at="2029-03-10T10:00:00Z")
    await advance(world, days=100)  # 2029-06-18T10:00Z
    r = await patch(partner, path, quantity=15)
    assert r.status_code == 200, r.text
    await advance(world, days=21)  # 07-09: June's invoice was ready on the 8th
    june = (await invoices(partner))[-1]
    assert june["billingPeriodStartDate"].startswith("2029-06-01")
    cycle, added = await lines(partner, june["id"])
    assert (cycle["chargeType"], money(cycle["subtotal"])) == ("cycleCharge", Decimal("360.00"))
    assert added["chargeType"] == "addQuantity"
    assert added["chargeStartDate"].startswith("2029-06-18")
    assert added["chargeEndDate"].startswith("2029-07-09")
    assert money(added["subtotal"]) == Decimal("132.00")


@pytest.mark.rule("BIL-1")
async def test_reference_scenario_5_annual_up_front_then_cancelled(world: World) -> None:
    """Reference §5 scenario 5: 10 x E3 P1Y billed annually is 10 x 36 x 12 = 4,320.00 on the purchase month's
    invoice; cancelled on day 5 the credit is 4,320 x 360/365 = 4,260.82 and the partner keeps 59.18."""
    partner, _, path = await bought(world, at="2029-03-10T10:00:00Z", billingCycle="annual")
    await advance(world, days=5)
    r = await patch(partner, path, status="deleted")
    assert r.status_code == 200, r.text
    await advance(world, days=25)  # 04-09
    [invoice] = await invoices(partner)
    new, cancel = await lines(partner, invoice["id"])
    assert money(new["subtotal"]) == Decimal("4320.00")
    assert new["chargeEndDate"].startswith("2030-03-09")
    assert (cancel["chargeType"], money(cancel["subtotal"])) == ("cancel", Decimal("-4260.82"))
    assert money(invoice["totalCharges"]) == Decimal("59.18")


@pytest.mark.rule("BIL-1")
async def test_unbilled_lines_and_bad_requests(world: World) -> None:
    partner, _, _ = await bought(world, at="2029-03-15T10:00:00Z")
    unbilled = "/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=billinglineitems"
    r = await read(partner, f"{unbilled}&currencycode=USD&period=current")
    assert r.status_code == 200, r.text
    [line] = r.json()["items"]
    assert (line["chargeType"], money(line["subtotal"]), line["invoiceNumber"]) == ("new", Decimal("360.00"), "")
    assert (await read(partner, f"{unbilled}&currencycode=USD&period=previous")).json()["items"] == []
    bad = await read(partner, f"{unbilled}&currencycode=USD&period=someday")
    assert bad.status_code == 400
    assert "someday" in bad.json()["description"]
    await advance(world, days=25)
    assert (await read(partner, f"{unbilled}&currencycode=USD&period=previous")).json()["items"] == [], "invoiced"
    r = await read(partner, "/v1/invoices/G000001/lineitems/azure/billinglineitems")
    assert r.status_code == 400
    assert "azure" in r.json()["description"]
    r = await read(partner, "/v1/invoices/G000001/lineitems?provider=onetime&invoicelineitemtype=everything")
    assert r.status_code == 400
    assert "everything" in r.json()["description"]
    other = await world.direct_bill_partner()
    r = await read(other, "/v1/invoices/G000001")
    assert r.status_code == 404
    assert "G000001" in r.json()["description"]
    summary = (await read(partner, "/v1/invoices/summary")).json()
    assert (money(summary["balanceAmount"]), summary["currencyCode"]) == (Decimal("360.00"), "USD")


@pytest.mark.rule("BIL-1")
async def test_an_issued_invoice_is_announced_and_has_a_statement(world: World) -> None:
    partner, _, _ = await bought(world, at="2029-03-15T10:00:00Z")
    await advance(world, days=25)
    events = (await world.sim("GET", "/events", params={"name": "invoice-ready"})).json()["items"]
    assert [e["resourceId"] for e in events] == ["G000001"]
    mails = (await world.sim("GET", "/mailbox", params={"to": f"contact@{partner.tenant['domain']}"})).json()["items"]
    assert [m["subject"] for m in mails if "invoice" in m["subject"]] == ["Your invoice G000001 is ready"]
    r = await read(partner, "/v1/invoices/G000001/documents/statement")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "G000001" in text
    assert "2029-03-01 to 2029-03-31" in text
    assert "360.00 USD" in text


SOFTWARE = "DG7GMGF0D7FV:0002:DG7GMGF0DWMS"  # Windows Server 2022 Standard, perpetual: one-time, 1,069.00
AZURE_PLAN = "DZH318Z0BPS6:0001:DZH318Z0BNZ2"


@pytest.mark.rule("BIL-3")
async def test_one_time_purchases_are_invoiced_apart(world: World) -> None:
    partner, customer_id, _ = await bought(world, at="2029-03-15T10:00:00Z")
    r = await partner.order(customer_id, offer=SOFTWARE, quantity=2, term=None, billingCycle="one_time")
    assert r.status_code == 201, r.text
    r = await partner.order(customer_id, offer=AZURE_PLAN, quantity=1, term=None, billingCycle="monthly")
    assert r.status_code == 201, r.text
    await advance(world, days=25)
    by_type = {i["invoiceType"]: i for i in await invoices(partner)}
    assert sorted(by_type) == ["OneTime", "Recurring"]
    [license_line] = await lines(partner, by_type["Recurring"]["id"])
    assert (license_line["productId"], money(license_line["subtotal"])) == ("CFQ7TTC0LFLX", Decimal("360.00"))
    [software] = await lines(partner, by_type["OneTime"]["id"])
    assert (software["productId"], software["quantity"], software["billingFrequency"]) == ("DG7GMGF0D7FV", 2, "OneTime")
    assert money(software["subtotal"]) == money(by_type["OneTime"]["totalCharges"]) == Decimal("2138.00")
    # The Azure plan has no license line: its usage is billed in arrears (BIL-1).


@pytest.mark.rule("BIL-4")
async def test_a_report_by_product_type_in_json_and_csv(world: World) -> None:
    partner, customer_id, _ = await bought(world, at="2029-03-15T10:00:00Z")
    r = await partner.order(customer_id, offer=SOFTWARE, quantity=1, term=None, billingCycle="one_time")
    assert r.status_code == 201, r.text
    await advance(world, days=25)
    recurring = next(i for i in await invoices(partner) if i["invoiceType"] == "Recurring")
    r = await read(partner, f"/v1/invoices/{recurring['id']}/reports/producttypes")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["reportGroups"] == ["Azure classic", "Azure plan and new commerce", "Modern Workplace"]
    [row] = report["items"]
    assert (row["reportGroup"], row["productType"], row["lineCount"]) == (
        "Azure plan and new commerce",
        "OnlineServices",
        1,
    )
    assert money(row["total"]) == money(recurring["totalCharges"])
    r = await read(partner, f"/v1/invoices/{recurring['id']}/reports/producttypes?format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines() == [
        "ReportGroup,ProductType,LineCount,Subtotal,TaxTotal,Total,Currency",
        "Azure plan and new commerce,OnlineServices,1,360.00,0.00,360.00,USD",
    ]
    bad = await read(partner, f"/v1/invoices/{recurring['id']}/reports/producttypes?format=xls")
    assert bad.status_code == 400
    assert "xls" in bad.json()["description"]


@pytest.mark.rule("BIL-1")
async def test_lines_are_taxed_at_the_country_rate_and_the_total_adds_up(world: World) -> None:
    r = await world.sim("PATCH", "/settings", json={"taxRates": {"US": "0.0825"}})
    assert r.status_code == 200, r.text
    bad = await world.sim("PATCH", "/settings", json={"taxRates": {"USA": "0.1"}})
    assert bad.status_code == 400
    partner, _, path = await bought(world, at="2029-03-15T10:00:00Z")
    await advance(world, days=10)
    assert (await patch(partner, path, quantity=13)).status_code == 200
    await advance(world, days=15)
    [invoice] = await invoices(partner)
    new, added = await lines(partner, invoice["id"])  # lines() checks the total is the sum of the lines
    assert (money(new["subtotal"]), money(new["taxTotal"]), money(new["totalForCustomer"])) == (
        Decimal("360.00"),
        Decimal("29.70"),
        Decimal("389.70"),
    )
    assert money(added["subtotal"]) == Decimal("73.16")  # 3 x 36 x 21/31 = 73.1612...
    assert money(added["taxTotal"]) == Decimal("6.04")  # 73.16 x 8.25 % = 6.0357, half-up
    assert money(invoice["totalCharges"]) == Decimal("468.90")
