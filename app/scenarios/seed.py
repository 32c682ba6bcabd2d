"""Bulk data for load and paging tests: direct-bill partners and many customers, built in batches through the
services.

The seeded partners (`seed-partner-001`, ...) are made once, by loading them as a scenario: a tenant with a Global
admin and an app, the revenue, an active direct-bill enrollment. Each call then adds a batch of customers spread
over them in turn, each with its subscriptions (its partner attests the MCA, then orders). One call is one
transaction; `cspsim seed` sends batches and shows the progress.

A seeded customer's tenant is registered as the control surface registers one, without a user, and its partner
relates to it as `POST /v1/customers` does (`customers.relate`, origin Created, the partner's Global admin
acting). Why not `create_customer` itself: it gives every customer an admin whose password costs a PBKDF2 hash
(about 10 ms), which would make 100,000 customers take twenty minutes instead of a few. A test that signs in as a
customer loads a scenario.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from app.commerce import orders
from app.customers import agreements
from app.customers import service as customers
from app.events.service import record_event
from app.identity import service as identity
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest
from app.models import (
    MCA,
    MCA_TEMPLATE_ID,
    CustomerRelationship,
    Program,
    RelationshipKind,
    RelationshipOrigin,
    Tenant,
    TenantKind,
    User,
)
from app.programs import service as programs
from app.scenarios.schemas import PartnerIn, ProgramIn, ScenarioDocument
from app.scenarios.service import LoadedScenario, acting_as, load_scenario

PARTNER_REF = "seed-partner-{:03d}"
CUSTOMER_DOMAIN = "seed-customer-{:07d}.onmicrosoft.com"
FIRST_PARTNER_ID = 5_900_001
# Licences a seeded customer buys, one line each, in turn.
OFFERS = (
    "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5",  # Microsoft 365 E3
    "CFQ7TTC0LH18:0001:CFQ7TTC0LH0R",  # Microsoft 365 Business Basic
    "CFQ7TTC0LDPB:0001:CFQ7TTC0LDNZ",  # Microsoft 365 Business Standard
    "CFQ7TTC0LCHC:0002:CFQ7TTC0LCH4",  # Microsoft 365 Business Premium
)


@dataclass(frozen=True)
class SeedPartner:
    ref: str
    tenant: Tenant
    admin: User
    partner_id: str | None


@dataclass
class Seeded:
    partners: list[SeedPartner]
    new_partners: LoadedScenario
    customers_created: int = 0
    subscriptions_created: int = 0
    customers_total: int = 0
    holdings: dict[str, int] = field(default_factory=dict)


def _domain(ref: str) -> str:
    return f"{ref}.onmicrosoft.com"


async def _find_partner(ctx: SandboxContext, ref: str) -> SeedPartner | None:
    tenant = await ctx.session.scalar(
        select(Tenant).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.domain == _domain(ref))
    )
    if tenant is None:
        return None
    admin = await ctx.session.scalar(
        select(User).where(User.sandbox_id == ctx.sandbox_id, User.user_principal_name == f"admin@{_domain(ref)}")
    )
    profile = await programs.find_profile(ctx, tenant.id)
    if admin is None or profile is None or not (await programs.capabilities(ctx, tenant.id)).direct_bill:
        raise BadRequest(
            f"{tenant.domain} is no longer a seeded direct-bill partner with its Global admin; reset the sandbox or "
            "seed another one."
        )
    return SeedPartner(ref, tenant, admin, profile.partner_id)


async def _seed_partners(ctx: SandboxContext, count: int) -> tuple[list[SeedPartner], LoadedScenario]:
    refs = [PARTNER_REF.format(i + 1) for i in range(count)]
    found = {ref: await _find_partner(ctx, ref) for ref in refs}
    missing = [
        PartnerIn(
            ref=ref,
            display_name=f"Seed Partner {i + 1}",
            partner_id=str(FIRST_PARTNER_ID + i),
            # Twice the threshold: the revenue reviews (PRG-2) keep them active for six months of moved clock.
            revenue_usd=ctx.settings.revenue_threshold_usd * 2,
            programs=[ProgramIn(program=Program.DIRECT_BILL)],
        )
        for i, ref in enumerate(refs)
        if found[ref] is None
    ]
    loaded = await load_scenario(ctx, document=ScenarioDocument(name="seed", partners=missing))
    made = [found[ref] or await _find_partner(ctx, ref) for ref in refs]
    return [p for p in made if p is not None], loaded


async def _seeded_customers(ctx: SandboxContext) -> int:
    count = await ctx.session.scalar(
        select(func.count(Tenant.id)).where(
            Tenant.sandbox_id == ctx.sandbox_id,
            Tenant.kind == TenantKind.CUSTOMER,
            Tenant.domain.like("seed-customer-%"),
        )
    )
    return int(count or 0)


async def _customer(ctx: SandboxContext, partner: SeedPartner, number: int, subscriptions: int) -> int:
    """One customer of `partner`, with its subscriptions; answers how many it got."""
    registered = await identity.register_tenant(
        ctx,
        kind=TenantKind.CUSTOMER,
        display_name=f"Seed Customer {number}",
        domain=CUSTOMER_DOMAIN.format(number),
        country="US",
        users=[],
        apps=[],
    )
    customer = registered.tenant
    as_partner = acting_as(ctx, partner.admin, PartnerContext)
    await customers.relate(
        as_partner,
        customer=customer,
        partner_id=partner.tenant.id,
        kind=RelationshipKind.DIRECT_BILL,
        origin=RelationshipOrigin.CREATED,
        billing_profile={"email": f"billing@{customer.domain}", "companyName": customer.display_name},
    )
    await record_event(
        as_partner,
        name="customer-created",
        resource_type="Customer",
        resource_id=customer.id,
        tenant_ids=[partner.tenant.id],
    )
    if not subscriptions:
        return 0
    await agreements.attest(
        as_partner,
        customer_id=customer.id,
        template_id=MCA_TEMPLATE_ID,
        agreement_type=MCA,
        first_name="Seed",
        last_name="Admin",
        email=f"admin@{customer.domain}",
        phone=None,
        date_agreed=as_partner.now,
    )
    order = await orders.place_order(
        as_partner,
        customer_id=customer.id,
        line_items=[
            orders.LineItem(
                line_item_number=n,
                offer_id=OFFERS[n % len(OFFERS)],
                quantity=5,
                term_duration="P1Y",
                billing_cycle="monthly",
                partner_id_on_record=None,
                friendly_name=None,
            )
            for n in range(subscriptions)
        ],
    )
    return len(order.line_items)


async def _holdings(ctx: SandboxContext, partners: list[SeedPartner]) -> dict[str, int]:
    rows = (
        await ctx.session.execute(
            select(CustomerRelationship.partner_tenant_id, func.count(CustomerRelationship.id))
            .where(
                CustomerRelationship.sandbox_id == ctx.sandbox_id,
                CustomerRelationship.partner_tenant_id.in_([p.tenant.id for p in partners]),
            )
            .group_by(CustomerRelationship.partner_tenant_id)
        )
    ).all()
    counts = {partner_id: int(count) for partner_id, count in rows}
    return {p.ref: counts.get(p.tenant.id, 0) for p in partners}


async def _refresh_statistics(ctx: SandboxContext) -> None:
    """PostgreSQL plans the services' lookups from table statistics; grown by a bulk load faster than autovacuum
    analyzes them (or with autovacuum off), the customer-relationship check is planned on the partner's index and
    gets slower with every customer. Analyzing what the seed grows keeps each batch as fast as the first."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        await ctx.session.execute(text("ANALYZE tenants, customer_relationships, audit_records, events"))


async def seed(ctx: SandboxContext, *, partners: int, customers: int, subscriptions: int) -> Seeded:
    """Make the seeded direct-bill partners that are missing, then add `customers` customers spread over them in
    turn, each with `subscriptions` subscriptions (MCA attested, one order). Every rule of the services applies."""
    await _refresh_statistics(ctx)
    seed_partners, loaded = await _seed_partners(ctx, partners)
    seeded = Seeded(partners=seed_partners, new_partners=loaded)
    first = await _seeded_customers(ctx) + 1
    for number in range(first, first + customers):
        partner = seed_partners[number % len(seed_partners)]
        seeded.subscriptions_created += await _customer(ctx, partner, number, subscriptions)
    seeded.customers_created = customers
    seeded.customers_total = first - 1 + customers
    seeded.holdings = await _holdings(ctx, seed_partners)
    return seeded
