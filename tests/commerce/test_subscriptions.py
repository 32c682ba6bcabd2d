"""New-commerce subscriptions: the 168-hour windows, tranches, suspension, renewal (COM-8)."""

import asyncio
import json
from datetime import datetime, timedelta

import pytest

from tests.world import Party, World, bearer


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def bought(world: World, quantity: int = 10) -> tuple[Party, str, dict[str, object]]:
    now = parse((await world.sim("GET", "/clock")).json()["now"])
    await world.freeze_at((now + timedelta(minutes=1)).replace(microsecond=0).isoformat())
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    assert (await partner.order(customer["id"], quantity=quantity)).status_code == 201
    sub = (await partner.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"][0]
    return partner, f"/v1/customers/{customer['id']}/subscriptions/{sub['id']}", sub


async def patch(partner: Party, path: str, **body: object) -> object:
    # As a person in the portal: a year on, the revenue review may have restricted the partner's API channel.
    return await partner.world.http.patch(
        path, json=body, headers={"Authorization": f"Bearer {await partner.portal_token()}"}
    )


async def read(partner: Party, path: str) -> dict[str, object]:
    r = await partner.get(path, token=await partner.portal_token())
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.rule("COM-8")
async def test_seats_come_down_only_within_168_hours(world: World) -> None:
    partner, path, sub = await bought(world)
    await world.sim("POST", "/clock/advance", json={"hours": 72})
    r = await patch(partner, path, quantity=8)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.json()["refundableQuantity"]["totalQuantity"] == 8  # type: ignore[attr-defined]
    await world.sim("POST", "/clock/advance", json={"hours": 97})  # 169 hours after purchase
    r = await patch(partner, path, quantity=6)
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert r.json()["rule"] == "COM-8"  # type: ignore[attr-defined]
    window_end = parse(sub["cancellationAllowedUntilDate"])  # type: ignore[arg-type]
    assert window_end.isoformat() in r.json()["description"]  # type: ignore[attr-defined]
    r = await patch(partner, path, status="deleted")
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert r.json()["rule"] == "COM-8"  # type: ignore[attr-defined]
    assert window_end.isoformat() in r.json()["description"]  # type: ignore[attr-defined]
    assert (await read(partner, path))["quantity"] == 8


@pytest.mark.rule("COM-8")
async def test_an_increase_opens_its_own_tranche(world: World) -> None:
    partner, path, _ = await bought(world)
    await world.sim("POST", "/clock/advance", json={"days": 40})
    r = await patch(partner, path, quantity=15)
    assert r.status_code == 200
    assert r.json()["refundableQuantity"]["totalQuantity"] == 5  # only the added seats
    assert r.json()["commitmentEndDate"] == (await read(partner, path))["commitmentEndDate"]  # co-termed
    await world.sim("POST", "/clock/advance", json={"days": 3})
    r = await patch(partner, path, quantity=9)
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-8"
    r = await patch(partner, path, quantity=10)
    assert r.status_code == 200, r.text
    assert r.json()["refundableQuantity"]["totalQuantity"] == 0


@pytest.mark.rule("COM-8")
async def test_cancellation_within_the_window_and_nothing_after(world: World) -> None:
    partner, path, _ = await bought(world)
    await world.sim("POST", "/clock/advance", json={"hours": 100})
    r = await patch(partner, path, status="deleted")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "deleted"
    r = await patch(partner, path, quantity=12)
    assert r.status_code == 409
    assert r.json()["code"] == 2011


@pytest.mark.rule("COM-8")
async def test_suspend_reactivate_and_renewal_with_a_scheduled_change(world: World) -> None:
    partner, path, sub = await bought(world)
    r = await patch(partner, path, status="suspended")
    assert r.json()["status"] == "suspended"
    assert (await patch(partner, path, quantity=12)).status_code == 409
    assert (await patch(partner, path, status="active")).json()["status"] == "active"
    await world.sim("POST", "/clock/advance", json={"days": 30})
    for seats in (-5, 0):  # a renewal to no seats or fewer is a cancellation, not a quantity
        r = await patch(partner, path, scheduledNextTermInstructions={"quantity": seats})
        assert r.status_code == 400, r.text
        assert "quantity" in r.json()["description"]
    r = await patch(partner, path, scheduledNextTermInstructions={"quantity": 6})
    assert r.json()["scheduledNextTermInstructions"]["quantity"] == 6
    r = await world.sim("POST", "/clock/advance", json={"days": 340})
    assert "subscription.renew" in [f["kind"] for f in r.json()["fired"]]
    renewed = await read(partner, path)
    assert renewed["quantity"] == 6
    assert renewed["scheduledNextTermInstructions"] is None
    assert parse(renewed["effectiveStartDate"]) > parse(sub["effectiveStartDate"])  # type: ignore[arg-type]
    assert renewed["refundableQuantity"]["totalQuantity"] == 6  # a renewal opens a new window
    assert (await patch(partner, path, quantity=5)).status_code == 200
    assert (await patch(partner, path, autoRenewEnabled=False)).json()["autoRenewEnabled"] is False
    await world.sim("POST", "/clock/advance", json={"days": 370})
    assert (await read(partner, path))["status"] == "expired"


@pytest.mark.rule("REL-4")
async def test_an_indirect_reseller_does_not_see_the_customers_subscriptions(world: World) -> None:
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    customer = (await provider.create_customer(associatedPartnerId=reseller.id)).json()
    r = await reseller.get(f"/v1/customers/{customer['id']}/subscriptions", token=await reseller.portal_token())
    assert r.status_code == 403
    assert r.json()["rule"] == "REL-4"
    assert (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).status_code == 200


async def test_concurrent_seat_changes_lose_none(world: World) -> None:
    partner, path, _ = await bought(world)
    token = await partner.app_token()
    current = 10

    async def add_one() -> int:
        nonlocal current
        # Each caller asks for one more seat than it last saw; a lost update would show as a smaller total.
        r = await world.http.get(path, headers={"Authorization": f"Bearer {token}"})
        wanted = r.json()["quantity"] + 1
        r = await world.http.patch(path, json={"quantity": wanted}, headers={"Authorization": f"Bearer {token}"})
        return r.status_code

    statuses = await asyncio.gather(*[add_one() for _ in range(20)])
    assert set(statuses) <= {200}
    charges = (await world.sim("GET", "/events", params={"name": "subscription-updated", "size": 500})).json()
    sign = {"addQuantity": 1, "removeQuantity": -1}
    deltas = [
        sign[e["data"]["charge"]] * e["data"]["quantity"] for e in charges["items"] if e["data"].get("charge") in sign
    ]
    final = (await read(partner, path))["quantity"]
    assert deltas
    assert final == current + sum(deltas)


async def test_a_status_is_read_in_any_case_and_only_a_partners_status_is_taken(world: World) -> None:
    partner, path, _ = await bought(world)
    assert (await patch(partner, path, status="Suspended")).json()["status"] == "suspended"
    assert (await patch(partner, path, status="ACTIVE")).json()["status"] == "active"
    r = await patch(partner, path, status="expired")  # expiry is the term's end, never a partner's call
    assert r.status_code == 400
    assert (await read(partner, path))["status"] == "active"


@pytest.mark.rule("AGR-1")
async def test_a_seat_increase_is_a_purchase_and_needs_the_mca(world: World) -> None:
    """The audit's hole: a provider without a valid MCA for the customer raised seats 10 -> 12 while its new order
    was refused. A seat increase passes the same gate as an order."""
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    assert (await partner.order(customer["id"], quantity=10)).status_code == 201
    sub = (await partner.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"][0]
    await world.transition(partner)
    await world.partner_up(provider, partner)
    r = await partner.post(
        f"/v1/customers/{customer['id']}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    transfer = await world.http.post(
        f"/v1/customers/{customer['id']}/transfers",
        headers=bearer(await provider.app_token()),
        json={"sourcePartnerTenantId": partner.id, "customerEmailId": "it@customer.example", "transferType": 5},
    )
    assert transfer.status_code == 201, transfer.text
    path = f"/v1/customers/{customer['id']}/transfers/{transfer.json()['id']}"
    portal = bearer(await partner.portal_token())
    r = await world.http.patch(path, headers=portal, json={"lineItems": [{"subscriptionId": sub["id"]}]})
    assert r.status_code == 200, r.text
    assert (await world.http.post(f"{path}/accept", headers=portal)).status_code == 200
    moved = (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"][0]
    seats = f"/v1/customers/{customer['id']}/subscriptions/{moved['id']}"
    token = bearer(await provider.app_token())
    # The partner's attestation held for the partner only (AGR-2): for the provider the MCA does not hold yet.
    refused = await world.http.patch(seats, headers=token, json={"quantity": 12})
    assert refused.status_code == 403
    assert refused.json()["rule"] == "AGR-1"
    assert (await provider.get(seats)).json()["quantity"] == 10
    assert (await provider.order(customer["id"])).json()["rule"] == "AGR-1"  # the same gate, the same answer
    await provider.attest_mca(customer["id"])
    r = await world.http.patch(seats, headers=token, json={"quantity": 12})
    assert r.status_code == 200, r.text
    assert r.json()["quantity"] == 12


async def test_a_subscription_read_alone_answers_what_its_listing_and_its_change_answer(world: World) -> None:
    """GET of one subscription reads it as values (`subscriptions.show_subscription`); the listing and a PATCH
    answer it from the entity: the three agree field for field, the next term's instructions and tranches too."""
    partner, path, listed = await bought(world, quantity=7)
    changed = await patch(partner, path, quantity=9)
    assert changed.status_code == 200, changed.text  # type: ignore[attr-defined]
    read = await partner.get(path)
    assert read.status_code == 200, read.text
    assert read.json() == changed.json()  # type: ignore[attr-defined]
    relisted = (await partner.get(path.rsplit("/", 1)[0])).json()["items"]
    assert [item for item in relisted if item["id"] == listed["id"]] == [read.json()]
    assert read.json()["quantity"] == 9
    assert read.json()["refundableQuantity"]["totalQuantity"] == 9


async def test_a_customers_subscriptions_are_listed_once_each_in_order_and_only_to_its_partner(world: World) -> None:
    partner, other = await world.direct_bill_partner(), await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    listing = f"/v1/customers/{customer['id']}/subscriptions"
    empty = await partner.get(listing)
    assert (empty.status_code, empty.json()["totalCount"], empty.json()["items"]) == (200, 0, [])
    for quantity in (3, 4):
        assert (await partner.order(customer["id"], quantity=quantity)).status_code == 201
    listed = (await partner.get(listing)).json()
    assert [s["quantity"] for s in listed["items"]] == [3, 4]  # as bought
    assert listed["totalCount"] == len({s["id"] for s in listed["items"]}) == 2
    for s in listed["items"]:  # each as its own read answers it
        assert (await partner.get(f"{listing}/{s['id']}")).json() == s
    refused = await other.get(listing)
    assert refused.status_code == 404, refused.text


async def test_a_rename_or_an_auto_renew_change_is_an_update_event_and_an_audit_record(world: World) -> None:
    """Partner Center raises subscription-updated for any change of a subscription, and audits it: a new friendly
    name or auto-renew turned off too, not only seats and status. A change to what it already is records nothing."""
    partner, path, sub = await bought(world)
    assert (await patch(partner, path, friendlyName="Sales seats", autoRenewEnabled=False)).status_code == 200  # type: ignore[attr-defined]
    assert (await patch(partner, path, friendlyName="Sales seats")).status_code == 200  # type: ignore[attr-defined]
    events = (await world.sim("GET", "/events", params={"name": "subscription-updated"})).json()["items"]
    updates = [e for e in events if e["resourceId"] == sub["id"] and "changed" in e["data"]]
    assert [e["data"]["changed"] for e in updates] == [["autoRenewEnabled", "friendlyName"]]
    audit = (await partner.get("/v1/auditrecords", token=await partner.portal_token())).json()["items"]
    [record] = [a for a in audit if a["operationType"] == "update_subscription" and a["resourceId"] == sub["id"]]
    assert record["customerId"] == path.split("/")[3]
    assert json.loads(record["resourceOldValue"]) == {"autoRenewEnabled": True, "friendlyName": sub["friendlyName"]}
    assert json.loads(record["resourceNewValue"]) == {"autoRenewEnabled": False, "friendlyName": "Sales seats"}
