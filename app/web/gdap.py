"""The GDAP approval page: where a customer's Global admin reads what a partner asks for and approves it (GDP-1).

The link carries the sandbox (`?sandbox=`) because relationship ids are unique only within a sandbox. The page and
its JSON twin (`POST /admin/v1/granularAdminRelationships/{id}/approve`) call the same service function.
"""

import uuid
from html import escape
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
from app.web.pages import note, page, role_list, sign_in_form

router = APIRouter(
    prefix="/admin", tags=["admin center pages"], route_class=TransactionalRoute, default_response_class=HTMLResponse
)
Session = Annotated[AsyncSession, Depends(get_session)]
SandboxId = Annotated[str | None, Query(alias="sandbox", description="The sandbox the relationship belongs to.")]
R = GdapRelationshipStatus
TITLE = "Approve a partner's admin access"


def _not_found() -> HTMLResponse:
    return HTMLResponse(page("Request not found", note("error", "This approval link is not valid.")), status_code=404)


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


def _request_text(view: approval.ApprovalView) -> str:
    r = view.relationship
    partner = f'<span class="partner">{escape(view.partner.display_name)}</span>'
    mpn = f" (partner ID {escape(view.partner_mpn_id)})" if view.partner_mpn_id else ""
    roles = role_list([(role_name(x), CATALOG[x].grants if x in CATALOG else "") for x in r.role_definition_ids])
    if auto_extends(r):
        renewal = "It then renews itself for 180 days at a time until you or the partner end it."
    else:
        renewal = "It ends on its own after that, unless the partner asks again."
    return (
        f"<h1>{partner} asks for administrative access to your organization</h1>"
        f"<p>{partner}{mpn} asks for these roles in your organization, through the relationship "
        f"<em>{escape(r.display_name)}</em>:</p>{roles}"
        f'<p id="duration">For {escape(in_words(length_of(r)))} from your approval. {renewal}</p>'
        "<p>You can end this access at any time in the admin center.</p>"
    )


def _closed(ctx: SandboxContext, view: approval.ApprovalView) -> HTMLResponse | None:
    r = view.relationship
    expires_at = approval.approval_expires_at(ctx, r)
    if r.status is R.APPROVAL_PENDING and (expires_at is None or expires_at > ctx.now):
        return None
    if r.status in (R.APPROVAL_PENDING, R.EXPIRED) and r.active_at is None:
        when = f" on {expires_at:%Y-%m-%d}" if expires_at else ""
        text = f"This request expired{when}. Ask the partner for a new one."
        return HTMLResponse(page("Request expired", note("error", text)), status_code=410)
    if r.status in (R.APPROVED, R.ACTIVATING, R.ACTIVE):
        text = "This request was already approved."
        return HTMLResponse(page("Request already approved", note("error", text)), status_code=409)
    text = f"This relationship has ended ({r.status})."
    return HTMLResponse(page("Relationship ended", note("error", text)), status_code=410)


def _approved_text(view: approval.ApprovalView) -> str:
    r = view.relationship
    until = f" until {r.end_at:%Y-%m-%d}" if r.end_at else ""
    return (
        note("ok", "Relationship approved.")
        + f"<h1>{escape(view.partner.display_name)} has administrative access</h1>"
        + f'<p>Status: <span id="status">{escape(r.status.value)}</span>{escape(until)}.</p>'
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
    return HTMLResponse(page(TITLE, _request_text(view) + sign_in_form(action, verb="approve")))


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
        body = (
            _request_text(view)
            + note("error", "The email or password is not right.")
            + sign_in_form(action, username=username, verb="approve")
        )
        return HTMLResponse(page(TITLE, body), status_code=401)
    try:
        async with session.begin_nested():  # a refusal leaves nothing half-written behind the page
            # Whoever signed in acts as a customer; approve_relationship refuses one of another kind of tenant.
            as_customer = signed_in.acting(signed_in.actor, CustomerContext)
            approved = await approval.approve_relationship(as_customer, relationship_id=view.relationship.id)
    except NotFound:
        # The page showed the request to whoever held the link; only another organization's admin lands here.
        text = "This request was sent to another organization: sign in with an account of that organization."
        return HTMLResponse(page("Request not approved", _request_text(view) + note("error", text)), status_code=403)
    except DomainError as refused:
        body = _request_text(view) + note("error", refused.message)
        return HTMLResponse(page("Request not approved", body), status_code=refused.status_code)
    return HTMLResponse(page("Relationship approved", _approved_text(approved)))
