"""Licences: the SKUs a customer's subscriptions give (`subscribedskus`), and their seats assigned to its users.

    subscription (quantity N, active) ──> SKU pool of N seats ──licenseupdates──> seats consumed by active users

A SKU's seats are the quantities of the customer's active subscriptions of it, whoever sold them (licences are the
tenant's, as in Entra ID). Seats assigned never exceed them: an assignment that would is refused with Partner
Center's 60012, naming the SKU and the seats free. A removed licence, or a deleted user's, frees its seat.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, select

from app.catalog.offers import OFFERS, Offer, ProductType
from app.customer_users.directory import (
    MANAGE_LICENSES,
    READ_LICENSES,
    DirectoryUser,
    customer_tenant,
    find_user,
    in_state,
)
from app.events.service import record_change
from app.kernel import lookup
from app.kernel.context import PartnerContext
from app.kernel.errors import BadRequest, Conflict, DomainError
from app.models import (
    CustomerUserAccount,
    CustomerUserState,
    LicenseAssignment,
    Subscription,
    SubscriptionStatus,
    Tenant,
    User,
)

LICENSE_UPDATE_RESOURCE = "LicenseUpdate"
# Partner Center's answer when a SKU has no seat left ("you've run out of licenses").
OUT_OF_LICENSES = 60012


@dataclass(frozen=True)
class ProductSku:
    id: uuid.UUID
    name: str
    sku_part_number: str
    target_type: str = "User"


# Entra ID's own SKU ids and part numbers for the catalog's licence offers, so an integrator's SKU tables work
# unchanged; an offer not named here gets a stable id derived from its catalog item.
KNOWN_SKUS = {
    "CFQ7TTC0LFLX": ("05e9a617-0261-4cee-bb44-138d3ef5d965", "SPE_E3"),
    "CFQ7TTC0LH18": ("3b555118-da6a-4418-894f-7df1e2096870", "O365_BUSINESS_ESSENTIALS"),
    "CFQ7TTC0LDPB": ("f245ecc8-75af-4f8e-b61f-27d8114de5b3", "O365_BUSINESS_PREMIUM"),
    "CFQ7TTC0LCHC": ("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", "SPB"),
    "796B6B5F-613C-4E24-A17C-EBA730D49C02": ("6fd2c87f-b296-42f0-b197-1e91e994b900", "ENTERPRISEPACK"),
}


def _sku(offer: Offer) -> ProductSku:
    known = KNOWN_SKUS.get(offer.product_id.upper())
    if known:
        return ProductSku(id=uuid.UUID(known[0]), name=offer.title, sku_part_number=known[1])
    derived = uuid.uuid5(uuid.NAMESPACE_URL, f"https://cspsim/skus/{offer.catalog_item_id}")
    part_number = "".join(c if c.isalnum() else "_" for c in offer.title.upper()).strip("_")
    return ProductSku(id=derived, name=offer.title, sku_part_number=part_number)


# Only per-user licences are assigned to users: Azure, reservations and software are not.
SKUS_BY_PRODUCT = {
    o.product_id.upper(): _sku(o) for o in OFFERS if o.license_based and o.product_type is ProductType.ONLINE_SERVICES
}
SKUS = {sku.id: sku for sku in SKUS_BY_PRODUCT.values()}


def sku_of_offer(offer_id: str) -> ProductSku | None:
    """The SKU a subscription's offer (`productId:skuId:availabilityId`, or a legacy offer id) gives users."""
    return SKUS_BY_PRODUCT.get(offer_id.split(":")[0].upper())


@dataclass(frozen=True)
class SubscribedSku:
    """Partner Center's SubscribedSku: a SKU's seats in the customer's tenant."""

    product_sku: ProductSku
    active_units: int
    suspended_units: int
    consumed_units: int

    @property
    def available_units(self) -> int:
        # Seats reduced below those assigned leave none free (never a negative count).
        return max(self.active_units - self.consumed_units, 0)

    @property
    def total_units(self) -> int:
        return self.active_units + self.suspended_units

    @property
    def capability_status(self) -> str:
        return "Enabled" if self.active_units else "Suspended"


# "This customer column names one of the customers asked about": one tenant, or all a partner holds.
Customers = Callable[[Any], ColumnElement[bool]]


async def pools_of(ctx: PartnerContext, customers: Customers) -> dict[uuid.UUID, dict[uuid.UUID, SubscribedSku]]:
    """Each licence SKU's seats in each customer's tenant, by customer and SKU, in two grouped statements whatever
    the number of customers. Seats held: the quantities of the customers' active and suspended subscriptions of the
    SKU. Seats consumed: the licences of their active users (a deleted user's seat is free)."""
    held = (
        select(
            Subscription.customer_tenant_id, Subscription.offer_id, Subscription.status, func.sum(Subscription.quantity)
        )
        .where(
            Subscription.sandbox_id == ctx.sandbox_id,
            customers(Subscription.customer_tenant_id),
            Subscription.status.in_((SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)),
        )
        .group_by(Subscription.customer_tenant_id, Subscription.offer_id, Subscription.status)
    )
    units: dict[tuple[uuid.UUID, uuid.UUID], dict[SubscriptionStatus, int]] = defaultdict(lambda: defaultdict(int))
    for customer_id, offer_id, status, quantity in (await ctx.session.execute(held)).all():
        sku = sku_of_offer(offer_id)
        if sku is not None:
            units[customer_id, sku.id][status] += int(quantity)
    if not units:
        return {}
    assigned = (
        select(LicenseAssignment.customer_tenant_id, LicenseAssignment.sku_id, func.count())
        .join(User, and_(User.sandbox_id == LicenseAssignment.sandbox_id, User.id == LicenseAssignment.user_id))
        .outerjoin(
            CustomerUserAccount,
            and_(CustomerUserAccount.sandbox_id == User.sandbox_id, CustomerUserAccount.id == User.id),
        )
        .where(
            LicenseAssignment.sandbox_id == ctx.sandbox_id,
            customers(LicenseAssignment.customer_tenant_id),
            in_state(CustomerUserState.ACTIVE, ctx.now),
        )
        .group_by(LicenseAssignment.customer_tenant_id, LicenseAssignment.sku_id)
    )
    consumed = {(customer_id, sku_id): count for customer_id, sku_id, count in (await ctx.session.execute(assigned))}
    pools: dict[uuid.UUID, dict[uuid.UUID, SubscribedSku]] = defaultdict(dict)
    for (customer_id, sku_id), by_status in units.items():
        pools[customer_id][sku_id] = SubscribedSku(
            product_sku=SKUS[sku_id],
            active_units=by_status[SubscriptionStatus.ACTIVE],
            suspended_units=by_status[SubscriptionStatus.SUSPENDED],
            consumed_units=consumed.get((customer_id, sku_id), 0),
        )
    return pools


async def seats_of(ctx: PartnerContext, customers: Customers) -> dict[uuid.UUID, tuple[int, int]]:
    """Per licence SKU, over all `customers`: the seats their active subscriptions hold and the seats assigned, each
    pool's assignments counted up to the seats it holds (a quantity reduced under them). The seats held are summed
    in the database; only the customers with an assignment have their pools read (`pools_of`): a partner's insights
    over 100,000 customers are three statements, of as many rows as it has products and assigning customers (a
    statement per customer took 130 s)."""
    active = case((Subscription.status == SubscriptionStatus.ACTIVE, Subscription.quantity), else_=0)
    totals = (  # a product held only by suspended subscriptions is a row too, of no seat
        select(Subscription.offer_id, func.sum(active))
        .where(
            Subscription.sandbox_id == ctx.sandbox_id,
            customers(Subscription.customer_tenant_id),
            Subscription.status.in_((SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)),
        )
        .group_by(Subscription.offer_id)
    )
    held: dict[uuid.UUID, int] = defaultdict(int)
    for offer_id, quantity in (await ctx.session.execute(totals)).all():
        if (sku := sku_of_offer(offer_id)) is not None:
            held[sku.id] += int(quantity)
    assigning = select(LicenseAssignment.customer_tenant_id).where(LicenseAssignment.sandbox_id == ctx.sandbox_id)
    assigned: dict[uuid.UUID, int] = defaultdict(int)
    for pools in (await pools_of(ctx, lambda column: and_(customers(column), column.in_(assigning)))).values():
        for sku_id, pool in pools.items():
            assigned[sku_id] += min(pool.consumed_units, pool.active_units)
    return {sku_id: (held[sku_id], assigned[sku_id]) for sku_id in held.keys() | assigned.keys()}


async def _pools(ctx: PartnerContext, tenant: Tenant) -> dict[uuid.UUID, SubscribedSku]:
    return (await pools_of(ctx, lambda column: column == tenant.id)).get(tenant.id, {})


async def list_subscribed_skus(ctx: PartnerContext, *, customer_id: uuid.UUID) -> list[SubscribedSku]:
    """404 unless related to the customer; GDP-1: Directory Readers, Global Reader, User or License Administrator.
    One SKU per licence product the customer's active or suspended subscriptions hold, with its seats."""
    tenant = await customer_tenant(ctx, customer_id, roles=READ_LICENSES, action="read this customer's licenses")
    pools = await _pools(ctx, tenant)
    return sorted(pools.values(), key=lambda s: s.product_sku.name)


def _out_of_licenses(tenant: Tenant, pool: SubscribedSku | None, sku_id: uuid.UUID) -> DomainError:
    """Partner Center's 60012, naming the SKU and the seats free, with the numbers in `data` for code to read."""
    name = f"{pool.product_sku.name} (SKU {sku_id})" if pool else f"SKU {sku_id}"
    free = pool.available_units if pool else 0
    seats = pool.active_units if pool else 0
    return BadRequest(
        f"You've run out of licenses of {name}: {free} of {seats} seats available. Buy more seats (raise the "
        "subscription's quantity) or remove the license from another user, then try again.",
        data=[
            f"LicenseQuotaExceededException : Subscription with Account {tenant.id} and SKU {sku_id} does not have "
            "any available licenses left.",
            {"skuId": str(sku_id), "availableUnits": free, "activeUnits": seats},
        ],
    ).with_code(OUT_OF_LICENSES, "LicenseQuotaExceeded")


async def _user_skus(ctx: PartnerContext, user: User) -> list[uuid.UUID]:
    rows = await ctx.session.execute(
        select(LicenseAssignment.sku_id)
        .where(LicenseAssignment.sandbox_id == ctx.sandbox_id, LicenseAssignment.user_id == user.id)
        .order_by(LicenseAssignment.assigned_at, LicenseAssignment.sku_id)
    )
    return list(rows.scalars())


async def _lock_seats(ctx: PartnerContext, tenant: Tenant) -> None:
    """Seat counts are read, then written: one licence change per customer at a time (the tenant row is the lock on
    PostgreSQL; SQLite serializes writers anyway), so two concurrent assignments cannot both take the last seat."""
    await lookup.one(ctx, Tenant, tenant.id, what="Customer", for_update=True)


async def require_seats_to_restore(ctx: PartnerContext, found: DirectoryUser) -> None:
    """A restored user takes its licences back: each needs a free seat now (its own was freed when it was deleted)."""
    await _lock_seats(ctx, found.tenant)
    pools = await _pools(ctx, found.tenant)
    for sku_id in await _user_skus(ctx, found.user):
        pool = pools.get(sku_id)
        if pool is None or pool.available_units < 1:
            raise _out_of_licenses(found.tenant, pool, sku_id)


@dataclass(frozen=True)
class LicenseUpdate:
    assigned: list[uuid.UUID]
    removed: list[uuid.UUID]


async def update_licenses(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    user_id: uuid.UUID,
    to_assign: list[uuid.UUID],
    to_remove: list[uuid.UUID],
) -> LicenseUpdate:
    """404 unless related to the customer; GDP-1: License Administrator or User Administrator. Removals go first (so
    one update can swap a licence); each SKU assigned needs a free seat of the customer's subscriptions, or the whole
    update is refused with 60012 naming the SKU and the seats available. Assigning a licence the user has is a no-op."""
    if not to_assign and not to_remove:
        raise BadRequest("Name at least one SKU in licensesToAssign or licensesToRemove.")
    tenant = await customer_tenant(ctx, customer_id, roles=MANAGE_LICENSES, action="assign this customer's licenses")
    found = await find_user(ctx, tenant, user_id, for_update=True)
    if not found.active:
        raise Conflict(f"The user {found.user.user_principal_name} is deleted: restore it before changing licenses.")
    await _lock_seats(ctx, tenant)
    held = set(await _user_skus(ctx, found.user))
    removing = list(dict.fromkeys(to_remove))
    not_held = [str(s) for s in removing if s not in held]
    if not_held:
        raise BadRequest(f"The user holds no license of SKU {', '.join(not_held)}: nothing to remove.")
    await ctx.session.execute(
        delete(LicenseAssignment).where(
            LicenseAssignment.sandbox_id == ctx.sandbox_id,
            LicenseAssignment.user_id == found.user.id,
            LicenseAssignment.sku_id.in_(removing),
        )
    )
    await ctx.session.flush()
    pools = await _pools(ctx, tenant)
    assigning = [s for s in dict.fromkeys(to_assign) if s not in held or s in removing]
    for sku_id in assigning:
        pool = pools.get(sku_id)
        if pool is None:
            raise BadRequest(
                f"SKU {sku_id} is not among the customer's subscribed SKUs (GET /v1/customers/{tenant.id}/"
                "subscribedskus): buy a subscription of it first."
            )
        if pool.available_units < 1:
            raise _out_of_licenses(tenant, pool, sku_id)
        ctx.session.add(
            LicenseAssignment(
                sandbox_id=ctx.sandbox_id,
                user_id=found.user.id,
                sku_id=sku_id,
                customer_tenant_id=tenant.id,
                assigned_at=ctx.now,
            )
        )
        await ctx.session.flush()
        pools = await _pools(ctx, tenant)
    await record_change(
        ctx,
        event="customer-user-licenses-updated",
        operation_type="update_customer_user_licenses",
        resource_type=LICENSE_UPDATE_RESOURCE,
        resource_id=found.user.id,
        tenant_id=ctx.tenant_id,
        customer_id=tenant.id,
        old_value={"skuIds": sorted(str(s) for s in held)},
        new_value={"skuIds": sorted(str(s) for s in await _user_skus(ctx, found.user))},
    )
    return LicenseUpdate(assigned=list(dict.fromkeys(to_assign)), removed=removing)


async def list_user_licenses(ctx: PartnerContext, *, customer_id: uuid.UUID, user_id: uuid.UUID) -> list[ProductSku]:
    """404 unless related to the customer; GDP-1: a role that reads the directory, or License Administrator."""
    tenant = await customer_tenant(ctx, customer_id, roles=READ_LICENSES, action="read this customer's licenses")
    found = await find_user(ctx, tenant, user_id)
    return [SKUS[s] for s in await _user_skus(ctx, found.user) if s in SKUS]
