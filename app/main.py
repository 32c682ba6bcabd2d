"""The app factory: routers, middleware, error handlers, and the lifespan that runs the timer and webhook loops."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text
from sqlalchemy.orm import configure_mappers

from app.billing import exports_router as billing_exports
from app.billing import router as billing
from app.billing import usage_router as billing_usage
from app.catalog import router as catalog
from app.commerce import cart_router, subscription_router
from app.commerce import router as commerce
from app.config import Settings
from app.customer_users import analytics_router as license_analytics
from app.customer_users import router as customer_users
from app.customers import account_router as customer_accounts
from app.customers import router as customers
from app.devices import router as devices
from app.events import router as events
from app.events import webhook_router, webhooks
from app.gdap import router as gdap
from app.identity import router as identity
from app.kernel import metrics
from app.kernel.analyze import run_analyze_loop
from app.kernel.bulk import UNDO_INTERVAL_SECONDS, run_undo_loop
from app.kernel.contract import ContractVersionMiddleware
from app.kernel.db import Database, Limits, TransactionalRoute
from app.kernel.edge import EdgeValidation
from app.kernel.errors import UnexpectedErrorMiddleware, document_errors, install_error_handlers
from app.kernel.idempotency import EXCEPTION_HANDLERS
from app.kernel.pipeline import PARTNER_CENTER_API, document_authorization
from app.kernel.requestcontext import JsonLogFormatter, RequestIdLogFilter, RequestIdMiddleware
from app.kernel.routeindex import index_routes
from app.kernel.tokens import Keyring
from app.marketplace import pages as marketplace_pages
from app.marketplace import router as marketplace
from app.programs import profile_router as partner_profiles
from app.programs import router as programs
from app.providers import router as providers
from app.resale import router as resale
from app.sandboxes import fault_router, inspection
from app.sandboxes import router as sandboxes
from app.sandboxes.loop import run_timer_loop
from app.scenarios import router as scenarios
from app.transfers import router as transfers
from app.web import gdap as gdap_pages
from app.web import router as web
from app.web.console import install_console
from app.web.docs import install_docs

DESCRIPTION = """A simulator of Microsoft's CSP partner platform: Partner Center (`/v1`), Microsoft Graph's GDAP API
(`/v1.0`), Entra ID's token endpoints, the customer's admin center (`/admin`), a distributor's marketplace
(`/marketplace/v1`) and the simulator's own control surface (`/sim/v1`): sandboxes, clock, faults, scenarios.

Errors name the rule of the rule ledger that refused a request in `rule`."""

VERSION = "0.1.0"

TAGS = [
    {"name": "identity", "description": "Entra ID: tokens and signing keys."},
    {
        "name": "partner center: programs",
        "description": "Partner Center: profile, enrollments, agreements, service requests.",
    },
    {"name": "partner center: notifications and audit", "description": "Partner Center: mails and audit log."},
    {"name": "partner center: indirect providers", "description": "Partner Center: directory and partnerships."},
    {"name": "partner center: customers", "description": "Partner Center: customers, links, extension, MCA."},
    {
        "name": "partner center: catalog",
        "description": "Partner Center: products, SKUs, availabilities, promotions, inventory, product upgrades, and "
        "the legacy offer catalog.",
    },
    {
        "name": "partner center: devices",
        "description": "Partner Center: Autopilot device batches, devices, configuration policies; fraud events.",
    },
    {
        "name": "partner center: orders and subscriptions",
        "description": "Partner Center: carts and checkout, orders and their provisioning, subscriptions, order "
        "requests.",
    },
    {"name": "partner center: transfers", "description": "Partner Center: new-commerce transfers between partners."},
    {
        "name": "partner center: customer users",
        "description": "Partner Center: a customer's user accounts, for partners with GDAP admin rights.",
    },
    {
        "name": "graph: delegated admin relationships",
        "description": "Microsoft Graph: GDAP relationships, requests, access assignments, operations, customers.",
    },
    {
        "name": "admin center",
        "description": "The customer's admin center (JSON): invitations, partners, MCA, GDAP approval.",
    },
    {"name": "admin center pages", "description": "The customer's admin center (HTML pages)."},
    {
        "name": "marketplace: price books and reseller billing",
        "description": "The distributor's marketplace: price books, support plans, invoices and reports per reseller.",
    },
    {"name": "control: sandboxes", "description": "The simulator: sandboxes, settings, clock and timers."},
    {"name": "control: tenants", "description": "The simulator: tenants, users, apps and portal sign-ins."},
    {"name": "control: programs", "description": "The simulator: revenue, enrollment decisions, support."},
    {"name": "partner center: webhooks", "description": "Partner Center: webhook registration and validation."},
    {"name": "control: webhooks", "description": "The simulator: the webhook delivery log, deliveries on demand."},
    {"name": "control: fraud events", "description": "The simulator: Azure fraud alerts on a partner's customer."},
    {"name": "control: faults", "description": "The simulator: throttling, errors and latency on purpose."},
    {"name": "control: mailbox and events", "description": "The simulator: every mail and every event."},
    {"name": "control: security groups", "description": "The simulator: a tenant's security groups and members."},
    {"name": "service", "description": "Health and metrics."},
]


def configure_logging(level: str, log_format: str) -> None:
    """One line per record: JSON (for log pipelines) or text (for a person at a terminal).

    No default format: `cspsim serve` once called this without one and so ignored CSPSIM_LOG_FORMAT=text."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(
        JsonLogFormatter()
        if log_format == "json"
        else logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [request=%(request_id)s correlation=%(correlation_id)s "
            "sandbox=%(sandbox)s] %(message)s"
        )
    )
    # No format names a record's thread, process or calling line, so none is looked up (finding the caller walks
    # the stack): 8.6 us down to 7.2 for a request's access line, which the standard library's JSON had made 12.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    root = logging.getLogger("cspsim")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def settle_heap(app: FastAPI) -> None:
    """Build now what the first requests would build (SQLAlchemy's mapper configuration, FastAPI's per-route models,
    which the OpenAPI document walks), then move every object alive to the collector's permanent generation. A
    full collection used to walk those ~340,000 objects: measured under wrk, each took 300 to 360 ms in a serving
    worker, and those pauses were the p99 (issue 17). Afterwards it walks only what requests made since.

    The youngest generation is collected after 20,000 net allocations, not CPython's 700: a request allocates
    thousands of objects that die with it (rows, models, headers), and at 700 the collector walked them several times
    per request. Under wrk, GET customer answered 4 % more and POST customer 7 % more (bench A/B, same database);
    a collection then walks at most ~20,000 young objects, well under a millisecond."""
    configure_mappers()
    app.openapi()
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, *gc.get_threshold()[1:])


def settle_telemetry(app: FastAPI) -> None:
    """FastAPI asks on every request whether OpenTelemetry has a tracer, meter or logger provider: with none set up,
    three lookups of the process environment, a fiftieth of a GET's CPU (issue 17). Providers are set up before a
    server serves (`opentelemetry-instrument`, or the operator's code around the app), so the answer is read once,
    at start-up: a server started with a provider keeps FastAPI's spans and metrics."""
    native = app._native_telemetry
    enabled = native.enabled()
    native.enabled = lambda: enabled  # type: ignore[method-assign]  # the one answer, kept


def create_app(settings: Settings | None = None, *, run_timers: bool = True) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settle_heap(app)
        settle_telemetry(app)
        loops = []
        if run_timers and settings.timer_interval_seconds > 0:
            signer = webhooks.Signer(data_dir=settings.data_dir, public_base_url=settings.public_base_url)
            loops = [
                asyncio.create_task(run_timer_loop(app.state.db, settings.timer_interval_seconds)),
                asyncio.create_task(webhooks.run_delivery_loop(app.state.db, signer, settings.timer_interval_seconds)),
            ]
        if run_timers and settings.analyze_interval_seconds > 0:
            loops.append(asyncio.create_task(run_analyze_loop(app.state.db.engine, settings.analyze_interval_seconds)))
        if run_timers:  # whatever the statistics' setting: copies left by a request that died are never kept
            undo_every = settings.analyze_interval_seconds or UNDO_INTERVAL_SECONDS
            loops.append(asyncio.create_task(run_undo_loop(app.state.db.engine, undo_every)))
        yield
        for loop in loops:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await app.state.db.dispose()

    app = FastAPI(
        title="cspsim",
        version=VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served offline by app.web.docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = Database(
        settings.effective_database_url,
        Limits(
            statement_timeout_seconds=settings.db_statement_timeout_seconds,
            lock_timeout_seconds=settings.db_lock_timeout_seconds,
            pool_timeout_seconds=settings.db_pool_timeout_seconds,
            pool_size=settings.db_pool_size,
        ),
    )
    app.state.keyring = Keyring()
    install_error_handlers(app)
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_authorization(document_errors(plain_openapi()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    for exc, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(exc, handler)
    app.add_middleware(UnexpectedErrorMiddleware)  # innermost: the access log sees the 500 it answers
    app.add_middleware(EdgeValidation)  # bad input of any route refused before it runs
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
        inspection.directory,
        sandboxes.router,
        inspection.router,
        scenarios.router,
        programs.tenants,
        identity.control,
        programs.control,
        fault_router.router,
        webhook_router.control,
        webhook_router.dispatching,
        webhook_router.certificate,
        commerce.control,
        billing_usage.control,
        events.control,
        devices.control,
        gdap.control,
        programs.router,
        partner_profiles.router,
        providers.router,
        customers.router,
        customer_accounts.router,
        customer_users.router,
        license_analytics.router,
        license_analytics.partner,
        customer_users.directory,
        catalog.router,
        catalog.v1,
        devices.router,
        devices.partner,
        commerce.partner,
        cart_router.partner,
        subscription_router.router,
        transfers.router,
        billing.router,
        billing_usage.ratecards,
        billing_usage.utilizations,
        billing_exports.graph,
        resale.router,
        customers.admin,
        gdap.graph,
        gdap.admin,
        web.router,
        gdap_pages.router,
        events.partner,
        webhook_router.partner,
        identity.identity,
        identity.certificates,
        marketplace.router,
        marketplace.control,
        marketplace_pages.router,
    ):
        app.include_router(router)
    install_docs(app)
    install_console(app)
    # A request tries only the routes whose literal path prefix its path has; Partner Center's paths match
    # without regard to case, as the real service's do.
    index_routes(app, caseless=tuple(f"{prefix}/" for prefix in PARTNER_CENTER_API.prefixes))
    return app


def _health_router() -> Any:
    from fastapi import APIRouter, Request, Response

    router = APIRouter(tags=["service"], route_class=TransactionalRoute)

    @router.get("/healthz", summary="Is the service up and its database reachable")
    async def healthz(request: Request) -> dict[str, str]:
        await request.state.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    @router.get(
        "/metrics",
        summary="Counts in Prometheus's text format",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}},
    )
    def prometheus_metrics() -> Response:
        """Requests by route and status, their latency, timers fired, webhook deliveries by outcome."""
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return router
