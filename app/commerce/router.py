"""The control surface for a customer's subscriptions bought outside CSP (multi-channel)."""

import uuid
from typing import Any

from fastapi import APIRouter, status

from app.commerce import service
from app.commerce.schemas import ExistingSubscriptionCreate, SubscriptionList, SubscriptionOut
from app.db import TransactionalRoute
from app.identity import service as identity
from app.sandboxes.router import Operator
from app.sandboxes.router import router as sandbox_router

control = APIRouter(
    prefix=sandbox_router.prefix,
    tags=["control: tenants"],
    route_class=TransactionalRoute,
    dependencies=sandbox_router.dependencies,
)


@control.post(
    "/tenants/{tenant_id}/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionOut,
    summary="Give a customer a subscription bought outside CSP",
)
async def add_existing_subscription(ctx: Operator, tenant_id: uuid.UUID, body: ExistingSubscriptionCreate) -> Any:
    """Bought directly from Microsoft or through an advisor (partnerOfRecord): multi-channel (REL-8) leaves it be."""
    customer = await identity.get_tenant(ctx, tenant_id)
    return SubscriptionOut.model_validate(
        await service.record_existing_subscription(ctx, customer, **body.model_dump())
    )


@control.get(
    "/tenants/{tenant_id}/subscriptions",
    response_model=SubscriptionList,
    summary="Every subscription of a customer, whatever its channel",
)
async def list_subscriptions(ctx: Operator, tenant_id: uuid.UUID) -> Any:
    customer = await identity.get_tenant(ctx, tenant_id)
    subs = await service.customer_subscriptions(ctx, customer.id)
    return SubscriptionList(items=[SubscriptionOut.model_validate(s) for s in subs])
