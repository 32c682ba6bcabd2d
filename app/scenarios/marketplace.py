"""A scenario's `marketplace` section: the distributor's platform built through the marketplace's services, after the
rest of the world (its partners, partnerships and customers) exists.

    marketplace:
      distributor: fabrikam                 # an indirect provider of the document
      resellers:
        - reseller: tailspin                # registered by the distributor (an Active account)
          programs: [Microsoft Azure Reseller Program, Microsoft Azure Plan]   # requested, approved by operations
          orders:                           # storefront orders (COM-7), by the reseller's Global admin
            - {purchaseMode: EndCustomer, customer: alpine, lineItems: [...]}
            - {purchaseMode: PersonalUse, customerAgreement: {...}, lineItems: [...]}
            - {purchaseMode: AffiliateAccount, affiliate: {companyName, domain}, customerAgreement: {...}, ...}
"""

from collections.abc import Callable

from app.commerce.orders import LineItem
from app.kernel.context import PartnerContext
from app.marketplace import access, accounts, storefront
from app.models import Tenant
from app.scenarios.schemas import MarketplaceIn, MarketplaceResellerIn


def check(doc: MarketplaceIn, partner: Callable[[str, str], None], customer: Callable[[str, str], None]) -> None:
    """Every name the section uses is a partner (or, for an order's customer, a customer) of the document."""
    partner("marketplace.distributor", doc.distributor)
    for i, r in enumerate(doc.resellers):
        partner(f"marketplace.resellers[{i}].reseller", r.reseller)
        for j, order in enumerate(r.orders):
            if order.customer is not None:
                customer(f"marketplace.resellers[{i}].orders[{j}].customer", order.customer)


async def build_reseller(
    *, distributor: PartnerContext, reseller: PartnerContext, entry: MarketplaceResellerIn, customers: dict[str, Tenant]
) -> None:
    """The distributor registers the reseller, approves each program it asks for, and the reseller orders."""
    account = await accounts.open_account(
        distributor, reseller_tenant_id=reseller.tenant_id, distributor_tenant_id=None
    )
    for program in entry.programs:
        asked = await access.request_program(reseller, account_id=account.id, program=program)
        await access.decide_program(distributor, account_id=account.id, access_id=asked.id, approve=True, reason=None)
    for order in entry.orders:
        agreement = order.customer_agreement
        await storefront.place_storefront_order(
            reseller,
            account_id=account.id,
            purchase_mode=order.purchase_mode,
            customer_tenant_id=customers[order.customer].id if order.customer else None,
            affiliate=storefront.NewTenant(order.affiliate.company_name, order.affiliate.domain)
            if order.affiliate
            else None,
            own_tenant=None,
            customer_agreement=storefront.Contact(
                agreement.first_name, agreement.last_name, agreement.email, agreement.phone_number
            )
            if agreement
            else None,
            line_items=[
                LineItem(
                    line_item_number=n,
                    offer_id=line.offer_id,
                    quantity=line.quantity,
                    term_duration=line.term_duration,
                    billing_cycle=line.billing_cycle,
                    partner_id_on_record=None,
                    friendly_name=line.friendly_name,
                )
                for n, line in enumerate(order.line_items)
            ],
        )
