"""The pages show what others typed as text, carry a strict Content-Security-Policy, and refuse forms posted from
another site."""

from playwright.async_api import Browser

from tests.web.test_invitation_page import reseller_invitation
from tests.world import PASSWORD, World

MARKUP = "<script>alert(1)</script><b>Tailspin</b>"


async def test_a_display_name_with_markup_is_shown_as_text_under_a_strict_csp(world: World) -> None:
    customer = await world.customer()
    provider = await world.provider(name="Northwind")
    reseller = await world.indirect_reseller(name="Tailspin", displayName=MARKUP)
    await world.partner_up(provider, reseller)
    r = await reseller.post(
        "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": customer.id}
    )
    assert r.status_code == 201, r.text
    code = r.json()["url"].rsplit("/", 1)[-1]
    page = await world.http.get(f"/admin/invitations/{code}")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Tailspin&lt;/b&gt;" in page.text
    csp = page.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'none'", "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    missing = await world.http.get("/admin/invitations/no-such-code")
    assert "content-security-policy" in missing.headers


async def test_a_form_posted_from_another_site_changes_nothing(world: World) -> None:
    customer = await world.customer()
    _, _, code = await reseller_invitation(world, customer)
    form = {"username": customer.admin_upn, "password": PASSWORD}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://attacker.example"}, {"Origin": "null"}):
        r = await world.http.post(f"/admin/invitations/{code}", data=form, headers=headers)
        assert r.status_code == 403, (headers, r.text)
        assert "another site" in r.text
    assert (await world.http.get(f"/admin/invitations/{code}")).status_code == 200  # still Pending
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://test"}
    r = await world.http.post(f"/admin/invitations/{code}", data=form, headers=same)
    assert r.status_code == 200, r.text
    assert "Invitation accepted" in r.text


async def test_markup_in_a_name_stays_text_in_a_real_browser(world: World, browser: Browser, page_server: str) -> None:
    customer = await world.customer()
    provider = await world.provider(name="Northwind")
    reseller = await world.indirect_reseller(name="Tailspin", displayName=MARKUP)
    await world.partner_up(provider, reseller)
    r = await reseller.post(
        "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": customer.id}
    )
    code = r.json()["url"].rsplit("/", 1)[-1]
    page = await browser.new_page()  # in a context of its own
    try:
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        answer = await page.goto(f"{page_server}/admin/invitations/{code}")
        assert answer is not None
        assert "content-security-policy" in answer.headers
        assert MARKUP in await page.locator("h1").inner_text()
        assert await page.locator("h1 script").count() == 0
        # The hashed style sheet applies: the heading's partner names are bold.
        weight = await page.locator(".partner").first.evaluate("e => getComputedStyle(e).fontWeight")
        assert weight == "600"
        await page.fill("#username", customer.admin_upn)
        await page.fill("#password", PASSWORD)
        await page.click("#accept")
        await page.wait_for_selector("text=Invitation accepted")
        assert dialogs == []
        assert violations == []
    finally:
        await page.context.close()
