import uuid
from datetime import datetime
from typing import Any

from pydantic import EmailStr, Field, computed_field, field_validator

from app.customers.service import ShownTenant
from app.identity.schemas import Country
from app.kernel.pagination import Link, Links, ResourceAttributes
from app.models import RelationshipKind, RelationshipOrigin, Tenant
from app.wire import Request, Schema, UtcDateTime


class DefaultAddressIn(Request):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    address_line1: str = Field(min_length=1, max_length=256)
    address_line2: str | None = Field(None, max_length=256)
    city: str = Field(min_length=1, max_length=128)
    state: str | None = Field(None, max_length=128)
    # Partner Center's own example sends `"Region": null`; a region names what `state` does where it is used.
    region: str | None = Field(None, max_length=128)
    postal_code: str = Field(min_length=1, max_length=32)
    country: Country
    phone_number: str | None = Field(None, max_length=40)


class BillingProfileIn(Request):
    email: EmailStr
    culture: str = "en-US"
    language: str = "en"
    company_name: str = Field(min_length=1, max_length=256)
    default_address: DefaultAddressIn


class CompanyProfileIn(Request):
    domain: str = Field(min_length=3, max_length=253, description="`contoso` or `contoso.onmicrosoft.com`.")
    company_name: str | None = Field(None, max_length=256)

    @field_validator("domain")
    @classmethod
    def _initial_domain(cls, value: str) -> str:
        value = value.strip().lower()
        domain = value if "." in value else f"{value}.onmicrosoft.com"
        labels = domain.split(".")
        if not all(label and label.replace("-", "").isalnum() for label in labels):
            raise ValueError(f"'{value}' is not a domain name")
        return domain


class CustomerCreate(Request):
    company_profile: CompanyProfileIn
    billing_profile: BillingProfileIn
    associated_partner_id: uuid.UUID | None = Field(
        None,
        description="A provider names its indirect reseller "
        "(the reseller's tenant id); the reseller then sees the customer.",
    )


class EtagAttributes(Schema):
    etag: str
    object_type: str


class SelfLink(Schema):
    self_: Link = Field(alias="self")


class BillingAddressOut(Schema):
    first_name: str | None = None
    last_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str
    phone_number: str | None = None


class CustomerBillingProfileOut(Schema):
    id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    culture: str
    language: str
    company_name: str
    default_address: BillingAddressOut
    links: SelfLink
    attributes: EtagAttributes


def billing_profile(
    customer_id: uuid.UUID, profile_id: uuid.UUID, document: dict[str, Any], etag: str, *, country: str
) -> dict[str, Any]:
    """A partner's bill-to for a customer, in Partner Center's `CustomerBillingProfile` shape, as a plain document (an
    answer validates it once, with whatever holds it); a bill-to recorded without an address (a seeded or scenario
    customer) answers the tenant's country."""
    address = {"country": country} | (document.get("defaultAddress") or {})
    return {
        "id": str(profile_id),
        "first_name": document.get("firstName") or address.get("firstName"),
        "last_name": document.get("lastName") or address.get("lastName"),
        "email": document.get("email"),
        "culture": document.get("culture") or "en-US",
        "language": document.get("language") or "en",
        "company_name": document.get("companyName") or "",
        "default_address": address,
        "links": {"self": {"uri": f"/v1/customers/{customer_id}/profiles/billing"}},
        "attributes": {"etag": etag, "object_type": "CustomerBillingProfile"},
    }


def billing_profile_out(
    customer_id: uuid.UUID, profile_id: uuid.UUID, document: dict[str, Any], etag: str, *, country: str
) -> CustomerBillingProfileOut:
    return CustomerBillingProfileOut.model_validate(
        billing_profile(customer_id, profile_id, document, etag, country=country)
    )


class CustomerCompanyProfileOut(Schema):
    tenant_id: str
    domain: str
    company_name: str
    address: BillingAddressOut | None = None
    email: str | None = None
    links: SelfLink
    attributes: ResourceAttributes = ResourceAttributes(object_type="CustomerCompanyProfile")


def company_profile(tenant: Tenant | ShownTenant, billing: dict[str, Any] | None) -> dict[str, Any]:
    """The customer's company as its tenant names it, as a plain document; its address and email are the caller's
    bill-to's."""
    address = (billing or {}).get("defaultAddress")
    return {
        "tenant_id": str(tenant.id),
        "domain": tenant.domain,
        "company_name": tenant.display_name,
        "address": {"country": tenant.country} | address if address else None,
        "email": (billing or {}).get("email"),
        "links": {"self": {"uri": f"/v1/customers/{tenant.id}/profiles/company"}},
    }


def company_profile_out(tenant: Tenant | ShownTenant, billing: dict[str, Any] | None) -> CustomerCompanyProfileOut:
    return CustomerCompanyProfileOut.model_validate(company_profile(tenant, billing))


class PartnerRelationshipOut(Schema):
    kind: RelationshipKind
    origin: RelationshipOrigin
    admin_privileges: bool
    counterpart_tenant_id: uuid.UUID | None


class UserCredentials(Schema):
    """Partner Center's `UserCredentials`: the admin's short user name (`admin`, signing in as
    `admin@<companyProfile.domain>`) and first password, answered once."""

    user_name: str
    password: str


class CustomerOut(Schema):
    id: uuid.UUID
    commerce_id: uuid.UUID
    company_profile: CustomerCompanyProfileOut
    billing_profile: CustomerBillingProfileOut | None = Field(description="This partner's bill-to information.")
    relationship_to_partner: str = "reseller"
    allow_delegated_access: bool = Field(description="Whether the caller holds admin privileges (DAP) over it.")
    custom_domains: list[str] = Field(description="The customer's domains.")
    partner_relationships: list[PartnerRelationshipOut] = Field(description="How the caller holds the customer.")
    allowed_operations: list[str] = Field(description="What the caller may do for this customer (REL-4).")
    mca_accepted: bool = Field(description="Whether the MCA holds for the caller (AGR-1, AGR-2).")
    associated_partner_id: uuid.UUID | None = None
    user_credentials: UserCredentials | None = None
    links: SelfLink | None = None
    attributes: ResourceAttributes = ResourceAttributes(object_type="Customer")


class RelationshipRequestOut(Schema):
    url: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="RelationshipRequest")


class InvitationCreate(Request):
    indirect_provider_id: uuid.UUID = Field(description="One of the reseller's partnered providers.")
    customer_tenant_id: uuid.UUID | None = Field(None, description="Only this customer may accept.")


class EmailDraft(Schema):
    subject: str
    body: str


class InvitationOut(Schema):
    id: uuid.UUID
    url: str
    status: str
    expires_at: datetime
    email_draft: EmailDraft
    attributes: ResourceAttributes = ResourceAttributes(object_type="CustomerInvitation")


class ConsentContactIn(Request):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr


class ExtensionCreate(Request):
    indirect_provider_id: uuid.UUID
    customer_consent_recorded: bool = Field(description="The customer was informed and consented (REL-6 d).")
    consented_by: ConsentContactIn | None = Field(None, description="Who at the customer consented, when known.")
    date_consented: UtcDateTime | None = Field(None, description="When the customer consented; now if left out.")


class ConsentContact(Schema):
    first_name: str | None
    last_name: str | None
    email: str | None


class ExtensionOut(Schema):
    """A reseller relationship extension as both partners read it back: the relationship it created and the
    customer's consent the transitioning partner recorded (REL-6 d)."""

    id: uuid.UUID
    customer_id: uuid.UUID
    reseller_id: uuid.UUID = Field(description="The transitioning partner that extended its relationship.")
    indirect_provider_id: uuid.UUID
    relationship_id: uuid.UUID
    consented_by: ConsentContact | None
    date_consented: datetime
    recorded_by: str
    user_id: uuid.UUID | None = Field(description="Who recorded it.")
    recorded_at: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="ResellerRelationshipExtension")


class RelatedPartnerOut(Schema):
    id: uuid.UUID
    name: str
    relationship_type: str
    mpn_id: str | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnerRelationship")


class ContactIn(Request):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    phone_number: str | None = Field(None, max_length=40)


class CustomerAgreementCreate(Request):
    primary_contact: ContactIn
    template_id: str
    date_agreed: UtcDateTime = Field(
        description="When the customer accepted: UTC; a zone-less date-time or a bare date is read as UTC."
    )
    type: str = Field(examples=["MicrosoftCustomerAgreement"])


class Contact(Schema):
    first_name: str
    last_name: str
    email: str
    phone_number: str | None = None


class CustomerAgreementOut(Schema):
    id: uuid.UUID
    primary_contact: Contact
    template_id: str
    date_agreed: datetime
    type: str
    agreement_link: str = "https://aka.ms/customeragreement"
    channel: str
    user_id: uuid.UUID | None = Field(description="Who recorded it.")
    recorded_by: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="CustomerAgreement")


class AdminPartner(Schema):
    partner_tenant_id: uuid.UUID
    name: str
    mpn_id: str | None
    roles: list[str]
    admin_privileges: bool
    since: datetime


class AdminPartnerList(Schema):
    """Partner Center's collection envelope (the whole list: the admin center does not page it)."""

    items: list[AdminPartner]
    links: Links = Field(default_factory=Links)
    attributes: ResourceAttributes = ResourceAttributes(object_type="Collection")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_count(self) -> int:
        return len(self.items)


class AdminInvitationOut(Schema):
    code: str
    kind: str
    status: str
    partner: dict[str, Any]
    indirect_provider: dict[str, Any] | None
    expires_at: datetime


class AdminInvitationAccepted(Schema):
    status: str
    partners: list[AdminPartner]


class McaAcceptIn(Request):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
