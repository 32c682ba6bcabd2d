import uuid
from datetime import date, datetime

from pydantic import Field

from app.models import SubscriptionChannel
from app.pagination import ResourceAttributes
from app.schemas import Request, Schema


class ExistingSubscriptionCreate(Request):
    channel: SubscriptionChannel
    offer_id: str = Field(min_length=1, max_length=200)
    offer_name: str = Field(min_length=1, max_length=256)
    quantity: int = Field(ge=1, le=1_000_000)
    term_duration: str | None = Field(None, pattern=r"^P\d+[MY]$", examples=["P1Y"])
    billing_cycle: str | None = Field(None, examples=["monthly", "annual"])
    commitment_end_date: date | None = None
    auto_renew: bool = True
    partner_of_record: str | None = Field(None, pattern=r"^\d{4,10}$", description="An advisor's PartnerID.")


class SubscriptionOut(Schema):
    id: uuid.UUID
    channel: SubscriptionChannel
    partner_tenant_id: uuid.UUID | None
    offer_id: str
    offer_name: str
    quantity: int
    status: str
    term_duration: str | None
    billing_cycle: str | None
    commitment_end_date: date | None
    auto_renew: bool
    partner_of_record: str | None
    created_at: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="Subscription")


class SubscriptionList(Schema):
    items: list[SubscriptionOut]
