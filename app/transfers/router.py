"""Partner Center's new-commerce transfers (partner to partner)."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request, status

from app.commerce.schemas import OrderOut
from app.kernel.context import PartnerContext
from app.kernel.pagination import Collection, Link, Links, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import Transfer
from app.transfers import service
from app.transfers.schemas import TransferCreate, TransferOut, TransferPatch, TransferSubmitResult

router = PARTNER_CENTER_API.router(tags=["partner center: transfers"], prefix="/customers/{customer_id}/transfers")
Pages = Annotated[PageRequest, Depends(page_request)]


async def _one_out(ctx: PartnerContext, t: Transfer) -> TransferOut:
    return _out(ctx, t, await service.partner_names(ctx, [t]))


def _out(ctx: PartnerContext, t: Transfer, names: dict[uuid.UUID, str]) -> TransferOut:
    return TransferOut(
        id=t.id,
        status=t.status,
        transfer_type=t.transfer_type,
        customer_email_id=t.customer_email,
        customer_tenant_id=t.customer_tenant_id,
        partnertenantid=t.target_partner_tenant_id,
        source_partner_tenant_id=t.source_partner_tenant_id,
        source_partner_name=names.get(t.source_partner_tenant_id),
        target_partner_tenant_id=t.target_partner_tenant_id,
        target_partner_name=names.get(t.target_partner_tenant_id),
        partner_on_record=t.partner_on_record,
        target_product_types=t.target_product_types,
        transfer_direction=1 if ctx.tenant_id == t.target_partner_tenant_id else 2,
        line_items=t.line_items,
        created_time=t.created_at,
        last_modified_time=t.last_modified_at,
        last_modified_user=t.last_modified_by or t.created_by,
        completed_time=t.complete_at,
        expiration_time=t.expires_at,
        links=Links(self_=Link(uri=f"/customers/{t.customer_tenant_id}/transfers/{t.id}")),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TransferOut,
    summary="Ask another partner to transfer a customer's subscriptions to you (target)",
)
async def create_transfer(ctx: PartnerCaller, customer_id: uuid.UUID, body: TransferCreate) -> Any:
    """TRF-2 (a target that can transact for the customer; a provider without its own relationship is REL-5, code
    20002), COM-3 (a valid partner of record), TRF-3 (the source is notified), TRF-5 (expiry)."""
    return await _one_out(
        ctx,
        await service.create_transfer(
            ctx,
            customer_id=customer_id,
            source_partner_tenant_id=body.source_partner_tenant_id,
            customer_email=str(body.customer_email_id),
            target_product_types=body.target_product_types,
            partner_on_record=body.partner_on_record,
            transfer_type=body.transfer_type,
        ),
    )


@router.get("", response_model=Collection[TransferOut], summary="List the customer's transfers you take part in")
async def list_transfers(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, page: Pages) -> Any:
    found = await service.list_transfers(ctx, customer_id, page)
    names = await service.partner_names(ctx, found.items)
    return collection(request, found, [_out(ctx, t, names) for t in found.items])


@router.get("/{transfer_id}", response_model=TransferOut, summary="Read a transfer")
async def read_transfer(ctx: PartnerCaller, customer_id: uuid.UUID, transfer_id: uuid.UUID) -> Any:
    return await _one_out(ctx, await service.get_transfer(ctx, customer_id, transfer_id))


@router.patch(
    "/{transfer_id}", response_model=TransferOut, summary="Choose the subscriptions (source) or cancel (target)"
)
async def update_transfer(
    ctx: PartnerCaller, customer_id: uuid.UUID, transfer_id: uuid.UUID, body: TransferPatch
) -> Any:
    """TRF-1: only new-commerce license-based subscriptions and Azure plans move."""
    lines = (
        [{"subscriptionId": str(li.subscription_id), "quantity": li.quantity} for li in body.line_items]
        if body.line_items is not None
        else None
    )
    return await _one_out(
        ctx,
        await service.update_transfer(
            ctx, customer_id=customer_id, transfer_id=transfer_id, status=body.status, line_items=lines
        ),
    )


@router.post(
    "/{transfer_id}/accept",
    response_model=TransferSubmitResult,
    summary="Submit the transfer (source)",
)
async def submit_transfer(ctx: PartnerCaller, customer_id: uuid.UUID, transfer_id: uuid.UUID) -> Any:
    """TRF-3/TRF-4: new subscriptions on the target, the old ones cancelled, in one step."""
    order = await service.submit_transfer(ctx, customer_id=customer_id, transfer_id=transfer_id)
    return TransferSubmitResult(orders=[OrderOut.of(order)], transfer_errors=[])
