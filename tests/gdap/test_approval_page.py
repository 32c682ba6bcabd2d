"""The GDAP approval page a relationship's approvalLink opens: every state through HTTP, and the whole approval in a
real browser."""

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser

from tests.gdap.steps import GLOBAL_READER, USER_ADMINISTRATOR, advance, create, lock, read
from tests.live import ARTIFACTS
from tests.world import PASSWORD, Party, World


async def sent_request(world: World, customer: Party | None = None, **kw: Any) -> tuple[Party, Party, dict[str, Any]]:
    partner = await world.direct_bill_partner(name="Contoso")
    customer = customer or await world.customer(name="Fabrikam")
    relationship = await create(partner, customer=customer, roles=(USER_ADMINISTRATOR, GLOBAL_READER), **kw)
    return partner, customer, await lock(partner, relationship["id"])


def path_of(link: str) -> str:
    return link.removeprefix("http://cspsim.test")


async def submit(world: World, link: str, upn: str, password: str = PASSWORD) -> httpx.Response:
    return await world.http.post(path_of(link), data={"username": upn, "password": password})


@pytest.mark.rule("GDP-1")
async def test_the_page_shows_the_request_in_plain_words_and_every_way_it_can_refuse(world: World) -> None:
    partner, customer, relationship = await sent_request(world)
    link = relationship["approvalLink"]
    shown = await world.http.get(path_of(link))
    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith("text/html")
    assert ">Contoso</span> asks for administrative access" in shown.text
    assert "User Administrator" in shown.text
    assert "create and manage users and groups" in shown.text
    assert "Global Reader" in shown.text
    assert "730 days (2 years)" in shown.text
    assert 'name="password"' in shown.text
    # The sandbox rides in the link: without it, or with another, the request is not found.
    assert (await world.http.get(path_of(link).split("?")[0])).status_code == 404
    other_world = await World.create(world.http)
    elsewhere = path_of(link).replace(world.id, other_world.id)
    assert (await world.http.get(elsewhere)).status_code == 404
    wrong_password = await submit(world, link, customer.admin_upn, "nope")
    assert wrong_password.status_code == 401
    assert "email or password is not right" in wrong_password.text
    partner_admin = await submit(world, link, partner.admin_upn)
    assert partner_admin.status_code == 403
    assert "customer" in partner_admin.text
    other = await world.customer()
    elsewhere_admin = await submit(world, link, other.admin_upn)
    assert elsewhere_admin.status_code == 403
    assert "another organization" in elsewhere_admin.text
    user = f"user@{customer.tenant['domain']}"
    r = await world.sim(
        "POST", f"/tenants/{customer.id}/users", json={"userPrincipalName": user, "password": PASSWORD, "roles": []}
    )
    assert r.status_code == 201, r.text
    not_admin = await submit(world, link, user)
    assert not_admin.status_code == 403
    assert "Global" in not_admin.text
    assert (await read(partner, relationship["id"]))["status"] == "approvalPending"
    approved = await submit(world, link, customer.admin_upn)
    assert approved.status_code == 200, approved.text
    assert "Relationship approved" in approved.text
    assert (await read(partner, relationship["id"]))["status"] == "active"
    again = await world.http.get(path_of(link))
    assert again.status_code == 409
    assert "already approved" in again.text


@pytest.mark.rule("GDP-1")
async def test_an_expired_request_says_so(world: World) -> None:
    _, _, relationship = await sent_request(world)
    await advance(world, days=91)
    page = await world.http.get(path_of(relationship["approvalLink"]))
    assert page.status_code == 410
    assert "expired" in page.text


@pytest.mark.rule("GDP-1")
async def test_a_customer_approves_in_a_real_browser(world: World, browser: Browser, page_server: str) -> None:
    partner, customer, relationship = await sent_request(world)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "gdap-approved.png"
    page = await browser.new_page()  # in a context of its own
    try:
        await page.goto(relationship["approvalLink"].replace("http://cspsim.test", page_server))
        assert "Contoso" in await page.locator("h1").inner_text()
        roles = await page.locator("li.role").all_inner_texts()
        assert [r.split(":")[0] for r in roles] == ["User Administrator", "Global Reader"]
        assert "730 days (2 years)" in await page.locator("#duration").inner_text()
        await page.screenshot(path=str(ARTIFACTS / "gdap-approval-request.png"), full_page=True)
        await page.fill("#username", customer.admin_upn)
        await page.fill("#password", PASSWORD)
        await page.click("#approve")
        await page.wait_for_selector("text=Relationship approved")
        assert await page.locator("#status").inner_text() == "active"
        await page.screenshot(path=str(screenshot), full_page=True)
    finally:
        await page.context.close()
    active = await read(partner, relationship["id"])
    assert active["status"] == "active"
    assert active["customer"]["tenantId"] == customer.id
    assert screenshot.stat().st_size > 1000
