"""New-commerce transfers: the TRF-3 flow across customer, source, target and the clock; TRF-1, 2, 4, 5."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.world import Party, World, bearer


async def source_with_subscriptions(world: World) -> tuple[Party, Party, dict[str, Any], dict[str, Any]]:
    """A direct-bill source with a customer holding one new-commerce subscription, and a target the customer has
    accepted (relationship request link)."""
    source = await world.direct_bill_partner(name="Sourcery")
    customer = await source.customer_with_mca("contoso")
    assert (await source.order(customer["id"], quantity=10)).status_code == 201
    sub = (await source.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"][0]
    target = await world.direct_bill_partner(name="Targetly")
    url = (await target.get("/v1/customers/relationshiprequests")).json()["url"]
    admin = customer["userCredentials"]
    token = (
        await world.http.post(
            f"/{customer['id']}/oauth2/v2.0/token",
            data={"grant_type": "password", "username": admin["userName"], "password": admin["password"]},
        )
    ).json()
    r = await world.http.post(
        f"/admin/v1/invitations/{url.rsplit('/', 1)[-1]}/accept", headers=bearer(token["access_token"])
    )
    assert r.status_code == 200, r.text
    return source, target, customer, sub


async def ask(target: Party, customer_id: str, source: Party, **extra: Any) -> httpx.Response:
    return await target.world.http.post(
        f"/v1/customers/{customer_id}/transfers",
        headers=bearer(await target.app_token()),
        json={"sourcePartnerTenantId": source.id, "customerEmailId": "it@contoso.example", "transferType": 5, **extra},
    )


@pytest.mark.rule("TRF-3")
@pytest.mark.rule("TRF-1")
async def test_the_whole_transfer_flow(world: World) -> None:
    source, target, customer, sub = await source_with_subscriptions(world)
    legacy = await world.sim(
        "POST",
        f"/tenants/{customer['id']}/subscriptions",
        json={
            "channel": "CSP",
            "partnerTenantId": source.id,
            "offerId": "796B6B5F-613C-4E24-A17C-EBA730D49C02",
            "offerName": "Office 365 E3 (legacy)",
            "quantity": 4,
            "termDuration": "P1Y",
        },
    )
    assert legacy.status_code == 201, legacy.text
    r = await ask(target, customer["id"], source)
    assert r.status_code == 201, r.text
    transfer = r.json()
    assert (transfer["status"], transfer["transferDirection"], transfer["transferType"]) == ("Active", 1, 5)
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    # The source is told: a mail, an audit record and an event.
    notes = (await source.get("/v1/notifications")).json()["items"]
    assert "transfer-request" in [n["kind"] for n in notes]
    audit = (await source.get("/v1/auditrecords")).json()["items"]
    assert ("create_transfer", transfer["id"]) in [(a["operationType"], a["resourceId"]) for a in audit]
    assert (await world.sim("GET", "/events", params={"name": "create-transfer"})).json()["totalCount"] == 1
    seen = (await source.get(path)).json()
    assert seen["transferDirection"] == 2
    # TRF-1: a legacy subscription does not move.
    token = bearer(await source.app_token())
    r = await world.http.patch(path, headers=token, json={"lineItems": [{"subscriptionId": legacy.json()["id"]}]})
    assert r.status_code == 400
    assert r.json()["rule"] == "TRF-1"
    assert "migrate" in r.json()["description"]
    r = await world.http.patch(path, headers=token, json={"lineItems": [{"subscriptionId": sub["id"], "quantity": 10}]})
    assert r.status_code == 200, r.text
    assert [li["subscriptionId"] for li in r.json()["lineItems"]] == [sub["id"]]
    # Only the source submits.
    assert (await world.http.post(f"{path}/accept", headers=bearer(await target.app_token()))).status_code == 409
    r = await world.http.post(f"{path}/accept", headers=token)
    assert r.status_code == 201, r.text
    assert r.json()["transferErrors"] == []
    new_id = r.json()["orders"][0]["lineItems"][0]["subscriptionId"]
    moved = (await target.get(f"/v1/customers/{customer['id']}/subscriptions/{new_id}")).json()
    assert (moved["offerId"], moved["quantity"], moved["commitmentEndDate"], moved["status"]) == (
        sub["offerId"],
        10,
        sub["commitmentEndDate"],
        "active",
    )
    old = (await source.get(f"/v1/customers/{customer['id']}/subscriptions/{sub['id']}")).json()
    assert old["status"] == "deleted"
    assert (await source.get(path)).json()["status"] == "Complete"
    again = await world.http.post(f"{path}/accept", headers=token)
    assert again.status_code == 409
    assert again.json()["code"] == 900102
    assert (await world.sim("GET", "/events", params={"name": "complete-transfer"})).json()["totalCount"] == 1


@pytest.mark.rule("TRF-2")
async def test_the_target_needs_a_relationship_first(world: World) -> None:
    source, _, customer, _ = await source_with_subscriptions(world)
    stranger = await world.direct_bill_partner()
    r = await ask(stranger, customer["id"], source)
    assert r.status_code == 403
    assert r.json()["rule"] == "TRF-2"
    assert "relationship" in r.json()["description"]


@pytest.mark.rule("TRF-5")
async def test_a_request_nobody_acts_on_expires(client: httpx.AsyncClient) -> None:
    world = await World.create(client, transferExpiryDays=30)
    source, target, customer, _ = await source_with_subscriptions(world)
    transfer = (await ask(target, customer["id"], source)).json()
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    await world.sim("POST", "/clock/advance", json={"days": 29})
    assert (await target.get(path, token=await target.portal_token())).json()["status"] == "Active"
    r = await world.sim("POST", "/clock/advance", json={"days": 2})
    assert "transfer.expire" in [f["kind"] for f in r.json()["fired"]]
    assert (await target.get(path, token=await target.portal_token())).json()["status"] == "Expired"
    r = await world.http.post(f"{path}/accept", headers=bearer(await source.portal_token()))
    assert r.status_code == 409


async def test_the_target_cancels_and_strangers_see_nothing(world: World) -> None:
    source, target, customer, sub = await source_with_subscriptions(world)
    transfer = (await ask(target, customer["id"], source)).json()
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    bystander = await world.direct_bill_partner()
    url = (await bystander.get("/v1/customers/relationshiprequests")).json()["url"]
    admin = customer["userCredentials"]
    token = (
        await world.http.post(
            f"/{customer['id']}/oauth2/v2.0/token",
            data={"grant_type": "password", "username": admin["userName"], "password": admin["password"]},
        )
    ).json()
    await world.http.post(
        f"/admin/v1/invitations/{url.rsplit('/', 1)[-1]}/accept", headers=bearer(token["access_token"])
    )
    # Related to the customer, but no party to the transfer: it does not exist for the bystander.
    assert (await bystander.get(path)).status_code == 404
    assert (await bystander.get(f"/v1/customers/{customer['id']}/transfers")).json()["items"] == []
    assert (await bystander.get(f"/v1/customers/{customer['id']}/subscriptions/{sub['id']}")).status_code == 404
    r = await world.http.patch(path, headers=bearer(await source.app_token()), json={"status": "Cancel"})
    assert r.status_code == 409  # only the target cancels
    r = await world.http.patch(path, headers=bearer(await target.app_token()), json={"status": "Completed"})
    assert r.status_code == 400  # the one status a partner sets is Cancel
    r = await world.http.patch(path, headers=bearer(await target.app_token()), json={"status": "cancelled"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "Canceled"


async def test_a_subscription_is_in_one_active_transfer_and_a_transfer_submits_once(world: World) -> None:
    source, target, customer, sub = await source_with_subscriptions(world)
    first = (await ask(target, customer["id"], source)).json()
    second = (await ask(target, customer["id"], source)).json()
    token = bearer(await source.app_token())
    base = f"/v1/customers/{customer['id']}/transfers"
    lines = {"lineItems": [{"subscriptionId": sub["id"]}]}
    assert (await world.http.patch(f"{base}/{first['id']}", headers=token, json=lines)).status_code == 200
    r = await world.http.patch(f"{base}/{second['id']}", headers=token, json=lines)
    assert r.status_code == 409
    assert r.json()["code"] == 900101
    answers = await asyncio.gather(*[world.http.post(f"{base}/{first['id']}/accept", headers=token) for _ in range(50)])
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 49
    subs = (await target.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert len(subs) == 1


@pytest.mark.rule("TRF-4")
async def test_a_transitioning_partner_moves_its_direct_bill_subscriptions_to_its_provider(world: World) -> None:
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    assert (await partner.order(customer["id"], quantity=7)).status_code == 201
    sub = (await partner.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"][0]
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    await world.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")
    await partner.enroll("IndirectReseller")
    await world.accept_mpa(partner)
    await world.partner_up(provider, partner)
    r = await partner.post(
        f"/v1/customers/{customer['id']}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    transfer = (await ask(provider, customer["id"], partner, partnerOnRecord=partner.tenant["partnerId"])).json()
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    portal = bearer(await partner.portal_token())  # the partner lost its API channel with direct bill (PRG-9)
    assert (
        await world.http.patch(path, headers=portal, json={"lineItems": [{"subscriptionId": sub["id"]}]})
    ).status_code == 200
    r = await world.http.post(f"{path}/accept", headers=portal)
    assert r.status_code == 201, r.text
    moved = (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert [(s["quantity"], s["partnerId"], s["commitmentEndDate"]) for s in moved] == [
        (7, partner.tenant["partnerId"], sub["commitmentEndDate"])
    ]
