"""A storefront's page calling cspsim from a real browser: CORS as Chromium enforces it.

cspsim (a real uvicorn) allows one origin; two tiny page servers serve the same page from that origin and
from another. Chromium (Debian's, headless, driven by Playwright) loads the page and
calls cspsim with `fetch`: from the allowed origin the call succeeds and the script reads `MS-RequestId`,
from the other the browser refuses the answer. No browser is ever downloaded.
"""

from pathlib import Path
from typing import Any

from playwright.async_api import Browser

from app.config import Settings
from app.main import create_app
from tests.live import serving

PAGE = b"<!doctype html><html><head><title>storefront</title></head><body>storefront</body></html>"

# What a storefront's script does: create something (JSON body and custom headers: a preflight), read the ids.
CALL_CSPSIM = """async (base) => {
  try {
    const r = await fetch(base + "/sim/v1/sandboxes", {
      method: "POST",
      headers: {"Content-Type": "application/json", "MS-CorrelationId": "storefront-42", "X-Locale": "en-GB"},
      body: JSON.stringify({"Name": "from the browser"}),
    });
    return {ok: true, status: r.status, requestId: r.headers.get("MS-RequestId"),
            correlationId: r.headers.get("MS-CorrelationId"), body: await r.json()};
  } catch (error) {
    return {ok: false, error: String(error)};
  }
}"""


async def storefront(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The storefront's page, whatever the path: a raw ASGI app, to need nothing but uvicorn."""
    if scope["type"] == "lifespan":  # nothing to start or stop
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": PAGE})


async def test_a_storefront_page_calls_cspsim_only_from_an_allowed_origin(
    browser: Browser, database: str, tmp_path: Path
) -> None:
    with serving(storefront) as allowed_origin, serving(storefront) as other_origin:
        app = create_app(
            Settings(database_url=database, data_dir=tmp_path, cors_origins=[allowed_origin]), run_timers=False
        )
        with serving(app) as cspsim:
            page = await browser.new_page()
            try:
                await page.goto(f"{allowed_origin}/shop")
                allowed = await page.evaluate(CALL_CSPSIM, cspsim)
                await page.goto(f"{other_origin}/shop")
                refused = await page.evaluate(CALL_CSPSIM, cspsim)
            finally:
                await page.close()

    assert allowed["ok"], allowed
    assert allowed["status"] == 201, allowed
    assert allowed["body"]["name"] == "from the browser"
    assert allowed["requestId"], "the script could not read MS-RequestId"
    assert allowed["correlationId"] == "storefront-42"
    assert not refused["ok"], refused
    assert "Failed to fetch" in refused["error"]
