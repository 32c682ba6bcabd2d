"""The app factory: routers, middleware, error handlers, and the lifespan that runs the timer loop."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text

from app.catalog import router as catalog
from app.commerce import router as commerce
from app.config import Settings
from app.customers import router as customers
from app.db import Database, TransactionalRoute
from app.errors import install_error_handlers
from app.events import router as events
from app.identity import router as identity
from app.identity.tokens import Keyring
from app.kit.contract import ContractVersionMiddleware
from app.kit.idempotency import EXCEPTION_HANDLERS
from app.kit.requestcontext import RequestIdLogFilter, RequestIdMiddleware
from app.programs import router as programs
from app.providers import router as providers
from app.sandboxes import router as sandboxes
from app.sandboxes.loop import run_timer_loop
from app.transfers import router as transfers
from app.web import router as web

DESCRIPTION = """A simulator of Microsoft's CSP partner platform: Partner Center (`/v1`), Microsoft Graph's GDAP API
(`/v1.0`), Entra ID's token endpoints, the customer's admin center (`/admin`), a distributor's marketplace
(`/marketplace/v1`) and the simulator's own control surface (`/sim/v1`): sandboxes, clock, faults, scenarios.

Errors name the rule of the rule ledger that refused a request in `rule`."""

TAGS = [
    {"name": "identity", "description": "Entra ID: tokens and signing keys."},
    {
        "name": "partner center: programs",
        "description": "Partner Center: profile, enrollments, agreements, service requests.",
    },
    {"name": "partner center: notifications and audit", "description": "Partner Center: mails and audit log."},
    {"name": "partner center: indirect providers", "description": "Partner Center: directory and partnerships."},
    {"name": "partner center: customers", "description": "Partner Center: customers, links, extension, MCA."},
    {"name": "partner center: catalog", "description": "Partner Center: products, SKUs, availabilities."},
    {
        "name": "partner center: orders and subscriptions",
        "description": "Partner Center: orders, subscriptions, order requests.",
    },
    {"name": "partner center: transfers", "description": "Partner Center: new-commerce transfers between partners."},
    {"name": "admin center", "description": "The customer's admin center (JSON): invitations, partners, MCA."},
    {"name": "admin center pages", "description": "The customer's admin center (HTML pages)."},
    {"name": "control: sandboxes", "description": "The simulator: sandboxes, settings, clock and timers."},
    {"name": "control: tenants", "description": "The simulator: tenants, users, apps and portal sign-ins."},
    {"name": "control: programs", "description": "The simulator: revenue, enrollment decisions, support."},
    {"name": "control: mailbox and events", "description": "The simulator: every mail and every event."},
    {"name": "service", "description": "Health and metrics."},
]


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [request=%(request_id)s correlation=%(correlation_id)s] %(message)s"
        )
    )
    root = logging.getLogger("cspsim")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def create_app(settings: Settings | None = None, *, run_timers: bool = True) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop_task = None
        if run_timers and settings.timer_interval_seconds > 0:
            loop_task = asyncio.create_task(run_timer_loop(app.state.db, settings.timer_interval_seconds))
        yield
        if loop_task is not None:
            loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop_task
        await app.state.db.dispose()

    app = FastAPI(title="cspsim", version="0.1.0", description=DESCRIPTION, openapi_tags=TAGS, lifespan=lifespan)
    app.state.settings = settings
    app.state.db = Database(settings.effective_database_url)
    app.state.keyring = Keyring()
    install_error_handlers(app)
    for exc, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(exc, handler)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(ContractVersionMiddleware)
    if settings.cors_origins:
        # Added last, so outermost: preflights are answered before anything else runs, and every answer
        # (errors included) carries the headers a storefront's script needs to read.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["*"],
            # What a storefront's script may read: the ids to quote to support, where a resource went, when
            # to retry, the version to send back in If-Match, and a contract warning.
            expose_headers=["MS-RequestId", "MS-CorrelationId", "Retry-After", "Location", "ETag", "Warning"],
            max_age=600,
        )

    health = _health_router()
    for router in (
        health,
        sandboxes.open_router,
        sandboxes.router,
        identity.control,
        programs.control,
        commerce.control,
        events.control,
        programs.router,
        providers.router,
        customers.router,
        catalog.router,
        commerce.partner,
        transfers.router,
        customers.admin,
        web.router,
        events.partner,
        identity.identity,
        identity.certificates,
    ):
        app.include_router(router)
    return app


def _health_router() -> Any:
    from fastapi import APIRouter, Request

    router = APIRouter(tags=["service"], route_class=TransactionalRoute)

    @router.get("/healthz", summary="Is the service up and its database reachable")
    async def healthz(request: Request) -> dict[str, str]:
        await request.state.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return router
