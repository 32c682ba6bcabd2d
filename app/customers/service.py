"""Customers as partners see them: creation (REL-2), visibility, the operations each relationship allows (REL-4),
and the gates commerce asks before a purchase (REL-3, REL-5)."""

import functools
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Insert, Integer, Select, Table, and_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.events.service import record_audit, record_event
from app.identity import service as identity
from app.kernel.context import PartnerContext, SandboxContext, TenantContext
from app.kernel.errors import Conflict, Forbidden, NotFound, RuleViolation
from app.kernel.pagination import Page, PageRequest, first_page_ahead, keyset
from app.kernel.principals import ReadAhead
from app.kernel.roles import CustomerRole, PartnerRole, require_role
from app.kernel.statements import Read, ReadAmong, Write, add_now
from app.models import (
    CustomerCount,
    CustomerRelationship,
    RelationshipKind,
    RelationshipOrigin,
    Tenant,
    TenantKind,
    User,
)
from app.programs import service as programs
from app.providers import service as providers

K = RelationshipKind

# REL-4: what each way of holding a customer lets the partner do in Partner Center.
OPERATIONS: dict[RelationshipKind, tuple[str, ...]] = {
    K.DIRECT_BILL: (
        "viewSubscriptions",
        "addProducts",
        "viewOrders",
        "billCustomer",
        "manageUsers",
        "manageLicenses",
        "requestTransfers",
    ),
    K.INDIRECT_RESELLER: ("manageUsers", "manageLicenses", "createServiceRequests", "viewAnalytics", "requestOrder"),
    K.INDIRECT_PROVIDER: ("viewSubscriptions", "addProducts", "viewOrders", "billCustomer", "requestTransfers"),
}
ADMIN_OPERATIONS = ("manageUsers", "manageLicenses")


def operations(relationships: "Sequence[CustomerRelationship | ShownRelationship]") -> list[str]:
    """REL-4: the union of what the caller's relationships allow, in a stable order. A provider related through
    the extension (REL-6) has no admin privileges, so no user or license management."""
    allowed: list[str] = []
    for relationship in relationships:
        for operation in OPERATIONS[relationship.kind]:
            if operation in ADMIN_OPERATIONS and not relationship.admin_privileges:
                continue
            if operation not in allowed:
                allowed.append(operation)
    return allowed


def visible_customers(ctx: SandboxContext) -> Select[Any]:
    """The one query behind every partner read: customers the caller holds a relationship with."""
    return _visible(ctx.sandbox_id, ctx.actor.tenant_id)


def _visible(sandbox_id: Any, partner_id: Any) -> Select[Any]:
    """`visible_customers` of a sandbox and partner given as values or as bound parameters (a statement built once)."""
    related = select(CustomerRelationship.customer_tenant_id).where(
        CustomerRelationship.sandbox_id == sandbox_id, CustomerRelationship.partner_tenant_id == partner_id
    )
    return select(Tenant).where(
        Tenant.sandbox_id == sandbox_id, Tenant.kind == TenantKind.CUSTOMER, Tenant.id.in_(related)
    )


async def relationships_with(
    ctx: SandboxContext, customer_id: uuid.UUID, partner_id: uuid.UUID | None = None
) -> list[CustomerRelationship]:
    stmt = select(CustomerRelationship).where(
        CustomerRelationship.sandbox_id == ctx.sandbox_id, CustomerRelationship.customer_tenant_id == customer_id
    )
    if partner_id is not None:
        stmt = stmt.where(CustomerRelationship.partner_tenant_id == partner_id)
    return list(
        (await ctx.session.execute(stmt.order_by(CustomerRelationship.created_at, CustomerRelationship.id))).scalars()
    )


async def relationships_by_customer(
    ctx: SandboxContext, customer_ids: Collection[uuid.UUID], partner_id: uuid.UUID
) -> "dict[uuid.UUID, list[ShownRelationship]]":
    """`relationships_with` for a page of customers in one query, as values: each customer's relationships with the
    partner, in the same order."""
    return (await relationships_of_page(ctx, customer_ids, partner_id)).relationships


@dataclass(frozen=True)
class PageRelationships:
    relationships: "dict[uuid.UUID, list[ShownRelationship]]"
    also: dict[uuid.UUID, tuple[Any, ...]]  # a customer's values of the columns asked for beside its relationships


async def relationships_of_page(
    ctx: SandboxContext, customer_ids: Collection[uuid.UUID], partner_id: uuid.UUID, *also: ColumnElement[Any]
) -> PageRelationships:
    """`relationships_by_customer`, with `also`: columns about each relationship's customer (they may use the bound
    `sandbox_id` and `partner_id`, and `CustomerRelationship.customer_tenant_id`), read in the same statement: a
    page of the customer listing reads its relationships and its MCA acceptances at once."""
    grouped: dict[uuid.UUID, list[ShownRelationship]] = {c: [] for c in customer_ids}
    values: dict[uuid.UUID, tuple[Any, ...]] = {}
    if grouped:
        params = {"sandbox_id": ctx.sandbox_id, "customer_ids": list(grouped), "partner_id": partner_id}
        split = 1 + len(_SHOWN_RELATIONSHIP)
        for row in await _relationships_of(also).all(ctx.session, params):
            grouped[row[0]].append(ShownRelationship(*row[1:split]))
            values[row[0]] = tuple(row[split:])
    return PageRelationships(grouped, values)


@dataclass(frozen=True)
class RelatedPartner:
    """A partner holding a customer, as the customer's listings name it."""

    relationship: CustomerRelationship
    name: str
    mpn_id: str | None


async def related_partners(ctx: SandboxContext, customer_id: uuid.UUID) -> list[RelatedPartner]:
    """Every relationship of the customer with the partner's name and PartnerID, in three queries whatever their
    number."""
    rows = await relationships_with(ctx, customer_id)
    partner_ids = {r.partner_tenant_id for r in rows}
    tenants = (
        {
            t.id: t
            for t in (
                await ctx.session.execute(
                    select(Tenant).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.id.in_(partner_ids))
                )
            ).scalars()
        }
        if partner_ids
        else {}
    )
    profiles = await programs.find_profiles(ctx, partner_ids)
    return [
        RelatedPartner(
            relationship=r,
            name=tenants[r.partner_tenant_id].display_name if r.partner_tenant_id in tenants else "",
            mpn_id=profiles[r.partner_tenant_id].partner_id if r.partner_tenant_id in profiles else None,
        )
        for r in rows
    ]


async def indirect_partners(
    ctx: PartnerContext, customer_id: uuid.UUID
) -> list[tuple[RelatedPartner, RelationshipKind]]:
    """The customer's indirect resellers and providers other than the caller, each with the role it plays (Partner
    Center's customer relationships). A transitioning partner that extended its relationship to the caller (REL-6)
    is the indirect reseller the caller serves the customer with, though it holds the customer as direct bill until
    the subscriptions move: its provider lists it, as the customer's associatedPartnerId names it."""
    seen = await get_visible_customer(ctx, customer_id)
    related = await related_partners(ctx, seen.tenant.id)
    extended_to_me = {
        p.relationship.counterpart_tenant_id
        for p in related
        if p.relationship.origin is RelationshipOrigin.EXTENSION and p.relationship.partner_tenant_id == ctx.tenant_id
    }
    listed: list[tuple[RelatedPartner, RelationshipKind]] = []
    for partner in related:
        r = partner.relationship
        kind = K.INDIRECT_RESELLER if r.kind is K.DIRECT_BILL and r.partner_tenant_id in extended_to_me else r.kind
        if r.partner_tenant_id == ctx.tenant_id or kind is K.DIRECT_BILL:
            continue
        if any(p.relationship.partner_tenant_id == r.partner_tenant_id and k is kind for p, k in listed):
            continue
        listed.append((partner, kind))
    return listed


@dataclass(frozen=True)
class SeenCustomer:
    tenant: Tenant
    relationships: list[CustomerRelationship]
    also: tuple[Any, ...] = ()  # the values of the columns asked for beside them


@dataclass(frozen=True, slots=True)
class ShownTenant:
    """A customer's tenant as an answer shows it: values, for a request that does not change it."""

    id: uuid.UUID
    display_name: str
    domain: str
    country: str


@dataclass(frozen=True, slots=True)
class ShownRelationship:
    """One of the caller's relationships with a customer, as an answer shows it."""

    id: uuid.UUID
    kind: RelationshipKind
    origin: RelationshipOrigin
    admin_privileges: bool
    counterpart_tenant_id: uuid.UUID | None
    billing_profile: dict[str, Any] | None


@dataclass(frozen=True)
class ShownCustomer:
    tenant: ShownTenant
    relationships: list[ShownRelationship]
    also: tuple[Any, ...] = ()


_SHOWN_TENANT = tuple(getattr(Tenant, name) for name in ShownTenant.__dataclass_fields__)
_SHOWN_RELATIONSHIP = tuple(getattr(CustomerRelationship, name) for name in ShownRelationship.__dataclass_fields__)


# A page of customers' relationships, built once and read through the driver: building the statement and its cache
# key, and the ORM's execution of it, were a fifth of a listing page's CPU.
@functools.cache
def _relationships_of(also: tuple[ColumnElement[Any], ...]) -> ReadAmong:
    return Read.among(
        lambda among: (
            select(CustomerRelationship.customer_tenant_id, *_SHOWN_RELATIONSHIP, *also)
            .where(
                CustomerRelationship.sandbox_id == bindparam("sandbox_id"),
                among(CustomerRelationship.customer_tenant_id),
                CustomerRelationship.partner_tenant_id == bindparam("partner_id"),
            )
            .order_by(CustomerRelationship.created_at, CustomerRelationship.id)
        ),
        "customer_ids",
    )


def related_rows(model: Any, *conditions: ColumnElement[bool], outer: bool = True) -> Select[Any]:
    """The caller's relationships with a customer, each beside the rows of `model` (subscriptions, orders) the
    partner holds with it that meet `conditions` (None when none does; with `outer` False, only where one does): one
    statement answers the customer's visibility (and REL-4) and the read. Bound parameters `sandbox_id`,
    `customer_id`, `partner_id`; built once by its callers."""
    return (
        select(CustomerRelationship, model)
        .join(
            model,
            and_(
                model.sandbox_id == CustomerRelationship.sandbox_id,
                model.customer_tenant_id == CustomerRelationship.customer_tenant_id,
                model.partner_tenant_id == CustomerRelationship.partner_tenant_id,
                *conditions,
            ),
            isouter=outer,
        )
        .where(
            CustomerRelationship.sandbox_id == bindparam("sandbox_id"),
            CustomerRelationship.customer_tenant_id == bindparam("customer_id"),
            CustomerRelationship.partner_tenant_id == bindparam("partner_id"),
        )
    )


def _visible_customer(*columns: Any) -> Select[Any]:
    """The customer `customer_id` joined to each relationship `partner_id` holds it by (visible_customers'
    condition as a join: no relationship, no row), with bound parameters."""
    return (
        select(*columns)
        .join(
            CustomerRelationship,
            and_(
                CustomerRelationship.sandbox_id == Tenant.sandbox_id,
                CustomerRelationship.customer_tenant_id == Tenant.id,
                CustomerRelationship.partner_tenant_id == bindparam("partner_id"),
            ),
        )
        .where(
            Tenant.sandbox_id == bindparam("sandbox_id"),
            Tenant.kind == TenantKind.CUSTOMER,
            Tenant.id == bindparam("customer_id"),
        )
        .order_by(CustomerRelationship.created_at, CustomerRelationship.id)
    )


# Built once per set of extra columns, with bound parameters: building the join (and its cache key) on every call
# was a tenth of a GET's CPU in the profile (issue 17).
@functools.cache
def _seen_customer(also: tuple[ColumnElement[Any], ...]) -> Select[Any]:
    return _visible_customer(Tenant, CustomerRelationship, *also)


@functools.cache
def _shown_customer(also: tuple[ColumnElement[Any], ...]) -> Read:
    return Read(_visible_customer(*_SHOWN_TENANT, *_SHOWN_RELATIONSHIP, *also))


async def get_visible_customer(ctx: SandboxContext, customer_id: uuid.UUID, *also: ColumnElement[Any]) -> SeenCustomer:
    """A customer the caller is related to; any other is not found (404), whoever asks. `also`: columns read in the
    same statement (built once, as constants; they may use the bound `sandbox_id`, `partner_id` and `customer_id`)
    about the customer, whose values come back in `SeenCustomer.also`."""
    # Not lookup.one: the tenant comes with the caller's relationships, in one statement (visible_customers'
    # condition as a join); no relationship, no customer (404).
    params = {"sandbox_id": ctx.sandbox_id, "partner_id": ctx.actor.tenant_id, "customer_id": customer_id}
    rows = (await ctx.session.execute(_seen_customer(also), params)).all()
    if not rows:
        raise NotFound("Customer", customer_id)
    return SeenCustomer(rows[0][0], [row[1] for row in rows], tuple(rows[0][2:]))


def _shown_params(sandbox_id: uuid.UUID, partner_id: uuid.UUID | None, customer_id: uuid.UUID) -> dict[str, Any]:
    return {"sandbox_id": sandbox_id, "partner_id": partner_id, "customer_id": customer_id}


def shown_ahead(*also: ColumnElement[Any]) -> ReadAhead:
    """`show_visible_customer(ctx, {customer_id}, *also)` of a route, read with its caller's principal."""
    return ReadAhead.by_path(_shown_customer(also), _shown_params, "customer_id")


async def show_visible_customer(
    ctx: SandboxContext, customer_id: uuid.UUID, *also: ColumnElement[Any]
) -> ShownCustomer:
    """`get_visible_customer` for an answer that changes nothing: the same statement's values, read through the
    driver (`app.kernel.statements.Read`), not entities. Loading the entities was a fifth of a GET's CPU (issue 17)."""
    params = _shown_params(ctx.sandbox_id, ctx.actor.tenant_id, customer_id)
    rows = await _shown_customer(also).all(ctx.session, params)
    if not rows:
        raise NotFound("Customer", customer_id)
    return _shown_of(rows)


def _shown_of(rows: Sequence[Sequence[Any]]) -> ShownCustomer:
    """The customer of `_shown_customer`'s rows (at least one)."""
    tenant, relationship = len(_SHOWN_TENANT), len(_SHOWN_TENANT) + len(_SHOWN_RELATIONSHIP)
    return ShownCustomer(
        ShownTenant(*rows[0][:tenant]),
        [ShownRelationship(*row[tenant:relationship]) for row in rows],
        tuple(rows[0][relationship:]),
    )


# The caller's customers as values, and the whole list's count from the partner's kept count (`count_customers`, a
# few rows whatever its size): built once, with bound parameters (`visible_customers`'s condition).
_LISTED = _visible(bindparam("sandbox_id"), bindparam("partner_id")).with_only_columns(
    *_SHOWN_TENANT, maintain_column_froms=True
)
_COUNTED = select(func.coalesce(func.sum(CustomerCount.customers), 0)).where(
    CustomerCount.sandbox_id == bindparam("sandbox_id"), CustomerCount.partner_tenant_id == bindparam("partner_id")
)


# `list_customers`' first page, read with its caller's principal (`pipeline.reads_ahead`).
LISTED_AHEAD = first_page_ahead(
    _LISTED,
    keys=[Tenant.id],
    count=_COUNTED,
    params=lambda claims: {"sandbox_id": claims.sandbox_id, "partner_id": claims.tenant_id},
)


async def list_customers(ctx: SandboxContext, page: PageRequest) -> Page[ShownTenant]:
    """A page of the caller's customers, as values (loading each as an entity was a third of a page's CPU)."""
    params = {"sandbox_id": ctx.sandbox_id, "partner_id": ctx.actor.tenant_id}
    return await keyset(
        ctx.session, _LISTED, keys=[Tenant.id], page=page, count=_COUNTED, shown=ShownTenant, params=params
    )


async def customers_held(ctx: SandboxContext, partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many customers each of `partner_ids` holds, from the kept counts (a few rows whatever their size)."""
    rows = await ctx.session.execute(
        select(CustomerCount.partner_tenant_id, func.sum(CustomerCount.customers))
        .where(CustomerCount.sandbox_id == ctx.sandbox_id, CustomerCount.partner_tenant_id.in_(partner_ids))
        .group_by(CustomerCount.partner_tenant_id)
    )
    return {partner_id: int(count) for partner_id, count in rows.all()}


_COUNTS = cast(Table, CustomerCount.__table__)


def _counting(dialect_insert: Any) -> Insert:
    """Add `count_by` to a partner's customers in one slot (the slot's row made at its first)."""
    upsert = dialect_insert(_COUNTS).values(
        sandbox_id=bindparam("count_sandbox_id", type_=_COUNTS.c.sandbox_id.type),
        partner_tenant_id=bindparam("count_partner_tenant_id", type_=_COUNTS.c.partner_tenant_id.type),
        slot=bindparam("count_slot", type_=Integer()),
        customers=bindparam("count_by", type_=Integer()),
    )
    stmt: Insert = upsert.on_conflict_do_update(
        index_elements=list(_COUNTS.primary_key.columns),
        set_={"customers": _COUNTS.c.customers + upsert.excluded.customers},
    )
    return stmt


_COUNT = {"postgresql": Write(_counting(postgresql.insert)), "sqlite": Write(_counting(sqlite.insert))}
# A partner's first relationship with a customer and its count, one statement on PostgreSQL (the count a CTE): a
# create customer stays at its six statements.
_RELATE_AND_COUNT = Write(
    Write.insert(cast(Table, CustomerRelationship.__table__)).statement.add_cte(
        _counting(postgresql.insert).cte("counted")
    ),
    inserts=[(cast(Table, CustomerRelationship.__table__), "")],
)


def _count_params(ctx: SandboxContext, partner_id: uuid.UUID, customer_id: uuid.UUID | None, by: int) -> dict[str, Any]:
    slot = customer_id.int % CustomerCount.SLOTS if customer_id is not None else 0
    return {
        "count_sandbox_id": ctx.sandbox_id,
        "count_partner_tenant_id": partner_id,
        "count_slot": slot,
        "count_by": by,
    }


async def count_customers(
    ctx: SandboxContext, *, partner_id: uuid.UUID, customer_id: uuid.UUID | None, by: int
) -> None:
    """Add `by` to the customers `partner_id` holds, kept for its listing's `totalCount`: +1 at a partner's first
    relationship with a customer, -1 when its last ends, the seed's copies at once (`customer_id` None)."""
    write = _COUNT[ctx.session.get_bind().dialect.name]
    await write.run(ctx.session, _count_params(ctx, partner_id, customer_id, by))


async def relate(
    ctx: SandboxContext,
    *,
    customer: Tenant,
    partner_id: uuid.UUID,
    kind: RelationshipKind,
    origin: RelationshipOrigin,
    counterpart_id: uuid.UUID | None = None,
    admin_privileges: bool = True,
    billing_profile: dict[str, Any] | None = None,
    new_customer: bool = False,
) -> CustomerRelationship:
    """Record a reseller relationship; the same partner holding the customer the same way twice is a 409. A
    customer tenant written in this same request (`new_customer`) has no relationship yet: nothing to look up. A
    partner's first relationship with the customer counts it among the partner's customers."""
    held: set[RelationshipKind] = set()
    if not new_customer:
        held = set(
            (
                await ctx.session.scalars(
                    select(CustomerRelationship.kind).where(
                        CustomerRelationship.sandbox_id == ctx.sandbox_id,
                        CustomerRelationship.customer_tenant_id == customer.id,
                        CustomerRelationship.partner_tenant_id == partner_id,
                    )
                )
            ).all()
        )
    if kind in held:
        raise Conflict(f"The partner already holds a {kind} relationship with customer {customer.id}.")
    relationship = CustomerRelationship(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer.id,
        partner_tenant_id=partner_id,
        kind=kind,
        origin=origin,
        counterpart_tenant_id=counterpart_id,
        admin_privileges=admin_privileges,
        billing_profile=billing_profile,
        created_at=ctx.now,
    )
    if held:
        await add_now(ctx.session, relationship)
    elif ctx.session.get_bind().dialect.name == "postgresql":
        await add_now(
            ctx.session, relationship, write=_RELATE_AND_COUNT, params=_count_params(ctx, partner_id, customer.id, 1)
        )
    else:
        await add_now(ctx.session, relationship)
        await count_customers(ctx, partner_id=partner_id, customer_id=customer.id, by=1)
    await record_audit(
        ctx,
        tenant_id=partner_id,
        customer_id=customer.id,
        operation_type="create_relationship",
        resource_type="CustomerRelationship",
        resource_id=relationship.id,
        new_value={"kind": kind.value, "origin": origin.value},
    )
    return relationship


@dataclass(frozen=True)
class CreatedCustomer:
    tenant: Tenant
    admin: User
    password: str | None
    relationships: list[CustomerRelationship]


async def create_customer(
    ctx: PartnerContext,
    *,
    domain: str,
    company_name: str,
    country: str,
    billing_profile: dict[str, Any],
    associated_partner_id: uuid.UUID | None,
) -> CreatedCustomer:
    """Add a customer and create its tenant. REL-2: a direct-bill partner adds its own customers; a provider
    creates one for itself or, with `associatedPartnerId`, for one of its indirect resellers (who then sees it);
    an indirect reseller creates none."""
    require_role(
        ctx,
        PartnerRole.GLOBAL_ADMIN,
        PartnerRole.ADMIN_AGENT,
        PartnerRole.SALES_AGENT,
        action="add a customer",
        apps=True,
    )
    partner_id = ctx.tenant_id
    can = await programs.caller_capabilities(ctx)  # before any change: as the request found the caller
    if associated_partner_id is not None and not can.indirect_provider:
        raise RuleViolation(
            "REL-2", "Only an indirect provider creates a customer for an indirect reseller (associatedPartnerId)."
        )
    if not (can.direct_bill or can.indirect_provider):
        raise RuleViolation(
            "REL-2",
            "An indirect reseller cannot create customer tenants: your provider creates the "
            "tenant and names you as its indirect reseller (or invite the customer with your "
            "provider: POST /v1/customers/invitations).",
        )
    if associated_partner_id is not None and not await providers.are_partners(
        ctx, provider_id=partner_id, reseller_id=associated_partner_id
    ):
        raise RuleViolation(
            "REL-2",
            f"{associated_partner_id} is not a valid indirect reseller of this provider: it "
            "must have accepted your partnership invitation.",
            status_code=400,
            code=800016,
            error_name="InvalidIndirectReseller",
        )
    registered = await identity.register_tenant(
        ctx,
        kind=TenantKind.CUSTOMER,
        display_name=company_name,
        domain=domain,
        country=country,
        users=[identity.NewUser(f"admin@{domain}", "Admin", None, [CustomerRole.GLOBAL_ADMIN])],
        apps=[],
    )
    tenant = registered.tenant
    if can.indirect_provider:
        created = [
            await relate(
                ctx,
                customer=tenant,
                partner_id=partner_id,
                kind=K.INDIRECT_PROVIDER,
                origin=RelationshipOrigin.CREATED,
                counterpart_id=associated_partner_id,
                billing_profile=billing_profile,
                new_customer=True,
            )
        ]
        if associated_partner_id is not None:
            created.append(
                await relate(
                    ctx,
                    customer=tenant,
                    partner_id=associated_partner_id,
                    kind=K.INDIRECT_RESELLER,
                    origin=RelationshipOrigin.CREATED,
                    counterpart_id=partner_id,
                    new_customer=True,
                )
            )
    else:
        created = [
            await relate(
                ctx,
                customer=tenant,
                partner_id=partner_id,
                kind=K.DIRECT_BILL,
                origin=RelationshipOrigin.CREATED,
                billing_profile=billing_profile,
                new_customer=True,
            )
        ]
    await record_event(
        ctx,
        name="customer-created",
        resource_type="Customer",
        resource_id=tenant.id,
        tenant_ids=[r.partner_tenant_id for r in created],
    )
    admin, password = registered.users[0]
    return CreatedCustomer(tenant=tenant, admin=admin, password=password, relationships=created)


def purchasing_partner(ctx: SandboxContext) -> uuid.UUID:
    """The partner a purchase is made for. Commerce asks with the context it was given (an order, an order request's
    fulfilment, a scenario's order), so the tenant is checked here rather than typed: no tenant, no purchase."""
    if ctx.actor.tenant_id is None:
        raise Forbidden("Only a partner's user or app buys for a customer; call as one.")
    return ctx.actor.tenant_id


@dataclass(frozen=True)
class PurchaseRoute:
    """The relationship a purchase goes through, and the customer's tenant (read with it: a purchase reads its
    country next), as values: a purchase changes neither."""

    relationship: ShownRelationship
    customer: ShownTenant
    also: tuple[Any, ...] = ()  # the values of the columns asked for beside them


async def require_purchase_relationship(
    ctx: SandboxContext, customer_id: uuid.UUID, *also: ColumnElement[Any]
) -> PurchaseRoute:
    """The relationship a purchase (or transfer) for this customer goes through, asked before anything else. `also`:
    columns about the customer read in the same statement, as `get_visible_customer` takes them.

    REL-5: a provider needs its own reseller relationship with the customer; without one it is refused, whether or
    not the customer exists (so nothing leaks). REL-3: a customer acquired as an indirect reseller is never bought
    for with the tenant's direct-bill capability, which serves the customers acquired as a direct-bill partner, also
    while direct bill is Restricted during the transition (the decision: `commerce.purchases.require_purchase`).
    Anyone else unrelated finds no such customer (404). `also` may use `partner_text` too: the partner's id as
    text, as columns that name a tenant in text hold it."""
    partner_id = purchasing_partner(ctx)
    params = {
        "sandbox_id": ctx.sandbox_id,
        "customer_id": customer_id,
        "partner_id": partner_id,
        "partner_text": str(partner_id),
    }
    # `show_visible_customer`'s statement, as values: loading the tenant and the relationships as entities was a
    # tenth of an order's CPU.
    rows = await _shown_customer(also).all(ctx.session, params)
    shown = _shown_of(rows) if rows else None
    mine = shown.relationships if shown else []
    can = await programs.caller_capabilities(ctx)  # asked before anything else: as the request found the caller
    if shown is not None:
        for relationship in mine:
            if relationship.kind is K.DIRECT_BILL and can.serves_direct_customers:
                return PurchaseRoute(relationship, shown.tenant, shown.also)
            if relationship.kind is K.INDIRECT_PROVIDER and can.indirect_provider:
                return PurchaseRoute(relationship, shown.tenant, shown.also)
    if any(r.kind is K.INDIRECT_RESELLER for r in mine):
        raise RuleViolation(
            "REL-3",
            "This customer was acquired through an indirect reseller relationship: "
            "purchases for it go through your provider (an order request), never through your "
            "direct-bill capability.",
        )
    if can.indirect_provider:
        # The one check of a provider's own relationship, for its orders and the transfers it asks (20002: Partner
        # Center's "no commerce relationship"); TRF-2 is the transfer target's rule for everyone else.
        raise RuleViolation(
            "REL-5",
            "A provider needs its own reseller relationship with the customer before it "
            "orders or requests transfers for it: have the reseller send an indirect reseller "
            "invitation, or use the reseller relationship extension.",
            code=20002,
            error_name="NoCommerceRelationship",
        )
    raise NotFound("Customer", customer_id)


async def require_operation(ctx: SandboxContext, customer_id: uuid.UUID, operation: str) -> SeenCustomer:
    """REL-4: the caller's relationships with the customer allow this operation (a customer held through an indirect
    reseller relationship shows no subscriptions and no products)."""
    seen = await get_visible_customer(ctx, customer_id)
    check_operation(seen.relationships, operation)
    return seen


def check_operation(relationships: Sequence[CustomerRelationship | ShownRelationship], operation: str) -> None:
    """REL-4 on the caller's relationships with a customer, read by `require_operation` or with what the request
    reads beside them (a subscription)."""
    if operation not in operations(relationships):
        raise RuleViolation(
            "REL-4",
            f"Your relationship with this customer does not allow '{operation}': a customer "
            "held through an indirect reseller relationship is served through your provider.",
        )


async def partner_view_for_customer(ctx: TenantContext) -> list[dict[str, Any]]:
    """The customer's own list of its partners (admin center): who resells to it, and as what. A tenant context, not
    only a customer's: the invitation page signs a person in before it knows the tenant's kind (a partner has none)."""
    seen: dict[uuid.UUID, dict[str, Any]] = {}
    for related in await related_partners(ctx, ctx.tenant_id):
        r = related.relationship
        entry = seen.setdefault(
            r.partner_tenant_id,
            {
                "partner_tenant_id": r.partner_tenant_id,
                "name": related.name,
                "mpn_id": related.mpn_id,
                "roles": [],
                "admin_privileges": False,
                "since": r.created_at,
            },
        )
        role = {
            K.DIRECT_BILL: "Reseller",
            K.INDIRECT_RESELLER: "IndirectReseller",
            K.INDIRECT_PROVIDER: "IndirectProvider",
        }[r.kind]
        if role not in entry["roles"]:
            entry["roles"].append(role)
        entry["admin_privileges"] = entry["admin_privileges"] or r.admin_privileges
    return list(seen.values())
