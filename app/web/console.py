"""The landing page (`/`) and the sandbox console (`/console`): HTML served by cspsim, no build step, no CDN.

The landing page says what runs here (version, health) and where to go (the API reference, the console, the
OpenAPI file). The console is one page and one script of ours (`static/console.js`): a person gives a sandbox's id
and admin key, and the script reads the control surface's own APIs with it (`/sim/v1/sandboxes/{id}/...`), as a
test suite would, and shows the sandbox on its clock. The key stays in the tab (sessionStorage), never in an
address. Every value is put on the page as text, never as markup, and the Content-Security-Policy admits only our
own script and style sheet.
"""

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from app.kernel.db import Database
from app.web.pages import SECURITY_HEADERS, template

STATIC = Path(__file__).parent / "static"
ASSETS_URL = "/console/assets"

CONSOLE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HEADERS = {**SECURITY_HEADERS, "Content-Security-Policy": CONSOLE_POLICY}

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _page(name: str, request: Request, **values: object) -> HTMLResponse:
    html = template(name).render(assets=ASSETS_URL, version=request.app.version, **values)
    return HTMLResponse(html, headers=HEADERS)


@router.get("/")
async def landing(request: Request) -> HTMLResponse:
    db: Database = request.app.state.db
    try:
        async with db.transaction() as session:
            await session.execute(text("SELECT 1"))
        healthy = True
    except Exception:  # the page says so rather than failing: it is where a person looks first
        healthy = False
    return _page("landing.html", request, healthy=healthy, title="cspsim")


@router.get("/console")
async def console(request: Request) -> HTMLResponse:
    return _page("console.html", request, title="cspsim console")


def install_console(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=STATIC), name="console-assets")
    app.include_router(router)
