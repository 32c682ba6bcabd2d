"""Partner Center's Subscription and what changes it (PATCH, transitions, migrations to new commerce, entitlements),
on the wire as the .NET SDK's models spell them: camelCase, every date an ISO 8601 date-time in UTC."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from app.commerce.lifecycle import SubscriptionStatusChange
from app.commerce.subscriptions import ShownSubscription, entitlement_of, utc_midnight
from app.kernel.pagination import Link, ResourceAttributes
from app.models import (
    NewCommerceMigration,
    Subscription,
    SubscriptionStatus,
    SubscriptionTransition,
)
from app.wire import Request, Schema


class RefundableQuantity(Schema):
    total_quantity: int
    details: list[dict[str, object]]


class NextTermProduct(Schema):
    """Partner Center's ProductTerm: the offer a subscription renews with."""

    product_id: str = Field(min_length=1, max_length=60)
    sku_id: str = Field(min_length=1, max_length=20)
    availability_id: str | None = Field(None, max_length=40)
    billing_cycle: str | None = Field(None, max_length=20, examples=["monthly"])
    term_duration: str | None = Field(None, pattern=r"^P\d+[MY]$", examples=["P1Y"])
    promotion_id: str | None = Field(None, max_length=100)


class ScheduledNextTermInstructions(Schema):
    # The seats the next term renews with: at least one (cancel instead), at most what a subscription may hold.
    quantity: int | None = Field(None, ge=1, le=100_000)
    product: NextTermProduct | None = None
    custom_term_end_date: datetime | None = None


class SubscriptionLinks(Schema):
    offer: Link
    product: Link | None = None
    sku: Link | None = None
    availability: Link | None = None
    entitlement: Link
    parent_subscription: Link | None = None
    self_: Link = Field(alias="self")


def _actions(s: Subscription | ShownSubscription, now: datetime | None) -> list[str]:
    """What a partner may do now (Partner Center's `actions`)."""
    if s.status is SubscriptionStatus.SUSPENDED:
        return ["Reactivate", "Cancel"]
    if s.status is not SubscriptionStatus.ACTIVE:
        return []
    actions = ["Edit", "Suspend", "Upgrade"]
    until = s.cancellation_allowed_until
    if s.commitment_end_date is None or (until is not None and (now is None or now <= until)):
        actions.append("Cancel")
    return actions


SUSPENSION_REASONS = {
    SubscriptionStatus.SUSPENDED: ["PartnerInitiated"],
    SubscriptionStatus.DELETED: ["CustomerCancellation"],
    SubscriptionStatus.EXPIRED: ["Expired"],
}


class ItemType(Schema):
    """Partner Center's ItemType: a subscription's product type as an object, not a string."""

    id: str
    display_name: str

    @classmethod
    def of(cls, s: Subscription | ShownSubscription) -> "ItemType | None":
        if s.product_type is None:
            return None
        name = f"{s.product_type}NCE" if s.is_new_commerce and s.product_type == "OnlineServices" else s.product_type
        return cls(id=name, display_name=name)


class NewCommerceSubscriptionOut(Schema):
    """Partner Center's Subscription."""

    id: uuid.UUID
    entitlement_id: uuid.UUID
    offer_id: str
    offer_name: str
    friendly_name: str | None
    product_type: ItemType | None
    quantity: int
    unit_type: str = "Licenses"
    parent_subscription_id: uuid.UUID | None
    has_purchasable_addons: bool
    status: str
    suspension_reasons: list[str]
    auto_renew_enabled: bool
    is_trial: bool = False
    billing_type: Literal["license", "usage", "none"]
    contract_type: str = "subscription"
    billing_cycle: str | None
    term_duration: str | None
    creation_date: datetime
    effective_start_date: datetime | None
    commitment_end_date: datetime | None = Field(description="The last day of the term, at 00:00 UTC.")
    cancellation_allowed_until_date: datetime | None
    refundable_quantity: RefundableQuantity
    scheduled_next_term_instructions: ScheduledNextTermInstructions | None
    partner_id: str | None = Field(description="The partner of record (an indirect reseller's PartnerID).")
    promotion_id: str | None = Field(description="The promotion it was bought with.")
    order_id: uuid.UUID | None
    unit_price: str | None
    currency: str | None
    is_new_commerce: bool
    is_microsoft_product: bool = True
    publisher_name: str = "Microsoft Corporation"
    actions: list[str]
    links: SubscriptionLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="Subscription")

    @classmethod
    def of(
        cls, s: Subscription | ShownSubscription, *, now: datetime | None = None, has_addons: bool = False
    ) -> "NewCommerceSubscriptionOut":
        tranches = s.refundable_tranches or []
        base = f"/customers/{s.customer_tenant_id}/subscriptions/{s.id}"
        product_id, sku_id, availability_id = [*s.offer_id.split(":"), "", ""][:3]
        catalog_links = {}
        if s.is_new_commerce and sku_id:
            catalog_links = {
                "product": Link(uri=f"/products/{product_id}"),
                "sku": Link(uri=f"/products/{product_id}/skus/{sku_id}"),
                "availability": Link(uri=f"/products/{product_id}/skus/{sku_id}/availabilities/{availability_id}"),
            }
        entitlement = entitlement_of(s.id)
        return cls(
            id=s.id,
            entitlement_id=entitlement,
            offer_id=s.offer_id,
            offer_name=s.offer_name,
            friendly_name=s.friendly_name or s.offer_name,  # Partner Center names it after its offer
            product_type=ItemType.of(s),
            quantity=s.quantity,
            parent_subscription_id=s.parent_subscription_id,
            has_purchasable_addons=has_addons,
            status=s.status,
            suspension_reasons=SUSPENSION_REASONS.get(s.status, []),
            auto_renew_enabled=s.auto_renew,
            billing_type="usage" if s.product_type == "Azure" else "license",
            billing_cycle=s.billing_cycle,
            term_duration=s.term_duration,
            creation_date=s.created_at,
            effective_start_date=s.effective_start_date,
            commitment_end_date=utc_midnight(s.commitment_end_date),
            cancellation_allowed_until_date=s.cancellation_allowed_until,
            refundable_quantity=RefundableQuantity(
                total_quantity=sum(int(t["quantity"]) for t in tranches),
                details=[{"quantity": t["quantity"], "allowedUntilDateTime": t["allowedUntil"]} for t in tranches],
            ),
            scheduled_next_term_instructions=_scheduled(s),
            partner_id=s.partner_of_record,
            promotion_id=s.promotion_id,
            order_id=s.order_id,
            unit_price=str(s.unit_price) if s.unit_price else None,
            currency=s.currency,
            is_new_commerce=s.is_new_commerce,
            actions=_actions(s, now),
            links=SubscriptionLinks(
                offer=Link(uri=f"/products/{product_id}" if s.is_new_commerce else f"/offers/{s.offer_id}"),
                entitlement=Link(uri=f"/customers/{s.customer_tenant_id}/entitlements/{entitlement}"),
                parent_subscription=Link(
                    uri=f"/customers/{s.customer_tenant_id}/subscriptions/{s.parent_subscription_id}"
                )
                if s.parent_subscription_id
                else None,
                self=Link(uri=base),
                **catalog_links,
            ),
        )


def _scheduled(s: Subscription | ShownSubscription) -> ScheduledNextTermInstructions | None:
    product = None
    if s.scheduled_catalog_item_id:
        product_id, sku_id, availability_id = [*s.scheduled_catalog_item_id.split(":"), "", ""][:3]
        product = NextTermProduct(
            product_id=product_id,
            sku_id=sku_id,
            availability_id=availability_id or None,
            billing_cycle=s.scheduled_billing_cycle,
            term_duration=s.scheduled_term_duration,
        )
    if product is None and not s.scheduled_quantity:
        return None
    return ScheduledNextTermInstructions(quantity=s.scheduled_quantity, product=product)


class SubscriptionPatch(Request):
    """A subscription as Partner Center takes it back: only the fields that change are read; the others may be
    sent as they were (the real clients send the whole resource)."""

    model_config = Request.model_config | {"extra": "ignore"}

    quantity: int | None = Field(None, ge=1, le=100_000)
    status: SubscriptionStatusChange | None = None
    auto_renew_enabled: bool | None = None
    friendly_name: str | None = Field(None, max_length=256)
    scheduled_next_term_instructions: ScheduledNextTermInstructions | None = None


# --- transitions (upgrades and conversions) ---------------------------------------------------------------------


class EligibilityError(Schema):
    code: int
    type: str
    description: str


class Eligibility(Schema):
    is_eligible: bool
    transition_type: str
    errors: list[EligibilityError]


class SubscriptionEligibilityError(Schema):
    code: int
    description: str


class SubscriptionEligibility(Schema):
    """An existing subscription of the target offer the seats may move into (`toSubscriptionId`), or why not."""

    is_eligible: bool
    subscription_id: uuid.UUID
    subscription_friendly_name: str
    subscription_term_duration: str | None
    subscription_billing_cycle: str | None
    errors: list[SubscriptionEligibilityError]


class TransitionEligibilityOut(Schema):
    """Partner Center's TransitionEligibility: one target the subscription may (or may not) move to."""

    operation_id: uuid.UUID = Field(description="The eligibility check this answer comes from.")
    catalog_item_id: str
    title: str
    description: str
    quantity: int = Field(description="The seats the source subscription holds.")
    term_duration: str | None
    billing_cycle: str | None
    subscription_eligibilities: list[SubscriptionEligibility] = Field(
        description="The customer's subscriptions of the target offer (immediate only; empty when scheduled)."
    )
    eligibilities: list[Eligibility]
    attributes: ResourceAttributes = ResourceAttributes(object_type="TransitionEligibility")


class TransitionIn(Request):
    """Partner Center's Transition as a partner posts it."""

    model_config = Request.model_config | {"extra": "ignore"}

    from_catalog_item_id: str | None = Field(None, max_length=200)
    to_catalog_item_id: str = Field(min_length=1, max_length=200)
    from_subscription_id: uuid.UUID | None = None
    to_subscription_id: uuid.UUID | None = None
    quantity: int = Field(ge=1, le=100_000)
    transition_type: str | None = Field(None, max_length=60, examples=["transition_only"])
    term_duration: str | None = Field(None, pattern=r"^P\d+[MY]$", examples=["P1Y"])
    billing_cycle: str | None = Field(None, max_length=20, examples=["monthly"])


class TransitionEvent(Schema):
    """Partner Center's TransitionEvent: a step of the transition and where it stands."""

    name: str
    status: str
    timestamp: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="TransitionEvent")


class TransitionOut(Schema):
    """Partner Center's Transition: `fromSubscriptionId` the source, `toSubscriptionId` the subscription the seats
    moved to (a new one, or the existing one the request named)."""

    id: uuid.UUID
    operation_id: uuid.UUID = Field(description="The transition's id, by which its status is tracked.")
    from_catalog_item_id: str
    to_catalog_item_id: str
    from_subscription_id: uuid.UUID
    to_subscription_id: uuid.UUID
    quantity: int
    term_duration: str | None
    billing_cycle: str | None
    promotion_id: str | None = None
    transition_type: str
    status: str
    order_id: uuid.UUID | None
    creation_date: datetime
    completed_time: datetime | None
    events: list[TransitionEvent]
    attributes: ResourceAttributes = ResourceAttributes(object_type="Transition")

    @classmethod
    def of(cls, t: SubscriptionTransition) -> "TransitionOut":
        events = [TransitionEvent(name="Conversion", status="Started", timestamp=t.created_at)]
        if t.completed_at is not None:
            events.append(TransitionEvent(name="Conversion", status="Completed", timestamp=t.completed_at))
        return cls(
            id=t.id,
            operation_id=t.id,
            from_catalog_item_id=t.from_catalog_item_id,
            to_catalog_item_id=t.to_catalog_item_id,
            from_subscription_id=t.from_subscription_id,
            to_subscription_id=t.to_subscription_id,
            quantity=t.quantity,
            term_duration=t.term_duration,
            billing_cycle=t.billing_cycle,
            transition_type=t.transition_type,
            status=t.status,
            order_id=t.order_id,
            creation_date=t.created_at,
            completed_time=t.completed_at,
            events=events,
        )


# --- migrations to new commerce ---------------------------------------------------------------------------------


class NewCommerceMigrationIn(Request):
    """Partner Center's NewCommerceMigration as a partner posts it (and validates it)."""

    model_config = Request.model_config | {"extra": "ignore"}

    current_subscription_id: uuid.UUID
    term_duration: str | None = Field(
        None, pattern=r"^P\d+[MY]$", examples=["P1Y"], description="Left out: the legacy subscription's."
    )
    billing_cycle: str | None = Field(
        None, min_length=1, max_length=20, examples=["monthly"], description="Left out: the legacy subscription's."
    )
    quantity: int | None = Field(None, ge=1, le=100_000)
    purchase_full_term: bool = False
    external_reference_id: str | None = Field(None, max_length=100)


class NewCommerceMigrationOut(Schema):
    id: uuid.UUID
    started_time: datetime
    completed_time: datetime | None
    current_subscription_id: uuid.UUID
    status: str
    customer_tenant_id: uuid.UUID
    catalog_item_id: str
    new_commerce_subscription_id: uuid.UUID | None
    new_commerce_order_id: uuid.UUID | None
    subscription_end_date: datetime | None
    quantity: int
    term_duration: str
    billing_cycle: str
    purchase_full_term: bool
    external_reference_id: str | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="NewCommerceMigration")

    @classmethod
    def of(cls, m: NewCommerceMigration) -> "NewCommerceMigrationOut":
        return cls(
            id=m.id,
            started_time=m.started_at,
            completed_time=m.completed_at,
            current_subscription_id=m.current_subscription_id,
            status=m.status,
            customer_tenant_id=m.customer_tenant_id,
            catalog_item_id=m.catalog_item_id,
            new_commerce_subscription_id=m.new_commerce_subscription_id,
            new_commerce_order_id=m.new_commerce_order_id,
            subscription_end_date=m.subscription_end_date,
            quantity=m.quantity,
            term_duration=m.term_duration,
            billing_cycle=m.billing_cycle,
            purchase_full_term=m.purchase_full_term,
            external_reference_id=m.external_reference_id,
        )


class MigrationErrorOut(Schema):
    code: int
    description: str


class NewCommerceEligibilityOut(Schema):
    """Partner Center's NewCommerceEligibility: whether the migration asked for would go through, and why not."""

    current_subscription_id: uuid.UUID
    is_eligible: bool
    errors: list[MigrationErrorOut]
    catalog_item_id: str | None
    term_duration: str
    billing_cycle: str
    quantity: int | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="NewCommerceEligibility")


# --- entitlements -------------------------------------------------------------------------------------------------


class ReferenceOrder(Schema):
    id: uuid.UUID | None
    line_item_id: str


class EntitlementOut(Schema):
    """Partner Center's Entitlement: what a customer is entitled to use by a subscription."""

    included_entitlements: list[object] = Field(default_factory=list)
    referenced_entitlement_uris: list[str] = Field(default_factory=list)
    reference_order: ReferenceOrder
    product_id: str
    sku_id: str
    quantity: int
    entitled_artifacts: list[object] = Field(default_factory=list)
    fulfillment_state: str
    entitlement_type: str
    expiry_date: datetime | None
    subscription_id: uuid.UUID
    id: uuid.UUID
    attributes: ResourceAttributes = ResourceAttributes(object_type="Entitlement")
