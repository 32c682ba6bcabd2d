"""Graph's partner billing reconciliation exports: 202 + Location, the operation, and the blob cspsim serves."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Request, Response, status
from pydantic import Field

from app.billing import exports
from app.kernel.pipeline import GRAPH_API, GraphCaller
from app.models import BillingExport, ExportStatus
from app.wire import Request as RequestBody
from app.wire import Schema

graph = GRAPH_API.router(tags=["graph: partner billing"], prefix="/reports/partners/billing")
GRAPH_TYPE = "@odata.type"
OPERATION_TYPES = {
    ExportStatus.NOT_STARTED: "#microsoft.graph.partners.billing.runningOperation",
    ExportStatus.RUNNING: "#microsoft.graph.partners.billing.runningOperation",
    ExportStatus.SUCCEEDED: "#microsoft.graph.partners.billing.exportSuccessOperation",
    ExportStatus.FAILED: "#microsoft.graph.partners.billing.failedOperation",
}
RETRY_AFTER_SECONDS = 1
ACCEPTED: dict[int | str, dict[str, Any]] = {202: {"description": "Accepted: follow the operation in Location."}}


class BilledExportIn(RequestBody):
    invoice_id: str = Field(min_length=1, max_length=40, examples=["G000001"])
    attribute_set: str | None = Field(None, max_length=10, description="`full` (default) or `basic`.")


class UnbilledExportIn(RequestBody):
    billing_period: str = Field(max_length=10, description="`current` or `last`.")
    currency_code: str = Field(min_length=3, max_length=3, examples=["USD"])
    attribute_set: str | None = Field(None, max_length=10, description="`full` (default) or `basic`.")


class BlobOut(Schema):
    name: str
    partition_value: str = "default"


class ManifestOut(Schema):
    odata_type: str = Field("#microsoft.graph.partners.billing.manifest", alias=GRAPH_TYPE)
    id: uuid.UUID
    created_date_time: datetime
    schema_version: str
    data_format: str = "compressedJSON"
    e_tag: str = Field(alias="eTag")
    partner_tenant_id: uuid.UUID
    root_directory: str
    sas_token: str
    blob_count: int
    blobs: list[BlobOut]


class ErrorDetailOut(Schema):
    code: str
    message: str


class OperationOut(Schema):
    odata_context: str = Field(alias="@odata.context")
    odata_type: str = Field(alias=GRAPH_TYPE)
    id: uuid.UUID
    status: str = Field(description="notStarted, running, succeeded or failed.")
    created_date_time: datetime
    last_action_date_time: datetime
    resource_location: ManifestOut | None = None
    error: ErrorDetailOut | None = None


def _accepted(request: Request, export: BillingExport) -> Response:
    location = str(request.url_for("get_billing_operation", billing_operation_id=export.id))
    headers = {"Location": location, "Retry-After": str(RETRY_AFTER_SECONDS)}
    return Response(status_code=status.HTTP_202_ACCEPTED, headers=headers)


@graph.post("/reconciliation/billed/export", status_code=202, responses=ACCEPTED, summary="Export billed recon")
async def export_billed_reconciliation(ctx: GraphCaller, request: Request, body: BilledExportIn) -> Response:
    """BIL-1: an invoice's billing line items, as one gzip JSON-lines blob, when the operation succeeds."""
    export = await exports.start_export(
        ctx, kind=exports.BILLED_RECONCILIATION, invoice_id=body.invoice_id, attribute_set=body.attribute_set
    )
    return _accepted(request, export)


@graph.post("/usage/billed/export", status_code=202, responses=ACCEPTED, summary="Export billed usage")
async def export_billed_usage(ctx: GraphCaller, request: Request, body: BilledExportIn) -> Response:
    """BIL-1: an invoice's daily rated usage line items (the Azure plan consumption it billed in arrears)."""
    export = await exports.start_export(
        ctx, kind=exports.BILLED_USAGE, invoice_id=body.invoice_id, attribute_set=body.attribute_set
    )
    return _accepted(request, export)


@graph.post("/usage/unbilled/export", status_code=202, responses=ACCEPTED, summary="Export unbilled usage")
async def export_unbilled_usage(ctx: GraphCaller, request: Request, body: UnbilledExportIn) -> Response:
    """BIL-1: the daily rated usage not invoiced yet, of the `current` or `last` billing period."""
    export = await exports.start_export(
        ctx,
        kind=exports.UNBILLED_USAGE,
        billing_period=body.billing_period,
        currency_code=body.currency_code,
        attribute_set=body.attribute_set,
    )
    return _accepted(request, export)


@graph.get("/operations/{billing_operation_id}", response_model=OperationOut, summary="An export operation")
async def get_billing_operation(ctx: GraphCaller, request: Request, billing_operation_id: uuid.UUID) -> Any:
    """`notStarted` until the export's timer fires (the sandbox's next tick), then `succeeded` with its manifest."""
    export = await exports.get_export(ctx, billing_operation_id)
    manifest = None
    if export.status is ExportStatus.SUCCEEDED:
        root = str(request.url_for("get_billing_blob", billing_operation_id=export.id, blob_name="x")).rsplit("/", 1)[0]
        manifest = ManifestOut(
            id=export.id,
            created_date_time=export.last_action_at,
            schema_version=exports.SCHEMA_VERSION,
            e_tag=f'"{export.id.hex[:16]}"',
            partner_tenant_id=export.partner_tenant_id,
            root_directory=root,
            sas_token=f"sv=2023-11-03&sr=c&sp=r&sig={export.parameters.get('sasToken', '')}",
            blob_count=1,
            blobs=[BlobOut(name=exports.BLOB_NAME)],
        )
    error = (
        ErrorDetailOut(code="exportFailed", message=export.error or "")
        if export.status is ExportStatus.FAILED
        else None
    )
    return OperationOut.model_validate(
        {
            "@odata.context": f"{request.base_url}v1.0/$metadata#reports/partners/billing/operations/$entity",
            GRAPH_TYPE: OPERATION_TYPES[export.status],
            "id": export.id,
            "status": export.status.value,
            "created_date_time": export.created_at,
            "last_action_date_time": export.last_action_at,
            "resource_location": manifest,
            "error": error,
        }
    )


@graph.get(
    "/operations/{billing_operation_id}/blobs/{blob_name}",
    response_class=Response,
    responses={200: {"content": {"application/gzip": {}}, "description": "JSON lines, gzip-compressed."}},
    summary="An export's blob (gzip JSON lines)",
)
async def get_billing_blob(
    ctx: GraphCaller, billing_operation_id: uuid.UUID, blob_name: Annotated[str, Path(max_length=100)]
) -> Response:
    blob = await exports.export_blob(ctx, billing_operation_id, blob_name)
    return Response(content=blob.content, media_type="application/gzip")
