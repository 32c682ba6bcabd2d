import uuid
from datetime import datetime
from typing import Any

from pydantic import EmailStr, Field

from app.commerce.schemas import OrderOut
from app.kernel.pagination import Links, ResourceAttributes
from app.transfers.lifecycle import TransferStatusChange
from app.wire import Request, Schema


class TransferCreate(Request):
    source_partner_tenant_id: uuid.UUID
    source_partner_name: str | None = None
    customer_email_id: EmailStr
    customer_name: str | None = None
    target_partner_tenant_id: uuid.UUID | None = None
    target_partner_email_id: EmailStr | None = None
    target_product_types: list[str] | None = None
    partner_on_record: str | None = Field(None, pattern=r"^\d{4,10}$")
    transfer_type: int = 5


class TransferLineItemIn(Request):
    model_config = Request.model_config | {"extra": "ignore"}

    subscription_id: uuid.UUID
    quantity: int | None = Field(None, ge=1)


class TransferPatch(Request):
    model_config = Request.model_config | {"extra": "ignore"}

    status: TransferStatusChange | None = None
    line_items: list[TransferLineItemIn] | None = None


class TransferOut(Schema):
    id: uuid.UUID
    status: str
    transfer_type: int
    customer_email_id: str
    customer_tenant_id: uuid.UUID
    partnertenantid: uuid.UUID = Field(
        description="The partner that asked for the transfer (Partner Center spells it so)."
    )
    source_partner_tenant_id: uuid.UUID
    source_partner_name: str | None
    target_partner_tenant_id: uuid.UUID
    target_partner_name: str | None
    partner_on_record: str | None
    target_product_types: list[str] | None
    transfer_direction: int = Field(description="1 incoming (the caller is the target), 2 outgoing (the source).")
    line_items: list[dict[str, Any]]
    created_time: datetime
    last_modified_time: datetime
    last_modified_user: str
    completed_time: datetime | None
    expiration_time: datetime
    links: Links
    attributes: ResourceAttributes = ResourceAttributes(object_type="TransferEntity")


class TransferSubmitResult(Schema):
    orders: list[OrderOut]
    transfer_errors: list[dict[str, Any]]
    attributes: ResourceAttributes = ResourceAttributes(object_type="TransferSubmitResult")
