"""The bodies of a customer's account operations, in the shapes of Partner Center's .NET SDK models
(`CustomerBillingProfile`, `CustomerCompanyProfile`, `CustomerQualification`, `Address`, `AddressValidationResponse`,
`CountryValidationRules`)."""

from datetime import datetime
from typing import Any

from pydantic import EmailStr, Field

from app.customers.schemas import (
    DefaultAddressIn,
)
from app.kernel.pagination import ResourceAttributes
from app.models import Qualification, VettingStatus
from app.wire import Request, Schema


class AttributesIn(Request):
    """`attributes` as a client sends back what it read: the etag counts (as If-Match would), the type is ignored."""

    etag: str | None = None
    object_type: str | None = None


class CustomerBillingProfileUpdate(Request):
    """The profile as read, changed: `id`, `links` and `attributes.objectType` are ignored."""

    id: str | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: EmailStr
    culture: str = Field("en-US", max_length=20)
    language: str = Field("en", max_length=20)
    company_name: str = Field(min_length=1, max_length=256)
    default_address: DefaultAddressIn
    links: dict[str, Any] | None = None
    attributes: AttributesIn | None = None


class CustomerQualificationIn(Request):
    qualification: Qualification
    # Partner Center's own body carries these too; it sets them itself, and so does cspsim.
    vetting_status: str | None = Field(None, max_length=40)
    vetting_reason: str | None = Field(None, max_length=400)
    vetting_created_date: str | None = Field(None, max_length=40)


class CustomerQualificationOut(Schema):
    qualification: Qualification
    vetting_status: VettingStatus
    vetting_reason: str | None = None
    vetting_created_date: datetime


class AddressIn(Request):
    """Partner Center's `Address`: only the country is required to ask; the verdict says what is missing."""

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    address_line1: str | None = Field(None, max_length=256)
    address_line2: str | None = Field(None, max_length=256)
    address_line3: str | None = Field(None, max_length=256)
    city: str | None = Field(None, max_length=128)
    state: str | None = Field(None, max_length=128)
    region: str | None = Field(None, max_length=128)
    postal_code: str | None = Field(None, max_length=32)
    country: str = Field(min_length=2, max_length=2)
    phone_number: str | None = Field(None, max_length=40)


class AddressOut(Schema):
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str


class AddressValidationOut(Schema):
    original_address: AddressOut
    suggested_addresses: list[AddressOut]
    status: str = Field(description="VerifiedShippable, StreetPartial (see the suggestions) or None.")
    validation_message: str | None = None


class CountryValidationRulesOut(Schema):
    iso2_code: str
    default_culture: str
    is_state_required: bool
    supported_states_list: list[str]
    supported_languages_list: list[str]
    supported_cultures_list: list[str]
    is_postal_code_required: bool
    postal_code_regex: str
    is_city_required: bool
    is_vat_id_supported: bool
    tax_id_format: str
    tax_id_sample: str
    is_tax_id_supported: bool
    is_tax_id_optional: bool
    phone_number_regex: str
    country_calling_codes_list: list[str]
    attributes: ResourceAttributes = ResourceAttributes(object_type="CountryValidationRules")
