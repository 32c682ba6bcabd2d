"""New-commerce subscriptions: seats, windows, suspension, cancellation, renewal (COM-8), and their charges."""

import calendar
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select

from app.billing import service as billing
from app.catalog import service as catalog
from app.commerce import next_term, purchases
from app.commerce.lifecycle import REFUND_WINDOW, SUBSCRIPTION
from app.customers import service as customers
from app.events.service import move, record_change, record_event
from app.kernel import lookup, timers
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, DomainError, NotFound, RuleViolation
from app.kernel.principals import ReadAhead
from app.kernel.statements import Read, add_now
from app.models import Charge, CustomerRelationship, Subscription, SubscriptionChannel, SubscriptionStatus, Tenant
from app.models.base import next_seq

S = SubscriptionStatus
RENEW_TIMER = "subscription.renew"


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def term_end(start: datetime, duration: str | None) -> datetime | None:
    """When a term that starts at `start` renews: P1M, P1Y, P3Y; no term, no end."""
    months = {"P1M": 1, "P1Y": 12, "P3Y": 36}.get(duration or "")
    return add_months(start, months) if months else None


def _seller(subscription: Subscription) -> uuid.UUID:
    """The CSP partner that sold the subscription, whom its charges and changes concern; one bought outside CSP has
    none, and no partner changes it."""
    if subscription.partner_tenant_id is None:
        raise Conflict(f"{subscription.offer_name} was bought outside CSP: no partner charges or changes it.")
    return subscription.partner_tenant_id


async def charge(ctx: SandboxContext, subscription: Subscription, *, kind: str, quantity: int) -> None:
    """A charge event billing reads, priced at the subscription's price for its term."""
    seller = _seller(subscription)
    await add_now(
        ctx.session,
        Charge(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            seq=next_seq(),
            subscription_id=subscription.id,
            customer_tenant_id=subscription.customer_tenant_id,
            partner_tenant_id=seller,
            kind=kind,
            quantity=quantity,
            quantity_after=subscription.quantity,
            unit_price=subscription.unit_price or 0,
            currency=subscription.currency or "USD",
            term_duration=subscription.term_duration,
            billing_cycle=subscription.billing_cycle,
            reseller_mpn_id=subscription.partner_of_record,
            occurred_at=ctx.now,
            term_start=subscription.effective_start_date,
        ),
    )
    await billing.charge_recorded(ctx, partner_tenant_id=seller, customer_tenant_id=subscription.customer_tenant_id)
    await record_event(
        ctx,
        name="subscription-updated",
        resource_type="Subscription",
        resource_id=subscription.id,
        tenant_ids=[seller],
        data={"charge": kind, "quantity": quantity},
    )


def refundable(subscription: Subscription, now: datetime) -> list[dict[str, Any]]:
    """The seat tranches whose window is still open at `now`."""
    return [t for t in subscription.refundable_tranches if datetime.fromisoformat(t["allowedUntil"]) > now]


def open_tranche(subscription: Subscription, quantity: int, now: datetime) -> None:
    until = (now + REFUND_WINDOW).isoformat()
    subscription.refundable_tranches = [*refundable(subscription, now), {"quantity": quantity, "allowedUntil": until}]


def _keep_window(subscription: Subscription, replaced: Subscription, now: datetime) -> None:
    """COM-8 across a transfer: the term's rules go with the seats, so the window is the replaced subscription's
    while it is open, and closed (None: never cancellable this term, as Partner Center's null says) once it passed."""
    until = replaced.cancellation_allowed_until
    subscription.cancellation_allowed_until = until if until is not None and until > now else None
    subscription.refundable_tranches = refundable(replaced, now)


def _has_commitment(subscription: Subscription) -> bool:
    """A new-commerce subscription with a term (P1M, P1Y, P3Y): COM-8's window governs its seat reductions and its
    cancellation. One without a term (an Azure plan, perpetual software) or a legacy one is not held to it."""
    return subscription.is_new_commerce and subscription.commitment_end_date is not None


async def start_term(ctx: SandboxContext, subscription: Subscription, start: datetime) -> None:
    """A term begins (purchase or renewal): its end, its cancellation window, its renewal timer."""
    end = term_end(start, subscription.term_duration)
    subscription.effective_start_date = start
    subscription.commitment_end_date = (end - timedelta(days=1)).date() if end else None
    subscription.cancellation_allowed_until = start + REFUND_WINDOW if end else None
    subscription.refundable_tranches = []
    if end:
        open_tranche(subscription, subscription.quantity, start)
        await timers.schedule(ctx, kind=RENEW_TIMER, ref=subscription.id, due_at=end)


def utc_midnight(day: date | None) -> datetime | None:
    """A date Partner Center answers as a date-time (`2027-06-30T00:00:00Z`): its clients parse it as one."""
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def entitlement_of(subscription_id: uuid.UUID) -> uuid.UUID:
    """A subscription's entitlement: one per subscription, the same id on every read."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://cspsim/entitlements/{subscription_id}")


def renews_at(subscription: Subscription) -> datetime | None:
    """When the current term ends and the next begins (or the subscription expires); None without a term."""
    if subscription.effective_start_date is not None and subscription.term_duration in next_term.TERM_MONTHS:
        return term_end(subscription.effective_start_date, subscription.term_duration)
    if subscription.commitment_end_date is not None:  # a legacy subscription: its end date is all it has
        return datetime.combine(subscription.commitment_end_date + timedelta(days=1), time(), tzinfo=UTC)
    return None


async def co_term(ctx: SandboxContext, subscription: Subscription, *, ends_at: datetime | None) -> None:
    """The term ends with another subscription's (an add-on with its base, an upgrade or a migration with the one it
    replaces): its end date and its renewal move there. A moment already past changes nothing."""
    if ends_at is None or ends_at <= ctx.now or subscription.commitment_end_date is None:
        return
    subscription.commitment_end_date = (ends_at - timedelta(days=1)).date()
    await timers.cancel(ctx, kind=RENEW_TIMER, ref=subscription.id)
    await timers.schedule(ctx, kind=RENEW_TIMER, ref=subscription.id, due_at=ends_at)


async def release_seats(ctx: SandboxContext, subscription: Subscription, count: int) -> None:
    """Seats leave for another subscription (a partial transition): not a reduction for a refund, so COM-8's window
    does not limit it; what stays refundable is at most what stays."""
    subscription.quantity -= count
    subscription.updated_at = ctx.now
    kept, room = [], subscription.quantity
    for tranche in refundable(subscription, ctx.now):
        taken = min(room, int(tranche["quantity"]))
        if taken:
            kept.append({**tranche, "quantity": taken})
        room -= taken
    subscription.refundable_tranches = kept
    if subscription.scheduled_quantity and subscription.scheduled_quantity > subscription.quantity:
        subscription.scheduled_quantity = None
    await charge(ctx, subscription, kind="removeQuantity", quantity=count)


async def end_by_replacement(ctx: SandboxContext, subscription: Subscription, *, action: str) -> None:
    """The subscription ends because another replaces it (a full transition, a migration to new commerce): it is
    converted, not cancelled by the partner, so COM-8's cancellation window does not apply; a CSP one is credited
    for its seats."""
    await _move(ctx, subscription, S.DELETED, action)
    await timers.cancel(ctx, kind=RENEW_TIMER, ref=subscription.id)
    subscription.updated_at = ctx.now
    if subscription.is_new_commerce:
        await charge(ctx, subscription, kind="cancel", quantity=subscription.quantity)


async def create_subscription(
    ctx: SandboxContext,
    *,
    customer_tenant_id: uuid.UUID,
    channel: SubscriptionChannel,
    partner_tenant_id: uuid.UUID | None,
    offer_id: str,
    offer_name: str,
    quantity: int,
    is_new_commerce: bool,
    auto_renew: bool,
    partner_of_record: str | None,
    term_duration: str | None,
    billing_cycle: str | None,
    order_id: uuid.UUID | None = None,
    friendly_name: str | None = None,
    product_type: str | None = None,
    unit_price: Decimal | None = None,
    currency: str | None = None,
    commitment_end_date: date | None = None,
    term_from: datetime | None = None,
    window_of: Subscription | None = None,
    charge_kind: str | None = None,
    parent_subscription_id: uuid.UUID | None = None,
    promotion_id: str | None = None,
) -> Subscription:
    """The one way a subscription comes to be (an order's line, a transfer's arrival, a purchase outside CSP): active,
    its term started at `term_from` (none: no term dates, as for a purchase outside CSP), and its first charge when
    `charge_kind` names one. COM-8: a purchase opens its own 168-hour window; a subscription arriving by a transfer
    (`window_of`: the one it replaces) opens none of its own but keeps what is left of that one's window and seat
    tranches: none if it has passed, and then it cannot be cancelled until its term renews."""
    subscription = Subscription(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer_tenant_id,
        channel=channel,
        partner_tenant_id=partner_tenant_id,
        order_id=order_id,
        offer_id=offer_id,
        offer_name=offer_name,
        friendly_name=friendly_name,
        product_type=product_type,
        is_new_commerce=is_new_commerce,
        quantity=quantity,
        status=SubscriptionStatus.ACTIVE,
        term_duration=term_duration,
        billing_cycle=billing_cycle,
        unit_price=unit_price,
        currency=currency,
        commitment_end_date=commitment_end_date,
        auto_renew=auto_renew,
        partner_of_record=partner_of_record,
        created_at=ctx.now,
        refundable_tranches=[],
        parent_subscription_id=parent_subscription_id,
        promotion_id=promotion_id,
    )
    if term_from is not None:
        await start_term(ctx, subscription, term_from)
        if window_of is not None:
            _keep_window(subscription, window_of, ctx.now)
    await add_now(ctx.session, subscription)  # as its term made it: one INSERT, no UPDATE after
    if charge_kind is not None:
        await charge(ctx, subscription, kind=charge_kind, quantity=quantity)
    return subscription


def visible_subscriptions(ctx: PartnerContext, customer_id: uuid.UUID) -> Select[Any]:
    """The subscriptions a partner sold this customer: the only ones it sees."""
    return select(Subscription).where(
        Subscription.sandbox_id == ctx.sandbox_id,
        Subscription.customer_tenant_id == customer_id,
        Subscription.partner_tenant_id == ctx.tenant_id,
    )


async def require_subscriptions_view(ctx: PartnerContext, customer_id: uuid.UUID) -> None:
    """REL-4: the caller's relationship with the customer shows its subscriptions."""
    await customers.require_operation(ctx, customer_id, "viewSubscriptions")


async def list_subscriptions(ctx: PartnerContext, customer_id: uuid.UUID) -> list[Subscription]:
    """REL-4: only where the caller's relationship shows subscriptions (not through an indirect reseller one)."""
    await customers.require_operation(ctx, customer_id, "viewSubscriptions")
    stmt = visible_subscriptions(ctx, customer_id).order_by(Subscription.created_at, Subscription.id)
    return list((await ctx.session.execute(stmt)).scalars())


async def list_entitled(ctx: PartnerContext, customer_id: uuid.UUID) -> list[Subscription]:
    """The subscriptions that entitle the customer to something now: active or suspended, not ended."""
    live = (S.ACTIVE, S.SUSPENDED)
    return [s for s in await list_subscriptions(ctx, customer_id) if s.status in live]


async def get_entitled(ctx: PartnerContext, customer_id: uuid.UUID, entitlement_id: uuid.UUID) -> Subscription:
    found = next((s for s in await list_entitled(ctx, customer_id) if entitlement_of(s.id) == entitlement_id), None)
    if found is None:
        raise NotFound("Entitlement", entitlement_id)
    return found


def _related(*subscriptions: ColumnElement[bool], locked: bool = False) -> Select[CustomerRelationship, Subscription]:
    """The caller's relationships with the customer, each beside the subscriptions the partner sold it that meet
    `subscriptions` (None when none does), so one statement answers REL-4 and the read. Built once, with bound
    parameters. `locked`: only where a subscription does, locked for a change (and loaded afresh)."""
    stmt: Select[CustomerRelationship, Subscription] = customers.related_rows(
        Subscription, *subscriptions, outer=not locked
    )
    return stmt.with_for_update(of=Subscription).execution_options(populate_existing=True) if locked else stmt


_RELATED_SUBSCRIPTION = _related(Subscription.id == bindparam("subscription_id")).order_by(
    CustomerRelationship.created_at, CustomerRelationship.id
)
# A subscription a request goes on to change, locked in the statement that answers REL-4 (the read and the lock were
# two round trips of every change of a subscription).
_LOCKED_SUBSCRIPTION = _related(Subscription.id == bindparam("subscription_id"), locked=True).order_by(
    CustomerRelationship.created_at, CustomerRelationship.id
)


@dataclass(frozen=True, slots=True)
class ShownSubscription:
    """A subscription as an answer shows it: the row's values, for a request that does not change it."""

    id: uuid.UUID
    customer_tenant_id: uuid.UUID
    channel: SubscriptionChannel
    partner_tenant_id: uuid.UUID | None
    order_id: uuid.UUID | None
    offer_id: str
    offer_name: str
    friendly_name: str | None
    product_type: str | None
    is_new_commerce: bool
    quantity: int
    status: SubscriptionStatus
    term_duration: str | None
    billing_cycle: str | None
    unit_price: Decimal | None
    currency: str | None
    effective_start_date: datetime | None
    commitment_end_date: date | None
    cancellation_allowed_until: datetime | None
    refundable_tranches: list[dict[str, Any]]
    auto_renew: bool
    scheduled_quantity: int | None
    scheduled_catalog_item_id: str | None
    scheduled_term_duration: str | None
    scheduled_billing_cycle: str | None
    parent_subscription_id: uuid.UUID | None
    partner_of_record: str | None
    promotion_id: str | None
    created_at: datetime
    updated_at: datetime | None


_SHOWN_RELATIONSHIP = tuple(getattr(CustomerRelationship, f.name) for f in fields(customers.ShownRelationship))
_SHOWN_SUBSCRIPTION = tuple(getattr(Subscription, f.name) for f in fields(ShownSubscription))
# _RELATED_SUBSCRIPTION's statement, its values read through the driver (app.kernel.statements): a read that only shows
# the subscription loads no entity (issue 17).
_SHOWN_RELATED_SUBSCRIPTION = Read(
    _RELATED_SUBSCRIPTION.with_only_columns(*_SHOWN_RELATIONSHIP, *_SHOWN_SUBSCRIPTION, maintain_column_froms=True)
)


# Every subscription the partner sold the customer, in the listing's order, each beside each of the caller's
# relationships with the customer (REL-4): the listing's one statement, as values.
_SHOWN_RELATED_SUBSCRIPTIONS = Read(
    _related()
    .with_only_columns(*_SHOWN_RELATIONSHIP, *_SHOWN_SUBSCRIPTION, maintain_column_froms=True)
    .order_by(Subscription.created_at, Subscription.id, CustomerRelationship.created_at, CustomerRelationship.id)
)


def _related_params(ctx: PartnerContext, customer_id: uuid.UUID, subscription_id: uuid.UUID) -> dict[str, Any]:
    return _params(ctx.sandbox_id, ctx.tenant_id, customer_id, subscription_id)


def _params(
    sandbox_id: uuid.UUID, partner_id: uuid.UUID, customer_id: uuid.UUID, subscription_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """A related read's values; without `subscription_id`, the listing's."""
    params = {"sandbox_id": sandbox_id, "customer_id": customer_id, "partner_id": partner_id}
    return params if subscription_id is None else params | {"subscription_id": subscription_id}


async def get_subscription(
    ctx: PartnerContext, customer_id: uuid.UUID, subscription_id: uuid.UUID, *, for_update: bool = False
) -> Subscription:
    """A subscription the caller sold the customer, where its relationships show subscriptions (REL-4): no
    relationship is the customer not found, as `customers.get_visible_customer` answers; `for_update` then locks it."""
    params = _related_params(ctx, customer_id, subscription_id)
    if for_update and (locked := (await ctx.session.execute(_LOCKED_SUBSCRIPTION, params)).all()):
        customers.check_operation([relationship for relationship, _ in locked], "viewSubscriptions")
        subscription: Subscription = locked[0][1]
        return subscription
    rows = (await ctx.session.execute(_RELATED_SUBSCRIPTION, params)).all()  # which is not found, or REL-4
    if not rows:
        raise NotFound("Customer", customer_id)
    customers.check_operation([relationship for relationship, _ in rows], "viewSubscriptions")
    found: Subscription | None = rows[0][1]
    if found is None:
        raise NotFound("Subscription", subscription_id)
    if for_update:
        return await lookup.one(ctx, Subscription, subscription_id, what="Subscription", for_update=True)
    return found


# `show_subscription` of a route's subscription, read with its caller's principal (`pipeline.reads_ahead`).
SHOWN_AHEAD = ReadAhead.by_path(_SHOWN_RELATED_SUBSCRIPTION, _params, "customer_id", "subscription_id")


# `show_subscriptions` of a route's customer, read with its caller's principal.
LISTED_AHEAD = ReadAhead.by_path(_SHOWN_RELATED_SUBSCRIPTIONS, _params, "customer_id")


async def show_subscriptions(ctx: PartnerContext, customer_id: uuid.UUID) -> list[ShownSubscription]:
    """`list_subscriptions` for an answer that changes nothing: REL-4 and the list in one statement, as values."""
    rows = await _SHOWN_RELATED_SUBSCRIPTIONS.all(ctx.session, _params(ctx.sandbox_id, ctx.tenant_id, customer_id))
    if not rows:
        raise NotFound("Customer", customer_id)
    split = len(_SHOWN_RELATIONSHIP)
    relationships = {row[0]: customers.ShownRelationship(*row[:split]) for row in rows}  # one each (by id)
    customers.check_operation(list(relationships.values()), "viewSubscriptions")
    listed = {row[split]: row[split:] for row in rows if row[split] is not None}  # one each, in the list's order
    return [ShownSubscription(*values) for values in listed.values()]


async def show_subscription(
    ctx: PartnerContext, customer_id: uuid.UUID, subscription_id: uuid.UUID
) -> ShownSubscription:
    """`get_subscription` for an answer that changes nothing: the same statement and rules, as values."""
    rows = await _SHOWN_RELATED_SUBSCRIPTION.all(ctx.session, _related_params(ctx, customer_id, subscription_id))
    if not rows:
        raise NotFound("Customer", customer_id)
    split = len(_SHOWN_RELATIONSHIP)
    customers.check_operation([customers.ShownRelationship(*row[:split]) for row in rows], "viewSubscriptions")
    if rows[0][split] is None:  # the subscription's id: no such subscription of the caller's
        raise NotFound("Subscription", subscription_id)
    return ShownSubscription(*rows[0][split:])


async def _move(ctx: SandboxContext, subscription: Subscription, target: SubscriptionStatus, action: str) -> None:
    seller = _seller(subscription)
    await move(
        ctx,
        subscription,
        SUBSCRIPTION,
        target,
        action=action,
        event="subscription-updated",
        resource_type="Subscription",
        tenant_ids=[seller],
        audit_tenant_id=seller,
    )


async def update_subscription(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    subscription_id: uuid.UUID,
    quantity: int | None,
    status: SubscriptionStatus | None,
    auto_renew: bool | None,
    friendly_name: str | None,
    scheduled_quantity: int | None,
    scheduled_product: tuple[str, str | None, str | None] | None = None,
) -> Subscription:
    """COM-8: seats go up any time (co-termed, opening their own 168-hour tranche) as a purchase does, through
    `purchases.require_purchase` (AGR-1: the MCA must hold for the partner); seats come down, and the
    subscription is cancelled, only within the 168 hours after purchase, renewal or the tranche's addition.
    Suspension and reactivation at any time; a deleted subscription changes no more. Scheduled changes (seats, and
    another offer, term or billing cycle: `scheduled_product` as catalogItemId, term, cycle) apply at renewal, need
    auto-renew, and any mid-term seat change drops the scheduled seats."""
    subscription = await get_subscription(ctx, customer_id, subscription_id, for_update=True)
    if quantity is not None and quantity > subscription.quantity:
        await purchases.require_purchase(ctx, customer_id)  # more seats are a purchase: AGR-1 and all
    if subscription.status is S.DELETED:
        raise Conflict("A deleted subscription cannot be updated.").with_code(2011, "SubscriptionDeleted")
    before = _settings(subscription)
    subscription.updated_at = ctx.now
    if friendly_name is not None:
        subscription.friendly_name = friendly_name
    if auto_renew is not None:
        subscription.auto_renew = auto_renew
        if not auto_renew:
            subscription.scheduled_quantity = None
            _clear_scheduled_product(subscription)
    if quantity is not None and quantity != subscription.quantity:
        await _change_seats(ctx, subscription, quantity)
    if scheduled_quantity is not None:
        if not subscription.auto_renew:
            raise BadRequest("A scheduled change applies at renewal: turn auto-renew on first.")
        subscription.scheduled_quantity = scheduled_quantity
    if scheduled_product is not None:
        _schedule_product(subscription, *scheduled_product)
    if status is not None and status is not subscription.status:
        await _change_status(ctx, subscription, status)
    after = _settings(subscription)
    changed = sorted(name for name in after if after[name] != before[name])
    if changed:  # seats and status record their own changes (a charge, a move)
        await record_change(
            ctx,
            event="subscription-updated",
            operation_type="update_subscription",
            resource_type="Subscription",
            resource_id=subscription.id,
            tenant_id=ctx.tenant_id,
            also_for=[p for p in [subscription.partner_tenant_id] if p not in (None, ctx.tenant_id)],
            customer_id=subscription.customer_tenant_id,
            data={"changed": changed},
            old_value={name: before[name] for name in changed},
            new_value={name: after[name] for name in changed},
        )
    return subscription


def _settings(subscription: Subscription) -> dict[str, Any]:
    """What a partner sets on a subscription besides its seats and status, as its audit record spells it."""
    return {
        "friendlyName": subscription.friendly_name,
        "autoRenewEnabled": subscription.auto_renew,
        "scheduledQuantity": subscription.scheduled_quantity,
        "scheduledCatalogItemId": subscription.scheduled_catalog_item_id,
        "scheduledTermDuration": subscription.scheduled_term_duration,
        "scheduledBillingCycle": subscription.scheduled_billing_cycle,
    }


def _clear_scheduled_product(subscription: Subscription) -> None:
    subscription.scheduled_catalog_item_id = None
    subscription.scheduled_term_duration = None
    subscription.scheduled_billing_cycle = None


def _schedule_product(
    subscription: Subscription, catalog_item_id: str, term_duration: str | None, billing_cycle: str | None
) -> None:
    """The offer the next term renews as: one of `next_term.scheduled_targets` (a downgrade or a shorter term too,
    which COM-8 keeps out of the current term). Naming the current offer, term and cycle clears the change."""
    if not subscription.auto_renew:
        raise BadRequest("A scheduled change applies at renewal: turn auto-renew on first.")
    if not subscription.is_new_commerce or subscription.term_duration is None:
        raise BadRequest(f"{subscription.offer_name} has no next term to change.")
    term = term_duration or subscription.term_duration
    cycle = (billing_cycle or subscription.billing_cycle or "").lower()
    offer = next_term.offer_of(catalog_item_id)
    if offer is not None and (offer.catalog_item_id, term, cycle) == (
        subscription.offer_id,
        subscription.term_duration,
        subscription.billing_cycle,
    ):
        _clear_scheduled_product(subscription)
        return
    targets = next_term.scheduled_targets(
        catalog_item_id=subscription.offer_id,
        term_duration=subscription.term_duration,
        billing_cycle=subscription.billing_cycle,
    )
    found = next(
        (t for t in targets if t.offer is offer and t.term_duration == term and t.billing_cycle == cycle),
        None,
    )
    if found is None:
        raise BadRequest(
            f"{subscription.offer_name} cannot renew as {catalog_item_id} ({term}, {cycle}): see "
            "GET .../transitionEligibilities?eligibilityType=scheduled for what it can."
        ).with_code(next_term.NOT_AN_UPGRADE, "InvalidScheduledTarget")
    subscription.scheduled_catalog_item_id = found.offer.catalog_item_id
    subscription.scheduled_term_duration = found.term_duration
    subscription.scheduled_billing_cycle = found.billing_cycle


async def _renew_as_scheduled(ctx: SandboxContext, subscription: Subscription) -> None:
    """A scheduled offer change takes effect: the new offer, term, cycle and today's price for them. A change the
    catalog no longer sells is dropped and the subscription renews as it was."""
    wanted = subscription.scheduled_catalog_item_id
    if not wanted:
        return
    customer = await lookup.one(ctx, Tenant, subscription.customer_tenant_id, what="Customer")
    try:
        resolved = catalog.resolve(
            wanted,
            term_duration=subscription.scheduled_term_duration,
            billing_cycle=subscription.scheduled_billing_cycle,
            country=customer.country,
            quantity=subscription.quantity,
        )
    except DomainError:
        _clear_scheduled_product(subscription)
        return
    subscription.offer_id = resolved.offer.catalog_item_id
    subscription.offer_name = resolved.offer.title
    subscription.term_duration = resolved.term.duration or None
    subscription.billing_cycle = resolved.billing_cycle
    subscription.unit_price = resolved.unit_price
    subscription.currency = resolved.currency
    _clear_scheduled_product(subscription)


async def add_seats(ctx: SandboxContext, subscription: Subscription, count: int) -> None:
    """Seats added mid-term (a transition into this subscription): co-termed, in their own 168-hour tranche."""
    await _change_seats(ctx, subscription, subscription.quantity + count)


async def _change_seats(ctx: SandboxContext, subscription: Subscription, quantity: int) -> None:
    if subscription.status is not S.ACTIVE:
        raise Conflict(f"Seats change only on an active subscription; this one is {subscription.status}.").with_code(
            2001, "SubscriptionNotActive"
        )
    if not subscription.refundable_tranches and subscription.commitment_end_date is None:
        raise BadRequest(f"{subscription.offer_name} has no seats to change.")
    added = quantity - subscription.quantity
    subscription.scheduled_quantity = None  # any mid-term change drops the scheduled one
    if added > 0:
        subscription.quantity = quantity
        open_tranche(subscription, added, ctx.now)
        await charge(ctx, subscription, kind="addQuantity", quantity=added)
        return
    removing, open_ = -added, refundable(subscription, ctx.now)
    available = sum(int(t["quantity"]) for t in open_)
    if removing > available:
        closes = max((t["allowedUntil"] for t in subscription.refundable_tranches), default=None)
        raise RuleViolation(
            "COM-8",
            f"Only seats bought within the last 168 hours can be removed: {available} can be "
            f"now; the window of the last addition closed{' at ' + closes if closes else ''}. "
            "Schedule the reduction for the renewal instead (scheduledNextTermInstructions).",
            status_code=400,
            data=[{"refundableQuantity": available}],
        )
    tranches = list(open_)
    while removing:  # the newest seats go first
        last = tranches[-1]
        taken = min(removing, int(last["quantity"]))
        removing -= taken
        if taken == int(last["quantity"]):
            tranches.pop()
        else:
            tranches[-1] = {**last, "quantity": int(last["quantity"]) - taken}
    subscription.refundable_tranches = tranches
    subscription.quantity = quantity
    await charge(ctx, subscription, kind="removeQuantity", quantity=-added)


async def _change_status(ctx: SandboxContext, subscription: Subscription, status: SubscriptionStatus) -> None:
    if status is S.DELETED:
        _require_cancellation_window(subscription, ctx.now)
        await _move(ctx, subscription, S.DELETED, "cancel")
        await timers.cancel(ctx, kind=RENEW_TIMER, ref=subscription.id)
        await charge(ctx, subscription, kind="cancel", quantity=subscription.quantity)
        for addon in await addons_of(ctx, subscription):  # an add-on does not outlive its base
            if addon.status in (S.ACTIVE, S.SUSPENDED):
                await _move(ctx, addon, S.DELETED, "cancel with its base subscription")
                await timers.cancel(ctx, kind=RENEW_TIMER, ref=addon.id)
                await charge(ctx, addon, kind="cancel", quantity=addon.quantity)
        return
    await _move(ctx, subscription, status, "suspend" if status is S.SUSPENDED else "reactivate")


async def addons_of(ctx: SandboxContext, subscription: Subscription) -> list[Subscription]:
    """The add-ons bought on a subscription (those naming it as parentSubscriptionId), oldest first."""
    stmt = (
        select(Subscription)
        .where(
            Subscription.sandbox_id == ctx.sandbox_id,
            Subscription.customer_tenant_id == subscription.customer_tenant_id,
            Subscription.parent_subscription_id == subscription.id,
        )
        .order_by(Subscription.created_at, Subscription.id)
    )
    return list((await ctx.session.execute(stmt)).scalars())


def _require_cancellation_window(subscription: Subscription, now: datetime) -> None:
    """COM-8: a subscription with a term is cancelled only while its window is open. No window means none is open
    (a subscription that arrived by a transfer after the source's window closed), never that there is no limit."""
    if not _has_commitment(subscription):
        return
    until = subscription.cancellation_allowed_until
    if until is not None and now <= until:
        return
    closed = (
        f"this window closed at {until.isoformat()}"
        if until is not None
        else "it has no cancellation window in this term (it arrived by a transfer after the source's window closed)"
    )
    raise RuleViolation(
        "COM-8",
        f"A new-commerce subscription can be cancelled only within 168 hours of its purchase or renewal; {closed}. "
        "Turn auto-renew off to let it end with its term.",
        status_code=400,
    )


@timers.on_timer(RENEW_TIMER)
async def _renew(ctx: SandboxContext, timer: timers.Due) -> None:
    """The term ends: with auto-renew a new term begins (scheduled changes applied, a new window opened), charged
    at the term's price; without, the subscription expires."""
    subscription = await lookup.one(ctx, Subscription, uuid.UUID(timer.ref), what="Subscription", for_update=True)
    if subscription.status not in (S.ACTIVE, S.SUSPENDED):
        return
    if not subscription.auto_renew:
        if subscription.status is S.SUSPENDED:
            await _move(ctx, subscription, S.ACTIVE, "end of term")
        await _move(ctx, subscription, S.EXPIRED, "end of term")
        return
    if subscription.scheduled_quantity:
        subscription.quantity, subscription.scheduled_quantity = subscription.scheduled_quantity, None
    await _renew_as_scheduled(ctx, subscription)
    await start_term(ctx, subscription, ctx.now)
    await charge(ctx, subscription, kind="renew", quantity=subscription.quantity)
