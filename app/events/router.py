"""Notifications and audit records (Partner Center), the mailbox and the outbox (control surface)."""

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import AwareDatetime

from app.events import service
from app.events.schemas import AuditRecordOut, EventOut, NotificationOut
from app.kernel.pagination import Collection, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, Operator, PartnerCaller, control_router

partner = PARTNER_CENTER_API.router(tags=["partner center: notifications and audit"])
control = control_router(tags=["control: mailbox and events"])
Pages = Annotated[PageRequest, Depends(page_request)]


@partner.get("/notifications", response_model=Collection[NotificationOut], summary="The mails sent to this partner")
async def list_notifications(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    found = await service.list_partner_notifications(ctx, page)
    return collection(request, found, [NotificationOut.model_validate(n) for n in found.items])


@partner.get("/auditrecords", response_model=Collection[AuditRecordOut], summary="The partner's audit log")
async def list_audit_records(
    ctx: PartnerCaller,
    request: Request,
    page: Pages,
    start_date: Annotated[AwareDatetime | date | None, Query(alias="startDate")] = None,
    end_date: Annotated[AwareDatetime | date | None, Query(alias="endDate")] = None,
) -> Any:
    """Between two instants, or two dates (each read as midnight UTC, as Partner Center's documented `2017-06-01`)."""
    found = await service.list_audit_records(ctx, page, start=_instant(start_date), end=_instant(end_date))
    names = await service.customer_names(ctx, found.items)
    items = [AuditRecordOut.of(r, names.get(r.customer_id) if r.customer_id else None) for r in found.items]
    return collection(request, found, items)


def _instant(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), UTC)


@control.get("/mailbox", response_model=Collection[NotificationOut], summary="Every mail the platform sent")
async def mailbox(
    ctx: Operator,
    request: Request,
    page: Pages,
    to: Annotated[str | None, Query(description="Only mails to this address.")] = None,
) -> Any:
    found = await service.list_mailbox(ctx, page, to=to)
    return collection(request, found, [NotificationOut.model_validate(n) for n in found.items])


@control.get("/events", response_model=Collection[EventOut], summary="The outbox: everything that happened")
async def events(
    ctx: Operator,
    request: Request,
    page: Pages,
    name: Annotated[str | None, Query(description="Only events of this name.")] = None,
) -> Any:
    found = await service.list_events(ctx, page, name=name)
    return collection(request, found, [EventOut.model_validate(e) for e in found.items])
