"""Partner Center's invoices: the list, one invoice, the balance, billed and unbilled line items, the statement."""

import csv
import io
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response

from app.billing import service
from app.billing.lineitems import daily_line_out, line_out
from app.billing.schemas import (
    InvoiceDetailOut,
    InvoiceLinks,
    InvoiceOut,
    InvoiceSummaryDetailOut,
    InvoiceSummaryOut,
    InvoiceSummaryTotalOut,
    OneTimeInvoiceLineItemOut,
    ProductTypeReportOut,
    ProductTypeRowOut,
    midnight,
)
from app.billing.usage_schemas import DailyRatedUsageLineItemOut
from app.kernel.pagination import (
    Collection,
    Link,
    Page,
    PageRequest,
    collection,
    line_item_page_request,
    page_request,
)
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import Invoice

LineItemOut = OneTimeInvoiceLineItemOut | DailyRatedUsageLineItemOut
router = PARTNER_CENTER_API.router(tags=["partner center: billing"], prefix="/invoices")
Pages = Annotated[PageRequest, Depends(page_request)]
LineItemPages = Annotated[PageRequest, Depends(line_item_page_request)]
InvoiceId = Annotated[str, Path(min_length=1, max_length=40, description="The invoice number, e.g. G000001.")]
Provider = Annotated[str | None, Query(max_length=40, description="`onetime` for new commerce.")]
LineItemType = Annotated[
    str | None, Query(alias="invoicelineitemtype", max_length=40, description="`billinglineitems`.")
]


def invoice_out(invoice: Invoice) -> InvoiceOut:
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
        pdf_download_link=f"{path}/documents/statement",
        invoice_details=[InvoiceDetailOut(links=InvoiceLinks(self=Link(uri=lines)))],
        links=InvoiceLinks(self=Link(uri=path)),
    )


def _page_of_lines(request: Request, ctx: PartnerCaller, page: Page[Any], number: str) -> Any:
    items: list[OneTimeInvoiceLineItemOut | DailyRatedUsageLineItemOut] = [
        daily_line_out(line, partner_id=ctx.tenant_id)
        if isinstance(line, service.DailyUsageLine)
        else line_out(line, partner_id=ctx.tenant_id, invoice_number=number)
        for line in page.items
    ]
    return collection(request, page, items)


@router.get("", response_model=Collection[InvoiceOut], summary="The partner's invoices")
async def list_invoices(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    """BIL-1, BIL-2: one invoice per billing period (per customer country and currency), oldest first."""
    found = await service.list_invoices(ctx, page)
    return collection(request, found, [invoice_out(i) for i in found.items])


def summary_out(summary: service.Summary) -> InvoiceSummaryOut:
    return InvoiceSummaryOut(
        balance_amount=summary.balance,
        currency_code=summary.currency,
        currency_symbol=service.currency_symbol(summary.currency),
        first_invoice_creation_date=summary.first_invoice,
        latest_invoice_date=summary.latest_invoice,
    )


@router.get("/summary", response_model=InvoiceSummaryTotalOut, summary="The partner's balance")
async def invoice_summary(ctx: PartnerCaller) -> Any:
    summary = await service.invoice_summary(ctx)
    return InvoiceSummaryTotalOut(
        **summary_out(summary).model_dump(by_alias=False),
        details=[InvoiceSummaryDetailOut(invoice_type=kind, summary=summary_out(of)) for kind, of in summary.details],
        links=InvoiceLinks(self=Link(uri="/v1/invoices/summary")),
    )


@router.get(
    "/unbilled/lineitems",
    response_model=Collection[LineItemOut],
    summary="Unbilled reconciliation line items (current or previous period)",
)
async def unbilled_line_items(
    ctx: PartnerCaller,
    request: Request,
    page: LineItemPages,
    provider: Provider = None,
    line_item_type: LineItemType = None,
    currency: Annotated[str | None, Query(alias="currencycode", max_length=3)] = None,
    period: Annotated[str | None, Query(max_length=20, description="`current` or `previous`.")] = None,
) -> Any:
    """BIL-1, BIL-2: what the next invoices will carry, priced from today's charges, by pages of up to 2,000
    (`size`; the next page by `links.next`), each counting its own lines."""
    lines = await service.unbilled_lines(
        ctx,
        provider=provider or "",
        line_item_type=line_item_type or "",
        currency=currency,
        period=period,
        page=page,
    )
    return _page_of_lines(request, ctx, lines, "")


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="Read an invoice")
async def read_invoice(ctx: PartnerCaller, invoice_id: InvoiceId) -> Any:
    return invoice_out(await service.get_invoice(ctx, invoice_id))


@router.get(
    "/{invoice_id}/lineitems",
    response_model=Collection[LineItemOut],
    summary="An invoice's line items (provider and type in the query)",
)
async def invoice_line_items(
    ctx: PartnerCaller,
    request: Request,
    invoice_id: InvoiceId,
    page: LineItemPages,
    provider: Provider = None,
    line_item_type: LineItemType = None,
) -> Any:
    """BIL-1: `?provider=onetime&invoicelineitemtype=billinglineitems` for new commerce, by pages of up to 2,000
    (`size`; the next page by `links.next`)."""
    lines = await service.invoice_lines(
        ctx, number=invoice_id, provider=provider or "", line_item_type=line_item_type or "", page=page
    )
    return _page_of_lines(request, ctx, lines, invoice_id.upper())


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
    page: LineItemPages,
) -> Any:
    """BIL-1: `/onetime/billinglineitems` for new commerce, by pages of up to 2,000 (`size`)."""
    lines = await service.invoice_lines(
        ctx, number=invoice_id, provider=provider, line_item_type=invoicelineitemtype, page=page
    )
    return _page_of_lines(request, ctx, lines, invoice_id.upper())


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
