"""The transfer flow of TRF-3: create (target), choose and submit (source), cancel (target), expire (clock)."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.commerce.lifecycle import SUBSCRIPTION
from app.commerce.orders import OrderLine, create_order, partner_of_record
from app.commerce.subscriptions import RENEW_TIMER, charge, create_subscription
from app.customers import service as customers
from app.events.service import move, notify, record_change
from app.identity import service as identity
from app.kernel import lookup, timers
from app.kernel.clock import add_business_days
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, NotFound, RuleViolation
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import (
    Order,
    Subscription,
    SubscriptionChannel,
    SubscriptionStatus,
    Tenant,
    TenantKind,
    Transfer,
    TransferStatus,
)
from app.programs import service as programs
from app.transfers.lifecycle import TRANSFER, TRANSFERABLE_PRODUCT_TYPES, TransferStatusChange

T = TransferStatus
EXPIRE_TIMER = "transfer.expire"
POLICY_TIMER = "policy.transfer-submission"


async def create_transfer(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    source_partner_tenant_id: uuid.UUID,
    customer_email: str,
    target_product_types: list[str] | None,
    partner_on_record: str | None,
    transfer_type: int,
) -> Transfer:
    """TRF-2: the target must be able to transact for the customer (a provider's own relationship is REL-5). COM-3:
    a provider's partner of record is checked as an order's is, and recorded (left out: the reseller it holds the
    customer for). TRF-3: the request names the source partner and the customer's email; the source is
    notified, with an event and an audit record. TRF-5: it expires after transferExpiryDays."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="create a transfer", apps=True)
    target_id = ctx.tenant_id
    if transfer_type != 5:
        raise BadRequest("cspsim moves new-commerce subscriptions: transferType is 5.")
    relationship = await _require_transacting_target(ctx, customer_id)
    source = await ctx.session.get(Tenant, (ctx.sandbox_id, source_partner_tenant_id))
    if source is None or source.kind is not TenantKind.PARTNER or source.id == target_id:
        raise BadRequest(f"{source_partner_tenant_id} is not another partner's tenant.")
    on_record = await partner_of_record(ctx, relationship, customer_id, partner_on_record)
    if target_product_types:
        unknown = set(target_product_types) - {"OnlineServicesNCE", "Azure", "AzureSubscription", "OnlineServices"}
        if unknown:
            raise BadRequest(f"targetProductTypes: {', '.join(sorted(unknown))} cannot move between partners.")
    transfer = Transfer(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer_id,
        source_partner_tenant_id=source.id,
        target_partner_tenant_id=target_id,
        customer_email=customer_email.lower(),
        status=T.ACTIVE,
        transfer_type=transfer_type,
        target_product_types=target_product_types,
        partner_on_record=on_record,
        line_items=[],
        created_by=ctx.actor.name,
        last_modified_by=ctx.actor.name,
        created_at=ctx.now,
        expires_at=ctx.now + timedelta(days=ctx.settings.transfer_expiry_days),
        last_modified_at=ctx.now,
    )
    await add_now(ctx.session, transfer)
    await timers.schedule(ctx, kind=EXPIRE_TIMER, ref=transfer.id, due_at=transfer.expires_at)
    policy = ctx.settings.counterparty_policies.transfer_submission
    if policy.action != "manual":
        await timers.schedule(
            ctx,
            kind=POLICY_TIMER,
            ref=transfer.id,
            payload={"action": policy.action},
            due_at=add_business_days(ctx.now, policy.after_business_days),
        )
    await record_change(
        ctx,
        event="create-transfer",
        operation_type="create_transfer",
        resource_type="Transfer",
        resource_id=transfer.id,
        tenant_id=source.id,
        also_for=[target_id],
        customer_id=customer_id,
        data={"customerId": str(customer_id)},
        new_value={"status": T.ACTIVE.value},
    )
    profile = await programs.find_profile(ctx, source.id)
    if profile and profile.primary_contact_email:
        await notify(
            ctx,
            to=profile.primary_contact_email,
            kind="transfer-request",
            tenant_id=source.id,
            subject="A partner asks you to transfer a customer's subscriptions",
            body=f"Transfer {transfer.id} for customer {customer_id}: open it, choose the subscriptions "
            f"and submit before {transfer.expires_at:%Y-%m-%d}.",
        )
    await notify(
        ctx,
        to=customer_email,
        kind="transfer-request",
        subject="A transfer of your subscriptions was requested",
        body=f"Transfer {transfer.id} asks your current partner to move your subscriptions.",
    )
    return transfer


async def _require_transacting_target(ctx: PartnerContext, customer_id: uuid.UUID) -> customers.ShownRelationship:
    """TRF-2: the target must be able to transact for the customer: an active direct-bill partner holding it
    directly, or an indirect provider with its own relationship; the relationship it receives through is answered.

    The decision on ids: a provider's own relationship is REL-5, checked in one place for its orders and its
    transfers alike (`customers.require_purchase_relationship`, Partner Center's 20002). TRF-2 refuses every other
    target, under the same 20002: a partner that cannot transact at all (an indirect reseller, a direct bill that is
    Restricted, even one still holding its old direct-bill relationship) and a direct-bill partner the customer has
    not accepted; alike whether or not the customer exists."""
    can = await programs.capabilities(ctx, ctx.tenant_id)
    if not (can.direct_bill or can.indirect_provider):
        raise RuleViolation(
            "TRF-2",
            "Only a partner that can transact for the customer receives a transfer: an active direct-bill "
            "partner or an indirect provider. As an indirect reseller (or with your direct bill Restricted), ask "
            "your provider to create the transfer, with your PartnerID as partnerOnRecord.",
            code=20002,
            error_name="NoCommerceRelationship",
        )
    if not can.indirect_provider and not await customers.relationships_with(ctx, customer_id, ctx.tenant_id):
        raise RuleViolation(
            "TRF-2",
            "Establish a reseller relationship with the customer before asking for a "
            "transfer: send it the relationship request link (GET /v1/customers/relationshiprequests) "
            "and let it accept.",
            code=20002,
            error_name="NoCommerceRelationship",
        )
    return (await customers.require_purchase_relationship(ctx, customer_id)).relationship


async def _visible(
    ctx: PartnerContext, customer_id: uuid.UUID, transfer_id: uuid.UUID, *, for_update: bool = False
) -> Transfer:
    """A transfer the caller is source or target of; any other is not found."""
    me = ctx.tenant_id
    party = (Transfer.source_partner_tenant_id == me) | (Transfer.target_partner_tenant_id == me)
    mine = [Transfer.customer_tenant_id == customer_id, party]
    try:
        return await lookup.one(ctx, Transfer, transfer_id, what="Transfer", for_update=for_update, where=mine)
    except NotFound as missing:
        raise missing.with_code(900100, "TransferNotFound") from None


async def get_transfer(ctx: PartnerContext, customer_id: uuid.UUID, transfer_id: uuid.UUID) -> Transfer:
    return await _visible(ctx, customer_id, transfer_id)


async def list_transfers(ctx: PartnerContext, customer_id: uuid.UUID, page: PageRequest) -> Page[Transfer]:
    """The customer's transfers the caller takes part in, for a customer it sees."""
    await customers.get_visible_customer(ctx, customer_id)
    me = ctx.tenant_id
    stmt = select(Transfer).where(
        Transfer.sandbox_id == ctx.sandbox_id,
        Transfer.customer_tenant_id == customer_id,
        (Transfer.source_partner_tenant_id == me) | (Transfer.target_partner_tenant_id == me),
    )
    return await keyset(ctx.session, stmt, keys=[Transfer.created_at, Transfer.id], page=page)


async def partner_names(ctx: SandboxContext, transfers: list[Transfer]) -> dict[uuid.UUID, str]:
    """The display names of the partners on both sides of these transfers, read at once for a listing."""
    ids = {t.source_partner_tenant_id for t in transfers} | {t.target_partner_tenant_id for t in transfers}
    if not ids:
        return {}
    rows = await ctx.session.execute(
        select(Tenant.id, Tenant.display_name).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.id.in_(ids))
    )
    return {row.id: row.display_name for row in rows}


def _require_active(transfer: Transfer) -> None:
    if transfer.status is T.COMPLETE:
        raise Conflict("This transfer is already complete.").with_code(900102, "TransferAlreadyComplete")
    if transfer.status is not T.ACTIVE:
        raise Conflict(f"This transfer is {transfer.status}; it can no longer change.").with_code(
            900104, "TransferNotActive"
        )


async def _in_other_transfer(ctx: SandboxContext, transfer: Transfer, subscription_id: str) -> bool:
    others = (
        await ctx.session.execute(
            select(Transfer.line_items).where(
                Transfer.sandbox_id == ctx.sandbox_id,
                Transfer.customer_tenant_id == transfer.customer_tenant_id,
                Transfer.status == T.ACTIVE,
                Transfer.id != transfer.id,
            )
        )
    ).scalars()
    return any(line["subscriptionId"] == subscription_id for lines in others for line in lines)


async def update_transfer(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    transfer_id: uuid.UUID,
    status: TransferStatusChange | None,
    line_items: list[dict[str, Any]] | None,
) -> Transfer:
    """The target cancels (`status: Cancel`) while the request is active; the source chooses which subscriptions
    move. TRF-1: only new-commerce license-based subscriptions and Azure plans; a legacy one is refused with the way
    out (migrate it to new commerce, then transfer it).
    A subscription is in at most one active transfer."""
    transfer = await _visible(ctx, customer_id, transfer_id, for_update=True)
    me = ctx.tenant_id
    if status is not None:  # every status a partner may set cancels
        if me != transfer.target_partner_tenant_id:
            raise Conflict("Only the partner that created the transfer cancels it.")
        _require_active(transfer)
        await _move(ctx, transfer, T.CANCELED, "cancel", "cancel-transfer")
        await timers.cancel(ctx, kind=EXPIRE_TIMER, ref=transfer.id)
        return transfer
    if line_items is None:
        raise BadRequest("Send lineItems (the source partner) or status: Cancel (the target partner).")
    if me != transfer.source_partner_tenant_id:
        raise Conflict("Only the source partner chooses which subscriptions move.")
    _require_active(transfer)
    chosen = []
    for number, item in enumerate(line_items):
        subscription = await _source_subscription(ctx, transfer, item.get("subscriptionId"))
        if await _in_other_transfer(ctx, transfer, str(subscription.id)):
            raise Conflict(f"Subscription {subscription.id} is already in another active transfer.").with_code(
                900101, "TransferAlreadyInProgress"
            )
        quantity = int(item.get("quantity") or subscription.quantity)
        if quantity != subscription.quantity:
            raise BadRequest("A new-commerce transfer moves all seats of a subscription.")
        chosen.append(
            {
                "id": number,
                "subscriptionId": str(subscription.id),
                "quantity": quantity,
                "offerId": subscription.offer_id,
                "friendlyName": subscription.friendly_name,
                "billingCycle": subscription.billing_cycle,
                "termDuration": subscription.term_duration,
                "partnerIdOnRecord": transfer.partner_on_record or subscription.partner_of_record,
                "status": "Active",
                "transferError": None,
                "addonItems": [],
            }
        )
    transfer.line_items = chosen
    transfer.last_modified_at, transfer.last_modified_by = ctx.now, ctx.actor.name
    return transfer


async def _source_subscription(ctx: SandboxContext, transfer: Transfer, subscription_id: object) -> Subscription:
    try:
        wanted = uuid.UUID(str(subscription_id))
    except ValueError:
        raise BadRequest(f"'{subscription_id}' is not a subscription id.") from None
    held = [
        Subscription.customer_tenant_id == transfer.customer_tenant_id,
        Subscription.partner_tenant_id == transfer.source_partner_tenant_id,
    ]
    what = "Subscription of this customer held by the source partner"
    subscription = await lookup.one(ctx, Subscription, wanted, what=what, for_update=True, where=held)
    if not subscription.is_new_commerce:
        raise RuleViolation(
            "TRF-1",
            f"{subscription.offer_name} is a legacy subscription: only new-commerce ones move. The source "
            "migrates it to new commerce first (POST "
            f"/v1/customers/{subscription.customer_tenant_id}/migrations/newcommerce) and transfers the new "
            "subscription; or leaves it out of this transfer (it stays with the source); or cancels it (PATCH the "
            "subscription with status: deleted) and the target buys the new-commerce offer (POST "
            f"/v1/customers/{subscription.customer_tenant_id}/orders).",
            status_code=400,
        )
    if subscription.product_type not in TRANSFERABLE_PRODUCT_TYPES:
        raise RuleViolation(
            "TRF-1",
            f"Only new-commerce license-based subscriptions and Azure plans move between "
            f"partners; {subscription.offer_name} ({subscription.product_type}) does not.",
            status_code=400,
        )
    if subscription.status is not SubscriptionStatus.ACTIVE:
        raise Conflict(f"Subscription {subscription.id} is {subscription.status}; only active ones move.")
    return subscription


async def _move(ctx: SandboxContext, transfer: Transfer, target: TransferStatus, action: str, event: str) -> None:
    transfer.last_modified_at, transfer.last_modified_by = ctx.now, ctx.actor.name
    await move(
        ctx,
        transfer,
        TRANSFER,
        target,
        action=action,
        event=event,
        resource_type="Transfer",
        tenant_ids=[transfer.source_partner_tenant_id, transfer.target_partner_tenant_id],
    )


async def submit_transfer(ctx: PartnerContext, *, customer_id: uuid.UUID, transfer_id: uuid.UUID) -> Order:
    """TRF-3's last step, by the source: in one transaction each chosen subscription is created anew on the target's
    billing account (same offer, seats, term end and partner of record) and the old one is cancelled. Never both,
    never neither; a second submission finds the transfer complete (900102). TRF-4: a transitioning partner moves its
    direct-bill subscriptions to its provider the same way."""
    transfer = await _visible(ctx, customer_id, transfer_id, for_update=True)
    if ctx.tenant_id != transfer.source_partner_tenant_id:
        raise Conflict("Only the source partner submits a transfer.")
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="submit a transfer", apps=True)
    _require_active(transfer)
    if not transfer.line_items:
        raise BadRequest("Choose the subscriptions first (PATCH the transfer with lineItems).")
    order_id = await ctx.new_id()  # first, so that each moved subscription names its order
    currency = "USD"
    lines: list[OrderLine] = []
    done = []
    for number, item in enumerate(transfer.line_items):
        old = await _source_subscription(ctx, transfer, item["subscriptionId"])
        new = await _moved(ctx, old, transfer, order_id)
        await move(
            ctx,
            old,
            SUBSCRIPTION,
            SubscriptionStatus.DELETED,
            action="transfer out",
            event="subscription-updated",
            resource_type="Subscription",
            tenant_ids=[transfer.source_partner_tenant_id],
        )
        await timers.cancel(ctx, kind=RENEW_TIMER, ref=old.id)
        await charge(ctx, old, kind="transferOut", quantity=old.quantity)
        currency = new.currency or "USD"
        lines.append(
            OrderLine(
                line_item_number=number,
                offer_id=new.offer_id,
                subscription_id=new.id,
                term_duration=new.term_duration,
                quantity=new.quantity,
                partner_id_on_record=new.partner_of_record,
                billing_cycle=new.billing_cycle,
                friendly_name=new.friendly_name,
                transferred_from=old.id,
            )
        )
        done.append({**item, "status": "Complete"})
    order = await create_order(
        ctx,
        order_id=order_id,
        customer_id=customer_id,
        partner_tenant_id=transfer.target_partner_tenant_id,
        line_items=lines,
        currency=currency,
        transaction_type="SystemPurchase",
    )
    transfer.line_items, transfer.order_id = done, order.id
    await _move(ctx, transfer, T.COMPLETE, "submit", "complete-transfer")
    await timers.cancel(ctx, kind=EXPIRE_TIMER, ref=transfer.id)
    await ctx.session.flush()
    return order


async def _moved(ctx: SandboxContext, old: Subscription, transfer: Transfer, order_id: uuid.UUID) -> Subscription:
    """The old subscription again, on the target: same offer, seats, price and term end (its term runs from the old
    one's start), and the old one's cancellation window, what is left of it (COM-8: none once it passed)."""
    return await create_subscription(
        ctx,
        customer_tenant_id=old.customer_tenant_id,
        channel=SubscriptionChannel.CSP,
        partner_tenant_id=transfer.target_partner_tenant_id,
        order_id=order_id,
        offer_id=old.offer_id,
        offer_name=old.offer_name,
        friendly_name=old.friendly_name,
        product_type=old.product_type,
        is_new_commerce=True,
        quantity=old.quantity,
        term_duration=old.term_duration,
        billing_cycle=old.billing_cycle,
        unit_price=old.unit_price,
        currency=old.currency,
        auto_renew=old.auto_renew,
        partner_of_record=transfer.partner_on_record or old.partner_of_record,
        term_from=old.effective_start_date,
        window_of=old,
        charge_kind="transferIn",
    )


@timers.on_timer(EXPIRE_TIMER)
async def _expire(ctx: SandboxContext, timer: timers.Due) -> None:
    """TRF-5: a request not acted on within the window expires."""
    transfer = await lookup.one(ctx, Transfer, uuid.UUID(timer.ref), what="Transfer", for_update=True)
    if transfer.status is T.ACTIVE:
        await _move(ctx, transfer, T.EXPIRED, "expire", "expire-transfer")


async def decline_transfer(ctx: PartnerContext, *, customer_id: uuid.UUID, transfer_id: uuid.UUID) -> Transfer:
    """The source partner says no: the request ends, canceled, and nothing moves."""
    transfer = await _visible(ctx, customer_id, transfer_id, for_update=True)
    if ctx.tenant_id != transfer.source_partner_tenant_id:
        raise Conflict("Only the source partner declines a transfer.")
    _require_active(transfer)
    await _move(ctx, transfer, T.CANCELED, "decline", "cancel-transfer")
    await timers.cancel(ctx, kind=EXPIRE_TIMER, ref=transfer.id)
    return transfer


async def _eligible(ctx: SandboxContext, transfer: Transfer) -> list[dict[str, Any]]:
    """What a willing source would pick: every active subscription of the customer it holds that may move."""
    held = (
        await ctx.session.execute(
            select(Subscription).where(
                Subscription.sandbox_id == ctx.sandbox_id,
                Subscription.customer_tenant_id == transfer.customer_tenant_id,
                Subscription.partner_tenant_id == transfer.source_partner_tenant_id,
                Subscription.status == SubscriptionStatus.ACTIVE,
                Subscription.is_new_commerce.is_(True),
            )
        )
    ).scalars()
    return [
        {"subscriptionId": str(s.id)}
        for s in held
        if s.product_type in TRANSFERABLE_PRODUCT_TYPES and not await _in_other_transfer(ctx, transfer, str(s.id))
    ]


@timers.on_timer(POLICY_TIMER)
async def _source_acts(ctx: SandboxContext, timer: timers.Due) -> None:
    """A counter-party policy: the source's Global admin submits (or declines) through the same calls a person uses."""
    transfer = await lookup.one(ctx, Transfer, uuid.UUID(timer.ref), what="Transfer")
    admin = await identity.as_global_admin(ctx, transfer.source_partner_tenant_id, PartnerContext)
    if transfer.status is not T.ACTIVE or admin is None:
        return
    ids = {"customer_id": transfer.customer_tenant_id, "transfer_id": transfer.id}
    if timer.payload.get("action") != "accept":
        await decline_transfer(admin, **ids)
        return
    chosen = await _eligible(admin, transfer)
    if not chosen:
        await decline_transfer(admin, **ids)
        return
    await update_transfer(admin, status=None, line_items=chosen, **ids)
    await submit_transfer(admin, **ids)
