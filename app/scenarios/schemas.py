"""A scenario document (the world to build, in JSON or YAML) and the answer that hands its actors over.

Actors have local names (`ref`) that later entries use; everything else has a default that reads like the domain,
so a small world is a few lines:

    partners:
      - ref: contoso
        revenueUsd: 1200000
        programs: [{program: DirectBill, status: Active}]
    customers:
      - ref: adatum
        createdBy: contoso
        mca: {attestedBy: [contoso]}
        orders: [{partner: contoso, lineItems: [{offerId: "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5", quantity: 10}]}]
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.customers.schemas import BillingProfileIn
from app.identity.schemas import Country, Domain, ProfileIn
from app.kernel.roles import PartnerRole
from app.models import EnrollmentStatus, MarketplaceProgram, Program, PurchaseMode, SubscriptionChannel, TenantKind
from app.programs.schemas import RevenueMonthIn
from app.wire import Request, Schema

Ref = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", description="The actor's local name in this document.")
]


class Entry(Request):
    # YAML reads `partnerId: 4812345` as a number; the author meant the PartnerID.
    model_config = ConfigDict(coerce_numbers_to_str=True)


class UserIn(Entry):
    user_principal_name: str = Field(
        min_length=1, max_length=320, description="`admin` or `admin@<domain>`: a bare name is in the tenant's domain."
    )
    display_name: str | None = Field(None, max_length=256)
    password: str | None = Field(None, min_length=1, max_length=256, description="Generated (and answered) if absent.")
    roles: list[str] = Field(default_factory=lambda: [PartnerRole.GLOBAL_ADMIN.value])


class AppIn(Entry):
    display_name: str = Field(min_length=1, max_length=256)


class ProgramIn(Entry):
    program: Program
    status: EnrollmentStatus = Field(
        EnrollmentStatus.ACTIVE,
        description="Where the enrollment ends: DirectBill Active, Restricted (support restricted it), Pending or "
        "Rejected; IndirectReseller Approved (its MPA still to accept) or Active (MPA accepted); IndirectProvider "
        "Active. Pending needs the setting enrollmentApprovalBusinessDays above 0.",
    )
    acknowledge_indirect_override: bool = Field(False, description="PRG-8, for DirectBill on an indirect reseller.")


class PartnerIn(Entry):
    ref: Ref
    display_name: str | None = Field(None, max_length=256, description="Defaults to the ref, capitalized.")
    domain: Domain | None = Field(None, description="Defaults to `<ref>.onmicrosoft.com`.")
    country: Country = "US"
    partner_id: str | None = Field(None, pattern=r"^\d{4,10}$", description="Defaults to one from 4900001 on.")
    profile: ProfileIn | None = Field(None, description="What is left out is filled in: legal name, contact, address.")
    users: list[UserIn] = Field(default_factory=list, description="Defaults to one Global admin, `admin@<domain>`.")
    apps: list[AppIn] = Field(default_factory=lambda: [AppIn(display_name="integration")])
    revenue_usd: Decimal | None = Field(
        None,
        ge=0,
        le=10**12,
        allow_inf_nan=False,
        description="CSP revenue over the 12 months before the clock's month, spread evenly (PRG-1).",
    )
    revenue_months: list[RevenueMonthIn] = Field(default_factory=list, description="Or month by month.")
    programs: list[ProgramIn] = Field(default_factory=list, description="Enrollments, in the order they happen.")


class PartnershipIn(Entry):
    provider: str
    reseller: str
    accepted: bool = Field(True, description="False leaves the provider's invitation pending.")


class LinkIn(Entry):
    """A link a customer was sent: a partner's reseller relationship request (REL-7), or an indirect reseller's
    invitation with one of its providers (REL-1)."""

    partner: str | None = Field(None, description="REL-7: the direct-bill partner or provider asking.")
    reseller: str | None = Field(None, description="REL-1: the indirect reseller inviting...")
    provider: str | None = Field(None, description="...with this provider.")
    accepted: bool = Field(True, description="False leaves the link pending (answered with its URL).")


class McaIn(Entry):
    accepted: bool = Field(False, description="The customer's Global admin accepted it in the admin center.")
    attested_by: list[str] = Field(default_factory=list, description="Partners that attested its acceptance (AGR-3).")


class ExistingSubscriptionIn(Entry):
    """A subscription the customer already had: bought directly, through an advisor, or a partner's legacy one."""

    channel: SubscriptionChannel
    partner: str | None = Field(None, description="CSP only: the partner holding it.")
    offer_id: str = Field(min_length=1, max_length=200)
    offer_name: str = Field(min_length=1, max_length=256)
    quantity: int = Field(ge=1, le=1_000_000)
    term_duration: str | None = Field(None, pattern=r"^P\d+[MY]$")
    billing_cycle: str | None = None
    commitment_end_date: date | None = None
    auto_renew: bool = True
    partner_of_record: str | None = Field(None, pattern=r"^\d{4,10}$", description="An advisor's PartnerID.")


class OrderLineIn(Entry):
    offer_id: str = Field(min_length=1, max_length=200, description="A catalogItemId (product:sku:availability).")
    quantity: int = Field(ge=1, le=100_000)
    term_duration: str | None = "P1Y"
    billing_cycle: str | None = "monthly"
    partner_id_on_record: str | None = None
    friendly_name: str | None = Field(None, max_length=256)


class OrderIn(Entry):
    partner: str = Field(description="The partner that places the order (COM-1).")
    line_items: list[OrderLineIn] = Field(min_length=1, max_length=50)


class CustomerIn(Entry):
    ref: Ref
    display_name: str | None = Field(None, max_length=256, description="Defaults to the ref, capitalized.")
    domain: Domain | None = Field(None, description="Defaults to `<ref>.onmicrosoft.com`.")
    country: Country = "US"
    created_by: str | None = Field(
        None, description="The partner that creates the customer's tenant (REL-2); without it the tenant exists alone."
    )
    reseller: str | None = Field(
        None,
        description="With createdBy (a provider): the indirect reseller it creates the customer for. Without: the "
        "reseller whose invitation with `provider` the customer accepted (REL-1).",
    )
    provider: str | None = Field(None, description="The provider of the reseller's invitation.")
    extended_to: str | None = Field(
        None, description="REL-6: the transitioned creator extends its relationship to this provider."
    )
    billing_profile: BillingProfileIn | None = None
    users: list[UserIn] = Field(
        default_factory=list,
        description="More users; the tenant's Global admin `admin@<domain>` exists anyway (generated password).",
    )
    links: list[LinkIn] = Field(default_factory=list)
    mca: McaIn | None = None
    subscriptions: list[ExistingSubscriptionIn] = Field(default_factory=list, description="Bought outside CSP.")
    orders: list[OrderIn] = Field(default_factory=list, description="CSP orders, after the MCA.")


# --- the marketplace section (app/scenarios/marketplace.py builds it) -----------------------------------------


class MarketplaceTenantIn(Entry):
    company_name: str = Field(min_length=1, max_length=256)
    domain: str = Field(min_length=3, max_length=253)


class MarketplaceContactIn(Entry):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=3, max_length=320)
    phone_number: str | None = Field(None, max_length=40)


class StorefrontOrderIn(Entry):
    purchase_mode: PurchaseMode
    customer: str | None = Field(None, description="EndCustomer: a customer of the document the reseller holds.")
    affiliate: MarketplaceTenantIn | None = Field(None, description="AffiliateAccount: a new affiliate.")
    customer_agreement: MarketplaceContactIn | None = Field(
        None, description="PersonalUse, AffiliateAccount: the reseller, as the customer, accepts the MCA."
    )
    line_items: list[OrderLineIn] = Field(min_length=1, max_length=50)


class MarketplaceResellerIn(Entry):
    reseller: Ref
    programs: list[MarketplaceProgram] = Field(
        default_factory=list, description="Program access, requested and approved in this order (COM-5)."
    )
    orders: list[StorefrontOrderIn] = Field(default_factory=list)


class MarketplaceIn(Entry):
    distributor: Ref = Field(description="The indirect provider whose platform this is.")
    resellers: list[MarketplaceResellerIn] = Field(default_factory=list)


class ScenarioDocument(Entry):
    name: str = Field("scenario", min_length=1, max_length=200)
    description: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict, description="Sandbox settings that differ.")
    partners: list[PartnerIn] = Field(default_factory=list)
    partnerships: list[PartnershipIn] = Field(default_factory=list)
    customers: list[CustomerIn] = Field(default_factory=list)
    marketplace: MarketplaceIn | None = Field(None, description="A distributor's platform (issue 16).")


# --- the answer ---------------------------------------------------------------------------------------------------


class UserOut(Schema):
    id: uuid.UUID
    user_principal_name: str
    password: str | None = Field(description="As the document gave it, or generated.")
    roles: list[str]


class AppOut(Schema):
    display_name: str
    client_id: uuid.UUID
    client_secret: str


class TokenRequest(Schema):
    """An HTTP request that answers an access token for the actor, ready to send."""

    method: str = "POST"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    form: dict[str, str] | None = Field(None, description="Form fields (the Entra ID token endpoint).")
    json_body: dict[str, str] | None = Field(None, alias="json", description="A JSON body (a portal sign-in).")
    token_field: str = Field(description="Where the answer holds the token.")


class Probe(Schema):
    """A call the actor's token opens."""

    method: str = "GET"
    url: str


class ProgramOut(Schema):
    program: str
    status: str


class ActorOut(Schema):
    ref: str
    kind: TenantKind
    tenant_id: uuid.UUID
    display_name: str
    domain: str
    partner_id: str | None = None
    programs: list[ProgramOut] = Field(default_factory=list)
    users: list[UserOut]
    apps: list[AppOut]
    token_request: TokenRequest
    probe: Probe
    curl: str = Field(description="A shell line: get the token, then make the probe call with it.")


class PartnershipOut(Schema):
    id: uuid.UUID
    provider: str
    reseller: str
    status: str


class LinkOut(Schema):
    customer: str
    partner: str
    provider: str | None
    url: str
    status: str


class SubscriptionOut(Schema):
    id: uuid.UUID
    customer: str
    partner: str | None
    channel: SubscriptionChannel
    offer_id: str
    quantity: int


class ScenarioLoaded(Schema):
    sandbox_id: uuid.UUID
    name: str
    partners: list[ActorOut]
    customers: list[ActorOut]
    partnerships: list[PartnershipOut]
    links: list[LinkOut]
    subscriptions: list[SubscriptionOut]


# --- bulk seed data -----------------------------------------------------------------------------------------------


class SeedRequest(Request):
    partners: int = Field(1, ge=1, le=1000, description="Direct-bill partners to spread customers over (made once).")
    customers: int = Field(0, ge=0, le=5000, description="Customers to add in this call (one transaction).")
    subscriptions: int = Field(
        0, ge=0, le=20, description="Subscriptions each new customer gets, ordered by its partner."
    )


class SeedPartnerOut(Schema):
    ref: str
    tenant_id: uuid.UUID
    domain: str
    partner_id: str | None
    customers: int = Field(description="The seeded customers it holds now.")


class SeedResult(Schema):
    partners: list[SeedPartnerOut]
    new_partners: list[ActorOut] = Field(description="Partners made by this call, with their credentials (once).")
    customers_created: int
    subscriptions_created: int
    customers_total: int = Field(description="Seeded customers in the sandbox now.")
