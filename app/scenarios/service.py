"""Scenarios: a whole world declared in one document, built through the same service functions the API calls.

Nothing is written behind the services' backs: a partner enrolls as its Global admin does in the portal, support
restricts direct bill by resolving a service request, a customer's Global admin accepts an invitation, so every
rule holds and every event, mail, audit record and timer is there, as if the world had been clicked together.

The world is built in the order its history would have happened, whatever the order of the document:

    1 settings
    2 partners: tenants, users, apps, revenue, enrollments (up to a direct-bill restriction)
    3 customers of the partners that created them: creation, users, MCA, subscriptions, the creators' orders
    4 the transition: direct bill restricted, what the partner enrolled in after it
    5 partnerships between providers and resellers
    6 the rest of the customers: reseller invitations accepted, links, the extension, other partners' orders
    7 the marketplace: the distributor's resellers, their program access, their storefront orders

Entries that refer to one another use local names (`ref`); a document that names nothing or breaks a rule is
refused (400) naming the entry (`customers[2].reseller: no partner named 'tailspin'`), and nothing is kept.
"""

import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any, TypeVar

from app.commerce import orders
from app.commerce import service as commerce
from app.customers import agreements, extension, invitations
from app.customers import service as customers
from app.customers.schemas import BillingProfileIn
from app.identity import service as identity
from app.kernel import lookup
from app.kernel.context import (
    OPERATOR,
    Actor,
    Channel,
    CustomerContext,
    PartnerContext,
    SandboxContext,
    TenantContext,
)
from app.kernel.errors import BadRequest, DomainError
from app.kernel.pagination import MAX_PAGE, PageRequest
from app.kernel.roles import PartnerRole
from app.models import (
    MCA,
    MCA_TEMPLATE_ID,
    AgreementStatus,
    AppRegistration,
    EnrollmentStatus,
    Partnership,
    Program,
    RelationshipInvitation,
    ServiceRequestCategory,
    Subscription,
    Tenant,
    TenantKind,
    User,
)
from app.programs import enrollment, support
from app.programs import service as programs
from app.providers import service as providers
from app.sandboxes import service as sandboxes
from app.scenarios import marketplace
from app.scenarios.document import check_references, read_document
from app.scenarios.schemas import (
    CustomerIn,
    ExistingSubscriptionIn,
    LinkIn,
    MarketplaceResellerIn,
    OrderIn,
    PartnerIn,
    PartnershipIn,
    ProgramIn,
    ScenarioDocument,
    UserIn,
)

E = EnrollmentStatus
C = TypeVar("C", bound=TenantContext)
FIRST_PARTNER_ID = 4_900_001
DEFAULT_ADDRESS = {"line1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postalCode": "98052"}


# --- what the build made ------------------------------------------------------------------------------------------


@dataclass
class BuiltUser:
    user: User
    password: str | None


@dataclass
class BuiltTenant:
    ref: str
    tenant: Tenant
    users: list[BuiltUser] = field(default_factory=list)
    apps: list[tuple[AppRegistration, str]] = field(default_factory=list)

    def global_admin(self) -> User | None:
        return next((u.user for u in self.users if PartnerRole.GLOBAL_ADMIN in u.user.roles), None)


@dataclass(frozen=True)
class BuiltPartnership:
    provider: str
    reseller: str
    partnership: Partnership


@dataclass(frozen=True)
class BuiltLink:
    customer: str
    partner: str
    provider: str | None
    invitation: RelationshipInvitation
    accepted: bool


@dataclass(frozen=True)
class BuiltPurchase:
    """A subscription a customer of the world holds, ordered by `partner` or bought outside CSP (no partner)."""

    customer: str
    partner: str | None
    subscription: Subscription


@dataclass
class LoadedScenario:
    name: str
    partners: dict[str, BuiltTenant] = field(default_factory=dict)
    customers: dict[str, BuiltTenant] = field(default_factory=dict)
    partnerships: list[BuiltPartnership] = field(default_factory=list)
    links: list[BuiltLink] = field(default_factory=list)
    subscriptions: list[BuiltPurchase] = field(default_factory=list)


# --- building -----------------------------------------------------------------------------------------------------


class Phase(IntEnum):
    SETTINGS = 1
    PARTNERS = 2
    CUSTOMERS_OF_CREATORS = 3
    TRANSITION = 4
    PARTNERSHIPS = 5
    CUSTOMERS_THROUGH_RESELLERS = 6
    MARKETPLACE = 7


@dataclass(frozen=True)
class Step:
    phase: Phase
    path: str
    run: Callable[[], Awaitable[None]]


def acting_as(ctx: SandboxContext, user: User, kind: type[C]) -> C:
    """The user signed in to the portal, as a person: its own roles, the portal channel; `kind` is the tenant's side.
    The clock is read afresh, as for the operator: each step of a build stamps its own instant."""
    fresh = SandboxContext.of(ctx.session, ctx.sandbox, OPERATOR)
    return fresh.acting(Actor.of_user(user, channel=Channel.PORTAL), kind)


def revenue_months(now: datetime, total: Decimal) -> list[tuple[str, Decimal]]:
    """A trailing-12-month total spread over the 12 whole months before the month of `now` (PRG-1's window);
    the newest month takes the rounding."""
    current = now.year * 12 + now.month - 1
    share = (total / 12).quantize(Decimal("0.01"))
    months = [(f"{i // 12:04d}-{i % 12 + 1:02d}", share) for i in range(current - 12, current)]
    months[-1] = (months[-1][0], total - share * 11)
    return months


class _Builder:
    def __init__(self, ctx: SandboxContext, doc: ScenarioDocument) -> None:
        self.ctx = ctx
        self.doc = doc
        self.loaded = LoadedScenario(name=doc.name)

    @property
    def operator(self) -> SandboxContext:
        # Read afresh each step: the settings may have changed, and each step stamps its own clock reading.
        return SandboxContext.of(self.ctx.session, self.ctx.sandbox, OPERATOR)

    def as_admin(self, built: BuiltTenant, action: str) -> PartnerContext:
        """A partner's Global admin in Partner Center."""
        return acting_as(self.ctx, self._global_admin(built, action), PartnerContext)

    def as_customer_admin(self, built: BuiltTenant, action: str) -> CustomerContext:
        """A customer's Global admin in its admin center."""
        return acting_as(self.ctx, self._global_admin(built, action), CustomerContext)

    @staticmethod
    def _global_admin(built: BuiltTenant, action: str) -> User:
        admin = built.global_admin()
        if admin is None:
            raise BadRequest(
                f"{built.ref} has no Global admin to {action}: give one of its users the GlobalAdmin role."
            )
        return admin

    def partner(self, ref: str) -> BuiltTenant:
        return self.loaded.partners[ref]

    def steps(self) -> list[Step]:
        found: list[Step] = []
        if self.doc.settings:
            found.append(Step(Phase.SETTINGS, "settings", self._settings))
        for i, p in enumerate(self.doc.partners):
            found += self._partner_steps(f"partners[{i}]", i, p)
        for i, ps in enumerate(self.doc.partnerships):
            found.append(Step(Phase.PARTNERSHIPS, f"partnerships[{i}]", functools.partial(self._partnership, ps)))
        for i, c in enumerate(self.doc.customers):
            found += self._customer_steps(f"customers[{i}]", c)
        for i, r in enumerate(self.doc.marketplace.resellers if self.doc.marketplace else []):
            step = functools.partial(self._marketplace_reseller, r)
            found.append(Step(Phase.MARKETPLACE, f"marketplace.resellers[{i}]", step))
        return found

    async def _marketplace_reseller(self, entry: MarketplaceResellerIn) -> None:
        if self.doc.marketplace is None:
            return
        await marketplace.build_reseller(
            distributor=self.as_admin(self.partner(self.doc.marketplace.distributor), "run the marketplace"),
            reseller=self.as_admin(self.partner(entry.reseller), "order on the storefront"),
            entry=entry,
            customers={ref: built.tenant for ref, built in self.loaded.customers.items()},
        )

    async def _settings(self) -> None:
        await sandboxes.update_settings(self.operator, self.doc.settings)

    # partners ----------------------------------------------------------------------------------------------------

    def _partner_steps(self, at: str, index: int, p: PartnerIn) -> list[Step]:
        found = [Step(Phase.PARTNERS, at, functools.partial(self._register_partner, index, p))]
        if p.revenue_usd is not None or p.revenue_months:
            found.append(Step(Phase.PARTNERS, f"{at}.revenue", functools.partial(self._revenue, p)))
        phase = Phase.PARTNERS
        for j, program in enumerate(p.programs):
            step = functools.partial(self._program_to, p.ref, program)
            if program.program is Program.DIRECT_BILL and program.status is E.RESTRICTED:
                # The enrollment belongs to the partner's past; support's restriction starts its transition.
                found.append(Step(phase, f"{at}.programs[{j}]", step))
                phase = Phase.TRANSITION
                step = functools.partial(self._restrict_direct_bill, p.ref)
            found.append(Step(phase, f"{at}.programs[{j}]", step))
        return found

    async def _register_partner(self, index: int, p: PartnerIn) -> None:
        domain = p.domain or f"{p.ref.lower()}.onmicrosoft.com"
        name = p.display_name or p.ref.capitalize()
        given = p.profile.model_dump(by_alias=True, mode="json", exclude_none=True) if p.profile else {}
        profile = {
            "legalName": f"{name} Ltd",
            "primaryContactEmail": f"contact@{domain}",
            **given,
            "address": given.get("address") or {**DEFAULT_ADDRESS, "country": p.country},
        }
        new_users = _new_users(p.users, domain)
        registered = await programs.register_partner(
            self.operator,
            display_name=name,
            domain=domain,
            country=p.country,
            partner_id=p.partner_id or str(FIRST_PARTNER_ID + index),
            profile=profile,
            users=new_users,
            apps=[a.display_name for a in p.apps],
        )
        self.loaded.partners[p.ref] = _built(p.ref, registered, new_users)

    async def _revenue(self, p: PartnerIn) -> None:
        ctx = self.operator
        months = [(m.month, m.amount_usd) for m in p.revenue_months]
        if p.revenue_usd is not None:
            spread = revenue_months(ctx.now, p.revenue_usd)
            months = [*spread, *((m, a) for m, a in months if m not in {s for s, _ in spread})]
        await programs.set_revenue(ctx, self.partner(p.ref).tenant, months)

    async def _program_to(self, ref: str, program: ProgramIn) -> None:
        """Enroll as the Global admin, then bring the enrollment where the document says: the operator decides
        what the approval delay left pending, the Global admin accepts the MPA an indirect enrollment brings."""
        built = self.partner(ref)
        submitted = await enrollment.enroll(
            self.as_admin(built, "enroll"),
            program=program.program,
            primary_contact_email=None,
            acknowledge_indirect_override=program.acknowledge_indirect_override,
        )
        current = submitted.enrollment
        target = E.ACTIVE if program.status is E.RESTRICTED else program.status
        if current.status is E.PENDING and target is not E.PENDING:
            await enrollment.decide_enrollment(
                self.operator, enrollment_id=current.id, approve=target is not E.REJECTED, reason="scenario"
            )
        if current.status is E.APPROVED and target is E.ACTIVE:
            await self._accept_mpa(built, current.id)
        if current.status is not target:
            raise BadRequest(
                f"The {program.program} enrollment is {current.status}, not {target}: "
                + (
                    "it stays Pending only when the setting enrollmentApprovalBusinessDays is above 0 "
                    "or the counterpartyPolicies.enrollmentDecision policy is manual."
                    if target is E.PENDING
                    else f"{program.program} does not reach {target} by enrolling."
                )
            )

    async def _accept_mpa(self, built: BuiltTenant, enrollment_id: uuid.UUID) -> None:
        ctx = self.as_admin(built, "accept the partner agreement")
        pending = await enrollment.list_agreements(
            ctx, PageRequest(size=MAX_PAGE, token=None), status=AgreementStatus.PENDING, agreement_type=None
        )
        agreement = next(a for a in pending.items if a.enrollment_id == enrollment_id)
        await enrollment.accept_agreement(ctx, agreement_id=agreement.id)

    async def _restrict_direct_bill(self, ref: str) -> None:
        """PRG-3: the Global admin asks support to restrict direct bill, and support resolves the request."""
        request = await support.open_service_request(
            self.as_admin(self.partner(ref), "ask support to restrict direct bill"),
            category=ServiceRequestCategory.DIRECT_BILL_RESTRICTION,
            description="Please restrict our direct-bill enrollment: we transition to indirect reseller.",
        )
        await support.resolve_service_request(self.operator, request_id=request.id)

    async def _partnership(self, ps: PartnershipIn) -> None:
        provider, reseller = self.partner(ps.provider), self.partner(ps.reseller)
        partnership = await providers.invite_reseller(
            self.as_admin(provider, "invite a reseller"),
            reseller_tenant_id=reseller.tenant.id,
            reseller_partner_id=None,
        )
        if ps.accepted:
            await providers.accept_partnership(
                self.as_admin(reseller, "accept a partnership"), invitation_id=partnership.id
            )
        self.loaded.partnerships.append(BuiltPartnership(ps.provider, ps.reseller, partnership))

    # customers ---------------------------------------------------------------------------------------------------

    def _customer_steps(self, at: str, c: CustomerIn) -> list[Step]:
        through_reseller = c.reseller is not None
        created = Phase.CUSTOMERS_THROUGH_RESELLERS if through_reseller else Phase.CUSTOMERS_OF_CREATORS
        late = Phase.CUSTOMERS_THROUGH_RESELLERS

        def phase_for(partner: str | None) -> Phase:
            """What a partner does for the customer waits for that partner's relationship with it."""
            return created if partner is None or partner == c.created_by else late

        found = [Step(created, at, functools.partial(self._customer, c))]
        if c.users:
            found.append(Step(created, f"{at}.users", functools.partial(self._customer_users, c)))
        if c.reseller is not None and c.provider is not None:
            step = functools.partial(self._invited_with_provider, c, c.reseller, c.provider)
            found.append(Step(late, f"{at}.reseller", step))
        if c.extended_to is not None and c.created_by is not None:  # check_references refused one without the other
            step = functools.partial(self._extend, c, c.created_by, c.extended_to)
            found.append(Step(late, f"{at}.extendedTo", step))
        for j, link in enumerate(c.links):
            phase = created if link.partner is not None else late
            found.append(Step(phase, f"{at}.links[{j}]", functools.partial(self._link, c, link)))
        if c.mca is not None and c.mca.accepted:
            found.append(Step(created, f"{at}.mca.accepted", functools.partial(self._accept_mca, c.ref)))
        for k, partner in enumerate(c.mca.attested_by if c.mca else []):
            step = functools.partial(self._attest_mca, c.ref, partner)
            found.append(Step(phase_for(partner), f"{at}.mca.attestedBy[{k}]", step))
        for j, existing in enumerate(c.subscriptions):
            step = functools.partial(self._existing_subscription, c.ref, existing)
            found.append(Step(phase_for(existing.partner), f"{at}.subscriptions[{j}]", step))
        for j, order in enumerate(c.orders):
            step = functools.partial(self._order, c.ref, order)
            found.append(Step(phase_for(order.partner), f"{at}.orders[{j}]", step))
        return found

    async def _customer(self, c: CustomerIn) -> None:
        domain = c.domain or f"{c.ref.lower()}.onmicrosoft.com"
        name = c.display_name or c.ref.capitalize()
        if c.created_by is None:
            admin = _new_users([], domain)
            registered = await identity.register_tenant(
                self.operator,
                kind=TenantKind.CUSTOMER,
                display_name=name,
                domain=domain,
                country=c.country,
                users=admin,
                apps=[],
            )
            self.loaded.customers[c.ref] = _built(c.ref, registered, admin)
            return
        reseller = self.partner(c.reseller).tenant.id if c.reseller else None
        created = await customers.create_customer(
            self.as_admin(self.partner(c.created_by), "add a customer"),
            domain=domain,
            company_name=name,
            country=c.country,
            billing_profile=(c.billing_profile or _billing_profile(name, domain, c.country)).model_dump(
                by_alias=True, mode="json"
            ),
            associated_partner_id=reseller,
        )
        self.loaded.customers[c.ref] = BuiltTenant(c.ref, created.tenant, [BuiltUser(created.admin, created.password)])

    async def _customer_users(self, c: CustomerIn) -> None:
        built = self.loaded.customers[c.ref]
        for new in _new_users(c.users, built.tenant.domain):
            user, generated = await identity.add_user(
                self.operator,
                built.tenant,
                user_principal_name=new.user_principal_name,
                display_name=new.display_name,
                password=new.password,
                roles=new.roles,
            )
            built.users.append(BuiltUser(user, new.password or generated))

    async def _accept(self, customer: BuiltTenant, invitation: RelationshipInvitation) -> None:
        """The customer's Global admin accepts the link in its admin center (REL-1, REL-7)."""
        found = await invitations.find_invitation(self.ctx.session, invitation.code)
        await invitations.accept_invitation(self.as_customer_admin(customer, "accept a partner's invitation"), found)

    async def _invited_with_provider(self, c: CustomerIn, reseller: str, provider: str) -> None:
        await self._link(c, LinkIn(reseller=reseller, provider=provider, accepted=True), listed=False)

    async def _link(self, c: CustomerIn, link: LinkIn, *, listed: bool = True) -> None:
        customer = self.loaded.customers[c.ref]
        if link.partner is not None:
            partner = link.partner
            invitation = await invitations.relationship_request(self.as_admin(self.partner(partner), "send a link"))
        elif link.reseller is not None and link.provider is not None:
            partner = link.reseller
            invitation = await invitations.invite_with_provider(
                self.as_admin(self.partner(partner), "invite a customer"),
                indirect_provider_id=self.partner(link.provider).tenant.id,
                customer_tenant_id=customer.tenant.id,
            )
        else:  # check_references refuses such a link first
            raise BadRequest("A link names a partner, or a reseller and the provider it invites with.")
        if link.accepted:
            await self._accept(customer, invitation)
        if listed:
            self.loaded.links.append(BuiltLink(c.ref, partner, link.provider, invitation, link.accepted))

    async def _extend(self, c: CustomerIn, created_by: str, extended_to: str) -> None:
        await extension.extend_to_provider(
            self.as_admin(self.partner(created_by), "use the reseller relationship extension"),
            customer_id=self.loaded.customers[c.ref].tenant.id,
            indirect_provider_id=self.partner(extended_to).tenant.id,
            customer_consent_recorded=True,
        )

    async def _accept_mca(self, ref: str) -> None:
        customer = self.loaded.customers[ref]
        ctx = self.as_customer_admin(customer, "accept the Microsoft Customer Agreement")
        await agreements.accept_in_admin_center(
            ctx, first_name="Admin", last_name=customer.tenant.display_name, email=ctx.actor.name
        )

    async def _attest_mca(self, ref: str, partner: str) -> None:
        customer = self.loaded.customers[ref]
        ctx = self.as_admin(self.partner(partner), "attest the customer's MCA")
        await agreements.attest(
            ctx,
            customer_id=customer.tenant.id,
            template_id=MCA_TEMPLATE_ID,
            agreement_type=MCA,
            first_name="Admin",
            last_name=customer.tenant.display_name,
            email=f"admin@{customer.tenant.domain}",
            phone=None,
            date_agreed=ctx.now,
        )

    async def _existing_subscription(self, ref: str, existing: ExistingSubscriptionIn) -> None:
        partner = self.partner(existing.partner).tenant.id if existing.partner else None
        subscription = await commerce.record_existing_subscription(
            self.operator,
            self.loaded.customers[ref].tenant,
            partner_tenant_id=partner,
            channel=existing.channel,
            offer_id=existing.offer_id,
            offer_name=existing.offer_name,
            quantity=existing.quantity,
            term_duration=existing.term_duration,
            billing_cycle=existing.billing_cycle,
            commitment_end_date=existing.commitment_end_date,
            auto_renew=existing.auto_renew,
            partner_of_record=existing.partner_of_record,
        )
        self.loaded.subscriptions.append(BuiltPurchase(ref, existing.partner, subscription))

    async def _order(self, ref: str, order: OrderIn) -> None:
        customer = self.loaded.customers[ref]
        placed = await orders.place_order(
            self.as_admin(self.partner(order.partner), "place an order"),
            customer_id=customer.tenant.id,
            line_items=[
                orders.LineItem(
                    line_item_number=n,
                    offer_id=line.offer_id,
                    quantity=line.quantity,
                    term_duration=line.term_duration,
                    billing_cycle=line.billing_cycle,
                    partner_id_on_record=line.partner_id_on_record,
                    friendly_name=line.friendly_name,
                )
                for n, line in enumerate(order.line_items)
            ],
        )
        for line in placed.line_items:
            if "subscriptionId" not in line:
                continue  # a pending order (orderProvisioningSeconds): provisioning makes its subscriptions
            subscription = await lookup.one(
                self.ctx, Subscription, uuid.UUID(line["subscriptionId"]), what="Subscription"
            )
            self.loaded.subscriptions.append(BuiltPurchase(ref, order.partner, subscription))


def _new_users(users: list[UserIn], domain: str) -> list[identity.NewUser]:
    given = users or [UserIn(user_principal_name="admin")]
    return [
        identity.NewUser(
            u.user_principal_name if "@" in u.user_principal_name else f"{u.user_principal_name}@{domain}",
            u.display_name,
            u.password,
            u.roles,
        )
        for u in given
    ]


def _built(ref: str, registered: identity.RegisteredTenant, given: list[identity.NewUser]) -> BuiltTenant:
    users = [
        BuiltUser(user, generated or new.password)
        for (user, generated), new in zip(registered.users, given, strict=True)
    ]
    return BuiltTenant(ref, registered.tenant, users, list(registered.apps))


def _billing_profile(name: str, domain: str, country: str) -> BillingProfileIn:
    return BillingProfileIn.model_validate(
        {
            "email": f"billing@{domain}",
            "companyName": name,
            "defaultAddress": {
                "firstName": "Alex",
                "lastName": "Wilber",
                "addressLine1": "1 Main St",
                "city": "Redmond",
                "state": "WA",
                "postalCode": "98052",
                "country": country,
            },
        }
    )


def _at(path: str, exc: DomainError) -> BadRequest:
    """A refusal met while building, pointed at the entry that asked for it (the rule it broke, if one did)."""
    refusal: dict[str, Any] = {"path": path, "status": exc.status_code, "errorName": exc.error_name}
    if exc.rule:
        refusal["rule"] = exc.rule
    return BadRequest(f"{path}: {exc.message}", data=[refusal], rule=exc.rule)


async def load_scenario(ctx: SandboxContext, *, document: ScenarioDocument) -> LoadedScenario:
    """Build the document's world in the sandbox, in the caller's one transaction (see the module's docstring for
    the order). Every rule of the services applies; the first refusal is a 400 naming the entry."""
    check_references(document)
    builder = _Builder(ctx, document)
    for step in sorted(builder.steps(), key=lambda s: s.phase):
        try:
            await step.run()
        except DomainError as exc:
            raise _at(step.path, exc) from exc
    return builder.loaded


async def load_scenario_text(ctx: SandboxContext, *, raw: bytes, media_type: str | None) -> LoadedScenario:
    """A JSON or YAML document, read and built (`read_document`, then `load_scenario`)."""
    return await load_scenario(ctx, document=read_document(raw, media_type))
