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
    await accept_relationship_request(world, target, customer)
    return source, target, customer, sub


async def accept_relationship_request(world: World, partner: Party, customer: dict[str, Any]) -> None:
    """The customer's Global admin accepts the partner's relationship request link (REL-7)."""
    url = (await partner.get("/v1/customers/relationshiprequests")).json()["url"]
    admin = customer["userCredentials"]
    token = (
        await world.http.post(
            f"/{customer['id']}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "username": f"{admin['userName']}@{customer['companyProfile']['domain']}",
                "password": admin["password"],
            },
        )
    ).json()
    r = await world.http.post(
        f"/admin/v1/invitations/{url.rsplit('/', 1)[-1]}/accept", headers=bearer(token["access_token"])
    )
    assert r.status_code == 200, r.text


async def ask(target: Party, customer_id: str, source: Party, token: str | None = None, **extra: Any) -> httpx.Response:
    return await target.world.http.post(
        f"/v1/customers/{customer_id}/transfers",
        headers=bearer(token or await target.app_token()),
        json={"sourcePartnerTenantId": source.id, "customerEmailId": "it@contoso.example", "transferType": 5, **extra},
    )


async def submitted(source: Party, customer_id: str, transfer: dict[str, Any], *subscription_ids: str) -> str:
    """The source chooses these subscriptions and submits (as a person in the portal); the id of the first moved."""
    path = f"/v1/customers/{customer_id}/transfers/{transfer['id']}"
    portal = bearer(await source.portal_token())
    lines = {"lineItems": [{"subscriptionId": s} for s in subscription_ids]}
    r = await source.world.http.patch(path, headers=portal, json=lines)
    assert r.status_code == 200, r.text
    r = await source.world.http.post(f"{path}/accept", headers=portal)
    assert r.status_code == 200, r.text
    return str(r.json()["orders"][0]["lineItems"][0]["subscriptionId"])


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
    assert "cancel" in r.json()["description"]
    r = await world.http.patch(path, headers=token, json={"lineItems": [{"subscriptionId": sub["id"], "quantity": 10}]})
    assert r.status_code == 200, r.text
    assert [li["subscriptionId"] for li in r.json()["lineItems"]] == [sub["id"]]
    # Only the source submits.
    assert (await world.http.post(f"{path}/accept", headers=bearer(await target.app_token()))).status_code == 409
    r = await world.http.post(f"{path}/accept", headers=token)
    assert r.status_code == 200, r.text
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
            data={
                "grant_type": "password",
                "username": f"{admin['userName']}@{customer['companyProfile']['domain']}",
                "password": admin["password"],
            },
        )
    ).json()
    await world.http.post(
        f"/admin/v1/invitations/{url.rsplit('/', 1)[-1]}/accept", headers=bearer(token["access_token"])
    )
    # Related to the customer, but no party to the transfer: it does not exist for the bystander.
    unseen = await bystander.get(path)
    assert (unseen.status_code, unseen.json()["code"]) == (404, 900100)  # Partner Center's "transfer not found"
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
    assert codes == [200] + [409] * 49
    subs = (await target.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert len(subs) == 1


@pytest.mark.rule("TRF-4")
async def test_a_transitioning_partner_moves_its_direct_bill_subscriptions_to_its_provider(world: World) -> None:
    """The provider asks only once it holds the customer itself (the seed's prerequisite: refused before, with
    REL-5 and Partner Center's 20002); the partner of record is the transitioning partner, named or left out."""
    provider = await world.provider()
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    assert (await partner.order(customer["id"], quantity=7)).status_code == 201
    assert (await partner.order(customer["id"], quantity=2)).status_code == 201
    sub, other = (await partner.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    await world.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")
    await partner.enroll("IndirectReseller")
    await world.accept_mpa(partner)
    await world.partner_up(provider, partner)
    refused = await ask(provider, customer["id"], partner, partnerOnRecord=partner.tenant["partnerId"])
    assert refused.status_code == 403
    assert (refused.json()["rule"], refused.json()["code"]) == ("REL-5", 20002)
    r = await partner.post(
        f"/v1/customers/{customer['id']}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    transfer = (await ask(provider, customer["id"], partner, partnerOnRecord=partner.tenant["partnerId"])).json()
    assert transfer["partnerOnRecord"] == partner.tenant["partnerId"]
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    portal = bearer(await partner.portal_token())  # the partner lost its API channel with direct bill (PRG-9)
    assert (
        await world.http.patch(path, headers=portal, json={"lineItems": [{"subscriptionId": sub["id"]}]})
    ).status_code == 200
    r = await world.http.post(f"{path}/accept", headers=portal)
    assert r.status_code == 200, r.text
    moved = (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert [(s["quantity"], s["partnerId"], s["commitmentEndDate"]) for s in moved] == [
        (7, partner.tenant["partnerId"], sub["commitmentEndDate"])
    ]
    # Left out, the partner of record is the same transitioning partner.
    transfer = (await ask(provider, customer["id"], partner)).json()
    assert transfer["partnerOnRecord"] == partner.tenant["partnerId"]
    await submitted(partner, customer["id"], transfer, other["id"])
    moved = (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
    assert [(s["quantity"], s["partnerId"]) for s in moved] == [
        (7, partner.tenant["partnerId"]),
        (2, partner.tenant["partnerId"]),
    ]


LEGACY_E3 = {
    "channel": "CSP",
    "offerId": "796B6B5F-613C-4E24-A17C-EBA730D49C02",
    "offerName": "Office 365 E3 (legacy)",
    "quantity": 4,
    "termDuration": "P1Y",
}
SOFTWARE_P1Y = "DG7GMGF0FLR2:0006:DG7GMGF0K7JB"


@pytest.mark.rule("TRF-1")
async def test_only_new_commerce_licenses_and_azure_plans_move_and_the_refusal_says_what_to_do(world: World) -> None:
    source, target, customer, sub = await source_with_subscriptions(world)
    legacy = await world.sim(
        "POST", f"/tenants/{customer['id']}/subscriptions", json={**LEGACY_E3, "partnerTenantId": source.id}
    )
    assert legacy.status_code == 201, legacy.text
    r = await source.order(customer["id"], offer=SOFTWARE_P1Y, quantity=1, billingCycle="annual")
    assert r.status_code == 201, r.text
    software = r.json()["lineItems"][0]["subscriptionId"]
    transfer = (await ask(target, customer["id"], source)).json()
    path = f"/v1/customers/{customer['id']}/transfers/{transfer['id']}"
    portal = bearer(await source.portal_token())
    # A software subscription is new commerce but not a license or an Azure plan: it stays.
    r = await world.http.patch(path, headers=portal, json={"lineItems": [{"subscriptionId": software}]})
    assert r.status_code == 400
    assert r.json()["rule"] == "TRF-1"
    # A legacy one is refused with what the caller can do in cspsim, and that path works.
    r = await world.http.patch(path, headers=portal, json={"lineItems": [{"subscriptionId": legacy.json()["id"]}]})
    assert r.status_code == 400
    assert r.json()["rule"] == "TRF-1"
    advice = r.json()["description"]
    assert "status: deleted" in advice
    assert "orders" in advice
    legacy_path = f"/v1/customers/{customer['id']}/subscriptions/{legacy.json()['id']}"
    cancelled = await world.http.patch(legacy_path, headers=portal, json={"status": "deleted"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "deleted"
    await target.attest_mca(customer["id"])
    assert (await target.order(customer["id"], quantity=4)).status_code == 201
    # The new-commerce license moves.
    assert await submitted(source, customer["id"], transfer, sub["id"])


async def moved_subscription(world: World, *, transfer_after_days: int) -> tuple[Party, str, dict[str, Any]]:
    """A P1Y subscription bought by the source, moved to the target `transfer_after_days` after its purchase: the
    target, the path of the moved subscription, and the source's subscription as it was."""
    source, target, customer, sub = await source_with_subscriptions(world)
    if transfer_after_days:
        await world.sim("POST", "/clock/advance", json={"days": transfer_after_days})
    transfer = (await ask(target, customer["id"], source)).json()
    moved = await submitted(source, customer["id"], transfer, sub["id"])
    return target, f"/v1/customers/{customer['id']}/subscriptions/{moved}", sub


@pytest.mark.rule("COM-8")
async def test_a_moved_subscription_keeps_the_sources_window_and_gets_no_unlimited_one(world: World) -> None:
    target, path, sub = await moved_subscription(world, transfer_after_days=1)
    moved = (await target.get(path)).json()
    assert moved["cancellationAllowedUntilDate"] == sub["cancellationAllowedUntilDate"]
    assert moved["refundableQuantity"]["totalQuantity"] == 10
    token = bearer(await target.app_token())
    # Within the source's 168 hours: seats come down and the subscription can be cancelled.
    r = await world.http.patch(path, headers=token, json={"quantity": 8})
    assert r.status_code == 200, r.text
    # Ten days after the purchase (nine after the transfer) the window is closed, as it is for the source.
    await world.sim("POST", "/clock/advance", json={"days": 9})
    r = await world.http.patch(path, headers=token, json={"quantity": 6})
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-8"
    r = await world.http.patch(path, headers=token, json={"status": "deleted"})
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-8"
    assert (await target.get(path)).json()["status"] == "active"


@pytest.mark.rule("COM-8")
async def test_a_subscription_moved_after_its_window_cannot_be_cancelled(world: World) -> None:
    target, path, _ = await moved_subscription(world, transfer_after_days=8)
    moved = (await target.get(path)).json()
    assert moved["cancellationAllowedUntilDate"] is None  # never cancellable in this term (Partner Center's null)
    assert moved["refundableQuantity"]["totalQuantity"] == 0
    token = bearer(await target.app_token())
    await world.sim("POST", "/clock/advance", json={"days": 2})
    r = await world.http.patch(path, headers=token, json={"status": "deleted"})
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-8"
    assert "no cancellation window" in r.json()["description"]
    # The target's own subscription bought the same day is held to the same rule, and may go in its own window.
    customer_id = path.split("/")[3]
    await target.attest_mca(customer_id)
    r = await target.order(customer_id, quantity=3)
    assert r.status_code == 201, r.text
    own = f"/v1/customers/{customer_id}/subscriptions/{r.json()['lineItems'][0]['subscriptionId']}"
    r = await world.http.patch(own, headers=token, json={"status": "deleted"})
    assert r.status_code == 200, r.text
    # A new term opens a new window: at renewal the moved subscription can be cancelled again.
    await world.sim("POST", "/clock/advance", json={"days": 360})
    renewed = (await target.get(path, token=await target.portal_token())).json()
    assert renewed["cancellationAllowedUntilDate"] is not None
    r = await world.http.patch(path, headers=bearer(await target.portal_token()), json={"status": "deleted"})
    assert r.status_code == 200, r.text


@pytest.mark.rule("TRF-2")
async def test_a_target_that_cannot_transact_for_the_customer_is_refused(world: World) -> None:
    """A direct-bill partner whose direct bill is Restricted (now an indirect reseller) still holds its old
    direct-bill relationship, but cannot transact through it: it is no transfer target."""
    provider, partner = await world.provider(), await world.direct_bill_partner()
    r = await partner.create_customer()
    assert r.status_code == 201, r.text
    customer = r.json()
    await partner.attest_mca(customer["id"])
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    await world.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")
    assert (await partner.enroll("IndirectReseller")).status_code == 201
    await world.accept_mpa(partner)
    await world.partner_up(provider, partner)
    r = await partner.post(
        f"/v1/customers/{customer['id']}/resellerrelationshipextension",
        json={"indirectProviderId": provider.id, "customerConsentRecorded": True},
    )
    assert r.status_code == 201, r.text
    await provider.attest_mca(customer["id"])
    r = await provider.order(customer["id"], offer="DZH318Z0BPS6:0001:DZH318Z0BNZ2", quantity=1, term="")
    assert r.status_code == 201, r.text
    r = await ask(partner, customer["id"], provider, token=await partner.portal_token())
    assert r.status_code == 403
    assert r.json()["rule"] == "TRF-2"
    assert "transact" in r.json()["description"]
    assert (await provider.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"][0]["status"] == (
        "active"
    )
    # A direct-bill partner the customer accepted can ask for it.
    direct = await world.direct_bill_partner()
    await accept_relationship_request(world, direct, customer)
    r = await ask(direct, customer["id"], provider)
    assert r.status_code == 201, r.text


@pytest.mark.rule("REL-5")
@pytest.mark.rule("COM-3")
async def test_a_provider_asks_for_a_transfer_through_its_own_relationship_with_a_valid_partner_of_record(
    world: World,
) -> None:
    source, _, customer, _ = await source_with_subscriptions(world)
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    # REL-5: no relationship of its own yet; Partner Center's code for a missing commerce relationship.
    r = await ask(provider, customer["id"], source)
    assert r.status_code == 403
    assert (r.json()["rule"], r.json()["code"]) == ("REL-5", 20002)
    r = await reseller.post("/v1/customers/invitations", json={"indirectProviderId": provider.id})
    assert r.status_code == 201, r.text
    code = r.json()["url"].rsplit("/", 1)[-1]
    admin = customer["userCredentials"]
    token = (
        await world.http.post(
            f"/{customer['id']}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "username": f"{admin['userName']}@{customer['companyProfile']['domain']}",
                "password": admin["password"],
            },
        )
    ).json()["access_token"]
    r = await world.http.post(f"/admin/v1/invitations/{code}/accept", headers=bearer(token))
    assert r.status_code == 200, r.text
    # COM-3: a PartnerID that is nobody's is not a partner of record.
    r = await ask(provider, customer["id"], source, partnerOnRecord="999999999")
    assert r.status_code == 400
    assert r.json()["rule"] == "COM-3"
    r = await ask(provider, customer["id"], source, partnerOnRecord=reseller.tenant["partnerId"])
    assert r.status_code == 201, r.text
    assert r.json()["partnerOnRecord"] == reseller.tenant["partnerId"]
