"""Partner Center's webhook registration (`/webhooks/v1`), the signing certificate, and the delivery log."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from app.config import Settings
from app.events import webhooks
from app.events.service import record_event
from app.kernel.db import Database
from app.kernel.errors import BadRequest, NotFound
from app.kernel.pagination import Collection, PageRequest, collection, page_request
from app.kernel.pipeline import (
    CONTROL_PREFIX,
    WEBHOOKS,
    Operator,
    WebhooksCaller,
    bearer,
    control_router,
    operator_context,
)
from app.models import WebhookDelivery, WebhookRegistration
from app.wire import Request as RequestBody
from app.wire import Schema

partner = WEBHOOKS.router(tags=["partner center: webhooks"], prefix="/registration")
control = control_router(tags=["control: webhooks"])
# Dispatching posts to receivers that may take seconds to answer (or time out), so it must run outside the
# request-wide transaction: holding that open would keep SQLite's write lock (and a seeded sandbox's row) while a
# receiver answers, and committing it half-way leaves no transaction in which to store an MS-RequestId answer.
# Hence a plain router: the admin key is checked in a short transaction of its own, deliveries are claimed and
# recorded in theirs, and the route is not replayed by MS-RequestId. It needs no replay: a repeated dispatch sends
# only what is still due and never a delivered webhook twice, and its counts describe the round it ran.
dispatching = APIRouter(prefix=CONTROL_PREFIX, tags=["control: webhooks"])
certificate = APIRouter(tags=["service"])


class RegistrationIn(RequestBody):
    webhook_url: str = Field(min_length=8, max_length=2000)
    webhook_events: list[str] = Field(min_length=1, max_length=50)


class RegistrationOut(BaseModel):
    """Partner Center answers these in PascalCase."""

    model_config = ConfigDict(populate_by_name=True)

    subscriber_id: uuid.UUID = Field(serialization_alias="SubscriberId")
    webhook_url: str = Field(serialization_alias="WebhookUrl")
    webhook_events: list[str] = Field(serialization_alias="WebhookEvents")


class ValidationEventOut(Schema):
    correlation_id: uuid.UUID


class ValidationResult(Schema):
    response_code: int | None
    response_message: str
    system_error: str | None = None
    date_time_utc: str


class ValidationStatus(Schema):
    correlation_id: uuid.UUID
    partner_id: uuid.UUID
    status: str
    callback_url: str
    results: list[ValidationResult]


class DeliveryOut(Schema):
    id: uuid.UUID
    tenant_id: uuid.UUID
    event_id: uuid.UUID
    event_name: str
    url: str
    status: str
    attempts: int
    body: str
    log: list[dict[str, Any]]


class DispatchIn(RequestBody):
    ignore_backoff: bool = Field(False, description="Retry waiting deliveries now instead of after their back-off.")


class DispatchOut(Schema):
    succeeded: int
    retrying: int
    failed: int


def _out(registration: WebhookRegistration) -> dict[str, Any]:
    return RegistrationOut(
        subscriber_id=registration.tenant_id, webhook_url=registration.url, webhook_events=registration.events
    ).model_dump(by_alias=True)


def signer(request: Request) -> webhooks.Signer:
    settings: Settings = request.app.state.settings
    return webhooks.Signer(data_dir=settings.data_dir, public_base_url=settings.public_base_url)


@partner.post("", summary="Register for webhook events")
async def register(ctx: WebhooksCaller, body: RegistrationIn) -> dict[str, Any]:
    """`{WebhookUrl, WebhookEvents}`; one registration per partner (PUT replaces it)."""
    return _out(await webhooks.register(ctx, url=body.webhook_url, events=body.webhook_events, replace=False))


@partner.put("", summary="Replace the webhook registration")
async def replace(ctx: WebhooksCaller, body: RegistrationIn) -> dict[str, Any]:
    return _out(await webhooks.register(ctx, url=body.webhook_url, events=body.webhook_events, replace=True))


@partner.get("", summary="Read the webhook registration")
async def read(ctx: WebhooksCaller) -> dict[str, Any]:
    return _out(await webhooks.get_registration(ctx))


@partner.delete("", status_code=status.HTTP_204_NO_CONTENT, summary="Remove the webhook registration")
async def remove(ctx: WebhooksCaller) -> Response:
    await webhooks.unregister(ctx)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@partner.get("/events", response_model=list[str], summary="The event names one can register for")
async def event_names(ctx: WebhooksCaller) -> Any:
    return sorted(webhooks.EVENTS)


@partner.post("/validationEvents", response_model=ValidationEventOut, summary="Send a test-created event")
async def validation_event(ctx: WebhooksCaller) -> Any:
    """Needs a registration for `test-created`; the answer's correlation id reads the delivery's result."""
    registration = await webhooks.get_registration(ctx)
    if "test-created" not in registration.events:
        raise BadRequest("Register for test-created to send validation events.")
    event_id = await record_event(
        ctx, name="test-created", resource_type="test", resource_id=await ctx.new_id(), tenant_ids=[ctx.tenant_id]
    )
    return ValidationEventOut(correlation_id=event_id)


@partner.get(
    "/validationEvents/{correlation_id}",
    response_model=ValidationStatus,
    summary="The result of a validation event's delivery",
)
async def validation_status(ctx: WebhooksCaller, correlation_id: uuid.UUID) -> Any:
    found = await webhooks.deliveries_of_event(ctx, correlation_id=correlation_id, tenant_id=ctx.tenant_id)
    if not found:
        raise NotFound("Validation event", correlation_id)
    delivery = found[0]
    results = [
        ValidationResult(
            response_code=a.get("statusCode"),
            response_message=str(a.get("message", "")),
            date_time_utc=str(a.get("at")),
        )
        for a in delivery.log
    ]
    return ValidationStatus(
        correlation_id=correlation_id,
        partner_id=ctx.tenant_id,
        status=delivery.status,
        callback_url=delivery.url,
        results=results,
    )


def _delivery(d: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(d)


@control.get(
    "/webhooks/deliveries",
    response_model=Collection[DeliveryOut],
    summary="Every webhook delivery and its attempts, by pages in the order they were made",
)
async def delivery_log(ctx: Operator, request: Request, page: Annotated[PageRequest, Depends(page_request)]) -> Any:
    found = await webhooks.list_deliveries(ctx, page)
    return collection(request, found, [_delivery(d) for d in found.items])


async def dispatching_operator(
    request: Request,
    sandbox_id: Annotated[uuid.UUID, Path()],
    authorization: Annotated[str | None, Header()] = None,
) -> uuid.UUID:
    """The sandbox whose admin key the caller holds, checked in a transaction that ends before any delivery."""
    db: Database = request.app.state.db
    async with db.transaction() as session:
        ctx = await operator_context(session, sandbox_id=sandbox_id, admin_key=bearer(authorization))
    return ctx.sandbox_id


@dispatching.post("/webhooks/dispatch", response_model=DispatchOut, summary="Deliver due webhooks now")
async def dispatch_now(
    request: Request,
    sandbox_id: Annotated[uuid.UUID, Depends(dispatching_operator)],
    body: Annotated[DispatchIn | None, Body()] = None,
) -> Any:
    """What the background loop does every second, on demand (and, with ignoreBackoff, without waiting)."""
    counts = await webhooks.dispatch(
        request.app.state.db,
        signer(request),
        sandbox_id=sandbox_id,
        ignore_backoff=bool(body and body.ignore_backoff),
    )
    return DispatchOut(**counts)


@certificate.get(
    webhooks.CERTIFICATE_PATH,
    response_class=Response,
    summary="The certificate webhook signatures verify with",
    responses={200: {"content": {"application/x-pem-file": {}}}},
)
def signing_certificate(request: Request) -> Response:
    """Its public key verifies `Authorization: Signature` of every delivery; it chains to /cspsim/ca.pem."""
    return Response(signer(request).certificate_pem(), media_type="application/x-pem-file")
