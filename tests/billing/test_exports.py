"""Graph's partner billing reconciliation exports: asynchronous (202 + Location), `succeeded` once the sandbox's
timers run, and a gzip JSON-lines blob cspsim serves itself whose lines add up to the invoice (BIL-1)."""

import gzip
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.billing.test_invoices import advance, bought, invoices, money
from tests.billing.test_usage import azure_plan, meters, use
from tests.gdap.steps import graph_token
from tests.world import Party, World

BILLING = "/v1.0/reports/partners/billing"


async def export(partner: Party, path: str, body: dict[str, Any]) -> httpx.Response:
    token = await graph_token(partner)
    return await partner.world.http.post(f"{BILLING}{path}", json=body, headers={"Authorization": f"Bearer {token}"})


async def finished(partner: Party, accepted: httpx.Response) -> list[dict[str, Any]]:
    """Follow the operation to `succeeded` (the timers run as the background loop runs them) and read its blob."""
    assert accepted.status_code == 202, accepted.text
    headers = {"Authorization": f"Bearer {await graph_token(partner)}"}
    location = accepted.headers["Location"]
    r = await partner.world.http.get(location, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["@odata.type"]) == (
        "notStarted",
        "#microsoft.graph.partners.billing.runningOperation",
    ), "asynchronous: nothing is read before the export's timer fires"
    assert (await partner.world.sim("POST", "/timers/run")).status_code == 200
    operation = (await partner.world.http.get(location, headers=headers)).json()
    assert operation["status"] == "succeeded", operation
    assert operation["@odata.type"] == "#microsoft.graph.partners.billing.exportSuccessOperation"
    manifest = operation["resourceLocation"]
    assert (manifest["dataFormat"], manifest["blobCount"], manifest["partnerTenantId"]) == (
        "compressedJSON",
        1,
        partner.id,
    )
    assert manifest["@odata.type"] == "#microsoft.graph.partners.billing.manifest"
    rows: list[dict[str, Any]] = []
    for blob in manifest["blobs"]:
        url = f"{manifest['rootDirectory']}/{blob['name']}?{manifest['sasToken']}"
        r = await partner.world.http.get(url, headers=headers)
        assert r.status_code == 200, r.text
        rows += [json.loads(line) for line in gzip.decompress(r.content).decode().splitlines()]
    return rows


@pytest.mark.rule("BIL-1")
async def test_the_billed_exports_run_to_succeeded_and_add_up_to_the_invoice(world: World) -> None:
    partner, customer_id, _ = await bought(world, at="2029-03-10T10:00:00Z")
    plan = await azure_plan(partner, customer_id)
    vm = (await meters(partner))["D2s v3"]["id"]
    await advance(world, days=5)
    assert (await use(world, plan, vm, "100.5", "2029-03-12")).status_code == 201
    assert (await use(world, plan, vm, "50", "2029-03-14")).status_code == 201
    await advance(world, days=25)  # 04-09: March's invoice
    [march] = await invoices(partner)
    rows = await finished(partner, await export(partner, "/reconciliation/billed/export", {"invoiceId": march["id"]}))
    assert len(rows) == 2
    assert {row["invoiceNumber"] for row in rows} == {march["id"]}
    assert sum(money(row["totalForCustomer"]) for row in rows) == money(march["totalCharges"])
    basic = await finished(
        partner,
        await export(partner, "/reconciliation/billed/export", {"invoiceId": march["id"], "attributeSet": "basic"}),
    )
    assert "customerDomainName" not in basic[0]
    assert sum(money(row["totalForCustomer"]) for row in basic) == money(march["totalCharges"])
    usage = await finished(partner, await export(partner, "/usage/billed/export", {"invoiceId": march["id"]}))
    assert [(row["usageDate"][:10], Decimal(str(row["quantity"]))) for row in usage] == [
        ("2029-03-12", Decimal("100.5")),
        ("2029-03-14", Decimal(50)),
    ]
    assert sum(money(row["billingPreTaxTotal"]) for row in usage) == Decimal("14.44")  # 9.648 + 4.80, rounded down
    assert (await use(world, plan, vm, "10", "2029-04-08")).status_code == 201
    body = {"billingPeriod": "current", "currencyCode": "USD", "attributeSet": "full"}
    unbilled = await finished(partner, await export(partner, "/usage/unbilled/export", body))
    assert [(row["usageDate"][:10], row["invoiceNumber"]) for row in unbilled] == [("2029-04-08", "")]


async def test_an_export_of_what_the_partner_has_not_is_refused_at_once(world: World) -> None:
    partner, _, _ = await bought(world, at="2029-03-10T10:00:00Z")
    await advance(world, days=30)
    [march] = await invoices(partner)
    r = await export(partner, "/reconciliation/billed/export", {"invoiceId": "G999999"})
    assert r.status_code == 404
    assert "G999999" in r.json()["error"]["message"]
    r = await export(partner, "/reconciliation/billed/export", {"invoiceId": march["id"], "attributeSet": "most"})
    assert r.status_code == 400
    assert "most" in r.json()["error"]["message"]
    r = await export(partner, "/usage/unbilled/export", {"billingPeriod": "next", "currencyCode": "USD"})
    assert r.status_code == 400
    assert "next" in r.json()["error"]["message"]
    accepted = await export(partner, "/reconciliation/billed/export", {"invoiceId": march["id"]})
    other = await world.direct_bill_partner()
    r = await world.http.get(
        accepted.headers["Location"], headers={"Authorization": f"Bearer {await graph_token(other)}"}
    )
    assert r.status_code == 404
    r = await export(other, "/reconciliation/billed/export", {"invoiceId": march["id"]})
    assert r.status_code == 404, "another partner's invoice is not found"
