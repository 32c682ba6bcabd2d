"""A basic reseller the distributor created buys for an end customer whose admin accepted the MCA on the storefront
page (seed 002's click-through, seed 003's basic reseller): the page through HTTP, and the journey in Chromium."""

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser

from tests.live import ARTIFACTS
from tests.marketplace.steps import mp, ok, order_body, storefront_order
from tests.world import Party, World, bearer

BASIC = {
    "companyName": "Litware Basic",
    "domain": "litwarebasic.onmicrosoft.com",
    "partnerId": "7654321",
    "primaryContactEmail": "owner@litware.example",
    "address": {"line1": "1 Main St", "city": "Dallas", "state": "TX", "postalCode": "75001", "country": "US"},
    "users": [{"userPrincipalName": "buyer@litwarebasic.onmicrosoft.com", "role": "ResellerBuyer"}],
}


async def basic_reseller(world: World, distributor: Party) -> tuple[Party, dict[str, Any], dict[str, str]]:
    """The distributor's operations create it; its Global admin enrolls as an indirect reseller, accepts the MPA and
    the distributor's partnership; the reseller program is granted. Answers the reseller, its account and people."""
    created = ok(await mp(distributor, "POST", "/basicresellers", json=BASIC), 201)
    people = {u["role"]: u["userPrincipalName"] for u in created["users"]}
    assert people == {
        "ResellerAdmin": "admin@litwarebasic.onmicrosoft.com",
        "ResellerBuyer": BASIC["users"][0]["userPrincipalName"],
    }
    tenant = {"id": created["tenantId"], "domain": created["domain"], "partnerId": created["partnerId"]}
    reseller = Party(world=world, tenant=tenant, admin_upn=people["ResellerAdmin"], app={})
    assert ok(await reseller.enroll("IndirectReseller"), 201)
    await world.accept_mpa(reseller)
    accepted = await reseller.post(f"/v1/partnerships/invitations/{created['partnershipInvitationId']}/accept")
    assert ok(accepted)["status"] == "Active"
    account = created["account"]
    token = await reseller.portal_token()
    requested = ok(
        await mp(
            reseller,
            "POST",
            f"/accounts/{account['id']}/programs",
            token=token,
            json={"program": "Microsoft Azure Reseller Program"},
        ),
        201,
    )
    ok(
        await mp(
            distributor,
            "POST",
            f"/accounts/{account['id']}/programs/{requested['id']}/decision",
            json={"approve": True},
        )
    )
    return reseller, account, people


async def end_customer_with_link(
    world: World, distributor: Party, reseller: Party, account: dict[str, Any]
) -> tuple[str, str, str]:
    """The distributor creates the end customer for the basic reseller; the reseller's buyer sends the click-through.
    Answers the customer id, its admin's user name and password (space-separated), and the page's path."""
    created = ok(await distributor.create_customer("wingtipend", associatedPartnerId=reseller.id), 201)
    buyer = await reseller.portal_token(BASIC["users"][0]["userPrincipalName"])
    link = ok(
        await mp(
            reseller,
            "POST",
            f"/accounts/{account['id']}/clickthroughs",
            token=buyer,
            json={"customerTenantId": created["id"]},
        ),
        201,
    )
    path = httpx.URL(link["url"]).path
    credentials = created["userCredentials"]
    return (
        str(created["id"]),
        f"{credentials['userName']}@{created['companyProfile']['domain']} {credentials['password']}",
        path,
    )


def form(upn: str, password: str, **extra: str) -> dict[str, str]:
    return {"username": upn, "password": password, "first_name": "Grace", "last_name": "Hopper",
            "email": "grace@wingtip.example", "phone": "+1 425 555 0100", "agree": "yes", **extra}  # fmt: skip


@pytest.mark.rule("COM-6")
async def test_the_storefront_page_refuses_the_wrong_person_then_records_the_distributors_attestation(
    world: World,
) -> None:
    distributor = await world.provider(name="Synnex")
    reseller, account, people = await basic_reseller(world, distributor)
    customer_id, credentials, path = await end_customer_with_link(world, distributor, reseller, account)
    admin, password = credentials.split(" ")
    page = await world.http.get(path)
    assert page.status_code == 200
    assert "Litware Basic" in page.text
    assert "Synnex" in page.text
    assert "Content-Security-Policy" in page.headers
    assert (await world.http.post(path, data=form(admin, "wrong"))).status_code == 401
    assert (await world.http.post(path, data=form(people["ResellerAdmin"], "x"))).status_code == 401
    no_box = form(admin, password)
    del no_box["agree"]
    assert (await world.http.post(path, data=no_box)).status_code == 400
    # Nothing recorded yet: the end customer cannot be bought for (COM-6 names its MCA).
    buyer = await reseller.portal_token(people["ResellerBuyer"])
    refused = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", customerTenantId=customer_id), token=buyer
    )
    assert refused.json()["data"][0]["missing"] == ["CustomerAgreementConfirmed"]

    accepted = await world.http.post(path, data=form(admin, password))
    assert accepted.status_code == 200, accepted.text
    assert "accepted the Microsoft Customer Agreement" in accepted.text
    again = await world.http.get(path)
    assert "Agreement accepted" in again.text
    assert 'name="password"' not in again.text
    assert (await world.http.get("/storefront/mca/no-such-code")).status_code == 404

    attestation = ok(await distributor.get(f"/v1/customers/{customer_id}/agreements"))["items"]
    assert len(attestation) == 1
    contact = attestation[0]["primaryContact"]
    assert (contact["firstName"], contact["lastName"], contact["email"], contact["phoneNumber"]) == (
        "Grace", "Hopper", "grace@wingtip.example", "+1 425 555 0100",
    )  # fmt: skip
    assert attestation[0]["templateId"] == "117a77b0-9360-443b-8795-c6dedc750cf9"
    assert attestation[0]["channel"] == "PartnerAttestation"


@pytest.mark.rule("COM-6")
async def test_a_basic_reseller_buys_for_an_end_customer_whose_admin_accepted_in_chromium(
    world: World, browser: Browser, page_server: str
) -> None:
    distributor = await world.provider(name="Synnex")
    reseller, account, people = await basic_reseller(world, distributor)
    customer_id, credentials, path = await end_customer_with_link(world, distributor, reseller, account)
    admin, password = credentials.split(" ")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = await browser.new_page()  # in a context of its own
    try:
        await page.goto(f"{page_server}{path}")
        assert "Microsoft Customer Agreement" in await page.locator("h1").inner_text()
        await page.fill("#firstName", "Grace")
        await page.fill("#lastName", "Hopper")
        await page.fill("#email", "grace@wingtip.example")
        await page.fill("#phone", "+1 425 555 0100")
        await page.fill("#username", admin)
        await page.fill("#password", password)
        await page.check("#agree")
        await page.click("#accept")
        await page.wait_for_selector("text=accepted the Microsoft Customer Agreement")
        await page.screenshot(path=str(ARTIFACTS / "storefront-mca-accepted.png"), full_page=True)
    finally:
        await page.context.close()

    buyer = await reseller.portal_token(people["ResellerBuyer"])
    placed = ok(
        await storefront_order(
            reseller, account["id"], order_body("EndCustomer", customerTenantId=customer_id), token=buyer
        ),
        201,
    )
    assert placed["partnerIdOnRecord"] == BASIC["partnerId"]
    # The provider's Partner Center shows the attestation and the order.
    pc = bearer(await distributor.app_token())
    agreements = ok(await world.http.get(f"/v1/customers/{customer_id}/agreements", headers=pc))["items"]
    assert [a["primaryContact"]["email"] for a in agreements] == ["grace@wingtip.example"]
    orders = ok(await world.http.get(f"/v1/customers/{customer_id}/orders", headers=pc))["items"]
    assert [o["id"] for o in orders] == [placed["order"]["id"]]
    assert orders[0]["lineItems"][0]["partnerIdOnRecord"] == BASIC["partnerId"]
