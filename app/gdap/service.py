"""GDAP relationships on the partner's side (Microsoft Graph): the request (GDP-1), its limits (GDP-3), the refusal
for providers related to the customer only through the reseller relationship extension (GDP-4), and the clock that
activates, extends, expires and terminates a relationship (GDP-2). The customer's side is in `approval.py`.

Every status change goes through `move_relationship` (the lifecycle table, a stamp on the sandbox clock, an event and
an audit record); the `@odata.etag` a PATCH or DELETE must send back is the entity's version, bumped on each change.
"""

import base64
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, cast, delete, or_, select

from app.customers import service as customers
from app.events.service import move, record_change, record_event
from app.gdap.duration import parse_duration
from app.gdap.lifecycle import ACCESS_ASSIGNMENT, GRANTED, LIVE_ASSIGNMENT, RELATIONSHIP
from app.gdap.roles import CATALOG, GLOBAL_ADMINISTRATOR, role_name
from app.kernel import lookup, timers
from app.kernel.clock import add_business_days
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, PreconditionFailed, RuleViolation
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import (
    AccessAssignmentStatus,
    DelegatedAdminAccessAssignment,
    DelegatedAdminOperation,
    DelegatedAdminRelationship,
    DelegatedAdminRelationshipRequest,
    GdapRelationshipStatus,
    GdapRequestAction,
    GdapRequestStatus,
    RelationshipOrigin,
    Tenant,
    TenantKind,
)
from app.models.base import next_seq

R = GdapRelationshipStatus
A = AccessAssignmentStatus
RESOURCE = "GranularAdminRelationship"
ASSIGNMENT_RESOURCE = "GranularAdminAccessAssignment"
APPROVAL_EXPIRY_TIMER = "gdap.approval-expiry"
ACTIVATION_TIMER = "gdap.activation"
END_TIMER = "gdap.end"
POLICY_TIMER = "policy.gdap-approval"  # handled in app.gdap.approval, where the customer's approval lives

MIN_DURATION = timedelta(days=1)
MAX_DURATION = timedelta(days=730)
MAX_DISPLAY_NAME = 50
NO_AUTO_EXTENSION = frozenset({"PT0S", "P0D"})
AUTO_EXTENSION = "P180D"
AUTO_EXTEND_DURATIONS = NO_AUTO_EXTENSION | {AUTO_EXTENSION}

# The four webhook events Partner Center names for a relationship, and our own names for the steps between them.
EVENTS: dict[GdapRelationshipStatus, str] = {
    R.APPROVAL_PENDING: "granular-admin-relationship-approval-pending",
    R.APPROVED: "granular-admin-relationship-approved",
    R.ACTIVATING: "granular-admin-relationship-activating",
    R.ACTIVE: "granular-admin-relationship-activated",
    R.TERMINATION_REQUESTED: "granular-admin-relationship-termination-requested",
    R.TERMINATING: "granular-admin-relationship-terminating",
    R.TERMINATED: "granular-admin-relationship-terminated",
    R.EXPIRING: "granular-admin-relationship-expiring",
    R.EXPIRED: "granular-admin-relationship-expired",
}
ASSIGNMENT_EVENTS: dict[AccessAssignmentStatus, str] = {
    A.ACTIVE: "granular-admin-access-assignment-activated",
    A.DELETING: "granular-admin-access-assignment-deleting",
    A.DELETED: "granular-admin-access-assignment-deleted",
}


def etag(entity: "DelegatedAdminRelationship | DelegatedAdminAccessAssignment | ShownRelationship") -> str:
    """Graph's weak entity tag: opaque to clients, new after every change."""
    tag = base64.b64encode(f'"{entity.id}:{entity.version}"'.encode()).decode()
    return f'W/"{tag}"'


def require_etag(if_match: str | None, current: str) -> None:
    """PATCH and DELETE need the entity tag the caller last read: none is refused, an old one is a 412."""
    if not if_match or not if_match.strip():
        raise BadRequest("Send the If-Match header with the @odata.etag you last read; it is required here.")
    sent = if_match.strip()
    if sent == "*" or sent.removeprefix("W/") == current.removeprefix("W/"):
        return
    raise PreconditionFailed("The entity changed since you read it (If-Match is stale): read it again and retry.")


def touch(ctx: SandboxContext, entity: DelegatedAdminRelationship | DelegatedAdminAccessAssignment) -> None:
    """A change: a new entity tag and modification time."""
    entity.version += 1
    entity.last_modified_at = ctx.now


def require_manager(ctx: SandboxContext) -> None:
    """Writing GDAP is for the partner's Global admins and Admin agents, or its app (application permission)."""
    require_role(
        ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="manage delegated admin relationships", apps=True
    )


# --- limits (GDP-3) -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What a relationship asks for, checked against GDP-3."""

    display_name: str
    duration: str
    auto_extend_duration: str
    role_definition_ids: list[str]


def _limit(facet: str, message: str, *, status_code: int = 400) -> RuleViolation:
    """A GDP-3 refusal whose message opens with the facet it is about (duration, roles, name, editability), so a
    caller sees at once which limit it hit; `data` names the facet for a program."""
    return RuleViolation("GDP-3", f"GDAP {facet}: {message}", status_code=status_code, data=[{"facet": facet}])


def check_duration(duration: str, auto_extend_duration: str, role_ids: Collection[str]) -> tuple[str, str]:
    """GDP-3, duration: P1D..P2Y; autoExtendDuration PT0S, P0D or P180D, and no auto-extension of a relationship
    holding Global Administrator. Answers (duration, autoExtendDuration) in their canonical spelling."""
    canonical = duration.strip().upper()
    length = parse_duration(canonical)
    if length is None:
        raise _limit("duration", f"duration '{duration}' is not an ISO 8601 duration: use days, e.g. P730D.")
    if not MIN_DURATION <= length <= MAX_DURATION:
        raise _limit(
            "duration", f"duration {duration} is {length.days} days: a relationship lasts from P1D to P2Y (730 days)."
        )
    auto_extend = auto_extend_duration.strip().upper()
    if auto_extend not in AUTO_EXTEND_DURATIONS:
        raise _limit(
            "duration",
            f"autoExtendDuration '{auto_extend_duration}' is not allowed: use PT0S or P0D (no auto-extension) or "
            "P180D (extend by 180 days at each end date).",
        )
    if GLOBAL_ADMINISTRATOR in role_ids and auto_extend == AUTO_EXTENSION:
        raise _limit(
            "duration",
            "A relationship with the Global Administrator role cannot be auto-extended: set autoExtendDuration "
            "to PT0S, or leave Global Administrator out.",
        )
    return canonical, auto_extend


def check_roles(role_ids: Collection[str], *, within: DelegatedAdminRelationship | None = None) -> list[str]:
    """GDP-3, roles: at least one, each a built-in Entra role GDAP can grant; for an access assignment (`within`),
    only roles its relationship holds. Answers the ids lower-cased, each once, in the order given."""
    roles = list(dict.fromkeys(r.strip().lower() for r in role_ids))
    if not roles:
        raise _limit("roles", "accessDetails.unifiedRoles needs at least one roleDefinitionId.")
    unknown = [r for r in roles if r not in CATALOG]
    if unknown:
        raise _limit(
            "roles",
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not the template id of a built-in Entra "
            "role that GDAP can grant (e.g. User Administrator fe930be7-5e62-47db-91af-98c3a49a38b1).",
        )
    outside = [r for r in roles if within is not None and r not in within.role_definition_ids]
    if within is not None and outside:
        names = ", ".join(f"{role_name(r)} ({r})" for r in outside)
        raise _limit(
            "roles",
            f"{names} {'is' if len(outside) == 1 else 'are'} not among the roles of relationship "
            f"'{within.display_name}': an access assignment grants only roles the customer approved.",
        )
    return roles


async def check_name(ctx: PartnerContext, display_name: str, *, other_than: uuid.UUID | None = None) -> str:
    """GDP-3, name: 1 to 50 characters, unique among the partner's relationships. Answers it trimmed."""
    name = display_name.strip()
    if not name or len(name) > MAX_DISPLAY_NAME:
        raise _limit("name", f"displayName must have 1 to {MAX_DISPLAY_NAME} characters; '{name}' has {len(name)}.")
    stmt = select(DelegatedAdminRelationship.id).where(
        DelegatedAdminRelationship.sandbox_id == ctx.sandbox_id,
        DelegatedAdminRelationship.partner_tenant_id == ctx.tenant_id,
        DelegatedAdminRelationship.display_name == name,
    )
    if other_than is not None:
        stmt = stmt.where(DelegatedAdminRelationship.id != other_than)
    if await ctx.session.scalar(stmt.limit(1)):
        raise _limit("name", f"You already have a relationship named '{name}': displayName is unique across yours.")
    return name


async def check_terms(ctx: PartnerContext, terms: Terms, *, other_than: uuid.UUID | None = None) -> Terms:
    """GDP-3, every facet a relationship's terms have (name, roles, duration), each checked by its own function.
    Answers the terms in their canonical spelling."""
    name = await check_name(ctx, terms.display_name, other_than=other_than)
    roles = check_roles(terms.role_definition_ids)
    duration, auto_extend = check_duration(terms.duration, terms.auto_extend_duration, roles)
    return Terms(display_name=name, duration=duration, auto_extend_duration=auto_extend, role_definition_ids=roles)


def length_of(relationship: DelegatedAdminRelationship) -> timedelta:
    length = parse_duration(relationship.duration)
    if length is None:  # check_duration checked it before it was stored: only a hand-edited row lands here
        raise Conflict(f"The relationship's duration {relationship.duration!r} is not an ISO 8601 duration.")
    return length


def auto_extends(relationship: DelegatedAdminRelationship) -> bool:
    return relationship.auto_extend_duration == AUTO_EXTENSION


async def _customer_tenant(ctx: SandboxContext, customer_id: uuid.UUID) -> Tenant:
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, customer_id))
    if tenant is None or tenant.kind is not TenantKind.CUSTOMER:
        raise BadRequest(f"customer.tenantId {customer_id} is not a customer tenant.")
    return tenant


async def refuse_extension_only(ctx: SandboxContext, *, partner_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """GDP-4: a partner whose only relationships with the customer came through the reseller relationship extension
    (REL-6) has no admin privileges there, and cannot get them through GDAP on that footing."""
    held = await customers.relationships_with(ctx, customer_id, partner_id)
    if held and all(r.origin is RelationshipOrigin.EXTENSION and not r.admin_privileges for r in held):
        raise RuleViolation(
            "GDP-4",
            "This provider is related to the customer only through the reseller relationship extension, which "
            "carries no admin privileges: an indirect reseller invitation is needed (the reseller invites the "
            "customer with you, POST /v1/customers/invitations) before you can request admin access.",
        )


# --- the partner's side (Graph) -------------------------------------------------------------------------------------


async def request_relationship(
    ctx: PartnerContext, *, terms: Terms, customer_id: uuid.UUID | None
) -> DelegatedAdminRelationship:
    """GDP-1: a partner asks for a set of directory roles for a duration, for one customer or (without `customer`)
    for whichever customer's Global admin approves it. GDP-3: the limits. GDP-4: not for a provider related to the
    customer only through the extension. The relationship starts `created`; lockForApproval sends it."""
    require_manager(ctx)
    checked = await check_terms(ctx, terms)
    customer = None
    if customer_id is not None:
        customer = await _customer_tenant(ctx, customer_id)
        await refuse_extension_only(ctx, partner_id=ctx.tenant_id, customer_id=customer.id)
    relationship = DelegatedAdminRelationship(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        partner_tenant_id=ctx.tenant_id,
        customer_tenant_id=customer.id if customer else None,
        customer_display_name=customer.display_name if customer else None,
        display_name=checked.display_name,
        duration=checked.duration,
        auto_extend_duration=checked.auto_extend_duration,
        role_definition_ids=checked.role_definition_ids,
        status=R.CREATED,
        seq=next_seq(),
        version=1,
        created_by=ctx.actor.name,
        created_at=ctx.now,
        last_modified_at=ctx.now,
    )
    await add_now(ctx.session, relationship)
    await record_change(
        ctx,
        event="granular-admin-relationship-created",
        operation_type="create_delegated_admin_relationship",
        resource_type=RESOURCE,
        resource_id=relationship.id,
        tenant_id=relationship.partner_tenant_id,
        customer_id=customer_id,
        new_value={"displayName": checked.display_name, "duration": checked.duration, "status": R.CREATED.value},
    )
    return relationship


@dataclass(frozen=True)
class RelationshipFilter:
    status: GdapRelationshipStatus | None = None
    customer_tenant_id: uuid.UUID | None = None
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class ShownRelationship:
    """A relationship as the listing shows it: the row's values, for a request that changes none."""

    id: uuid.UUID
    seq: int
    version: int
    display_name: str
    duration: str
    status: GdapRelationshipStatus
    auto_extend_duration: str
    created_at: datetime
    last_modified_at: datetime
    active_at: datetime | None
    end_at: datetime | None
    customer_tenant_id: uuid.UUID | None
    customer_display_name: str | None
    role_definition_ids: list[str]


_R = DelegatedAdminRelationship


def _unless_none(column: Any, name: str) -> ColumnElement[bool]:
    """`column = :name`, or true when the parameter is null (a filter clause not asked for)."""
    value = bindparam(name, type_=column.type)
    return or_(cast(value, column.type).is_(None), column == value)  # typed: PostgreSQL cannot guess a bare NULL's


# The caller's relationships as values, with `$filter`'s clauses as parameters: built once, read through the driver
# (`keyset(params=...)`); building it and the ORM's execution were most of an empty listing's CPU.
_LISTED = select(*(getattr(_R, name) for name in ShownRelationship.__dataclass_fields__)).where(
    _R.sandbox_id == bindparam("sandbox_id"),
    _R.partner_tenant_id == bindparam("partner_id"),
    _unless_none(_R.status, "status"),
    _unless_none(_R.customer_tenant_id, "customer_id"),
    _unless_none(_R.display_name, "display_name"),
)


async def list_relationships(
    ctx: PartnerContext, page: PageRequest, where: RelationshipFilter
) -> Page[ShownRelationship]:
    """The caller's relationships, oldest first; no partner sees another's."""
    params = {
        "sandbox_id": ctx.sandbox_id,
        "partner_id": ctx.tenant_id,
        "status": where.status,
        "customer_id": where.customer_tenant_id,
        "display_name": where.display_name,
    }
    keys = [_R.seq, _R.id]
    return await keyset(ctx.session, _LISTED, keys=keys, page=page, shown=ShownRelationship, params=params)


async def get_relationship(
    ctx: PartnerContext, relationship_id: uuid.UUID, *, for_update: bool = False
) -> DelegatedAdminRelationship:
    """One of the caller's own relationships; any other is not found."""
    return await lookup.one(
        ctx,
        DelegatedAdminRelationship,
        relationship_id,
        what="Delegated admin relationship",
        for_update=for_update,
        where=[DelegatedAdminRelationship.partner_tenant_id == ctx.tenant_id],
    )


@dataclass(frozen=True)
class Changes:
    """A PATCH: the fields the caller sent (None: left as it is)."""

    display_name: str | None = None
    duration: str | None = None
    auto_extend_duration: str | None = None
    role_definition_ids: list[str] | None = None
    customer_id: uuid.UUID | None = None

    def named(self) -> set[str]:
        return {name for name, value in vars(self).items() if value is not None}


def check_editable(relationship: DelegatedAdminRelationship, changes: Changes, *, action: str) -> None:
    """GDP-3, editability: Graph lets a relationship change only while `created`; once active, only its
    auto-extension."""
    if relationship.status is R.CREATED:
        return
    if relationship.status is R.ACTIVE and changes.named() <= {"auto_extend_duration"} and action == "update":
        return
    allowed = "only autoExtendDuration can change while active" if action == "update" else "terminate it instead"
    raise _limit(
        "editability",
        f"The relationship is {relationship.status}: it can be {action}d only while created (before "
        f"lockForApproval); {allowed}.",
        status_code=409,
    )


async def update_relationship(
    ctx: PartnerContext, *, relationship_id: uuid.UUID, if_match: str | None, changes: Changes
) -> DelegatedAdminRelationship:
    """PATCH with If-Match: everything while `created`, only autoExtendDuration while `active` (GDP-3, which also
    checks the new terms and, for a new customer, GDP-4)."""
    require_manager(ctx)
    relationship = await get_relationship(ctx, relationship_id, for_update=True)
    require_etag(if_match, etag(relationship))
    check_editable(relationship, changes, action="update")
    checked = await check_terms(
        ctx,
        Terms(
            display_name=changes.display_name if changes.display_name is not None else relationship.display_name,
            duration=changes.duration or relationship.duration,
            auto_extend_duration=changes.auto_extend_duration or relationship.auto_extend_duration,
            role_definition_ids=(
                changes.role_definition_ids
                if changes.role_definition_ids is not None
                else relationship.role_definition_ids
            ),
        ),
        other_than=relationship.id,
    )
    if changes.customer_id is not None and changes.customer_id != relationship.customer_tenant_id:
        customer = await _customer_tenant(ctx, changes.customer_id)
        await refuse_extension_only(ctx, partner_id=relationship.partner_tenant_id, customer_id=customer.id)
        relationship.customer_tenant_id, relationship.customer_display_name = customer.id, customer.display_name
    before = {"displayName": relationship.display_name, "autoExtendDuration": relationship.auto_extend_duration}
    relationship.display_name = checked.display_name
    relationship.duration = checked.duration
    relationship.auto_extend_duration = checked.auto_extend_duration
    relationship.role_definition_ids = checked.role_definition_ids
    touch(ctx, relationship)
    await record_change(
        ctx,
        event="granular-admin-relationship-updated",
        operation_type="update_delegated_admin_relationship",
        resource_type=RESOURCE,
        resource_id=relationship.id,
        tenant_id=relationship.partner_tenant_id,
        old_value=before,
        new_value={"displayName": relationship.display_name, "autoExtendDuration": relationship.auto_extend_duration},
    )
    await ctx.session.flush()
    return relationship


async def delete_relationship(ctx: PartnerContext, *, relationship_id: uuid.UUID, if_match: str | None) -> None:
    """DELETE with If-Match, only while `created` (GDP-3): a sent request is terminated, never deleted."""
    require_manager(ctx)
    relationship = await get_relationship(ctx, relationship_id, for_update=True)
    require_etag(if_match, etag(relationship))
    check_editable(relationship, Changes(), action="delete")
    await ctx.session.execute(
        delete(DelegatedAdminRelationshipRequest).where(
            DelegatedAdminRelationshipRequest.sandbox_id == ctx.sandbox_id,
            DelegatedAdminRelationshipRequest.relationship_id == relationship.id,
        )
    )
    await ctx.session.delete(relationship)
    await record_change(
        ctx,
        event="granular-admin-relationship-deleted",
        operation_type="delete_delegated_admin_relationship",
        resource_type=RESOURCE,
        resource_id=relationship.id,
        tenant_id=relationship.partner_tenant_id,
        old_value={"displayName": relationship.display_name, "status": relationship.status.value},
    )
    await ctx.session.flush()


# --- requests: lockForApproval and terminate ------------------------------------------------------------------------


async def move_relationship(
    ctx: SandboxContext, relationship: DelegatedAdminRelationship, target: GdapRelationshipStatus, *, action: str
) -> None:
    await move(
        ctx,
        relationship,
        RELATIONSHIP,
        target,
        action=action,
        event=EVENTS[target],
        resource_type=RESOURCE,
        tenant_ids=[relationship.partner_tenant_id],
    )
    touch(ctx, relationship)


async def submit_request(
    ctx: PartnerContext, *, relationship_id: uuid.UUID, action: GdapRequestAction
) -> DelegatedAdminRelationshipRequest:
    """`POST .../requests`: lockForApproval sends a `created` relationship to the customer (GDP-1), whose approval
    link then works for `gdapApprovalExpiryDays`; terminate ends an active one from the partner's side (GDP-2).
    approve and reject are an indirect reseller's answers to a provider's request, which cspsim does not model."""
    require_manager(ctx)
    relationship = await get_relationship(ctx, relationship_id, for_update=True)
    if action is GdapRequestAction.LOCK_FOR_APPROVAL:
        await move_relationship(ctx, relationship, R.APPROVAL_PENDING, action="lockForApproval")
        expiry = timedelta(days=ctx.settings.gdap_approval_expiry_days)
        await timers.schedule(ctx, kind=APPROVAL_EXPIRY_TIMER, ref=relationship.id, due_at=ctx.now + expiry)
        policy = ctx.settings.counterparty_policies.gdap_approval
        if policy.action == "accept" and relationship.customer_tenant_id is not None:
            due_at = add_business_days(ctx.now, policy.after_business_days)
            await timers.schedule(ctx, kind=POLICY_TIMER, ref=relationship.id, due_at=due_at)
    elif action is GdapRequestAction.TERMINATE:
        await terminate(ctx, relationship, side="partner")
    else:
        raise BadRequest(
            f"The action {action} answers a relationship an indirect provider requested for its reseller; here the "
            "customer approves in its admin center (the relationship's approvalLink), and you send lockForApproval "
            "or terminate."
        )
    request = DelegatedAdminRelationshipRequest(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        relationship_id=relationship.id,
        action=action,
        # The action was carried out within this request, so it is already done.
        status=GdapRequestStatus.SUCCEEDED,
        created_by=ctx.actor.name,
        created_at=ctx.now,
        last_modified_at=ctx.now,
    )
    await add_now(ctx.session, request)
    return request


# What hangs off a relationship and is read through it: Graph's requests, access assignments and operations.
Child = TypeVar("Child", DelegatedAdminRelationshipRequest, DelegatedAdminAccessAssignment, DelegatedAdminOperation)


async def children_of(ctx: PartnerContext, kind: type[Child], *, relationship_id: uuid.UUID) -> list[Child]:
    """A visible relationship's requests, access assignments or operations, oldest first."""
    relationship = await get_relationship(ctx, relationship_id)
    stmt = (
        select(kind)
        .where(kind.sandbox_id == ctx.sandbox_id, kind.relationship_id == relationship.id)
        .order_by(kind.created_at, kind.id)
    )
    return list((await ctx.session.execute(stmt)).scalars())


async def child_of(
    ctx: PartnerContext,
    kind: type[Child],
    *,
    relationship_id: uuid.UUID,
    child_id: uuid.UUID,
    name: str,
    for_update: bool = False,
) -> Child:
    """One child of a visible relationship; a child of any other relationship is not found."""
    relationship = await get_relationship(ctx, relationship_id)
    return await lookup.one(
        ctx, kind, child_id, what=name, for_update=for_update, where=[kind.relationship_id == relationship.id]
    )


async def list_requests(ctx: PartnerContext, *, relationship_id: uuid.UUID) -> list[DelegatedAdminRelationshipRequest]:
    return await children_of(ctx, DelegatedAdminRelationshipRequest, relationship_id=relationship_id)


async def get_request(
    ctx: PartnerContext, *, relationship_id: uuid.UUID, request_id: uuid.UUID
) -> DelegatedAdminRelationshipRequest:
    return await child_of(
        ctx,
        DelegatedAdminRelationshipRequest,
        relationship_id=relationship_id,
        child_id=request_id,
        name="Delegated admin relationship request",
    )


async def terminate(ctx: SandboxContext, relationship: DelegatedAdminRelationship, *, side: str) -> None:
    """GDP-2: either side ends an active relationship; its access assignments go with it."""
    await move_relationship(ctx, relationship, R.TERMINATION_REQUESTED, action=f"terminate ({side})")
    relationship.terminated_by = ctx.actor.name
    await move_relationship(ctx, relationship, R.TERMINATING, action=f"terminate ({side})")
    await move_relationship(ctx, relationship, R.TERMINATED, action=f"terminate ({side})")
    await withdraw_assignments(ctx, relationship)
    await timers.cancel(ctx, kind=END_TIMER, ref=relationship.id)


# --- delegatedAdminCustomers ----------------------------------------------------------------------------------------


def _granted_customers(ctx: PartnerContext) -> Select[Any]:
    granted = select(DelegatedAdminRelationship.customer_tenant_id).where(
        DelegatedAdminRelationship.sandbox_id == ctx.sandbox_id,
        DelegatedAdminRelationship.partner_tenant_id == ctx.tenant_id,
        DelegatedAdminRelationship.status.in_(GRANTED),
    )
    return select(Tenant).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.id.in_(granted))


async def list_delegated_admin_customers(ctx: PartnerContext, page: PageRequest) -> Page[Tenant]:
    """The customers that granted the caller a relationship that has not ended."""
    return await keyset(ctx.session, _granted_customers(ctx), keys=[Tenant.id], page=page)


async def get_delegated_admin_customer(ctx: PartnerContext, customer_id: uuid.UUID) -> Tenant:
    return await lookup.one(ctx, Tenant, customer_id, what="Delegated admin customer", among=_granted_customers(ctx))


# --- the clock (GDP-1, GDP-2) ---------------------------------------------------------------------------------------


async def activate(ctx: SandboxContext, relationship: DelegatedAdminRelationship) -> None:
    """GDP-2: active from now until now + duration, when the end timer expires or extends it."""
    await move_relationship(ctx, relationship, R.ACTIVE, action="activate")
    relationship.end_at = ctx.now + length_of(relationship)
    await timers.schedule(ctx, kind=END_TIMER, ref=relationship.id, due_at=relationship.end_at)


async def _locked(ctx: SandboxContext, timer: timers.Due) -> DelegatedAdminRelationship | None:
    stmt = (
        select(DelegatedAdminRelationship)
        .where(
            DelegatedAdminRelationship.sandbox_id == ctx.sandbox_id,
            DelegatedAdminRelationship.id == uuid.UUID(timer.ref),
        )
        .with_for_update()
    )
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


@timers.on_timer(APPROVAL_EXPIRY_TIMER)
async def _expire_unapproved(ctx: SandboxContext, timer: timers.Due) -> None:
    """GDP-1: a request the customer did not approve in time expires."""
    relationship = await _locked(ctx, timer)
    if relationship is not None and relationship.status is R.APPROVAL_PENDING:
        await move_relationship(ctx, relationship, R.EXPIRED, action="approval window passed")


@timers.on_timer(ACTIVATION_TIMER)
async def _activate_when_due(ctx: SandboxContext, timer: timers.Due) -> None:
    relationship = await _locked(ctx, timer)
    if relationship is not None and relationship.status is R.ACTIVATING:
        await activate(ctx, relationship)


@timers.on_timer(END_TIMER)
async def _end_or_extend(ctx: SandboxContext, timer: timers.Due) -> None:
    """GDP-2: at its end date an active relationship with autoExtendDuration P180D runs 180 days more (again and
    again); any other expires, and its access assignments with it."""
    relationship = await _locked(ctx, timer)
    if relationship is None or relationship.status is not R.ACTIVE or relationship.end_at is None:
        return
    if relationship.end_at > ctx.now:  # extended or rescheduled since this timer was set
        return
    if auto_extends(relationship):
        previous = relationship.end_at
        relationship.end_at = previous + timedelta(days=180)
        touch(ctx, relationship)
        await record_event(
            ctx,
            name="granular-admin-relationship-auto-extended",
            resource_type=RESOURCE,
            resource_id=relationship.id,
            tenant_ids=[relationship.partner_tenant_id],
            data={"previousEndDateTime": previous.isoformat(), "endDateTime": relationship.end_at.isoformat()},
        )
        await timers.schedule(ctx, kind=END_TIMER, ref=relationship.id, due_at=relationship.end_at)
        return
    await move_relationship(ctx, relationship, R.EXPIRING, action="end date reached")
    await move_relationship(ctx, relationship, R.EXPIRED, action="end date reached")
    await withdraw_assignments(ctx, relationship)


# --- access assignments end with their relationship -----------------------------------------------------------------


async def move_assignment(
    ctx: SandboxContext,
    assignment: DelegatedAdminAccessAssignment,
    target: AccessAssignmentStatus,
    *,
    partner_id: uuid.UUID,
    action: str,
) -> None:
    await move(
        ctx,
        assignment,
        ACCESS_ASSIGNMENT,
        target,
        action=action,
        event=ASSIGNMENT_EVENTS[target],
        resource_type=ASSIGNMENT_RESOURCE,
        tenant_ids=[partner_id],
    )
    touch(ctx, assignment)


async def withdraw_assignments(ctx: SandboxContext, relationship: DelegatedAdminRelationship) -> None:
    """An ended relationship takes its access assignments with it: no role outlives the relationship granting it."""
    stmt = (
        select(DelegatedAdminAccessAssignment)
        .where(
            DelegatedAdminAccessAssignment.sandbox_id == ctx.sandbox_id,
            DelegatedAdminAccessAssignment.relationship_id == relationship.id,
            DelegatedAdminAccessAssignment.status.in_(LIVE_ASSIGNMENT),
        )
        .order_by(DelegatedAdminAccessAssignment.created_at, DelegatedAdminAccessAssignment.id)
        .with_for_update()
    )
    for assignment in list((await ctx.session.execute(stmt)).scalars()):
        action = f"relationship {relationship.status}"
        partner_id = relationship.partner_tenant_id
        await move_assignment(ctx, assignment, A.DELETING, partner_id=partner_id, action=action)
        await move_assignment(ctx, assignment, A.DELETED, partner_id=partner_id, action=action)
