"""Accounts: the distributor, its operations people, resellers with a platform account, basic resellers the
distributor creates (seed 003), and who may act on an account (the one visibility function of the marketplace)."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from app.events.service import move, notify, record_change
from app.identity import service as identity
from app.kernel.context import Actor, ActorKind, Channel, PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, Forbidden, NotFound, RuleViolation
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import PartnerRole
from app.kernel.statements import add_now
from app.marketplace.lifecycle import ACCOUNT
from app.models import (
    AccountKind,
    AccountStatus,
    MarketplaceAccount,
    MarketplaceMember,
    MarketplaceRole,
    Partnership,
    Tenant,
    TenantKind,
    User,
)
from app.programs import service as programs
from app.providers import service as providers

R = MarketplaceRole


# --- who acts ------------------------------------------------------------------------------------------------------


async def _member_roles(ctx: SandboxContext, distributor_id: uuid.UUID) -> set[MarketplaceRole]:
    if ctx.actor.user_id is None:
        return set()
    rows = await ctx.session.scalars(
        select(MarketplaceMember.role).where(
            MarketplaceMember.sandbox_id == ctx.sandbox_id,
            MarketplaceMember.distributor_tenant_id == distributor_id,
            MarketplaceMember.user_id == ctx.actor.user_id,
        )
    )
    return set(rows)


def _tenant_admin(ctx: SandboxContext) -> bool:
    """A tenant's Global admin, or its app (a storefront's back-end with client credentials), acts as its admin."""
    app_alone = ctx.actor.kind is ActorKind.APP and ctx.actor.user_id is None
    return app_alone or PartnerRole.GLOBAL_ADMIN.value in ctx.actor.roles


async def roles_of(ctx: PartnerContext, distributor_id: uuid.UUID) -> set[MarketplaceRole]:
    """The caller's marketplace roles with a distributor: its members' roles, and what a tenant admin implies
    (operations for the distributor's own admin, reseller admin for a reseller's)."""
    roles = await _member_roles(ctx, distributor_id)
    if _tenant_admin(ctx):
        roles.add(R.DISTRIBUTOR_OPERATIONS if ctx.tenant_id == distributor_id else R.RESELLER_ADMIN)
    return roles


def require(roles: set[MarketplaceRole], *allowed: MarketplaceRole, action: str) -> None:
    if roles & set(allowed):
        return
    names = " or ".join(r.value for r in allowed)
    raise Forbidden(f"Only a {names} of the marketplace may {action}; sign in as one (POST /marketplace/v1/members).")


@dataclass
class SeenAccount:
    """An account as the caller sees it: its side (the distributor's or the reseller's) and marketplace roles."""

    account: MarketplaceAccount
    roles: set[MarketplaceRole] = field(default_factory=set)

    @property
    def operations(self) -> bool:
        return R.DISTRIBUTOR_OPERATIONS in self.roles

    def require(self, *allowed: MarketplaceRole, action: str) -> None:
        require(self.roles, *allowed, action=action)


async def get_visible_account(ctx: PartnerContext, account_id: uuid.UUID, *, for_update: bool = False) -> SeenAccount:
    """The one read of an account: its distributor and its reseller see it; anyone else finds none (404)."""
    mine = or_(
        MarketplaceAccount.distributor_tenant_id == ctx.tenant_id,
        MarketplaceAccount.reseller_tenant_id == ctx.tenant_id,
    )
    account = await one(
        ctx, MarketplaceAccount, account_id, what="Marketplace account", for_update=for_update, where=[mine]
    )
    roles = await roles_of(ctx, account.distributor_tenant_id)
    if ctx.tenant_id == account.distributor_tenant_id:
        roles &= {R.DISTRIBUTOR_OPERATIONS}
    else:
        roles -= {R.DISTRIBUTOR_OPERATIONS}
    return SeenAccount(account, roles)


def distributor_acting(ctx: SandboxContext, distributor_id: uuid.UUID, *, on_behalf_of: str) -> PartnerContext:
    """The distributor's platform acting in Partner Center (its integration, as an app): the storefront places the
    provider's orders and records its attestations this way, in the same transaction."""
    actor = Actor(
        ActorKind.APP, f"marketplace storefront for {on_behalf_of}", tenant_id=distributor_id, channel=Channel.API
    )
    return ctx.acting(actor, PartnerContext)


async def require_distributor(ctx: SandboxContext, tenant_id: uuid.UUID) -> Tenant:
    """A distributor is an indirect provider tenant (an active IndirectProvider enrollment)."""
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, tenant_id))
    if tenant is None or tenant.kind is not TenantKind.PARTNER:
        raise NotFound("Distributor", tenant_id)
    if not (await programs.capabilities(ctx, tenant_id)).indirect_provider:
        raise BadRequest(
            f"{tenant.display_name} is not a distributor: a marketplace runs on an indirect provider's tenant "
            "(an active IndirectProvider enrollment)."
        )
    return tenant


async def reseller_contact(ctx: SandboxContext, reseller_id: uuid.UUID) -> str:
    """Where the reseller's mail goes: its profile's primary contact, else its admin mailbox."""
    profile = await programs.find_profile(ctx, reseller_id)
    if profile and profile.primary_contact_email:
        return profile.primary_contact_email
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, reseller_id))
    return f"admin@{tenant.domain}" if tenant else "unknown@invalid"


# --- accounts ------------------------------------------------------------------------------------------------------


async def _existing(
    ctx: SandboxContext, distributor_id: uuid.UUID, reseller_id: uuid.UUID
) -> MarketplaceAccount | None:
    return await ctx.session.scalar(
        select(MarketplaceAccount).where(
            MarketplaceAccount.sandbox_id == ctx.sandbox_id,
            MarketplaceAccount.distributor_tenant_id == distributor_id,
            MarketplaceAccount.reseller_tenant_id == reseller_id,
        )
    )


async def _new_account(
    ctx: PartnerContext, *, distributor_id: uuid.UUID, reseller_id: uuid.UUID, kind: AccountKind, active: bool
) -> MarketplaceAccount:
    if reseller_id == distributor_id:
        raise BadRequest("The distributor is not a reseller of its own marketplace.")
    existing = await _existing(ctx, distributor_id, reseller_id)
    if existing is not None:
        raise Conflict(f"This reseller already has a {existing.status} account with the distributor: {existing.id}.")
    account = MarketplaceAccount(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        distributor_tenant_id=distributor_id,
        reseller_tenant_id=reseller_id,
        kind=kind,
        status=AccountStatus.ACTIVE if active else AccountStatus.REQUESTED,
        created_by=ctx.actor.name,
        created_at=ctx.now,
        active_at=ctx.now if active else None,
    )
    await add_now(ctx.session, account)
    await record_change(
        ctx,
        event="marketplace-account-created",
        operation_type="create_marketplace_account",
        resource_type="MarketplaceAccount",
        resource_id=account.id,
        tenant_id=distributor_id,
        data={"resellerTenantId": str(reseller_id), "kind": kind.value},
        new_value={"status": account.status.value},
    )
    return account


async def _partner_tenant(ctx: SandboxContext, tenant_id: uuid.UUID, what: str) -> Tenant:
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, tenant_id))
    if tenant is None or tenant.kind is not TenantKind.PARTNER or await programs.find_profile(ctx, tenant_id) is None:
        raise NotFound(what, tenant_id)
    return tenant


async def open_account(
    ctx: PartnerContext, *, reseller_tenant_id: uuid.UUID | None, distributor_tenant_id: uuid.UUID | None
) -> MarketplaceAccount:
    """A reseller's platform account (COM-6's first prerequisite). The distributor's operations register an existing
    partner tenant (`resellerTenantId`: Active at once); a reseller's admin requests one (`distributorTenantId`:
    Requested until operations decide)."""
    if (reseller_tenant_id is None) == (distributor_tenant_id is None):
        raise BadRequest(
            "Name the reseller (resellerTenantId: the distributor registers it) or the distributor "
            "(distributorTenantId: the reseller asks for an account), not both."
        )
    if reseller_tenant_id is not None:
        await require_distributor(ctx, ctx.tenant_id)
        require(await roles_of(ctx, ctx.tenant_id), R.DISTRIBUTOR_OPERATIONS, action="register a reseller")
        await _partner_tenant(ctx, reseller_tenant_id, "Partner")
        return await _new_account(
            ctx, distributor_id=ctx.tenant_id, reseller_id=reseller_tenant_id, kind=AccountKind.RESELLER, active=True
        )
    return await _request_account(ctx, distributor_tenant_id)


async def _request_account(ctx: PartnerContext, distributor_tenant_id: uuid.UUID | None) -> MarketplaceAccount:
    if distributor_tenant_id is None:
        raise BadRequest("Name the distributor (distributorTenantId).")
    distributor = await require_distributor(ctx, distributor_tenant_id)
    if not _tenant_admin(ctx):
        raise Forbidden("Only the reseller's Global admin asks for a marketplace account; sign in as one.")
    return await _new_account(
        ctx, distributor_id=distributor.id, reseller_id=ctx.tenant_id, kind=AccountKind.RESELLER, active=False
    )


async def decide_account(
    ctx: PartnerContext, *, account_id: uuid.UUID, approve: bool, reason: str | None
) -> MarketplaceAccount:
    """The distributor's operations approve or reject a reseller's account request; the reseller is mailed."""
    seen = await get_visible_account(ctx, account_id, for_update=True)
    seen.require(R.DISTRIBUTOR_OPERATIONS, action="decide an account request")
    account = seen.account
    target = AccountStatus.ACTIVE if approve else AccountStatus.REJECTED
    await move(
        ctx,
        account,
        ACCOUNT,
        target,
        action="approve" if approve else "reject",
        event=f"marketplace-account-{'approved' if approve else 'rejected'}",
        resource_type="MarketplaceAccount",
        tenant_ids=[account.distributor_tenant_id, account.reseller_tenant_id],
    )
    account.decision_reason = reason
    distributor = await ctx.session.get(Tenant, (ctx.sandbox_id, account.distributor_tenant_id))
    name = distributor.display_name if distributor else "the distributor"
    await notify(
        ctx,
        to=await reseller_contact(ctx, account.reseller_tenant_id),
        kind=f"marketplace-account-{'approved' if approve else 'rejected'}",
        tenant_id=account.reseller_tenant_id,
        subject=f"Your {name} marketplace account is {'active' if approve else 'not approved'}",
        body=(
            f"Your account on {name}'s marketplace is active: request access to the Microsoft Azure Reseller Program."
            if approve
            else f"Your account request on {name}'s marketplace was rejected. Reason: {reason or 'not given'}."
        ),
    )
    return account


async def list_accounts(ctx: PartnerContext, page: PageRequest) -> Page[MarketplaceAccount]:
    """The accounts the caller holds as a distributor or as a reseller."""
    stmt = select(MarketplaceAccount).where(
        MarketplaceAccount.sandbox_id == ctx.sandbox_id,
        or_(
            MarketplaceAccount.distributor_tenant_id == ctx.tenant_id,
            MarketplaceAccount.reseller_tenant_id == ctx.tenant_id,
        ),
    )
    return await keyset(ctx.session, stmt, keys=[MarketplaceAccount.created_at, MarketplaceAccount.id], page=page)


# --- basic resellers (seed 003) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPerson:
    user_principal_name: str
    display_name: str | None
    role: MarketplaceRole


@dataclass(frozen=True)
class BasicReseller:
    account: MarketplaceAccount
    tenant: Tenant
    people: list[tuple[User, str | None, MarketplaceRole]]
    partnership: Partnership


async def create_basic_reseller(
    ctx: PartnerContext,
    *,
    company_name: str,
    domain: str,
    country: str,
    partner_id: str,
    primary_contact_email: str,
    address: dict[str, Any],
    people: list[NewPerson],
) -> BasicReseller:
    """Seed 003: the distributor's operations create a basic reseller: a new partner tenant with its profile (its
    PartnerID, for COM-6), a Global admin (its ResellerAdmin) and the people named, an Active account, and the
    distributor's partnership invitation (PRV-2), which the reseller accepts once it is an indirect reseller with
    its MPA (PRG-6) accepted."""
    await require_distributor(ctx, ctx.tenant_id)
    require(await roles_of(ctx, ctx.tenant_id), R.DISTRIBUTOR_OPERATIONS, action="create a basic reseller")
    if any(p.role is R.DISTRIBUTOR_OPERATIONS for p in people):
        raise BadRequest("A basic reseller's people are ResellerAdmin or ResellerBuyer.")
    admin = identity.NewUser(f"admin@{domain}", "Admin", None, [PartnerRole.GLOBAL_ADMIN])
    registered = await programs.register_partner(
        ctx,
        display_name=company_name,
        domain=domain,
        country=country,
        partner_id=partner_id,
        profile={"legalName": company_name, "address": address, "primaryContactEmail": primary_contact_email},
        users=[admin, *(identity.NewUser(p.user_principal_name, p.display_name, None, []) for p in people)],
        apps=[],
    )
    tenant = registered.tenant
    account = await _new_account(
        ctx, distributor_id=ctx.tenant_id, reseller_id=tenant.id, kind=AccountKind.BASIC_RESELLER, active=True
    )
    roles = [R.RESELLER_ADMIN, *(p.role for p in people)]
    created = []
    for (user, password), role in zip(registered.users, roles, strict=True):
        await _add_member(ctx, distributor_id=ctx.tenant_id, user=user, role=role)
        created.append((user, password, role))
    platform = distributor_acting(ctx, ctx.tenant_id, on_behalf_of=company_name)
    partnership = await providers.invite_reseller(platform, reseller_tenant_id=tenant.id, reseller_partner_id=None)
    return BasicReseller(account=account, tenant=tenant, people=created, partnership=partnership)


# --- members --------------------------------------------------------------------------------------------------------


async def _add_member(
    ctx: SandboxContext, *, distributor_id: uuid.UUID, user: User, role: MarketplaceRole
) -> MarketplaceMember:
    taken = await ctx.session.scalar(
        select(MarketplaceMember).where(
            MarketplaceMember.sandbox_id == ctx.sandbox_id,
            MarketplaceMember.distributor_tenant_id == distributor_id,
            MarketplaceMember.user_id == user.id,
        )
    )
    if taken is not None:
        raise Conflict(f"{user.user_principal_name} is already a {taken.role} of this marketplace.")
    member = MarketplaceMember(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        distributor_tenant_id=distributor_id,
        tenant_id=user.tenant_id,
        user_id=user.id,
        role=role,
        created_by=ctx.actor.name,
        created_at=ctx.now,
    )
    await add_now(ctx.session, member)
    return member


async def add_member(
    ctx: PartnerContext, *, user_principal_name: str, role: MarketplaceRole, distributor_tenant_id: uuid.UUID | None
) -> MarketplaceMember:
    """Give one of the caller's own tenant's users a marketplace role: the distributor's admin names its operations
    people; a reseller's admin names its admins and buyers on its account with a distributor."""
    user = await ctx.session.scalar(
        select(User).where(
            User.sandbox_id == ctx.sandbox_id,
            User.user_principal_name == user_principal_name.strip().lower(),
            User.tenant_id == ctx.tenant_id,
        )
    )
    if user is None:
        raise NotFound("User", user_principal_name)
    if role is R.DISTRIBUTOR_OPERATIONS:
        if distributor_tenant_id not in (None, ctx.tenant_id):
            raise BadRequest("Operations people belong to the distributor's own tenant: leave distributorTenantId out.")
        await require_distributor(ctx, ctx.tenant_id)
        require(await roles_of(ctx, ctx.tenant_id), R.DISTRIBUTOR_OPERATIONS, action="name operations people")
        return await _add_member(ctx, distributor_id=ctx.tenant_id, user=user, role=role)
    if distributor_tenant_id is None:
        raise BadRequest("Name the distributor whose marketplace the reseller's person works on (distributorTenantId).")
    account = await _existing(ctx, distributor_tenant_id, ctx.tenant_id)
    if account is None:
        raise NotFound("Marketplace account with distributor", distributor_tenant_id)
    require(await roles_of(ctx, distributor_tenant_id), R.RESELLER_ADMIN, action="name the reseller's people")
    return await _add_member(ctx, distributor_id=distributor_tenant_id, user=user, role=role)


async def list_members(ctx: PartnerContext) -> list[tuple[MarketplaceMember, User]]:
    """The caller's tenant's people with a marketplace role, and a distributor's, its operations people."""
    rows = await ctx.session.execute(
        select(MarketplaceMember, User)
        .join(User, (User.sandbox_id == MarketplaceMember.sandbox_id) & (User.id == MarketplaceMember.user_id))
        .where(MarketplaceMember.sandbox_id == ctx.sandbox_id, MarketplaceMember.tenant_id == ctx.tenant_id)
        .order_by(MarketplaceMember.created_at, MarketplaceMember.id)
    )
    return [(member, user) for member, user in rows.all()]


def require_active(account: MarketplaceAccount) -> None:
    if account.status is not AccountStatus.ACTIVE:
        raise RuleViolation(
            "COM-6",
            f"This reseller's platform account is {account.status}: the distributor's operations activate it first.",
            status_code=409,
        )
