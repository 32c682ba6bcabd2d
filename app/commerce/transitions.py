"""Transitions: a subscription's seats moved to a higher offer mid-term (an upgrade), all of them (full: the source
is converted and ends) or some (partial: a new subscription takes them, the source keeps the rest).

    source (active) ──transition, all seats──> deleted (converted)      target: a new subscription, its own order
    source (active) ──transition, n seats───> active, n seats fewer     target: a new subscription of n seats
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn

from sqlalchemy import select

from app.catalog import service as catalog
from app.commerce import next_term, purchases, subscriptions
from app.commerce.orders import replace_subscription
from app.events.service import record_change
from app.kernel import lookup
from app.kernel.context import PartnerContext
from app.kernel.errors import BadRequest, Conflict, RuleViolation
from app.kernel.statements import add_now
from app.models import (
    Subscription,
    SubscriptionStatus,
    SubscriptionTransition,
    Tenant,
    TransitionStatus,
)
from app.wire import WireEnum

TRANSITION_ONLY = "transition_only"
TRANSITION_TYPES = {TRANSITION_ONLY, "transition_with_license_transfer"}


class EligibilityType(WireEnum):
    IMMEDIATE = "immediate"
    SCHEDULED = "scheduled"


# Partner Center's subscription eligibility codes: why seats cannot move into an existing subscription.
INTO_NOT_ACTIVE, INTO_IN_CANCELLATION_WINDOW, INTO_SHORTER_TERM, INTO_ENDS_SOONER = 1, 2, 3, 4


@dataclass(frozen=True)
class Choice:
    """A target of a transition, and the customer's subscriptions of its offer the seats may move into (each with
    why not, when they may not: Partner Center's subscriptionEligibilities)."""

    target: next_term.Target
    into: list[tuple[Subscription, list[tuple[int, str]]]] = field(default_factory=list)


def _into_errors(source: Subscription, existing: Subscription, now: datetime) -> list[tuple[int, str]]:
    """Why the seats of `source` cannot move into `existing` now (Partner Center's codes 1-4; COM-8 keeps the
    commitment made: the target's term is no shorter and ends no sooner)."""
    errors: list[tuple[int, str]] = []
    if existing.status is not SubscriptionStatus.ACTIVE:
        errors.append((INTO_NOT_ACTIVE, "The subscription is not active."))
    until = existing.cancellation_allowed_until
    if until is not None and now <= until:
        errors.append((INTO_IN_CANCELLATION_WINDOW, "The subscription is within its cancellation window."))
    months = next_term.TERM_MONTHS
    if months.get(existing.term_duration or "", 0) < months.get(source.term_duration or "", 0):
        errors.append(
            (INTO_SHORTER_TERM, "The subscription's term duration is shorter than the source subscription's.")
        )
    ends, source_ends = subscriptions.renews_at(existing), subscriptions.renews_at(source)
    if ends is not None and source_ends is not None and ends < source_ends:
        errors.append((INTO_ENDS_SOONER, "The subscription's term ends before the source subscription's."))
    return errors


def _state_errors(source: Subscription, kind: EligibilityType) -> tuple[tuple[int, str, str], ...]:
    """What keeps the subscription itself from moving, whatever the target."""
    if not source.is_new_commerce:
        return (
            (
                next_term.LEGACY_SOURCE,
                "LegacySubscription",
                "A legacy subscription moves to new commerce by a migration (POST .../migrations/newcommerce), "
                "not by a transition.",
            ),
        )
    if source.status is not SubscriptionStatus.ACTIVE:
        return ((next_term.NOT_ACTIVE, "SubscriptionNotActive", f"The subscription is {source.status}."),)
    if kind is EligibilityType.SCHEDULED and not source.auto_renew:
        return (
            (next_term.NO_AUTO_RENEW, "AutoRenewOff", "A scheduled change applies at renewal: turn auto-renew on."),
        )
    return ()


def _targets(source: Subscription, kind: EligibilityType) -> list[next_term.Target]:
    found = (next_term.upgrade_targets if kind is EligibilityType.IMMEDIATE else next_term.scheduled_targets)(
        catalog_item_id=source.offer_id, term_duration=source.term_duration, billing_cycle=source.billing_cycle
    )
    blocked = _state_errors(source, kind)
    if not blocked:
        return found
    return [next_term.Target(t.offer, t.term_duration, t.billing_cycle, blocked + t.errors) for t in found]


def _refuse(error: tuple[int, str, str]) -> NoReturn:
    """An eligibility error as a refusal: the subscription's state (409, or 400 for a legacy one, which migrates
    instead), or COM-8's commitment (400)."""
    code, name, why = error
    if code == next_term.NOT_ACTIVE:
        raise Conflict(why).with_code(code, name)
    if code == next_term.LEGACY_SOURCE:
        raise BadRequest(why).with_code(code, name)
    raise RuleViolation("COM-8", why, status_code=400, code=code, error_name=name)


async def transition_eligibilities(
    ctx: PartnerContext, *, customer_id: uuid.UUID, subscription_id: uuid.UUID, eligibility_type: EligibilityType
) -> tuple[Subscription, list[Choice]]:
    """What the subscription may move to: now (`immediate`: upgrades, in a term at least as long, COM-8) or at its
    renewal (`scheduled`: any seat offer, term and billing cycle). Each target says whether it is eligible, and if
    not, why (Partner Center's numeric codes); an immediate one also lists the customer's subscriptions of its
    offer the seats may move into (`toSubscriptionId`), each with why not (codes 1-4)."""
    source = await subscriptions.get_subscription(ctx, customer_id, subscription_id)
    targets = _targets(source, eligibility_type)
    if eligibility_type is EligibilityType.SCHEDULED:
        return source, [Choice(t) for t in targets]
    held = [s for s in await subscriptions.list_subscriptions(ctx, customer_id) if s.id != source.id]
    return source, [
        Choice(
            t,
            [
                (s, _into_errors(source, s, ctx.now))
                for s in held
                if s.offer_id == t.offer.catalog_item_id and s.status is not SubscriptionStatus.DELETED
            ],
        )
        for t in targets
    ]


async def transition_subscription(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    subscription_id: uuid.UUID,
    to_catalog_item_id: str,
    quantity: int,
    from_catalog_item_id: str | None,
    to_subscription_id: uuid.UUID | None,
    transition_type: str | None,
    term_duration: str | None,
    billing_cycle: str | None,
) -> SubscriptionTransition:
    """An upgrade is a purchase of the target: `purchases.require_purchase` (COM-1, COM-2, REL-3, REL-5, AGR-1: the
    MCA must hold for the partner). COM-8: mid-term a subscription moves only to an eligible upgrade in a term at
    least as long as its own (an ineligible target is refused with Partner Center's code); the target is a new
    purchase with its own 168-hour window, co-termed with the source when their terms match. Full (every seat):
    the source is converted (deleted, credited, its add-ons follow the target); partial: the source keeps the rest."""
    source = await subscriptions.get_subscription(ctx, customer_id, subscription_id, for_update=True)
    if from_catalog_item_id and next_term.offer_of(from_catalog_item_id) is not next_term.offer_of(source.offer_id):
        raise BadRequest(f"fromCatalogItemId is the subscription's own offer, {source.offer_id}.")
    kind = (transition_type or TRANSITION_ONLY).lower()
    if kind not in TRANSITION_TYPES:
        raise BadRequest(f"transitionType is one of {', '.join(sorted(TRANSITION_TYPES))}.")
    blocked = _state_errors(source, EligibilityType.IMMEDIATE)
    if blocked:
        _refuse(blocked[0])
    target = next_term.find(
        _targets(source, EligibilityType.IMMEDIATE),
        catalog_item_id=to_catalog_item_id,
        term_duration=term_duration or source.term_duration,
    )
    if target is None:
        raise RuleViolation(
            "COM-8",
            f"{source.offer_name} cannot be upgraded to {to_catalog_item_id} now: see GET .../transitionEligibilities "
            "for its upgrades; other offers are a change at renewal (scheduledNextTermInstructions).",
            status_code=400,
            code=next_term.NOT_AN_UPGRADE,
            error_name="TransitionNotEligible",
        )
    if target.errors:
        _refuse(target.errors[0])
    if quantity > source.quantity:
        raise BadRequest(f"The subscription has {source.quantity} seats: move {source.quantity} or fewer.")
    await purchases.require_purchase(ctx, customer_id)  # what is asked makes sense: may the caller buy it?
    if to_subscription_id is not None:
        return await _transition_into(
            ctx, source, target=target, to_subscription_id=to_subscription_id, quantity=quantity, kind=kind
        )
    customer = await lookup.one(ctx, Tenant, customer_id, what="Customer")
    resolved = catalog.resolve(
        target.offer.catalog_item_id,
        term_duration=target.term_duration,
        billing_cycle=billing_cycle or target.billing_cycle,
        country=customer.country,
        quantity=quantity,
    )
    same_term = (resolved.term.duration or None) == source.term_duration
    upgraded, order_id = await replace_subscription(
        ctx,
        source=source,
        resolved=resolved,
        quantity=quantity,
        transaction_type="upgrade",
        ends_at=subscriptions.renews_at(source) if same_term else None,
    )
    return await _move_seats(ctx, source, upgraded, quantity=quantity, kind=kind, order_id=order_id)


async def _transition_into(
    ctx: PartnerContext,
    source: Subscription,
    *,
    target: next_term.Target,
    to_subscription_id: uuid.UUID,
    quantity: int,
    kind: str,
) -> SubscriptionTransition:
    """The seats moved into an existing subscription of the target offer (`toSubscriptionId`): it gains them as a
    mid-term seat addition (its own 168-hour tranche, co-termed), the source loses them (converted when all go).
    COM-8: the target's term is no shorter and ends no sooner than the source's; it is active and past its own
    cancellation window (Partner Center's subscription eligibility codes 1-4)."""
    existing = await subscriptions.get_subscription(ctx, source.customer_tenant_id, to_subscription_id, for_update=True)
    if existing.offer_id != target.offer.catalog_item_id:
        raise BadRequest(
            f"toSubscriptionId names a subscription of {existing.offer_id}, not of {target.offer.catalog_item_id}."
        )
    errors = _into_errors(source, existing, ctx.now)
    if errors:
        code, why = errors[0]
        if code in {INTO_NOT_ACTIVE, INTO_IN_CANCELLATION_WINDOW}:
            raise Conflict(f"The seats cannot move into {existing.id}: {why}").with_code(
                code, "SubscriptionNotEligible"
            )
        raise RuleViolation(
            "COM-8",
            f"The seats cannot move into {existing.id}: {why}",
            status_code=400,
            code=code,
            error_name="SubscriptionNotEligible",
        )
    await subscriptions.add_seats(ctx, existing, quantity)
    return await _move_seats(ctx, source, existing, quantity=quantity, kind=kind, order_id=None)


async def _move_seats(
    ctx: PartnerContext,
    source: Subscription,
    into: Subscription,
    *,
    quantity: int,
    kind: str,
    order_id: uuid.UUID | None,
) -> SubscriptionTransition:
    """The seats leave the source for `into` (all of them: the source is converted and its add-ons follow), and the
    transition is written and recorded."""
    seats_before = source.quantity
    if quantity == source.quantity:
        for addon in await subscriptions.addons_of(ctx, source):
            addon.parent_subscription_id = into.id
        await subscriptions.end_by_replacement(ctx, source, action="convert")
    else:
        await subscriptions.release_seats(ctx, source, quantity)
    transition = SubscriptionTransition(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=source.customer_tenant_id,
        partner_tenant_id=ctx.tenant_id,
        from_subscription_id=source.id,
        to_subscription_id=into.id,
        from_catalog_item_id=source.offer_id,
        to_catalog_item_id=into.offer_id,
        quantity=quantity,
        term_duration=into.term_duration,
        billing_cycle=into.billing_cycle,
        transition_type=kind,
        status=TransitionStatus.COMPLETED,
        order_id=order_id,
        created_at=ctx.now,
        completed_at=ctx.now,
    )
    await add_now(ctx.session, transition)
    await _record(ctx, transition, source, seats_before)
    return transition


async def _record(
    ctx: PartnerContext, transition: SubscriptionTransition, source: Subscription, seats_before: int
) -> None:
    customer_id = source.customer_tenant_id
    await record_change(
        ctx,
        event="subscription-updated",
        operation_type="transition_subscription",
        resource_type="Subscription",
        resource_id=source.id,
        tenant_id=ctx.tenant_id,
        customer_id=customer_id,
        data={"transitionId": str(transition.id), "toSubscriptionId": str(transition.to_subscription_id)},
        old_value={"offerId": source.offer_id, "quantity": seats_before},
        new_value={"offerId": transition.to_catalog_item_id, "quantity": transition.quantity},
    )


async def list_transitions(
    ctx: PartnerContext, *, customer_id: uuid.UUID, subscription_id: uuid.UUID
) -> list[SubscriptionTransition]:
    """The transitions out of a subscription the caller sees, oldest first."""
    source = await subscriptions.get_subscription(ctx, customer_id, subscription_id)
    stmt = (
        select(SubscriptionTransition)
        .where(
            SubscriptionTransition.sandbox_id == ctx.sandbox_id,
            SubscriptionTransition.partner_tenant_id == ctx.tenant_id,
            SubscriptionTransition.from_subscription_id == source.id,
        )
        .order_by(SubscriptionTransition.created_at, SubscriptionTransition.id)
    )
    return list((await ctx.session.execute(stmt)).scalars())
