import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import EmailStr, Field

from app.commerce.schemas import OrderOut
from app.kernel.pagination import ResourceAttributes
from app.models import (
    AccountKind,
    AccountStatus,
    ClickThroughStatus,
    MarketplaceProgram,
    MarketplaceRole,
    ProgramAccessStatus,
    PurchaseMode,
)
from app.wire import Request, Schema

DOMAIN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"


class AccountCreate(Request):
    reseller_tenant_id: uuid.UUID | None = Field(
        None, description="The distributor's operations register an existing partner tenant (Active at once)."
    )
    distributor_tenant_id: uuid.UUID | None = Field(
        None, description="A reseller's admin asks a distributor for an account (Requested)."
    )


class Decision(Request):
    approve: bool
    reason: str | None = Field(None, max_length=1000)


class AccountOut(Schema):
    id: uuid.UUID
    distributor_tenant_id: uuid.UUID
    reseller_tenant_id: uuid.UUID = Field(description="The reseller: a partner tenant of the sandbox, its key.")
    kind: AccountKind
    status: AccountStatus
    own_tenant_id: uuid.UUID | None
    created_at: datetime
    decision_reason: str | None = None
    attributes: ResourceAttributes = ResourceAttributes(object_type="MarketplaceAccount")


class AddressIn(Request):
    line1: str = Field(min_length=1, max_length=256)
    city: str = Field(min_length=1, max_length=128)
    state: str | None = Field(None, max_length=64)
    postal_code: str = Field(min_length=1, max_length=32)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class PersonIn(Request):
    user_principal_name: EmailStr
    display_name: str | None = Field(None, max_length=256)
    role: Literal[MarketplaceRole.RESELLER_ADMIN, MarketplaceRole.RESELLER_BUYER]


class BasicResellerCreate(Request):
    company_name: str = Field(min_length=1, max_length=256)
    domain: str = Field(min_length=3, max_length=253, pattern=DOMAIN)
    country: str = Field("US", pattern=r"^[A-Z]{2}$")
    partner_id: str = Field(pattern=r"^\d{4,10}$", description="The reseller's PartnerID (MPN ID), for COM-6.")
    primary_contact_email: EmailStr
    address: AddressIn
    users: list[PersonIn] = Field(default_factory=list, max_length=20)


class PersonOut(Schema):
    id: uuid.UUID
    user_principal_name: str
    role: MarketplaceRole
    password: str | None = Field(None, description="Answered once, for a user created here.")


class BasicResellerOut(Schema):
    account: AccountOut
    tenant_id: uuid.UUID
    domain: str
    partner_id: str
    users: list[PersonOut]
    partnership_invitation_id: uuid.UUID


class MemberCreate(Request):
    user_principal_name: EmailStr
    role: MarketplaceRole
    distributor_tenant_id: uuid.UUID | None = Field(
        None, description="A reseller's people: the distributor whose marketplace they work on."
    )


class MemberOut(Schema):
    id: uuid.UUID
    distributor_tenant_id: uuid.UUID
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    user_principal_name: str
    role: MarketplaceRole
    created_at: datetime


class MemberList(Schema):
    items: list[MemberOut]


class ProgramRequestIn(Request):
    program: MarketplaceProgram


class ProgramAccessOut(Schema):
    id: uuid.UUID
    account_id: uuid.UUID
    program: MarketplaceProgram
    status: ProgramAccessStatus
    requested_by: str
    requested_at: datetime
    approved_at: datetime | None
    rejected_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="ProgramAccess")


class ProgramAccessList(Schema):
    items: list[ProgramAccessOut]


class PrerequisiteOut(Schema):
    name: str
    met: bool
    remedy: str


class PrerequisitesOut(Schema):
    account_id: uuid.UUID
    customer_tenant_id: uuid.UUID | None
    met: bool
    items: list[PrerequisiteOut]


class NewTenantIn(Request):
    company_name: str = Field(min_length=1, max_length=256)
    domain: str = Field(min_length=3, max_length=253, pattern=DOMAIN)


class ContactIn(Request):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    phone_number: str | None = Field(None, max_length=40)


class StorefrontLineIn(Request):
    line_item_number: int = Field(ge=0, le=1000)
    offer_id: str = Field(min_length=1, max_length=200, description="A catalogItemId (product:sku:availability).")
    quantity: int = Field(ge=1, le=100_000)
    term_duration: str | None = Field(None, max_length=10, examples=["P1Y"])
    billing_cycle: str | None = Field(None, max_length=20, examples=["monthly"])
    friendly_name: str | None = Field(None, max_length=256)


class StorefrontOrderCreate(Request):
    purchase_mode: PurchaseMode
    customer_tenant_id: uuid.UUID | None = Field(
        None, description="EndCustomer: the end customer; AffiliateAccount: an existing affiliate."
    )
    affiliate: NewTenantIn | None = Field(None, description="AffiliateAccount: a new affiliate, made now.")
    own_tenant: NewTenantIn | None = Field(None, description="PersonalUse: the reseller's own tenant, made once.")
    customer_agreement: ContactIn | None = Field(
        None, description="PersonalUse, AffiliateAccount: the reseller, as the customer, accepts the MCA."
    )
    line_items: list[StorefrontLineIn] = Field(min_length=1, max_length=50)


class StorefrontLineOut(Schema):
    """A storefront line, per unit: Microsoft's list price, the reseller's cost and its customer's price (BIL-6:
    the reseller's price book on the order's day)."""

    line_item_number: int
    offer_id: str
    quantity: int
    currency: str
    list_price: Decimal
    reseller_price: Decimal
    customer_price: Decimal
    price_book_id: str


class StorefrontOrderOut(Schema):
    id: uuid.UUID
    account_id: uuid.UUID
    reseller_tenant_id: uuid.UUID
    customer_tenant_id: uuid.UUID
    purchase_mode: PurchaseMode
    billed_to_tenant_id: uuid.UUID
    partner_id_on_record: str | None
    incentive_eligible: bool
    created_at: datetime
    lines: list[StorefrontLineOut]
    order: OrderOut = Field(description="The distributor's Partner Center order.")
    attributes: ResourceAttributes = ResourceAttributes(object_type="StorefrontOrder")


class AffiliateOut(Schema):
    id: uuid.UUID
    tenant_id: uuid.UUID
    company_name: str
    domain: str
    created_at: datetime


class AffiliateList(Schema):
    items: list[AffiliateOut]


class ClickThroughCreate(Request):
    customer_tenant_id: uuid.UUID


class ClickThroughOut(Schema):
    id: uuid.UUID
    customer_tenant_id: uuid.UUID
    status: ClickThroughStatus
    url: str
    expires_at: datetime


class PolicyIn(Request):
    program_access_decision: Literal["manual", "accept", "reject"]
    business_days: int = Field(0, ge=0, le=60)


class PolicyOut(Schema):
    distributor_tenant_id: uuid.UUID
    program_access_decision: str
    business_days: int
