"""The API's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), served with their scripts and styles
from the `fastapi-offline` package: FastAPI's default pages load them from a CDN, so on a machine without internet
they were blank. Nothing on these pages leaves the machine (a Chromium test counts the requests)."""

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
# Swagger UI would ask validator.swagger.io to check the document: an emulator asks nobody. The operations open by
# tag (a list of 180 opened at once takes a slow machine half a minute to draw), with a filter box to find one.
SWAGGER_PARAMETERS = {
    "validatorUrl": None,
    "docExpansion": "none",
    "filter": True,
    "tryItOutEnabled": True,
    "displayRequestDuration": True,
}


# ReDoc's bundle draws Redocly's logo from its CDN; cspsim's copy points it at the favicon beside the page (a URL
# relative to /redoc, so it holds under a root path too).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@cache
def redoc_script() -> str:
    return (ASSETS / "redoc.standalone.js").read_text(encoding="utf-8").replace(REDOC_LOGO, "docs-assets/favicon.png")


def install_docs(app: FastAPI) -> None:
    """Mount the assets and the two pages (the app is made with docs_url=None, redoc_url=None)."""
    app.include_router(_pages(app))
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")


def _pages(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/docs", response_class=HTMLResponse)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API reference",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )

    @router.get("/redoc", response_class=HTMLResponse)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API reference (ReDoc)",
            redoc_js_url=f"{root}/redoc.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    @router.get("/redoc.js", response_class=Response)
    async def redoc_js() -> Response:
        return Response(redoc_script(), media_type="text/javascript")

    return router
