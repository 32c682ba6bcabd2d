"""Graph's partner billing reconciliation exports (BIL-1): billed reconciliation of an invoice, billed usage of an
invoice, unbilled usage of the current or last period.

    POST .../export ──> BillingExport notStarted + a timer due at once ──(next tick: the background loop every
         202 + Location                                                 second, or POST /timers/run)──> running
                                                                        ──> succeeded, one gzip JSON-lines blob

As the real API, the export is asynchronous: the POST answers 202 before any line is read, and the operation
reaches `succeeded` when the timer fires (on the sandbox's next tick); an invoice the partner cannot see is refused
at once (404). The blob is served by cspsim under the partner's Graph token: the manifest's `rootDirectory` +
`/` + the blob's name (+ `?` + its `sasToken`). Each line is a line item as the invoice API writes it (the billing
line items of the invoice; daily rated usage line items for usage), `attributeSet=basic` keeping the reconciling
columns only.
"""

import json
import secrets
import uuid
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select

from app.billing import service, usage
from app.billing.lifecycle import EXPORT
from app.billing.lineitems import daily_line_out, line_out
from app.events.service import move
from app.kernel import lookup, timers
from app.kernel.bulk import PART, in_turns, rows_of
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, NotFound
from app.kernel.statements import add_now
from app.models import BillingExport, ExportStatus, Invoice, InvoiceLine

EXPORT_TIMER = "billing.export"
BILLED_RECONCILIATION = "billedReconciliation"
BILLED_USAGE = "billedUsage"
UNBILLED_USAGE = "unbilledUsage"
ATTRIBUTE_SETS = {"full", "basic"}
BILLING_PERIODS = {"current", "last"}
BLOB_NAME = "part-00000.json.gz"
SCHEMA_VERSION = "2"
BASIC = (
    "partnerId",
    "customerId",
    "customerName",
    "invoiceNumber",
    "productId",
    "skuId",
    "availabilityId",
    "subscriptionId",
    "chargeType",
    "unitPrice",
    "quantity",
    "subtotal",
    "taxTotal",
    "totalForCustomer",
    "currency",
    "chargeStartDate",
    "chargeEndDate",
    "meterId",
    "usageDate",
    "billingPreTaxTotal",
    "billingCurrency",
)


def _attribute_set(value: str | None) -> str:
    chosen = (value or "full").lower()
    if chosen not in ATTRIBUTE_SETS:
        raise BadRequest(f"Unknown attributeSet '{value}': use 'full' or 'basic'.")
    return chosen


async def _partner_invoice(ctx: SandboxContext, partner_id: uuid.UUID, number: str | None) -> Invoice:
    if not number:
        raise BadRequest("Name the invoice to export (invoiceId, e.g. G000001).")
    found = (
        await ctx.session.execute(
            select(Invoice).where(
                Invoice.sandbox_id == ctx.sandbox_id,
                Invoice.partner_tenant_id == partner_id,
                Invoice.number == number.upper(),
            )
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("Invoice", number)
    return found


async def start_export(
    ctx: PartnerContext,
    *,
    kind: str,
    invoice_id: str | None = None,
    billing_period: str | None = None,
    currency_code: str | None = None,
    attribute_set: str | None = None,
) -> BillingExport:
    """BIL-1: an export of the partner's billing data, started (202): refused at once when it names an invoice the
    partner has not, an unknown attribute set or billing period, or no currency for unbilled usage."""
    service.require_invoice_reader(ctx)
    parameters: dict[str, Any] = {"attributeSet": _attribute_set(attribute_set)}
    if kind == UNBILLED_USAGE:
        period = (billing_period or "").lower()
        if period not in BILLING_PERIODS:
            raise BadRequest(f"Unknown billingPeriod '{billing_period}': use 'current' or 'last'.")
        if not currency_code or len(currency_code) != 3 or not currency_code.isalpha():
            raise BadRequest("Name the currency of the unbilled usage (currencyCode, e.g. USD).")
        parameters |= {"billingPeriod": period, "currencyCode": currency_code.upper()}
    else:
        invoice = await _partner_invoice(ctx, ctx.tenant_id, invoice_id)
        parameters["invoiceId"] = invoice.number
    export = BillingExport(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        partner_tenant_id=ctx.tenant_id,
        kind=kind,
        parameters=parameters,
        status=ExportStatus.NOT_STARTED,
        created_at=ctx.now,
        last_action_at=ctx.now,
        blob=None,
        line_count=0,
        error=None,
    )
    await add_now(ctx.session, export)
    await timers.schedule(ctx, kind=EXPORT_TIMER, ref=export.id, due_at=ctx.now)
    return export


def _basic(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k in BASIC}


async def _items(ctx: SandboxContext, export: BillingExport) -> AsyncIterator[Any]:
    """The export's line items, as the invoice API shapes them; an invoice's billing lines read as a stream."""
    partner_id, parameters = export.partner_tenant_id, export.parameters
    if export.kind == UNBILLED_USAGE:
        found = await service.unbilled_usage(
            ctx, partner_id, currency=parameters["currencyCode"], previous=parameters["billingPeriod"] == "last"
        )
        async for unbilled in in_turns(found):
            yield daily_line_out(unbilled, partner_id=partner_id)
        return
    invoice = await _partner_invoice(ctx, partner_id, parameters["invoiceId"])
    if export.kind == BILLED_USAGE:
        records = await usage.records_of_invoice(ctx, invoice.id)
        async for daily in in_turns(await service.daily_lines(ctx, partner_id, records, invoice.number)):
            yield daily_line_out(daily, partner_id=partner_id)
        return
    lines = select(*InvoiceLine.__table__.c).where(
        InvoiceLine.sandbox_id == ctx.sandbox_id, InvoiceLine.invoice_id == invoice.id
    )
    async for line in rows_of(ctx.session, lines.order_by(InvoiceLine.line_number)):
        yield line_out(cast(InvoiceLine, line), partner_id=partner_id, invoice_number=invoice.number)


async def _blob(ctx: SandboxContext, export: BillingExport) -> tuple[bytes, int]:
    """The export's lines as gzip JSON lines, compressed as they are read, and how many there are."""
    basic = export.parameters.get("attributeSet") == "basic"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip, as gzip.compress(mtime=0) writes it
    packed, waiting, count = [], [], 0
    async for item in _items(ctx, export):
        row = item.model_dump(mode="json", by_alias=True, exclude={"attributes"})
        waiting.append(json.dumps(_basic(row) if basic else row, separators=(",", ":")))
        count += 1
        if len(waiting) == PART:
            packed.append(packer.compress(("\n".join(waiting) + "\n").encode()))
            waiting.clear()
    packed.append(packer.compress("".join(line + "\n" for line in waiting).encode()) + packer.flush())
    return b"".join(packed), count


@timers.on_timer(EXPORT_TIMER)
async def _run_export(ctx: SandboxContext, timer: timers.Due) -> None:
    """The export runs: its lines are read as of the clock's now and written as one gzip JSON-lines blob."""
    export = await lookup.one(ctx, BillingExport, uuid.UUID(timer.ref), what="Billing export", for_update=True)
    if export.status is not ExportStatus.NOT_STARTED:
        return
    await _move(ctx, export, ExportStatus.RUNNING, "start the export")
    try:
        export.blob, export.line_count = await _blob(ctx, export)
    except NotFound as exc:  # the invoice was there when the export was asked for; nothing removes one today
        export.error = exc.message[:500]
        await _move(ctx, export, ExportStatus.FAILED, "fail the export")
        return
    export.parameters = {**export.parameters, "sasToken": secrets.token_urlsafe(24)}
    await _move(ctx, export, ExportStatus.SUCCEEDED, "finish the export")


async def _move(ctx: SandboxContext, export: BillingExport, target: ExportStatus, action: str) -> None:
    export.last_action_at = ctx.now
    await move(
        ctx,
        export,
        EXPORT,
        target,
        action=action,
        event="billing-export-updated",
        resource_type="BillingExport",
        tenant_ids=[export.partner_tenant_id],
    )


async def get_export(ctx: PartnerContext, export_id: uuid.UUID) -> BillingExport:
    """The partner's own export operation; another's is not found."""
    service.require_invoice_reader(ctx)
    return await lookup.one(
        ctx,
        BillingExport,
        export_id,
        what="Operation",
        where=[BillingExport.partner_tenant_id == ctx.tenant_id],
    )


@dataclass(frozen=True)
class Blob:
    name: str
    content: bytes


async def export_blob(ctx: PartnerContext, export_id: uuid.UUID, name: str) -> Blob:
    """The blob of a succeeded export (gzip JSON lines)."""
    export = await get_export(ctx, export_id)
    if export.status is not ExportStatus.SUCCEEDED or export.blob is None:
        raise NotFound("Blob", name)
    if name != BLOB_NAME:
        raise NotFound("Blob", name)
    return Blob(name=name, content=export.blob)
