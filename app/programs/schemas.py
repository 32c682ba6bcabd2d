import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import EmailStr, Field, field_validator

from app.identity.schemas import Country
from app.kernel.pagination import ResourceAttributes
from app.models import (
    AgreementStatus,
    EnrollmentStatus,
    Program,
    ServiceRequestCategory,
    ServiceRequestStatus,
    Tenant,
)
from app.models import ServiceRequest as ServiceRequestModel
from app.wire import Request, Schema


class RequesterLike(Protocol):
    """What a request's answer needs of its requester (`app.programs.support.Requester`)."""

    @property
    def tenant(self) -> Tenant: ...
    @property
    def organization_name(self) -> str: ...
    @property
    def contact_email(self) -> str | None: ...
    @property
    def contact_id(self) -> uuid.UUID: ...


# Partner Center's support topics, by cspsim's category: the id a client sends back as `supportTopicId`.
SUPPORT_TOPIC_IDS = {
    ServiceRequestCategory.GENERAL: "32444671",
    ServiceRequestCategory.DIRECT_BILL_RESTRICTION: "32444672",
}


class Address(Schema):
    """Partner Center's address shape."""

    address_line1: str
    address_line2: str | None = None
    city: str
    state: str | None = None
    postal_code: str
    country: str


class AddressIn(Request):
    address_line1: str = Field(min_length=1, max_length=256)
    address_line2: str | None = Field(None, max_length=256)
    city: str = Field(min_length=1, max_length=128)
    state: str | None = Field(None, max_length=128)
    postal_code: str = Field(min_length=1, max_length=32)
    country: Country


class PrimaryContact(Schema):
    email: str | None


class PrimaryContactIn(Request):
    email: EmailStr


class ProgramStatus(Schema):
    program: Program
    status: EnrollmentStatus


class PartnerProfileOut(Schema):
    id: uuid.UUID = Field(description="The partner's tenant id.")
    partner_id: str | None = Field(description="The PartnerID (MPN ID).")
    company_name: str
    legal_name: str | None
    domain: str
    country: str
    address: Address | None
    primary_contact: PrimaryContact
    programs: list[ProgramStatus] = Field(description="Each program the partner has, with its own status (PRG-7).")
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnerProfile")


class PartnerProfileUpdate(Request):
    legal_name: str = Field(min_length=1, max_length=256)
    address: AddressIn
    primary_contact: PrimaryContactIn
    partner_id: str | None = Field(None, pattern=r"^\d{4,10}$")


class EnrollmentCreate(Request):
    program: Program
    primary_contact_email: EmailStr | None = Field(
        None, description="Notified on approval (PRG-5); defaults to the profile's primary contact."
    )
    acknowledge_indirect_override: bool = Field(
        False, description="PRG-8: confirm that direct bill overrides this tenant's indirect reseller access."
    )


class EnrollmentOut(Schema):
    id: uuid.UUID
    tenant_id: uuid.UUID
    program: Program
    status: EnrollmentStatus
    primary_contact_email: str
    acknowledge_indirect_override: bool = Field(validation_alias="acknowledged_indirect_override")
    submitted_at: datetime
    approved_at: datetime | None
    activated_at: datetime | None = Field(validation_alias="active_at")
    restricted_at: datetime | None
    rejected_at: datetime | None
    overridden_at: datetime | None
    decision_reason: str | None
    warnings: list[str] = Field(default_factory=list)
    attributes: ResourceAttributes = ResourceAttributes(object_type="Enrollment")


class AgreementOut(Schema):
    id: uuid.UUID
    agreement_type: str
    status: AgreementStatus
    enrollment_id: uuid.UUID
    created_at: datetime
    accepted_at: datetime | None
    accepted_by: str | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnerAgreement")


class ServiceRequestCreate(Request):
    category: ServiceRequestCategory = ServiceRequestCategory.GENERAL
    description: str = Field(min_length=1, max_length=4000)
    title: str | None = Field(None, max_length=256)
    severity: Literal["minimal", "moderate", "critical"] | None = None
    customer_id: uuid.UUID | None = Field(
        None, description="A customer you hold, when the request is about it (GET /v1/customers/{id}/servicerequests)."
    )
    # The rest of Partner Center's ServiceRequest as its clients post it (the .NET SDK sends every property, most
    # null): read, and left to the server.
    id: str | None = Field(None, max_length=64)
    support_topic_id: str | None = Field(None, max_length=64)
    support_topic_name: str | None = Field(None, max_length=256)
    status: str | None = Field(None, max_length=40)
    organization: dict[str, Any] | None = None
    primary_contact: dict[str, Any] | None = None
    last_updated_by: dict[str, Any] | None = None
    product_name: str | None = Field(None, max_length=256)
    product_id: str | None = Field(None, max_length=64)
    created_date: str | None = Field(None, max_length=40)
    last_modified_date: str | None = Field(None, max_length=40)
    last_closed_date: str | None = Field(None, max_length=40)
    new_note: dict[str, Any] | None = None
    notes: list[dict[str, Any]] | None = Field(None, max_length=100)
    country_code: str | None = Field(None, max_length=2)
    file_links: list[dict[str, Any]] | None = Field(None, max_length=100)
    attributes: dict[str, Any] | None = None


class ServiceRequestNote(Schema):
    text: str
    created_by_name: str
    created_date: datetime


class ServiceRequestOrganization(Schema):
    """Partner Center's `ServiceRequestOrganization`: the partner the request is from."""

    id: uuid.UUID
    name: str
    phone_number: str | None = None


class ServiceRequestContact(Schema):
    """Partner Center's `ServiceRequestContact`: a person of the partner's organization."""

    organization: ServiceRequestOrganization
    contact_id: uuid.UUID
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None


class ServiceRequestOut(Schema):
    """Partner Center's `ServiceRequest`, with cspsim's own names beside its (`category`, `createdAt`,
    `resolvedAt`, `resolution`, `customerId`)."""

    id: uuid.UUID
    category: ServiceRequestCategory
    title: str | None = None
    description: str
    severity: str | None = None
    status: ServiceRequestStatus
    customer_id: uuid.UUID | None = Field(None, validation_alias="customer_tenant_id")
    notes: list[ServiceRequestNote] = Field(default_factory=list)
    created_at: datetime
    # Partner Center's own names for the request's dates and topic, beside cspsim's.
    created_date: datetime = Field(validation_alias="created_at")
    last_modified_date: datetime | None = Field(None, validation_alias="last_modified_at")
    last_closed_date: datetime | None = Field(None, validation_alias="resolved_at")
    support_topic_name: str = Field(validation_alias="category")
    support_topic_id: str | None = None
    product_name: str | None = None
    product_id: str | None = None
    organization: ServiceRequestOrganization | None = None
    primary_contact: ServiceRequestContact | None = None
    last_updated_by: ServiceRequestContact | None = None
    country_code: str | None = None
    file_links: list[dict[str, Any]] = Field(default_factory=list)
    resolved_at: datetime | None
    resolution: str | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="ServiceRequest")

    @field_validator("notes", mode="before")
    @classmethod
    def _no_notes_yet(cls, value: object) -> object:
        return value or []


def service_request_out(request: ServiceRequestModel, requester: "RequesterLike") -> ServiceRequestOut:
    """A request as Partner Center answers it: its organization, primary contact and last updater are the
    partner's (the last updater is the author of the last note when it is a person of the partner), its country
    the partner's."""
    organization = ServiceRequestOrganization(id=requester.tenant.id, name=requester.organization_name)
    contact = ServiceRequestContact(
        organization=organization, contact_id=requester.contact_id, email=requester.contact_email
    )
    notes = request.notes or []
    last_note_by = notes[-1].get("createdByName") if notes else None
    updater = (
        contact.model_copy(update={"email": last_note_by, "contact_id": uuid.uuid5(requester.tenant.id, last_note_by)})
        if last_note_by and "@" in last_note_by
        else contact
    )
    return ServiceRequestOut.model_validate(request).model_copy(
        update={
            "organization": organization,
            "primary_contact": contact,
            "last_updated_by": updater,
            "country_code": requester.tenant.country,
            "support_topic_id": SUPPORT_TOPIC_IDS[request.category],
        }
    )


class NewNoteIn(Request):
    text: str = Field(min_length=1, max_length=4000)


class ServiceRequestUpdate(Request):
    """Partner Center's ServiceRequest as a client patches it: a new note, a title or severity, or `status: closed`;
    the rest of a request read back (`id`, `description`, `attributes`...) is accepted and left as it is."""

    id: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=256)
    description: str | None = Field(None, max_length=4000)
    severity: Literal["minimal", "moderate", "critical"] | None = None
    status: str | None = Field(None, max_length=40)
    new_note: NewNoteIn | None = None
    attributes: dict[str, Any] | None = None


class RevenueMonthIn(Request):
    # A real month of CSP revenue: 2000-01 to 2999-12 (a year 0000 or 9999 is a typo, not history).
    month: str = Field(pattern=r"^2\d{3}-(0[1-9]|1[0-2])$", examples=["2026-10"])
    amount_usd: Decimal = Field(ge=0, max_digits=18, decimal_places=2)


class RevenueIn(Request):
    months: list[RevenueMonthIn] = Field(max_length=600)


class RevenueMonthOut(Schema):
    month: str
    amount_usd: Decimal


class RevenueOut(Schema):
    months: list[RevenueMonthOut]
    window_start: str = Field(description="The first of the 12 months counted at the sandbox clock's now.")
    window_end: str
    trailing_twelve_months_usd: Decimal
    threshold_usd: Decimal
    meets_threshold: bool


class DecisionIn(Request):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(None, max_length=1000)


class ResolveIn(Request):
    resolution: str | None = Field(None, max_length=4000)


class AgreementTemplateOut(Schema):
    template_id: str
    agreement_type: str
    agreement_link: str
    version_rank: int
    attributes: ResourceAttributes = ResourceAttributes(object_type="AgreementMetaData")
