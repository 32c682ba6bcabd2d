"""The distributor's resale routes on the marketplace: price books, support plans, billing settings, reseller
invoices and reports (BIL-5, BIL-6)."""

import csv
import io
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response

from app.kernel.pagination import Collection, Link, Page, PageRequest, collection, page_request
from app.kernel.pipeline import MARKETPLACE, MarketplaceCaller
from app.models import ResaleInvoice, ResaleInvoiceLine, SupportPlan
from app.resale import invoicing, service
from app.resale.schemas import (
    BillingSettingsIn,
    BillingSettingsOut,
    PriceBookAssignmentIn,
    PriceBookAssignmentOut,
    PriceBookIn,
    PriceBookOut,
    PriceOverrideOut,
    PriceSheetRowOut,
    ReportRowOut,
    ReportTotalOut,
    ResaleInvoiceOut,
    ResaleLineOut,
    ResaleReportOut,
    ResellerPriceBookOut,
    SelfLinks,
    SupportPlanIn,
    SupportPlanOut,
)

router = MARKETPLACE.router(tags=["marketplace: price books and reseller billing"])
PREFIX = MARKETPLACE.prefix
Pages = Annotated[PageRequest, Depends(page_request)]
ResellerId = Annotated[uuid.UUID, Path(description="The reseller's tenant id.")]
CustomerId = Annotated[uuid.UUID, Path(description="The end customer's tenant id.")]
PriceBookId = Annotated[str, Path(min_length=1, max_length=40, description="A price book's id, or `default`.")]
InvoiceId = Annotated[
    str, Path(min_length=1, max_length=20, description="The reseller invoice's number, e.g. R000001.")
]


def _links(path: str) -> SelfLinks:
    return SelfLinks(self=Link(uri=f"{PREFIX}{path}"))


def book_out(view: service.PriceBookView) -> PriceBookOut:
    return PriceBookOut(
        id=view.id,
        name=view.book.name if view.book else "Default price book (list price)",
        is_default=view.book is None,
        markup_percent=view.book.markup_percent if view.book else Decimal("0"),
        overrides=[
            PriceOverrideOut(product_id=o.product_id, sku_id=o.sku_id, unit_price=o.unit_price, currency=o.currency)
            for o in view.overrides
        ],
        created_date_time=view.book.created_at if view.book else None,
        links=_links(f"/pricebooks/{view.id}"),
    )


@router.get("/pricebooks", response_model=Collection[PriceBookOut], summary="The distributor's price books")
async def list_price_books(ctx: MarketplaceCaller, request: Request) -> Any:
    """BIL-6: the default price book (list price) and the distributor's custom ones."""
    items = [book_out(v) for v in await service.list_price_books(ctx)]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


@router.post("/pricebooks", response_model=PriceBookOut, status_code=201, summary="Create a custom price book")
async def create_price_book(ctx: MarketplaceCaller, body: PriceBookIn) -> Any:
    """BIL-6: a markup percentage over list and fixed prices per product or SKU; a negative price or a markup below
    -100 % is refused."""
    view = await service.create_price_book(
        ctx,
        name=body.name,
        markup_percent=body.markup_percent,
        overrides=[service.OverrideIn(o.product_id, o.sku_id, o.unit_price, o.currency) for o in body.overrides],
    )
    return book_out(view)


@router.get("/pricebooks/{price_book_id}", response_model=PriceBookOut, summary="Read a price book")
async def read_price_book(ctx: MarketplaceCaller, price_book_id: PriceBookId) -> Any:
    return book_out(await service.get_price_book(ctx, price_book_id))


def reseller_book_out(found: service.ResellerPriceBook) -> ResellerPriceBookOut:
    return ResellerPriceBookOut(
        reseller_tenant_id=found.reseller.id,
        price_book=book_out(found.current),
        effective_from=found.effective_from,
        assignments=[
            PriceBookAssignmentOut(
                price_book_id=view.id,
                effective_from=a.effective_from,
                assigned_date_time=a.assigned_at,
                assigned_by=a.assigned_by,
            )
            for a, view in found.assignments
        ],
        links=_links(f"/resellers/{found.reseller.id}/pricebook"),
    )


@router.get(
    "/resellers/{reseller_tenant_id}/pricebook", response_model=ResellerPriceBookOut, summary="A reseller's price book"
)
async def read_reseller_price_book(ctx: MarketplaceCaller, reseller_tenant_id: ResellerId) -> Any:
    """BIL-6: the price book in force today and every assignment."""
    return reseller_book_out(await service.reseller_price_book(ctx, reseller_tenant_id))


@router.put(
    "/resellers/{reseller_tenant_id}/pricebook",
    response_model=ResellerPriceBookOut,
    summary="Give a reseller a price book from a day on",
)
async def assign_price_book(ctx: MarketplaceCaller, reseller_tenant_id: ResellerId, body: PriceBookAssignmentIn) -> Any:
    """BIL-6: the default or a custom price book, effective from a day on the sandbox clock (today or later)."""
    found = await service.assign_price_book(
        ctx, reseller_id=reseller_tenant_id, price_book_id=body.price_book_id, effective_from=body.effective_from
    )
    return reseller_book_out(found)


@router.get(
    "/resellers/{reseller_tenant_id}/prices",
    response_model=Collection[PriceSheetRowOut],
    summary="A reseller's price sheet: list price, its cost and its customers' price",
)
async def price_sheet(
    ctx: MarketplaceCaller,
    request: Request,
    reseller_tenant_id: ResellerId,
    country: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$", description="The customers' country.")] = "US",
    product_id: Annotated[str | None, Query(alias="productId", max_length=50)] = None,
) -> Any:
    """BIL-6: each new-commerce term of the catalog (or of one product) through the reseller's price book today."""
    rows = await service.price_sheet(ctx, reseller_id=reseller_tenant_id, country=country, product_id=product_id)
    items = [
        PriceSheetRowOut(
            product_id=r.product_id,
            sku_id=r.sku_id,
            availability_id=r.availability_id,
            catalog_item_id=f"{r.product_id}:{r.sku_id}:{r.availability_id}",
            title=r.title,
            term_duration=r.term_duration,
            price_book_id=r.prices.price_book_id,
            list_price=r.prices.list_price,
            reseller_price=r.prices.reseller_price,
            customer_price=r.prices.customer_price,
            currency=r.prices.currency,
        )
        for r in rows
    ]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


def plan_out(plan: SupportPlan) -> SupportPlanOut:
    return SupportPlanOut(
        customer_tenant_id=plan.customer_tenant_id,
        reseller_tenant_id=plan.reseller_tenant_id,
        type=plan.kind,
        percent=plan.percent,
        minimum=plan.minimum,
        amount=plan.amount,
        currency=plan.currency,
        last_modified_date_time=plan.updated_at,
        links=_links(f"/customers/{plan.customer_tenant_id}/supportplan"),
    )


@router.get(
    "/customers/{customer_tenant_id}/supportplan",
    response_model=SupportPlanOut,
    summary="An end customer's support plan",
)
async def read_support_plan(ctx: MarketplaceCaller, customer_tenant_id: CustomerId) -> Any:
    return plan_out(await service.get_support_plan(ctx, customer_tenant_id))


@router.put(
    "/customers/{customer_tenant_id}/supportplan",
    response_model=SupportPlanOut,
    summary="Set an end customer's support plan",
)
async def set_support_plan(ctx: MarketplaceCaller, customer_tenant_id: CustomerId, body: SupportPlanIn) -> Any:
    """BIL-6: a percentage of the customer's cost with a minimum, or a fixed amount per billing period."""
    plan = await service.set_support_plan(
        ctx,
        customer_id=customer_tenant_id,
        kind=body.type,
        percent=body.percent,
        minimum=body.minimum,
        amount=body.amount,
        currency=body.currency,
    )
    return plan_out(plan)


def settings_out(found: service.BillingSettings) -> BillingSettingsOut:
    return BillingSettingsOut(
        reseller_tenant_id=found.reseller_id,
        invoice_per_end_customer=found.invoice_per_end_customer,
        links=_links(f"/resellers/{found.reseller_id}/billingsettings"),
    )


@router.get(
    "/resellers/{reseller_tenant_id}/billingsettings",
    response_model=BillingSettingsOut,
    summary="How a reseller is invoiced",
)
async def read_billing_settings(ctx: MarketplaceCaller, reseller_tenant_id: ResellerId) -> Any:
    return settings_out(await service.billing_settings(ctx, reseller_tenant_id))


@router.put(
    "/resellers/{reseller_tenant_id}/billingsettings",
    response_model=BillingSettingsOut,
    summary="Invoice a reseller in one aggregate or per end customer",
)
async def set_billing_settings(ctx: MarketplaceCaller, reseller_tenant_id: ResellerId, body: BillingSettingsIn) -> Any:
    """BIL-5: from the next billing run on."""
    found = await service.set_billing_settings(
        ctx, reseller_id=reseller_tenant_id, invoice_per_end_customer=body.invoice_per_end_customer
    )
    return settings_out(found)


def line_out(line: ResaleInvoiceLine) -> ResaleLineOut:
    return ResaleLineOut(
        line_number=line.line_number,
        line_type=line.line_type.value,
        customer_tenant_id=line.customer_tenant_id,
        customer_name=line.customer_name,
        source_invoice_id=line.source_invoice_number,
        subscription_id=line.subscription_id,
        product_id=line.product_id,
        sku_id=line.sku_id,
        product_name=line.product_name,
        charge_type=line.charge_type,
        charge_start_date=line.charge_start_date,
        charge_end_date=line.charge_end_date,
        quantity=line.quantity,
        billable_quantity=line.billable_quantity,
        price_book_id=str(line.price_book_id) if line.price_book_id else service.DEFAULT,
        list_price=line.list_unit_price,
        reseller_price=line.reseller_unit_cost,
        customer_price=line.customer_unit_price,
        seller_cost=line.seller_cost,
        customer_cost=line.customer_cost,
        margin=line.margin,
        currency=line.currency,
    )


def invoice_out(invoice: ResaleInvoice, lines: list[ResaleInvoiceLine] | None = None) -> ResaleInvoiceOut:
    return ResaleInvoiceOut(
        id=invoice.number,
        reseller_tenant_id=invoice.reseller_tenant_id,
        end_customer_tenant_id=invoice.end_customer_tenant_id,
        invoice_date=invoice.invoice_date,
        billing_period_start_date=invoice.billing_period_start,
        billing_period_end_date=invoice.billing_period_end,
        currency_code=invoice.currency,
        total_charges=invoice.seller_cost,
        seller_cost=invoice.seller_cost,
        customer_cost=invoice.customer_cost,
        support_charges=invoice.support_total,
        margin=invoice.margin,
        seats=invoice.seats,
        line_items=[line_out(line) for line in lines] if lines is not None else None,
        links=_links(f"/resellers/{invoice.reseller_tenant_id}/invoices/{invoice.number}"),
    )


@router.get(
    "/resellers/{reseller_tenant_id}/invoices",
    response_model=Collection[ResaleInvoiceOut],
    response_model_exclude_none=False,
    summary="A reseller's invoices",
)
async def list_invoices(ctx: MarketplaceCaller, request: Request, reseller_tenant_id: ResellerId, page: Pages) -> Any:
    """BIL-5: one per billing period and currency, or one per end customer by the reseller's setting."""
    found = await invoicing.list_invoices(ctx, reseller_id=reseller_tenant_id, page=page)
    return collection(request, found, [invoice_out(i) for i in found.items])


@router.get(
    "/resellers/{reseller_tenant_id}/invoices/{reseller_invoice_id}",
    response_model=ResaleInvoiceOut,
    summary="A reseller's invoice with its lines",
)
async def read_invoice(ctx: MarketplaceCaller, reseller_tenant_id: ResellerId, reseller_invoice_id: InvoiceId) -> Any:
    """BIL-5, BIL-6: each line shows list price, the reseller's cost and the customer's price."""
    invoice, lines = await invoicing.get_invoice(ctx, reseller_id=reseller_tenant_id, number=reseller_invoice_id)
    return invoice_out(invoice, lines)


CSV_COLUMNS = [
    "CustomerTenantId",
    "CustomerName",
    "ProductId",
    "SkuId",
    "ProductName",
    "Seats",
    "SellerCost",
    "CustomerCost",
    "Margin",
    "Currency",
]


@router.get(
    "/resellers/{reseller_tenant_id}/reports",
    response_model=ResaleReportOut,
    responses={200: {"content": {"text/csv": {}}, "description": "The report; `format=csv` answers text/csv."}},
    summary="A reseller's billing report: seller cost, customer cost, margin, seats (JSON or CSV)",
)
async def report(
    ctx: MarketplaceCaller,
    reseller_tenant_id: ResellerId,
    period: Annotated[str | None, Query(max_length=7, description="A billing period's month, YYYY-MM.")] = None,
    report_format: Annotated[str | None, Query(alias="format", max_length=10, description="`json` or `csv`.")] = None,
) -> Any:
    """BIL-5: per end customer and product, from the reseller's invoices."""
    rows = await invoicing.report(ctx, reseller_id=reseller_tenant_id, period=period, report_format=report_format)
    if (report_format or "json").lower() == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow(
                [
                    r.customer_tenant_id,
                    r.customer_name,
                    r.product_id,
                    r.sku_id,
                    r.product_name,
                    r.seats,
                    r.seller_cost,
                    r.customer_cost,
                    r.margin,
                    r.currency,
                ]
            )
        return Response(content=text.getvalue(), media_type="text/csv")
    totals: dict[str, list[invoicing.ReportRow]] = defaultdict(list)
    for r in rows:
        totals[r.currency].append(r)
    return ResaleReportOut(
        reseller_tenant_id=reseller_tenant_id,
        period=period,
        total_count=len(rows),
        items=[ReportRowOut.model_validate(r) for r in rows],
        totals=[
            ReportTotalOut(
                currency=currency,
                seats=sum(r.seats for r in items),
                seller_cost=sum((r.seller_cost for r in items), Decimal("0.00")),
                customer_cost=sum((r.customer_cost for r in items), Decimal("0.00")),
                margin=sum((r.margin for r in items), Decimal("0.00")),
            )
            for currency, items in sorted(totals.items())
        ],
    )
