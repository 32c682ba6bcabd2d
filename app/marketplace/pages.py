"""The storefront's customer page (seed 002's "end customer click-through"): the customer's Global admin signs in and
accepts the Microsoft Customer Agreement; the distributor records it in Partner Center. Rendered like the admin
center's pages (autoescape, the strict Content-Security-Policy, no script, the cross-site check)."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import service as identity
from app.kernel.context import OPERATOR, SandboxContext
from app.kernel.db import TransactionalRoute, get_session
from app.kernel.errors import DomainError, NotFound
from app.marketplace import storefront
from app.models import McaClickThrough, Sandbox
from app.web.pages import SECURITY_HEADERS, STYLE, message, refuse_cross_site

router = APIRouter(
    prefix="/storefront", tags=["storefront pages"], route_class=TransactionalRoute, default_response_class=HTMLResponse
)
Session = Annotated[AsyncSession, Depends(get_session)]
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TITLE = "Accept the Microsoft Customer Agreement"


def _page(found: storefront.FoundClickThrough, *, status_code: int = 200, **values: Any) -> HTMLResponse:
    fields = {"action": None, "error": None, "accepted": None, "username": "", "first_name": "", "last_name": ""}
    fields |= {"email": "", "phone": "", "title": TITLE, **values}
    html = _templates.get_template("mca.html").render(
        style=Markup(STYLE),
        distributor=found.distributor.display_name,
        reseller=found.reseller.display_name,
        customer=found.customer.display_name,
        **fields,
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


async def _found(session: AsyncSession, code: str) -> tuple[SandboxContext, storefront.FoundClickThrough] | None:
    sandbox_id = await session.scalar(select(McaClickThrough.sandbox_id).where(McaClickThrough.code == code))
    sandbox = await session.get(Sandbox, sandbox_id) if sandbox_id else None
    if sandbox is None:
        return None
    ctx = await SandboxContext.enter(session, sandbox, OPERATOR)
    try:
        return ctx, await storefront.click_through_by_code(ctx, code)
    except NotFound:
        return None


def _closed(ctx: SandboxContext, found: storefront.FoundClickThrough) -> HTMLResponse | None:
    state = storefront.state_of(ctx.now, found.link)
    if state == "Expired":
        text = "This link has expired. Ask your reseller for a new one."
        return message("Link expired", "error", text, status_code=410)
    if state != "Pending":
        return _page(found, accepted=f"{found.link.accepted_at:%Y-%m-%d %H:%M}", title="Agreement accepted")
    return None


def _not_found() -> HTMLResponse:
    return message("Link not found", "error", "This link is not valid.", status_code=404)


@router.get("/mca/{code}", summary="The storefront page where a customer's admin accepts the MCA")
async def mca_click_through_page(request: Request, code: str, session: Session) -> HTMLResponse:
    found = await _found(session, code)
    if found is None:
        return _not_found()
    ctx, link = found
    closed = _closed(ctx, link)
    if closed is not None:
        return closed
    return _page(link, action=str(request.url_for("accept_mca_on_page", code=code)))


@router.post("/mca/{code}", summary="Accept the MCA on the storefront page (sign in, then accept)")
async def accept_mca_on_page(
    request: Request,
    code: str,
    session: Session,
    username: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    first_name: Annotated[str, Form(min_length=1, max_length=100)],
    last_name: Annotated[str, Form(min_length=1, max_length=100)],
    email: Annotated[str, Form(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")],
    phone: Annotated[str | None, Form(max_length=40)] = None,
    agree: Annotated[str | None, Form(max_length=10)] = None,
) -> HTMLResponse:
    if (cross_site := refuse_cross_site(request)) is not None:
        return cross_site
    found = await _found(session, code)
    if found is None:
        return _not_found()
    ctx, link = found
    closed = _closed(ctx, link)
    if closed is not None:
        return closed
    action = str(request.url_for("accept_mca_on_page", code=code))
    typed = {"username": username, "first_name": first_name, "last_name": last_name, "email": email}
    typed["phone"] = phone or ""
    if agree != "yes":
        return _page(link, action=action, error="Tick the box to accept the agreement.", status_code=400, **typed)
    signed_in = await identity.sign_in(session, sandbox_id=link.sandbox.id, upn=username, password=password)
    if signed_in is None:
        error = "The email or password is not right."
        return _page(link, action=action, error=error, status_code=401, **typed)
    contact = storefront.Contact(first_name.strip(), last_name.strip(), email.strip(), (phone or "").strip() or None)
    try:
        async with session.begin_nested():  # a refusal leaves nothing half-written behind the page
            await storefront.accept_click_through(signed_in, link, contact=contact)
    except DomainError as refused:
        return _page(link, action=action, error=refused.message, status_code=refused.status_code, **typed)
    return _page(link, accepted=f"{signed_in.now:%Y-%m-%d %H:%M}", title="Agreement accepted")
