"""A partner's unbilled reconciliation line items by pages (BIL-1), as Partner Center pages them: `size` (up to
2,000), the next page by `links.next` with its `MS-ContinuationToken`, each page counting its own lines. Walked by
pages of any size, the lines are the ones a single page holds, in the same order, page breaks falling inside one
subscription's lines too; and a page reads only the subscriptions it shows (on indexes), however many the partner
has."""

from typing import Any

import pytest

from tests.billing.test_invoices import AZURE_PLAN, advance, customer_in, patch, read, subscription_path
from tests.billing.test_usage import meters, use
from tests.plans import indexes_read, statements_on
from tests.world import Party, World, bearer

BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0LH0R"  # Microsoft 365 Business Basic
UNBILLED = "/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&period=current"


async def walk(partner: Party, currency: str, size: int) -> list[dict[str, Any]]:
    """Every page, following each page's next link as the Partner Center SDK does."""
    token = await partner.portal_token()
    path, headers, items = f"{UNBILLED}&currencycode={currency}&size={size}", {}, []
    while True:
        r = await partner.world.http.get(path, headers=bearer(token) | headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["totalCount"] == len(page["items"]) <= size
        items += page["items"]
        following = page["links"].get("next")
        if following is None:
            return items
        assert following["uri"].endswith("&seekOperation=Next")
        path, headers = following["uri"], {h["key"]: h["value"] for h in following["headers"]}


async def partner_with_lines(world: World) -> Party:
    """Customers in two countries: seats bought then added to (two lines of one subscription), a monthly plan, and
    an Azure plan whose consumption is billed in arrears (a line after every subscription's charges)."""
    await world.freeze_at("2029-03-10T10:00:00Z")
    partner = await world.direct_bill_partner()
    first, canadian = await customer_in(partner, "US"), await customer_in(partner, "CA")
    second = (await partner.customer_with_mca())["id"]
    assert (await partner.order(first)).status_code == 201
    assert (await patch(partner, await subscription_path(partner, first), quantity=15)).status_code == 200
    assert (await partner.order(second, offer=BASIC, quantity=3, term="P1M")).status_code == 201
    assert (await partner.order(canadian, quantity=2)).status_code == 201
    r = await partner.order(first, offer=AZURE_PLAN, quantity=1, term=None)
    assert r.status_code == 201, r.text
    listed = (await read(partner, f"/v1/customers/{first}/subscriptions")).json()["items"]
    [plan] = [s["id"] for s in listed if s["offerId"] == AZURE_PLAN]
    await advance(world, days=1)
    vm = (await meters(partner))["D2s v3"]
    assert (await use(world, plan, vm["id"], "24", "2029-03-10")).status_code == 201
    return partner


@pytest.mark.rule("BIL-1")
async def test_unbilled_lines_walked_by_pages_of_any_size_are_the_lines_of_one_page(world: World) -> None:
    partner = await partner_with_lines(world)
    whole = await walk(partner, "USD", 2000)
    charges = [(line["subscriptionId"], line["chargeType"]) for line in whole]
    assert len(charges) == 4, whole  # new and addQuantity of the seats, the monthly plan, the Azure plan's use
    assert charges[0][0] == charges[1][0], "a subscription's lines together"
    assert whole[-1]["unitType"] == "1 Hour", "consumption after the subscriptions' charges"
    assert {line["customerCountry"] for line in whole} == {"US"}
    for size in (1, 2, 3):
        assert await walk(partner, "USD", size) == whole, size
    canadian = await walk(partner, "CAD", 2000)
    assert [line["customerCountry"] for line in canadian] == ["CA"]
    assert await walk(partner, "CAD", 1) == canadian


@pytest.mark.rule("BIL-1")
async def test_a_forged_continuation_token_is_a_400_that_says_start_again(world: World) -> None:
    partner = await partner_with_lines(world)
    for token in ("not-a-token", "WzEsIDIsIDNd", "WzcsIDAsICIiLCAwXQ"):  # garbage; [1, 2, 3]; [7, 0, "", 0]
        r = await world.http.get(
            f"{UNBILLED}&currencycode=USD&size=1&seekOperation=Next",
            headers=bearer(await partner.portal_token()) | {"MS-ContinuationToken": token},
        )
        assert r.status_code == 400, (token, r.text)
        assert "continuation token is not valid" in r.json()["description"]


async def test_a_page_of_unbilled_lines_reads_its_subscriptions_on_indexes(world: World, app: Any) -> None:
    partner = await partner_with_lines(world)
    token = await partner.portal_token()
    with statements_on(app, "earlier") as seen:
        r = await world.http.get(f"{UNBILLED}&currencycode=USD&size=2", headers=bearer(token))
    assert r.status_code == 200, r.text
    [(plan, used)] = await indexes_read(app, seen)
    assert {"ix_charges_partner", "ix_charges_subscription"} <= set(used), plan
