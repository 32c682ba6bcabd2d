import uuid

from pydantic import Field

from app.pagination import ResourceAttributes
from app.schemas import Schema


class Address(Schema):
    """Partner Center's address shape."""

    address_line1: str
    address_line2: str | None = None
    city: str
    state: str | None = None
    postal_code: str
    country: str


class PrimaryContact(Schema):
    email: str | None


class ProgramStatus(Schema):
    program: str
    status: str


class PartnerProfileOut(Schema):
    id: uuid.UUID = Field(description="The partner's tenant id.")
    partner_id: str | None = Field(description="The PartnerID (MPN ID).")
    company_name: str
    legal_name: str | None
    domain: str
    country: str
    address: Address | None
    primary_contact: PrimaryContact
    programs: list[ProgramStatus]
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnerProfile")
