"""The partner profile, revenue, and capabilities: what a tenant may do, derived in one place."""

import functools
import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, distinct, func, select

from app.identity import service as identity
from app.kernel.context import Channel, SandboxContext, TenantContext
from app.kernel.errors import BadRequest, Conflict, Forbidden, NotFound, RuleViolation
from app.kernel.pipeline import PARTNER_CENTER_API, WEBHOOKS
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import Enrollment, EnrollmentStatus, PartnerProfile, Program, RevenueMonth, Tenant, TenantKind

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# --- profile ----------------------------------------------------------------------------------------------------


async def register_tenant(
    ctx: SandboxContext,
    *,
    kind: TenantKind,
    display_name: str,
    domain: str,
    country: str,
    partner_id: str | None,
    profile: dict[str, Any] | None,
    users: Sequence[identity.NewUser],
    apps: Sequence[str],
) -> identity.RegisteredTenant:
    """A tenant of either kind, as the control surface registers it: a partner gets its profile
    (`register_partner`), which a customer tenant cannot have."""
    if kind is TenantKind.PARTNER:
        return await register_partner(
            ctx,
            display_name=display_name,
            domain=domain,
            country=country,
            partner_id=partner_id,
            profile=profile,
            users=users,
            apps=apps,
        )
    if partner_id or profile:
        raise BadRequest("A customer tenant has no PartnerID or partner profile; leave partnerId and profile out.")
    return await identity.register_tenant(
        ctx, kind=kind, display_name=display_name, domain=domain, country=country, users=users, apps=apps
    )


async def register_partner(
    ctx: SandboxContext,
    *,
    display_name: str,
    domain: str,
    country: str,
    partner_id: str | None,
    profile: dict[str, Any] | None,
    users: Sequence[identity.NewUser],
    apps: Sequence[str],
) -> identity.RegisteredTenant:
    """A partner tenant with its users and apps, and its Partner Center profile (PartnerID, legal name, address,
    primary contact)."""
    registered = await identity.register_tenant(
        ctx, kind=TenantKind.PARTNER, display_name=display_name, domain=domain, country=country, users=users, apps=apps
    )
    profile = profile or {}
    await create_profile(
        ctx,
        registered.tenant,
        partner_id=partner_id,
        legal_name=profile.get("legalName"),
        address=profile.get("address"),
        primary_contact_email=profile.get("primaryContactEmail"),
    )
    return registered


async def create_profile(
    ctx: SandboxContext,
    tenant: Tenant,
    *,
    partner_id: str | None,
    legal_name: str | None,
    address: dict[str, Any] | None,
    primary_contact_email: str | None,
) -> PartnerProfile:
    """A partner tenant's profile; the PartnerID is unique within the sandbox."""
    if tenant.kind is not TenantKind.PARTNER:
        raise BadRequest("Only a partner tenant has a partner profile and a PartnerID.")
    await _check_partner_id_free(ctx, partner_id, tenant.id)
    profile = PartnerProfile(
        sandbox_id=ctx.sandbox_id,
        tenant_id=tenant.id,
        partner_id=partner_id,
        legal_name=legal_name,
        address=address,
        primary_contact_email=primary_contact_email.lower() if primary_contact_email else None,
        updated_at=ctx.now,
    )
    await add_now(ctx.session, profile)
    return profile


async def _check_partner_id_free(ctx: SandboxContext, partner_id: str | None, tenant_id: uuid.UUID) -> None:
    if not partner_id:
        return
    holder = await ctx.session.scalar(
        select(PartnerProfile.tenant_id).where(
            PartnerProfile.sandbox_id == ctx.sandbox_id, PartnerProfile.partner_id == partner_id
        )
    )
    if holder is not None and holder != tenant_id:
        raise Conflict(f"The PartnerID {partner_id} already belongs to another partner in this sandbox.")


async def find_profile(ctx: SandboxContext, tenant_id: uuid.UUID) -> PartnerProfile | None:
    return await ctx.session.get(PartnerProfile, (ctx.sandbox_id, tenant_id))


async def find_profiles(ctx: SandboxContext, tenant_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, PartnerProfile]:
    """The profiles of several tenants in one query, by tenant (a listing shapes its page without a read per row)."""
    if not tenant_ids:
        return {}
    found = await ctx.session.execute(
        select(PartnerProfile).where(
            PartnerProfile.sandbox_id == ctx.sandbox_id, PartnerProfile.tenant_id.in_(tenant_ids)
        )
    )
    return {p.tenant_id: p for p in found.scalars()}


async def get_partner_profile(ctx: SandboxContext) -> tuple[Tenant, PartnerProfile]:
    """The calling partner's own profile."""
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, ctx.actor.tenant_id))
    profile = await find_profile(ctx, ctx.actor.tenant_id) if ctx.actor.tenant_id else None
    if tenant is None or profile is None:
        raise NotFound("The partner profile of tenant", ctx.actor.tenant_id)
    return tenant, profile


def require_global_admin(ctx: SandboxContext, action: str, *, rule: str | None = None) -> None:
    """A person signed in as Global admin of the partner; an app alone is no Global admin."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, action=action, rule=rule)


async def update_partner_profile(
    ctx: SandboxContext,
    *,
    legal_name: str,
    address: dict[str, Any],
    primary_contact_email: str,
    partner_id: str | None,
) -> tuple[Tenant, PartnerProfile]:
    """Replace the calling partner's profile (Global admin only)."""
    require_global_admin(ctx, "change the partner profile")
    tenant, profile = await get_partner_profile(ctx)
    await _check_partner_id_free(ctx, partner_id, tenant.id)
    profile.legal_name, profile.address = legal_name, address
    profile.primary_contact_email = primary_contact_email.lower()
    if partner_id:
        profile.partner_id = partner_id
    profile.updated_at = ctx.now
    return tenant, profile


def missing_profile_fields(profile: PartnerProfile) -> list[str]:
    wanted = {
        "legalName": profile.legal_name,
        "address": profile.address,
        "primaryContactEmail": profile.primary_contact_email,
        "partnerId": profile.partner_id,
    }
    return [name for name, value in wanted.items() if not value]


async def program_statuses(ctx: SandboxContext, tenant_id: uuid.UUID) -> list[dict[str, str]]:
    """Each program the tenant has, with its own status: the newest enrollment per program (PRG-7)."""
    rows = (
        await ctx.session.execute(
            select(Enrollment)
            .where(Enrollment.sandbox_id == ctx.sandbox_id, Enrollment.tenant_id == tenant_id)
            .order_by(Enrollment.submitted_at, Enrollment.id)
        )
    ).scalars()
    newest: dict[Program, EnrollmentStatus] = {}
    for enrollment in rows:
        newest[enrollment.program] = enrollment.status
    return [{"program": p.value, "status": s.value} for p, s in newest.items()]


# --- revenue ----------------------------------------------------------------------------------------------------


def _month_index(month: str) -> int:
    match = _MONTH.match(month)
    if not match:
        raise BadRequest(f"'{month}' is not a month: use YYYY-MM.")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def trailing_window(now: datetime) -> tuple[str, str]:
    """The 12 whole calendar months before the month of `now` (first, last)."""
    current = now.year * 12 + now.month - 1
    return _month_name(current - 12), _month_name(current - 1)


async def set_revenue(ctx: SandboxContext, tenant: Tenant, months: list[tuple[str, Decimal]]) -> None:
    """Record monthly CSP revenue figures of a partner (a month given again replaces its figure)."""
    if tenant.kind is not TenantKind.PARTNER:
        raise BadRequest("Revenue is recorded for partner tenants only.")
    for month, amount in months:
        _month_index(month)
        if amount < 0:
            raise BadRequest(f"The revenue of {month} cannot be negative.")
    names = [m for m, _ in months]
    if len(set(names)) != len(names):
        raise BadRequest("Each month may appear once.")
    await ctx.session.execute(
        delete(RevenueMonth).where(
            RevenueMonth.sandbox_id == ctx.sandbox_id,
            RevenueMonth.tenant_id == tenant.id,
            RevenueMonth.month.in_(names),
        )
    )
    ctx.session.add_all(
        RevenueMonth(sandbox_id=ctx.sandbox_id, tenant_id=tenant.id, month=m, amount_usd=a) for m, a in months
    )
    await ctx.session.flush()


async def revenue_months(ctx: SandboxContext, tenant_id: uuid.UUID) -> list[RevenueMonth]:
    return list(
        (
            await ctx.session.execute(
                select(RevenueMonth)
                .where(RevenueMonth.sandbox_id == ctx.sandbox_id, RevenueMonth.tenant_id == tenant_id)
                .order_by(RevenueMonth.month)
            )
        ).scalars()
    )


async def trailing_revenue(ctx: SandboxContext, tenant_id: uuid.UUID) -> Decimal:
    """CSP revenue over the 12 months before the sandbox clock's now (PRG-1)."""
    first, last = trailing_window(ctx.now)
    months = await revenue_months(ctx, tenant_id)
    return sum((m.amount_usd for m in months if first <= m.month <= last), Decimal(0))


# --- capabilities -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What a tenant may do as a partner. Every domain asks this; none re-derives it from statuses."""

    direct_bill: bool
    indirect_reseller: bool
    indirect_provider: bool
    # Direct bill Restricted (by support or the revenue review): the transition's state (seed 001).
    direct_bill_restricted: bool = False

    @property
    def serves_direct_customers(self) -> bool:
        """Direct bill Active, or Restricted during the transition: the partner keeps serving the customers it
        acquired as a direct-bill partner (through the portal; PRG-9 decides the channel)."""
        return self.direct_bill or self.direct_bill_restricted

    @property
    def api_access(self) -> bool:
        """PRG-9: the Partner Center API is for active direct-bill partners and indirect providers."""
        return self.direct_bill or self.indirect_provider


async def capabilities(ctx: SandboxContext, tenant_id: uuid.UUID) -> Capabilities:
    """Direct bill when its enrollment is Active (Restricted: it still serves its direct customers, see
    `commerce.purchases.require_purchase`); indirect reseller only once the MPA made it Active (PRG-6) and
    no direct-bill enrollment overrode it (PRG-8); indirect provider when Active."""
    held: set[tuple[Program, EnrollmentStatus]] = set(
        (
            await ctx.session.execute(
                select(Enrollment.program, Enrollment.status).where(
                    Enrollment.sandbox_id == ctx.sandbox_id,
                    Enrollment.tenant_id == tenant_id,
                    Enrollment.status.in_([EnrollmentStatus.ACTIVE, EnrollmentStatus.RESTRICTED]),
                )
            )
        ).all()
    )
    return _derived(held)


def _derived(held: set[tuple[Program, EnrollmentStatus]]) -> Capabilities:
    """The one derivation of capabilities from the (program, status) pairs a tenant holds (Active, Restricted)."""
    active = {program for program, status in held if status is EnrollmentStatus.ACTIVE}
    return Capabilities(
        direct_bill=Program.DIRECT_BILL in active,
        # PRG-8 as a derivation too: an Active direct bill leaves no indirect reseller capability, whatever any
        # enrollment's status says.
        indirect_reseller=Program.INDIRECT_RESELLER in active and Program.DIRECT_BILL not in active,
        indirect_provider=Program.INDIRECT_PROVIDER in active,
        direct_bill_restricted=(Program.DIRECT_BILL, EnrollmentStatus.RESTRICTED) in held,
    )


_HELD = [(program, status) for program in Program for status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.RESTRICTED)]


def _held_mask(sandbox_id: ColumnElement[Any], tenant_id: ColumnElement[Any]) -> ColumnElement[int]:
    """The (program, status) pairs of `_HELD` the tenant holds, as bits of one number: one look at its enrollments,
    not one per pair (a sum of the distinct bits is their OR, on both databases; other statuses add 0)."""
    bit = case(
        *(
            (and_(Enrollment.program == program, Enrollment.status == status), 1 << i)
            for i, (program, status) in enumerate(_HELD)
        ),
        else_=0,
    )
    return (
        select(func.coalesce(func.sum(distinct(bit)), 0))
        .where(
            Enrollment.sandbox_id == sandbox_id,
            Enrollment.tenant_id == tenant_id,
        )
        .scalar_subquery()
    )


# Read with the caller's principal (`Surface.fact`), so PRG-9 and the caller's own capabilities cost no query.
_FACT = "programs.held"
PARTNER_CENTER_API.fact(_FACT, _held_mask)
WEBHOOKS.fact(_FACT, _held_mask)


async def caller_capabilities(ctx: SandboxContext) -> Capabilities:
    """The calling tenant's capabilities as the request found them: read with its principal when the surface did,
    else queried. For checks made before the request changes any enrollment (admission, a use case's first rule);
    after such a change, ask `capabilities`."""
    if ctx.actor.tenant_id is None:
        raise Forbidden("Only a partner tenant's user or app has partner capabilities.")
    mask = ctx.facts.get(_FACT) if isinstance(ctx, TenantContext) else None
    if mask is None:
        return await capabilities(ctx, ctx.actor.tenant_id)
    return _derived_from_mask(int(mask))


@functools.lru_cache(maxsize=64)
def _derived_from_mask(mask: int) -> Capabilities:
    # Every call of Partner Center's API derives these (PRG-9's admission): 64 combinations at most, derived once.
    return _derived({pair for i, pair in enumerate(_HELD) if mask >> i & 1})


@WEBHOOKS.admission
@PARTNER_CENTER_API.admission
async def require_api_access(ctx: SandboxContext) -> None:
    """PRG-9: an API-channel call (an app, or an app with a user) needs an active direct-bill or indirect provider
    enrollment; a person's portal sign-in is not limited. Every call of Partner Center's API and its webhooks
    passes here (the request pipeline's admission step); Graph does not: indirect resellers, who have no Partner
    Center API, manage their customers' admin access through GDAP."""
    if ctx.actor.channel is not Channel.API or ctx.actor.tenant_id is None:
        return
    if (await caller_capabilities(ctx)).api_access:
        return
    raise RuleViolation(
        "PRG-9",
        "The Partner Center API is available only to partners with an active direct-bill "
        "enrollment and to indirect providers; indirect resellers use Partner Center in the portal "
        "(sign in as a person) or work through their provider.",
    )
