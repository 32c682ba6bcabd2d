"""The invitation page: where a customer's Global admin accepts a partner's link (REL-1, REL-7)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.customers import invitations
from app.customers import service as customers
from app.identity import service as identity
from app.kernel.context import OPERATOR, SandboxContext
from app.kernel.db import TransactionalRoute, get_session
from app.kernel.errors import DomainError, NotFound
from app.models import InvitationKind
from app.web.pages import note, page, partner_list, sign_in_form

router = APIRouter(
    prefix="/admin", tags=["admin center pages"], route_class=TransactionalRoute, default_response_class=HTMLResponse
)
Session = Annotated[AsyncSession, Depends(get_session)]


def _invitation_text(found: invitations.FoundInvitation) -> str:
    partner = f'<span class="partner">{found.partner.display_name}</span>'
    if found.invitation.kind is InvitationKind.INDIRECT_RESELLER and found.provider is not None:
        provider = f'<span class="partner">{found.provider.display_name}</span>'
        return (
            f"<h1>{partner} and {provider} invite you to a reseller relationship</h1>"
            f"<p>{partner} will be your indirect reseller and {provider} its indirect provider: both become "
            "Cloud Solution Provider partners of your organization. Your existing subscriptions stay exactly as "
            "they are.</p>"
        )
    return (
        f"<h1>{partner} invites you to a reseller relationship</h1><p>{partner} will become your reseller of "
        "record. Your existing subscriptions stay exactly as they are.</p>"
    )


async def _found(session: AsyncSession, code: str) -> invitations.FoundInvitation | None:
    try:
        return await invitations.find_invitation(session, code)
    except NotFound:
        return None


def _closed(ctx: SandboxContext, found: invitations.FoundInvitation) -> HTMLResponse | None:
    state = invitations.state_of(ctx, found.invitation)
    if state == "Expired":
        text = f"This invitation expired on {found.invitation.expires_at:%Y-%m-%d}. Ask the partner for a new link."
        return HTMLResponse(page("Invitation expired", note("error", text)), status_code=410)
    if state != "Pending":  # accepted, or declined
        return HTMLResponse(
            page(
                "Invitation already used",
                note("error", "This invitation was already used. Ask the partner for a new link."),
            ),
            status_code=409,
        )
    return None


@router.get("/invitations/{code}", summary="The invitation page a partner's link opens")
async def invitation_page(request: Request, code: str, session: Session) -> HTMLResponse:
    found = await _found(session, code)
    if found is None:
        return HTMLResponse(
            page("Invitation not found", note("error", "This invitation link is not valid.")), status_code=404
        )
    ctx = await SandboxContext.enter(session, found.sandbox, OPERATOR)
    closed = _closed(ctx, found)
    if closed is not None:
        return closed
    action = str(request.url_for("accept_on_page", code=code))
    return HTMLResponse(page("Accept a partner invitation", _invitation_text(found) + sign_in_form(action)))


@router.post("/invitations/{code}", summary="Accept on the invitation page (sign in, then accept)")
async def accept_on_page(
    request: Request, code: str, session: Session, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> HTMLResponse:
    found = await _found(session, code)
    if found is None:
        return HTMLResponse(
            page("Invitation not found", note("error", "This invitation link is not valid.")), status_code=404
        )
    closed = _closed(await SandboxContext.enter(session, found.sandbox, OPERATOR), found)
    if closed is not None:
        return closed
    action = str(request.url_for("accept_on_page", code=code))
    ctx = await identity.sign_in(session, sandbox_id=found.sandbox.id, upn=username, password=password)
    if ctx is None:
        body = (
            _invitation_text(found)
            + note("error", "The email or password is not right.")
            + sign_in_form(action, username=username)
        )
        return HTMLResponse(page("Accept a partner invitation", body), status_code=401)
    try:
        async with session.begin_nested():  # a refusal leaves nothing half-written behind the page
            await invitations.accept_invitation(ctx, found)
    except DomainError as refused:
        body = _invitation_text(found) + note("error", refused.message)
        return HTMLResponse(page("Invitation not accepted", body), status_code=refused.status_code)
    partners = await customers.partner_view_for_customer(ctx)
    listed = partner_list([(p["name"], ", ".join(p["roles"])) for p in partners])
    body = (
        note("ok", "Invitation accepted.") + "<h1>Your partners</h1>"
        f"<p>These partners now have a reseller relationship with your organization:</p>{listed}"
    )
    return HTMLResponse(page("Invitation accepted", body))
