import uuid
from datetime import datetime

from pydantic import Field

from app.kernel.pagination import ResourceAttributes
from app.models import PartnershipStatus
from app.wire import Request, Schema


class IndirectProviderOut(Schema):
    id: uuid.UUID
    name: str
    mpn_id: str | None
    location: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="IndirectProvider")


class PartnerRelationshipOut(Schema):
    """Partner Center's PartnerRelationship: `relationshipType` comes back in snake_case, as the real one does."""

    id: uuid.UUID
    name: str
    relationship_type: str
    state: str = "Active"
    mpn_id: str | None
    location: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnerRelationship")


class PartnershipInvitationCreate(Request):
    reseller_tenant_id: uuid.UUID | None = None
    reseller_partner_id: str | None = Field(None, description="The reseller's PartnerID (MPN ID).")


class PartnershipInvitationOut(Schema):
    id: uuid.UUID
    provider_tenant_id: uuid.UUID
    reseller_tenant_id: uuid.UUID
    status: PartnershipStatus
    link: str = Field(description="Where the reseller's Global admin accepts.")
    invited_at: datetime
    active_at: datetime | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnershipInvitation")
