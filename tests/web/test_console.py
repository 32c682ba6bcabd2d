"""The landing page, the offline API reference and the sandbox console: over HTTP, and in Chromium."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser

from tests.live import ARTIFACTS
from tests.world import World

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


async def test_the_landing_page_says_what_runs_and_where_to_go(world: World) -> None:
    page = await world.http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "cspsim 0.1.0" in page.text
    assert "Healthy" in page.text
    for link in ('href="/docs"', 'href="/redoc"', 'href="/openapi.json"', 'href="/console"'):
        assert link in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_the_docs_and_console_load_nothing_from_elsewhere(world: World) -> None:
    for path in ("/docs", "/redoc", "/console"):
        page = await world.http.get(path)
        assert page.status_code == 200, path
        for reference in page.text.split('src="')[1:] + page.text.split('href="')[1:]:
            target = reference.split('"', 1)[0]
            assert not target.startswith(("http:", "https:", "//")), f"{path} loads {target}"
    assets = ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/redoc.standalone.js", "/console/assets/console.js")
    for asset in assets:
        assert (await world.http.get(asset)).status_code == 200, asset


def counting_requests(page: Any, elsewhere: list[str]) -> None:
    """Every request the page makes: local ones go through, any other is counted and refused."""

    async def decide(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    return page.route("**/*", decide)


async def test_the_api_reference_renders_offline_in_chromium(browser: Browser, page_server: str) -> None:
    elsewhere: list[str] = []
    page = await browser.new_page()  # in a context of its own
    try:
        await counting_requests(page, elsewhere)
        await page.goto(f"{page_server}/docs")
        tags = page.locator(".opblock-tag")
        await tags.first.wait_for(timeout=60_000)
        assert await tags.count() > 20
        await page.click(".opblock-tag:has-text('control: sandboxes')")
        await page.wait_for_selector(".opblock-summary-path")
        paths = await page.locator(".opblock-summary-path").all_inner_texts()
        assert "/sim/v1/sandboxes/{sandbox_id}/clock/advance" in [p.replace("\u200b", "") for p in paths]
        # ReDoc draws the whole document at once (a minute on a busy machine): that its script runs from
        # here is what this test proves; what it draws is ReDoc's business.
        await page.goto(f"{page_server}/redoc")
        await page.wait_for_function("typeof window.Redoc === 'object'", timeout=90_000)
    finally:
        await page.context.close()
    assert elsewhere == []


async def test_the_console_walks_a_scenario_and_fires_a_timer(world: World, browser: Browser, page_server: str) -> None:
    loaded = await world.sim(
        "POST",
        "/scenarios",
        content=(SCENARIOS / "transition.yaml").read_bytes(),
        headers={"Content-Type": "application/yaml"},
    )
    assert loaded.status_code == 201, loaded.text
    contoso = next(p for p in loaded.json()["partners"] if p["ref"] == "contoso")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    elsewhere: list[str] = []
    page = await browser.new_page()  # in a context of its own
    try:
        await counting_requests(page, elsewhere)
        await page.goto(f"{page_server}/")
        await page.click("text=The sandbox console")
        # Labels name every field: a person with a screen reader finds them by their label.
        # The form is live once its script has wired it: its button comes enabled.
        await page.wait_for_selector("#open-button:enabled")
        await page.get_by_label("Sandbox id").fill(world.id)
        await page.get_by_label("Admin key").fill(world.sandbox["adminKey"])
        await page.get_by_label("Admin key").press("Enter")  # the keyboard opens it
        await page.wait_for_selector("#view h2:has-text('Overview')")
        assert "Tenants: 5" in await page.locator("#view").inner_text()
        unlabelled = await page.evaluate(
            "[...document.querySelectorAll('input,select')]"
            ".filter(e => !e.labels || e.labels.length === 0).map(e => e.id)"
        )
        assert unlabelled == []

        await page.click("nav >> text=Tenants")
        await page.click(f"a:has-text('{contoso['tenantId']}')")
        await page.wait_for_selector("#view h2:has-text('Contoso')")
        linked = await page.locator("#view").inner_text()
        assert "Programs (enrollments) that name it" in linked
        assert "Subscriptions that name it" in linked

        await page.click("nav >> text=Timers")
        await page.wait_for_selector("#view td:has-text('enrollment.revenue-review')")
        await page.get_by_label("Advance by").fill("31")
        await page.get_by_label("Unit").select_option("days")
        await page.click("#advance")
        status = page.locator("#status")
        await status.filter(has_text="enrollment.revenue-review").wait_for()
        assert "timer(s) fired" in await status.inner_text()
        await page.wait_for_selector("#view td:has-text('fired')")
        await page.screenshot(path=str(ARTIFACTS / "console-timers.png"), full_page=True)

        await page.click("#freeze")
        await page.wait_for_selector("#clock-frozen:has-text('frozen')")
        await page.click("nav >> text=Faults")
        await page.get_by_label("Path prefix").fill("/v1/never-called")
        await page.click("#add-fault")
        await page.wait_for_selector("#view td:has-text('/v1/never-called')")
    finally:
        await page.context.close()
    assert elsewhere == []
    clock = (await world.sim("GET", "/clock")).json()
    assert clock["frozen"] is True
    faults = (await world.sim("GET", "/faults")).json()["items"]
    assert [f["pathPrefix"] for f in faults] == ["/v1/never-called"]


async def test_no_key_is_sent_before_the_script_runs(world: World, browser: Browser, page_server: str) -> None:
    """Until console.js has wired the form, its button is disabled, so Enter sends nothing: a form sent as the
    browser would send it by itself is a GET that puts the admin key in the address and reloads an empty page."""
    context = await browser.new_context(java_script_enabled=False)
    try:
        page = await context.new_page()
        await page.goto(f"{page_server}/console")
        assert await page.locator("#open-button").is_disabled()
        await page.get_by_label("Sandbox id").fill(world.id)
        await page.get_by_label("Admin key").fill(world.sandbox["adminKey"])
        await page.get_by_label("Admin key").press("Enter")
        await page.wait_for_timeout(300)
        assert page.url == f"{page_server}/console"
        assert await page.get_by_label("Admin key").input_value() == world.sandbox["adminKey"]
    finally:
        await context.close()


@pytest.mark.parametrize("path", ["/console/assets/../templates/page.html", "/console/assets/nothing.js"])
async def test_the_console_assets_serve_only_themselves(world: World, path: str) -> None:
    assert (await world.http.get(path)).status_code == 404
