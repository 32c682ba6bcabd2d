"""The invitation page a partner's link opens: every state through HTTP, and the whole flow in a real browser."""

import httpx
import pytest
from playwright.async_api import Browser

from tests.live import ARTIFACTS
from tests.world import PASSWORD, Party, World, bearer


async def reseller_invitation(world: World, customer: Party | None = None) -> tuple[Party, Party, str]:
    provider = await world.provider(name="Northwind")
    reseller = await world.indirect_reseller(name="Tailspin")
    await world.partner_up(provider, reseller)
    body = {"indirectProviderId": provider.id, **({"customerTenantId": customer.id} if customer else {})}
    r = await reseller.post("/v1/customers/invitations", json=body)
    assert r.status_code == 201, r.text
    return provider, reseller, r.json()["url"].rsplit("/", 1)[-1]


async def submit(world: World, code: str, upn: str, password: str = PASSWORD) -> httpx.Response:
    return await world.http.post(f"/admin/invitations/{code}", data={"username": upn, "password": password})


@pytest.mark.rule("REL-1")
async def test_the_page_shows_who_invites_and_every_way_it_can_refuse(world: World) -> None:
    customer, other = await world.customer(), await world.customer()
    _, _, code = await reseller_invitation(world, customer)
    page = await world.http.get(f"/admin/invitations/{code}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Tailspin" in page.text
    assert "Northwind" in page.text
    assert 'name="password"' in page.text
    assert (await world.http.get("/admin/invitations/no-such-code")).status_code == 404
    wrong_password = await submit(world, code, customer.admin_upn, "nope")
    assert wrong_password.status_code == 401
    assert "email or password is not right" in wrong_password.text
    wrong_tenant = await submit(world, code, other.admin_upn)
    assert wrong_tenant.status_code == 403
    assert "another customer" in wrong_tenant.text
    user = f"user@{customer.tenant['domain']}"
    await world.sim(
        "POST",
        f"/tenants/{customer.id}/users",
        json={"userPrincipalName": user, "password": PASSWORD, "roles": ["User"]},
    )
    not_admin = await submit(world, code, user)
    assert not_admin.status_code == 403
    assert "Global" in not_admin.text
    accepted = await submit(world, code, customer.admin_upn)
    assert accepted.status_code == 200, accepted.text
    assert "Invitation accepted" in accepted.text
    used = await world.http.get(f"/admin/invitations/{code}")
    assert used.status_code == 409
    assert "already used" in used.text


@pytest.mark.rule("REL-1")
async def test_an_expired_link_says_so(world: World) -> None:
    customer = await world.customer()
    _, _, code = await reseller_invitation(world, customer)
    await world.sim("POST", "/clock/advance", json={"days": 91})
    page = await world.http.get(f"/admin/invitations/{code}")
    assert page.status_code == 410
    assert "expired" in page.text
    r = await world.http.post(f"/admin/v1/invitations/{code}/accept", headers=bearer(await customer.portal_token()))
    assert r.status_code == 409
    assert "expired" in r.json()["description"]


@pytest.mark.rule("REL-1")
async def test_a_customer_accepts_in_a_real_browser(world: World, browser: Browser, page_server: str) -> None:
    customer = await world.customer(name="Wingtip")
    provider, reseller, code = await reseller_invitation(world, customer)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = await browser.new_page()  # in a context of its own
    try:
        await page.goto(f"{page_server}/admin/invitations/{code}")
        heading = await page.locator("h1").inner_text()
        assert "Tailspin" in heading
        assert "Northwind" in heading
        await page.fill("#username", customer.admin_upn)
        await page.fill("#password", PASSWORD)
        await page.click("#accept")
        await page.wait_for_selector("text=Invitation accepted")
        listed = await page.locator("li").all_inner_texts()
        assert any("Tailspin" in item and "IndirectReseller" in item for item in listed)
        assert any("Northwind" in item and "IndirectProvider" in item for item in listed)
        await page.screenshot(path=str(ARTIFACTS / "invitation-accepted.png"), full_page=True)
        await page.goto(f"{page_server}/admin/invitations/{code}")
        assert "already used" in await page.locator("[role=alert]").inner_text()
    finally:
        await page.context.close()
    mine = await reseller.get(f"/v1/customers/{customer.id}", token=await reseller.portal_token())
    assert mine.status_code == 200
    assert (await provider.get(f"/v1/customers/{customer.id}")).status_code == 200
    assert (ARTIFACTS / "invitation-accepted.png").stat().st_size > 1000
