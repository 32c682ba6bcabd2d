"""The marketplace surface (`/marketplace/v1`): a distributor's platform for its resellers, and its control route."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status

from app.commerce.orders import LineItem
from app.commerce.schemas import OrderOut
from app.kernel.context import PartnerContext
from app.kernel.pagination import Collection, PageRequest, collection, page_request
from app.kernel.pipeline import MARKETPLACE, MarketplaceCaller, Operator, control_router
from app.marketplace import access, accounts, resale, storefront
from app.marketplace.schemas import (
    AccountCreate,
    AccountOut,
    AffiliateList,
    AffiliateOut,
    BasicResellerCreate,
    BasicResellerOut,
    ClickThroughCreate,
    ClickThroughOut,
    Decision,
    MemberCreate,
    MemberList,
    MemberOut,
    PersonOut,
    PolicyIn,
    PolicyOut,
    PrerequisiteOut,
    PrerequisitesOut,
    ProgramAccessList,
    ProgramAccessOut,
    ProgramRequestIn,
    StorefrontLineOut,
    StorefrontOrderCreate,
    StorefrontOrderOut,
)
from app.models import MarketplaceAccount, McaClickThrough, Order, StorefrontOrder

router = MARKETPLACE.router(tags=["marketplace"])
control = control_router(tags=["control: marketplace"])
Pages = Annotated[PageRequest, Depends(page_request)]


def _account_out(account: MarketplaceAccount) -> AccountOut:
    return AccountOut.model_validate(account, from_attributes=True)


@router.post(
    "/accounts", status_code=status.HTTP_201_CREATED, response_model=AccountOut, summary="Open a reseller account"
)
async def open_account(ctx: MarketplaceCaller, body: AccountCreate) -> Any:
    """COM-6's platform account: the distributor registers a reseller, or a reseller asks a distributor for one."""
    return _account_out(
        await accounts.open_account(
            ctx, reseller_tenant_id=body.reseller_tenant_id, distributor_tenant_id=body.distributor_tenant_id
        )
    )


@router.get("/accounts", response_model=Collection[AccountOut], summary="The caller's marketplace accounts")
async def list_accounts(ctx: MarketplaceCaller, request: Request, page: Pages) -> Any:
    found = await accounts.list_accounts(ctx, page)
    return collection(request, found, [_account_out(a) for a in found.items])


@router.get("/accounts/{account_id}", response_model=AccountOut, summary="A reseller account")
async def read_account(ctx: MarketplaceCaller, account_id: uuid.UUID) -> Any:
    return _account_out((await accounts.get_visible_account(ctx, account_id)).account)


@router.post("/accounts/{account_id}/decision", response_model=AccountOut, summary="Decide an account request")
async def decide_account(ctx: MarketplaceCaller, account_id: uuid.UUID, body: Decision) -> Any:
    """The distributor's operations approve or reject a reseller's request; the reseller is mailed."""
    return _account_out(
        await accounts.decide_account(ctx, account_id=account_id, approve=body.approve, reason=body.reason)
    )


@router.post(
    "/basicresellers",
    status_code=status.HTTP_201_CREATED,
    response_model=BasicResellerOut,
    summary="Create a basic reseller (seed 003)",
)
async def create_basic_reseller(ctx: MarketplaceCaller, body: BasicResellerCreate) -> Any:
    """A new partner tenant with its people, an Active account and the distributor's partnership invitation."""
    created = await accounts.create_basic_reseller(
        ctx,
        company_name=body.company_name,
        domain=body.domain,
        country=body.country,
        partner_id=body.partner_id,
        primary_contact_email=str(body.primary_contact_email),
        address=body.address.model_dump(by_alias=True),
        people=[accounts.NewPerson(str(u.user_principal_name), u.display_name, u.role) for u in body.users],
    )
    return BasicResellerOut(
        account=_account_out(created.account),
        tenant_id=created.tenant.id,
        domain=created.tenant.domain,
        partner_id=body.partner_id,
        users=[
            PersonOut(id=user.id, user_principal_name=user.user_principal_name, role=role, password=password)
            for user, password, role in created.people
        ],
        partnership_invitation_id=created.partnership.id,
    )


@router.post("/members", status_code=status.HTTP_201_CREATED, response_model=MemberOut, summary="Give a person a role")
async def add_member(ctx: MarketplaceCaller, body: MemberCreate) -> Any:
    """DistributorOperations for the distributor's people; ResellerAdmin or ResellerBuyer for a reseller's."""
    member = await accounts.add_member(
        ctx,
        user_principal_name=str(body.user_principal_name),
        role=body.role,
        distributor_tenant_id=body.distributor_tenant_id,
    )
    return MemberOut(
        id=member.id,
        distributor_tenant_id=member.distributor_tenant_id,
        tenant_id=member.tenant_id,
        user_id=member.user_id,
        user_principal_name=str(body.user_principal_name).lower(),
        role=member.role,
        created_at=member.created_at,
    )


@router.get("/members", response_model=MemberList, summary="The caller's tenant's people with a marketplace role")
async def list_members(ctx: MarketplaceCaller) -> Any:
    items = [
        MemberOut(
            id=m.id,
            distributor_tenant_id=m.distributor_tenant_id,
            tenant_id=m.tenant_id,
            user_id=m.user_id,
            user_principal_name=u.user_principal_name,
            role=m.role,
            created_at=m.created_at,
        )
        for m, u in await accounts.list_members(ctx)
    ]
    return MemberList(items=items)


# --- program access (COM-5) ------------------------------------------------------------------------------------


@router.post(
    "/accounts/{account_id}/programs",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgramAccessOut,
    summary="Request access to a Microsoft program (COM-5)",
)
async def request_program(ctx: MarketplaceCaller, account_id: uuid.UUID, body: ProgramRequestIn) -> Any:
    return ProgramAccessOut.model_validate(
        await access.request_program(ctx, account_id=account_id, program=body.program), from_attributes=True
    )


@router.get("/accounts/{account_id}/programs", response_model=ProgramAccessList, summary="A reseller's program access")
async def list_programs(ctx: MarketplaceCaller, account_id: uuid.UUID) -> Any:
    found = await access.list_programs(ctx, account_id=account_id)
    return ProgramAccessList(items=[ProgramAccessOut.model_validate(a, from_attributes=True) for a in found])


@router.post(
    "/accounts/{account_id}/programs/{access_id}/decision",
    response_model=ProgramAccessOut,
    summary="Approve or reject a program access request (distributor operations)",
)
async def decide_program(ctx: MarketplaceCaller, account_id: uuid.UUID, access_id: uuid.UUID, body: Decision) -> Any:
    decided = await access.decide_program(
        ctx, account_id=account_id, access_id=access_id, approve=body.approve, reason=body.reason
    )
    return ProgramAccessOut.model_validate(decided, from_attributes=True)


# --- resale prerequisites (COM-6) -------------------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/prerequisites",
    response_model=PrerequisitesOut,
    summary="The requirements for resale, each met or not (COM-6)",
)
async def prerequisites(
    ctx: MarketplaceCaller, account_id: uuid.UUID, customer_tenant_id: Annotated[uuid.UUID | None, Query()] = None
) -> Any:
    seen = await accounts.get_visible_account(ctx, account_id)
    found = await resale.resale_prerequisites(ctx, account=seen.account, customer_tenant_id=customer_tenant_id)
    return PrerequisitesOut(
        account_id=seen.account.id,
        customer_tenant_id=customer_tenant_id,
        met=all(p.met for p in found),
        items=[PrerequisiteOut(name=p.name, met=p.met, remedy=p.remedy) for p in found],
    )


# --- the storefront (COM-7) -------------------------------------------------------------------------------------


async def _order_out(ctx: PartnerContext, placed: StorefrontOrder, order: Order) -> StorefrontOrderOut:
    lines = [
        StorefrontLineOut(
            line_item_number=line.line_item_number,
            offer_id=line.offer_id,
            quantity=line.quantity,
            currency=line.prices.currency,
            list_price=line.prices.list_price,
            reseller_price=line.prices.reseller_price,
            customer_price=line.prices.customer_price,
            price_book_id=line.prices.price_book_id,
        )
        for line in await storefront.priced_lines(ctx, placed, order)
    ]
    return StorefrontOrderOut(
        id=placed.id,
        account_id=placed.account_id,
        reseller_tenant_id=placed.reseller_tenant_id,
        customer_tenant_id=placed.customer_tenant_id,
        purchase_mode=placed.purchase_mode,
        billed_to_tenant_id=placed.billed_to_tenant_id,
        partner_id_on_record=placed.partner_id_on_record,
        incentive_eligible=placed.incentive_eligible,
        created_at=placed.created_at,
        lines=lines,
        order=OrderOut.of(order),
    )


@router.post(
    "/accounts/{account_id}/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=StorefrontOrderOut,
    summary="Place a storefront order with a purchase mode (COM-7)",
)
async def place_order(ctx: MarketplaceCaller, account_id: uuid.UUID, body: StorefrontOrderCreate) -> Any:
    """Becomes the distributor's Partner Center order; COM-5 and COM-6 are checked first."""
    new = [storefront.NewTenant(t.company_name, t.domain) if t else None for t in (body.affiliate, body.own_tenant)]
    agreement = body.customer_agreement
    placed = await storefront.place_storefront_order(
        ctx,
        account_id=account_id,
        purchase_mode=body.purchase_mode,
        customer_tenant_id=body.customer_tenant_id,
        affiliate=new[0],
        own_tenant=new[1],
        customer_agreement=storefront.Contact(
            agreement.first_name, agreement.last_name, str(agreement.email), agreement.phone_number
        )
        if agreement
        else None,
        line_items=[
            LineItem(
                line_item_number=line.line_item_number,
                offer_id=line.offer_id,
                quantity=line.quantity,
                term_duration=line.term_duration,
                billing_cycle=line.billing_cycle,
                partner_id_on_record=None,
                friendly_name=line.friendly_name,
            )
            for line in body.line_items
        ],
    )
    return await _order_out(ctx, placed.storefront, placed.order)


@router.get(
    "/accounts/{account_id}/orders",
    response_model=Collection[StorefrontOrderOut],
    summary="A reseller's storefront orders",
)
async def list_orders(ctx: MarketplaceCaller, request: Request, account_id: uuid.UUID, page: Pages) -> Any:
    found = await storefront.list_storefront_orders(ctx, account_id=account_id, page=page)
    orders = await storefront.orders_by_id(ctx, [o.order_id for o in found.items])
    return collection(request, found, [await _order_out(ctx, o, orders[o.order_id]) for o in found.items])


@router.get("/accounts/{account_id}/affiliates", response_model=AffiliateList, summary="A reseller's affiliates")
async def list_affiliates(ctx: MarketplaceCaller, account_id: uuid.UUID) -> Any:
    items = [
        AffiliateOut(id=a.id, tenant_id=t.id, company_name=t.display_name, domain=t.domain, created_at=a.created_at)
        for a, t in await storefront.list_affiliates(ctx, account_id=account_id)
    ]
    return AffiliateList(items=items)


def _click_through_out(request: Request, link: McaClickThrough) -> ClickThroughOut:
    return ClickThroughOut(
        id=link.id,
        customer_tenant_id=link.customer_tenant_id,
        status=link.status,
        url=str(request.url_for("mca_click_through_page", code=link.code)),
        expires_at=link.expires_at,
    )


@router.post(
    "/accounts/{account_id}/clickthroughs",
    status_code=status.HTTP_201_CREATED,
    response_model=ClickThroughOut,
    summary="A link to the storefront page where the customer's admin accepts the MCA",
)
async def create_click_through(
    ctx: MarketplaceCaller, request: Request, account_id: uuid.UUID, body: ClickThroughCreate
) -> Any:
    link = await storefront.create_click_through(ctx, account_id=account_id, customer_tenant_id=body.customer_tenant_id)
    return _click_through_out(request, link)


# --- control ------------------------------------------------------------------------------------------------------


@control.put(
    "/marketplace/distributors/{distributor_id}/policy",
    response_model=PolicyOut,
    summary="A distributor's counter-party policy for program access requests",
)
async def set_policy(ctx: Operator, distributor_id: uuid.UUID, body: PolicyIn) -> Any:
    """`manual` (operations decide), or `accept`/`reject` each request after `businessDays` business days."""
    policy = await access.set_policy(
        ctx,
        distributor_tenant_id=distributor_id,
        decision=body.program_access_decision,
        business_days=body.business_days,
    )
    return PolicyOut(
        distributor_tenant_id=policy.distributor_tenant_id,
        program_access_decision=policy.program_access_decision,
        business_days=policy.business_days,
    )
