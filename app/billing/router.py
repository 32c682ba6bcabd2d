"""Partner Center's invoices: the list, one invoice, the balance, billed and unbilled line items, the statement."""

import csv
import io
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response

from app.billing import service
from app.billing.schemas import (
    InvoiceDetailOut,
    InvoiceLinks,
    InvoiceOut,
    InvoiceSummaryOut,
    OneTimeInvoiceLineItemOut,
    ProductTypeReportOut,
    ProductTypeRowOut,
    midnight,
)
from app.billing.usage_schemas import DailyRatedUsageLineItemOut
from app.kernel.pagination import Collection, Link, Page, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import Invoice, InvoiceLine

LineItemOut = OneTimeInvoiceLineItemOut | DailyRatedUsageLineItemOut
router = PARTNER_CENTER_API.router(tags=["partner center: billing"], prefix="/invoices")
Pages = Annotated[PageRequest, Depends(page_request)]
InvoiceId = Annotated[str, Path(min_length=1, max_length=40, description="The invoice number, e.g. G000001.")]
Provider = Annotated[str | None, Query(max_length=40, description="`onetime` for new commerce.")]
LineItemType = Annotated[
    str | None, Query(alias="invoicelineitemtype", max_length=40, description="`billinglineitems`.")
]


def invoice_out(invoice: Invoice, *, pdf: bool = False) -> InvoiceOut:
    path = f"/v1/invoices/{invoice.number}"
    lines = f"{path}/lineitems?provider=onetime&invoicelineitemtype=billinglineitems"
    return InvoiceOut(
        id=invoice.number,
        invoice_date=invoice.invoice_date,
        billing_period_start_date=midnight(invoice.billing_period_start),
        billing_period_end_date=midnight(invoice.billing_period_end),
        total_charges=invoice.total_charges,
        paid_amount=invoice.paid_amount,
        currency_code=invoice.currency,
        currency_symbol=service.currency_symbol(invoice.currency),
        invoice_type=invoice.invoice_type.value,
        pdf_download_link=f"{path}/documents/statement" if pdf else None,
        invoice_details=[InvoiceDetailOut(links=InvoiceLinks(self=Link(uri=lines)))],
        links=InvoiceLinks(self=Link(uri=path)),
    )


def line_out(line: InvoiceLine, *, partner_id: Any, invoice_number: str) -> OneTimeInvoiceLineItemOut:
    return OneTimeInvoiceLineItemOut(
        partner_id=partner_id,
        customer_id=line.customer_tenant_id,
        customer_name=line.customer_name,
        customer_domain_name=line.customer_domain_name,
        customer_country=line.customer_country,
        invoice_number=invoice_number,
        mpn_id=line.mpn_id,
        reseller_mpn_id=line.reseller_mpn_id,
        order_id=line.order_id,
        order_date=line.order_date,
        product_id=line.product_id,
        sku_id=line.sku_id,
        availability_id=line.availability_id,
        product_name=line.product_name,
        sku_name=line.sku_name,
        charge_type=line.charge_type,
        unit_price=line.unit_price,
        effective_unit_price=line.effective_unit_price,
        unit_type=line.unit_type,
        quantity=line.quantity,
        billable_quantity=line.billable_quantity,
        subtotal=line.subtotal,
        tax_total=line.tax_total,
        total_for_customer=line.total,
        currency=line.currency,
        subscription_description=line.subscription_description,
        subscription_id=line.subscription_id,
        subscription_start_date=midnight(line.subscription_start_date) if line.subscription_start_date else None,
        subscription_end_date=midnight(line.subscription_end_date) if line.subscription_end_date else None,
        charge_start_date=midnight(line.charge_start_date),
        charge_end_date=midnight(line.charge_end_date),
        term_and_billing_cycle=line.term_and_billing_cycle,
        billing_frequency=line.billing_frequency,
        pricing_currency=line.currency,
        meter_description=line.meter_description or "",
    )


def daily_line_out(line: service.DailyUsageLine, *, partner_id: Any) -> DailyRatedUsageLineItemOut:
    record, meter, sub, customer = line.record, line.meter, line.subscription, line.customer
    product_id, sku_id, availability_id = ([*sub.offer_id.split(":"), "", ""])[:3]
    return DailyRatedUsageLineItemOut(
        partner_id=partner_id,
        partner_name="",
        customer_id=customer.id,
        customer_name=customer.display_name,
        customer_domain_name=customer.domain,
        customer_country=customer.country,
        mpn_id=line.mpn_id,
        reseller_mpn_id=sub.partner_of_record,
        invoice_number=line.invoice_number,
        product_id=product_id,
        sku_id=sku_id,
        availability_id=availability_id,
        sku_name=meter.category,
        product_name=sub.offer_name,
        subscription_id=sub.id,
        subscription_description=sub.friendly_name or sub.offer_name,
        charge_start_date=midnight(record.usage_date),
        charge_end_date=midnight(record.usage_date),
        usage_date=midnight(record.usage_date),
        meter_category=meter.category,
        meter_id=meter.id,
        meter_sub_category=meter.subcategory,
        meter_name=meter.name,
        meter_region=meter.region,
        unit_of_measure=meter.unit,
        resource_location=meter.region,
        consumed_service=f"Microsoft.{meter.category.replace(' ', '')}",
        resource_group=record.resource_group,
        resource_uri=record.resource_uri,
        unit_price=record.unit_price,
        effective_unit_price=record.unit_price,
        quantity=record.quantity,
        unit_type=meter.unit,
        billing_pre_tax_total=line.subtotal,
        billing_currency=record.currency,
        pricing_pre_tax_total=line.subtotal,
        pricing_currency=record.currency,
    )


def _lines(request: Request, ctx: PartnerCaller, lines: service.LineItems, number: str) -> Any:
    items: list[OneTimeInvoiceLineItemOut | DailyRatedUsageLineItemOut] = [
        daily_line_out(line, partner_id=ctx.tenant_id)
        if isinstance(line, service.DailyUsageLine)
        else line_out(line, partner_id=ctx.tenant_id, invoice_number=number)
        for line in lines
    ]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


@router.get("", response_model=Collection[InvoiceOut], summary="The partner's invoices")
async def list_invoices(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    """BIL-1, BIL-2: one invoice per billing period (per customer country and currency), oldest first."""
    found = await service.list_invoices(ctx, page)
    return collection(request, found, [invoice_out(i) for i in found.items])


@router.get("/summary", response_model=InvoiceSummaryOut, summary="The partner's balance")
async def invoice_summary(ctx: PartnerCaller) -> Any:
    summary = await service.invoice_summary(ctx)
    return InvoiceSummaryOut(
        balance_amount=summary.balance,
        currency_code=summary.currency,
        currency_symbol=service.currency_symbol(summary.currency),
        first_invoice_creation_date=summary.first_invoice,
        latest_invoice_date=summary.latest_invoice,
    )


@router.get(
    "/unbilled/lineitems",
    response_model=Collection[LineItemOut],
    summary="Unbilled reconciliation line items (current or previous period)",
)
async def unbilled_line_items(
    ctx: PartnerCaller,
    request: Request,
    provider: Provider = None,
    line_item_type: LineItemType = None,
    currency: Annotated[str | None, Query(alias="currencycode", max_length=3)] = None,
    period: Annotated[str | None, Query(max_length=20, description="`current` or `previous`.")] = None,
) -> Any:
    """BIL-1, BIL-2: what the next invoices will carry, priced from today's charges."""
    lines = await service.unbilled_lines(
        ctx, provider=provider or "", line_item_type=line_item_type or "", currency=currency, period=period
    )
    return _lines(request, ctx, lines, "")


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="Read an invoice")
async def read_invoice(ctx: PartnerCaller, invoice_id: InvoiceId) -> Any:
    return invoice_out(await service.get_invoice(ctx, invoice_id), pdf=True)


@router.get(
    "/{invoice_id}/lineitems",
    response_model=Collection[LineItemOut],
    summary="An invoice's line items (provider and type in the query)",
)
async def invoice_line_items(
    ctx: PartnerCaller,
    request: Request,
    invoice_id: InvoiceId,
    provider: Provider = None,
    line_item_type: LineItemType = None,
) -> Any:
    """BIL-1: `?provider=onetime&invoicelineitemtype=billinglineitems` for new commerce."""
    lines = await service.invoice_lines(
        ctx, number=invoice_id, provider=provider or "", line_item_type=line_item_type or ""
    )
    return _lines(request, ctx, lines, invoice_id.upper())


@router.get(
    "/{invoice_id}/lineitems/{provider}/{invoicelineitemtype}",
    response_model=Collection[LineItemOut],
    summary="An invoice's line items (provider and type in the path)",
)
async def invoice_line_items_by_path(
    ctx: PartnerCaller,
    request: Request,
    invoice_id: InvoiceId,
    provider: Annotated[str, Path(max_length=40)],
    invoicelineitemtype: Annotated[str, Path(max_length=40)],
) -> Any:
    """BIL-1: `/onetime/billinglineitems` for new commerce."""
    lines = await service.invoice_lines(ctx, number=invoice_id, provider=provider, line_item_type=invoicelineitemtype)
    return _lines(request, ctx, lines, invoice_id.upper())


@router.get(
    "/{invoice_id}/documents/statement",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The invoice statement as a PDF."}},
    summary="An invoice's statement (PDF)",
)
async def invoice_statement(ctx: PartnerCaller, invoice_id: InvoiceId) -> Response:
    pdf = await service.invoice_statement(ctx, number=invoice_id)
    return Response(content=pdf, media_type="application/pdf")


@router.get(
    "/{invoice_id}/reports/producttypes",
    response_model=ProductTypeReportOut,
    responses={200: {"content": {"text/csv": {}}, "description": "The report; `format=csv` answers text/csv."}},
    summary="An invoice's charges by product type (JSON or CSV)",
)
async def product_type_report(
    ctx: PartnerCaller,
    invoice_id: InvoiceId,
    report_format: Annotated[str | None, Query(alias="format", max_length=10, description="`json` or `csv`.")] = None,
) -> Any:
    """BIL-4: grouped as the distributors' billing reports are: Azure classic, Azure plan and new commerce, Modern
    Workplace (cspsim bills new commerce only, so its rows are in that group)."""
    rows = await service.product_type_report(ctx, number=invoice_id, report_format=report_format)
    items = [
        ProductTypeRowOut(
            report_group=r.group,
            product_type=r.product_type,
            line_count=r.line_count,
            subtotal=r.subtotal,
            tax_total=r.tax_total,
            total=r.total,
            currency=r.currency,
        )
        for r in rows
    ]
    if (report_format or "json").lower() == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["ReportGroup", "ProductType", "LineCount", "Subtotal", "TaxTotal", "Total", "Currency"])
        for r in rows:
            writer.writerow([r.group, r.product_type, r.line_count, r.subtotal, r.tax_total, r.total, r.currency])
        return Response(content=text.getvalue(), media_type="text/csv")
    return ProductTypeReportOut(invoice_id=invoice_id.upper(), report_groups=list(service.REPORT_GROUPS), items=items)
