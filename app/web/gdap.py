"""The GDAP approval page: where a customer's Global admin reads what a partner asks for and approves it (GDP-1).

The link carries the sandbox (`?sandbox=`) because relationship ids are unique only within a sandbox. The page and
its JSON twin (`POST /admin/v1/granularAdminRelationships/{id}/approve`) call the same service function.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.gdap import approval
from app.gdap.duration import in_words
from app.gdap.roles import CATALOG, role_name
from app.gdap.service import auto_extends, length_of
from app.identity import service as identity
from app.kernel.context import OPERATOR, CustomerContext, SandboxContext
from app.kernel.db import TransactionalRoute, get_session
from app.kernel.errors import DomainError, NotFound
from app.models import GdapRelationshipStatus, Sandbox
from app.web.pages import message, refuse_cross_site, render

router = APIRouter(
    prefix="/admin", tags=["admin center pages"], route_class=TransactionalRoute, default_response_class=HTMLResponse
)
Session = Annotated[AsyncSession, Depends(get_session)]
SandboxId = Annotated[str | None, Query(alias="sandbox", description="The sandbox the relationship belongs to.")]
R = GdapRelationshipStatus
TITLE = "Approve a partner's admin access"


def _not_found() -> HTMLResponse:
    return message("Request not found", "error", "This approval link is not valid.", status_code=404)


async def _found(
    session: AsyncSession, relationship_id: str, sandbox_id: str | None
) -> tuple[SandboxContext, approval.ApprovalView] | None:
    try:
        sandbox = await session.get(Sandbox, uuid.UUID(sandbox_id or ""))
        if sandbox is None:
            return None
        ctx = await SandboxContext.enter(session, sandbox, OPERATOR)
        return ctx, await approval.find_for_page(ctx, uuid.UUID(relationship_id))
    except (ValueError, NotFound):
        return None


def _request(
    view: approval.ApprovalView,
    *,
    title: str = TITLE,
    action: str | None = None,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    r = view.relationship
    if auto_extends(r):
        renewal = "It then renews itself for 180 days at a time until you or the partner end it."
    else:
        renewal = "It ends on its own after that, unless the partner asks again."
    return render(
        "gdap_request.html",
        status_code=status_code,
        title=title,
        partner_name=view.partner.display_name,
        mpn_id=view.partner_mpn_id,
        relationship_name=r.display_name,
        roles=[(role_name(x), CATALOG[x].grants if x in CATALOG else "") for x in r.role_definition_ids],
        duration=in_words(length_of(r)),
        renewal=renewal,
        action=action,
        username=username,
        error=error,
    )


def _closed(ctx: SandboxContext, view: approval.ApprovalView) -> HTMLResponse | None:
    r = view.relationship
    expires_at = approval.approval_expires_at(ctx, r)
    if r.status is R.APPROVAL_PENDING and (expires_at is None or expires_at > ctx.now):
        return None
    if r.status in (R.APPROVAL_PENDING, R.EXPIRED) and r.active_at is None:
        when = f" on {expires_at:%Y-%m-%d}" if expires_at else ""
        text = f"This request expired{when}. Ask the partner for a new one."
        return message("Request expired", "error", text, status_code=410)
    if r.status in (R.APPROVED, R.ACTIVATING, R.ACTIVE):
        text = "This request was already approved."
        return message("Request already approved", "error", text, status_code=409)
    text = f"This relationship has ended ({r.status})."
    return message("Relationship ended", "error", text, status_code=410)


def _approved(view: approval.ApprovalView) -> HTMLResponse:
    r = view.relationship
    return render(
        "gdap_approved.html",
        title="Relationship approved",
        partner_name=view.partner.display_name,
        status=r.status.value,
        until=f" until {r.end_at:%Y-%m-%d}" if r.end_at else "",
    )


@router.get("/granularAdminRelationships/{relationship_id}", summary="The page a GDAP approval link opens")
async def gdap_approval_page(
    request: Request, relationship_id: str, session: Session, sandbox: SandboxId = None
) -> HTMLResponse:
    found = await _found(session, relationship_id, sandbox)
    if found is None:
        return _not_found()
    ctx, view = found
    closed = _closed(ctx, view)
    if closed is not None:
        return closed
    action = f"{request.url_for('approve_on_gdap_page', relationship_id=relationship_id)}?sandbox={ctx.sandbox_id}"
    return _request(view, action=action)


@router.post(
    "/granularAdminRelationships/{relationship_id}", summary="Approve on the GDAP approval page (sign in, then approve)"
)
async def approve_on_gdap_page(
    request: Request,
    relationship_id: str,
    session: Session,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    sandbox: SandboxId = None,
) -> HTMLResponse:
    if (cross_site := refuse_cross_site(request)) is not None:
        return cross_site
    found = await _found(session, relationship_id, sandbox)
    if found is None:
        return _not_found()
    ctx, view = found
    closed = _closed(ctx, view)
    if closed is not None:
        return closed
    action = f"{request.url_for('approve_on_gdap_page', relationship_id=relationship_id)}?sandbox={ctx.sandbox_id}"
    signed_in = await identity.sign_in(session, sandbox_id=ctx.sandbox_id, upn=username, password=password)
    if signed_in is None:
        error = "The email or password is not right."
        return _request(view, action=action, username=username, error=error, status_code=401)
    try:
        async with session.begin_nested():  # a refusal leaves nothing half-written behind the page
            # Whoever signed in acts as a customer; approve_relationship refuses one of another kind of tenant.
            as_customer = signed_in.acting(signed_in.actor, CustomerContext)
            approved = await approval.approve_relationship(as_customer, relationship_id=view.relationship.id)
    except NotFound:
        # The page showed the request to whoever held the link; only another organization's admin lands here.
        text = "This request was sent to another organization: sign in with an account of that organization."
        return _request(view, title="Request not approved", error=text, status_code=403)
    except DomainError as refused:
        return _request(view, title="Request not approved", error=refused.message, status_code=refused.status_code)
    return _approved(approved)
