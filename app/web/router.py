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
from app.web.pages import message, refuse_cross_site, render

router = APIRouter(
    prefix="/admin", tags=["admin center pages"], route_class=TransactionalRoute, default_response_class=HTMLResponse
)
Session = Annotated[AsyncSession, Depends(get_session)]


def _invitation(
    found: invitations.FoundInvitation,
    *,
    title: str = "Accept a partner invitation",
    action: str | None = None,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    indirect = found.invitation.kind is InvitationKind.INDIRECT_RESELLER and found.provider is not None
    return render(
        "invitation.html",
        status_code=status_code,
        title=title,
        reseller=found.partner.display_name,
        provider=found.provider.display_name if indirect and found.provider is not None else None,
        action=action,
        username=username,
        error=error,
    )


def _not_found() -> HTMLResponse:
    return message("Invitation not found", "error", "This invitation link is not valid.", status_code=404)


async def _found(session: AsyncSession, code: str) -> invitations.FoundInvitation | None:
    try:
        return await invitations.find_invitation(session, code)
    except NotFound:
        return None


def _closed(ctx: SandboxContext, found: invitations.FoundInvitation) -> HTMLResponse | None:
    state = invitations.state_of(ctx, found.invitation)
    if state == "Expired":
        text = f"This invitation expired on {found.invitation.expires_at:%Y-%m-%d}. Ask the partner for a new link."
        return message("Invitation expired", "error", text, status_code=410)
    if state != "Pending":  # accepted, or declined
        text = "This invitation was already used. Ask the partner for a new link."
        return message("Invitation already used", "error", text, status_code=409)
    return None


@router.get("/invitations/{code}", summary="The invitation page a partner's link opens")
async def invitation_page(request: Request, code: str, session: Session) -> HTMLResponse:
    found = await _found(session, code)
    if found is None:
        return _not_found()
    ctx = await SandboxContext.enter(session, found.sandbox, OPERATOR)
    closed = _closed(ctx, found)
    if closed is not None:
        return closed
    action = str(request.url_for("accept_on_page", code=code))
    return _invitation(found, action=action)


@router.post("/invitations/{code}", summary="Accept on the invitation page (sign in, then accept)")
async def accept_on_page(
    request: Request, code: str, session: Session, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> HTMLResponse:
    if (cross_site := refuse_cross_site(request)) is not None:
        return cross_site
    found = await _found(session, code)
    if found is None:
        return _not_found()
    closed = _closed(await SandboxContext.enter(session, found.sandbox, OPERATOR), found)
    if closed is not None:
        return closed
    action = str(request.url_for("accept_on_page", code=code))
    ctx = await identity.sign_in(session, sandbox_id=found.sandbox.id, upn=username, password=password)
    if ctx is None:
        error = "The email or password is not right."
        return _invitation(found, action=action, username=username, error=error, status_code=401)
    try:
        async with session.begin_nested():  # a refusal leaves nothing half-written behind the page
            await invitations.accept_invitation(ctx, found)
    except DomainError as refused:
        return _invitation(
            found, title="Invitation not accepted", error=refused.message, status_code=refused.status_code
        )
    partners = await customers.partner_view_for_customer(ctx)
    listed = [(p["name"], ", ".join(p["roles"])) for p in partners]
    return render("invitation_accepted.html", title="Invitation accepted", partners=listed)
