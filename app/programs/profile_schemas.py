"""Partner profiles and agreement documents in the shapes of Partner Center's .NET SDK models (`MpnProfile`,
`LegalBusinessProfile`, `OrganizationProfile`, `BillingProfile`, `SupportProfile`, `AgreementDocument`)."""

from typing import Any

from pydantic import ConfigDict, EmailStr, Field

from app.identity.schemas import Country
from app.kernel.pagination import Link
from app.wire import Request, Schema


class SelfLink(Schema):
    self_: Link = Field(alias="self")


class ProfileAttributes(Schema):
    model_config = ConfigDict(frozen=True)  # shared as a default, as ResourceAttributes is

    etag: str | None = None
    object_type: str


class AttributesIn(Request):
    etag: str | None = None
    object_type: str | None = None


class ProfileAddress(Schema):
    country: str
    region: str | None = None
    city: str | None = None
    state: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None


class ProfileAddressIn(Request):
    country: Country
    city: str = Field(min_length=1, max_length=128)
    state: str | None = Field(None, max_length=128)
    region: str | None = Field(None, max_length=128)
    address_line1: str = Field(min_length=1, max_length=256)
    address_line2: str | None = Field(None, max_length=256)
    address_line3: str | None = Field(None, max_length=256)
    postal_code: str = Field(min_length=1, max_length=32)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    phone_number: str | None = Field(None, max_length=40)


class ContactOut(Schema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None


class ContactIn(Request):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: EmailStr
    phone_number: str | None = Field(None, max_length=40)


class ProfileIn(Request):
    """What every profile a partner sends back carries besides its own fields (ignored, but for the etag)."""

    profile_type: str | None = Field(None, max_length=40)
    links: dict[str, Any] | None = None
    attributes: AttributesIn | None = None


class MpnProfileOut(Schema):
    partner_name: str
    mpn_id: str
    profile_type: str = "mpn_profile"
    links: SelfLink
    attributes: ProfileAttributes = ProfileAttributes(object_type="MpnProfile")


class LegalBusinessProfileOut(Schema):
    address: ProfileAddress
    company_approver_address: ProfileAddress | None = None
    company_approver_email: str | None = None
    company_name: str
    primary_contact: ContactOut
    vetting_status: str = "authorized"
    vetting_sub_status: str = "none"
    profile_type: str = "legal_business_profile"
    links: SelfLink
    attributes: ProfileAttributes


class LegalBusinessProfileIn(ProfileIn):
    address: ProfileAddressIn
    company_approver_address: ProfileAddressIn | None = None
    company_approver_email: EmailStr | None = None
    company_name: str = Field(min_length=1, max_length=256)
    primary_contact: ContactIn
    vetting_status: str | None = Field(None, max_length=40)
    vetting_sub_status: str | None = Field(None, max_length=40)


class OrganizationProfileOut(Schema):
    id: str
    company_name: str
    default_address: ProfileAddress
    tenant_id: str
    domain: str
    email: str | None = None
    language: str
    culture: str
    profile_type: str = "organization_profile"
    links: SelfLink
    attributes: ProfileAttributes


class OrganizationProfileIn(ProfileIn):
    id: str | None = Field(None, max_length=64)
    tenant_id: str | None = Field(None, max_length=64)
    domain: str | None = Field(None, max_length=253)
    company_name: str = Field(min_length=1, max_length=256)
    default_address: ProfileAddressIn
    email: EmailStr
    language: str = Field("en", max_length=20)
    culture: str = Field("en-US", max_length=20)


class BillingContactIn(ContactIn):
    """The billing profile's contact: Partner Center's page sends its email as null."""

    email: EmailStr | None = None  # type: ignore[assignment]


class BillingProfileOut(Schema):
    company_name: str | None = None
    address: ProfileAddress
    primary_contact: ContactOut
    purchase_order_number: str | None = None
    tax_id: str | None = None
    billing_currency: str | None = None
    profile_type: str = "billing_profile"
    links: SelfLink
    attributes: ProfileAttributes


class BillingProfileIn(ProfileIn):
    company_name: str | None = Field(None, min_length=1, max_length=256)
    address: ProfileAddressIn
    primary_contact: BillingContactIn
    purchase_order_number: str | None = Field(None, max_length=100)
    tax_id: str | None = Field(None, max_length=50)
    billing_currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")


class SupportProfileOut(Schema):
    email: str | None = None
    telephone: str | None = None
    website: str | None = None
    display_name: str | None = None
    profile_type: str = "support_profile"
    links: SelfLink
    attributes: ProfileAttributes


class SupportProfileIn(ProfileIn):
    email: EmailStr
    telephone: str | None = Field(None, max_length=40)
    website: str | None = Field(None, max_length=2048)
    display_name: str | None = Field(None, max_length=256)


class AgreementDocumentOut(Schema):
    template_id: str
    agreement_type: str
    agreement_link: str
    display_uri: str
    download_uri: str
    language_code: str
    country_code: str
    attributes: ProfileAttributes = ProfileAttributes(object_type="AgreementDocument")


class AgreementStatusOut(Schema):
    is_agreement_signed: bool
