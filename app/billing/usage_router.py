"""Azure plan consumption: the operator records usage; partners read the rate cards and the utilization records."""

import uuid
from typing import Annotated, Any

from fastapi import Header, Path, Query, Request, status

from app.billing import usage
from app.billing.ratecard import EFFECTIVE, RateCard
from app.billing.usage_schemas import (
    AzureInstanceDataOut,
    AzureMeterOut,
    AzureOfferTermOut,
    AzureRateCardOut,
    AzureResourceOut,
    AzureUtilizationRecordOut,
    UsageIn,
    UsageRecordOut,
)
from app.kernel.pagination import Collection, Page, collection
from app.kernel.pipeline import PARTNER_CENTER_API, Operator, PartnerCaller, control_router
from app.models import UsageRecord

control = control_router(tags=["control: billing"])
ratecards = PARTNER_CENTER_API.router(tags=["partner center: billing"], prefix="/ratecards")
utilizations = PARTNER_CENTER_API.router(tags=["partner center: billing"], prefix="/customers")
Currency = Annotated[str | None, Query(max_length=3, description="ISO 4217, e.g. USD (default: the market's).")]
Region = Annotated[str | None, Query(max_length=2, description="The market, e.g. US (default: the partner's).")]


@control.post(
    "/subscriptions/{subscription_id}/usage",
    status_code=status.HTTP_201_CREATED,
    response_model=UsageRecordOut,
    summary="Record Azure plan usage (one meter, one day, one resource)",
)
async def record_usage(ctx: Operator, subscription_id: Annotated[uuid.UUID, Path()], body: UsageIn) -> Any:
    """BIL-1: billed in arrears on the invoice of the billing period the day is in. Refused: not an Azure plan, an
    unknown meter, a negative quantity, a day after the sandbox's today, a period already invoiced."""
    record = await usage.record_usage(
        ctx,
        subscription_id=subscription_id,
        meter_id=body.meter_id,
        quantity=body.quantity,
        usage_date=body.usage_date,
        resource_group=body.resource_group,
        resource_name=body.resource_name,
    )
    return _record_out(record)


def _record_out(record: UsageRecord) -> UsageRecordOut:
    return UsageRecordOut.model_validate(record)


def _card_out(card: RateCard) -> AzureRateCardOut:
    return AzureRateCardOut(
        currency=card.currency,
        meters=[
            AzureMeterOut(
                id=m.id,
                name=m.name,
                rates={"0": card.price(m)},
                tags=list(m.tags),
                category=m.category,
                subcategory=m.subcategory,
                region=m.region,
                unit=m.unit,
                included_quantity=m.included_quantity,
                effective_date=EFFECTIVE,
            )
            for m in card.meters
        ],
        offer_terms=[AzureOfferTermOut(name="Azure plan", discount=0, excluded_meter_ids=[], effective_date=EFFECTIVE)],
    )


@ratecards.get("/azure", response_model=AzureRateCardOut, summary="The Azure rate card")
async def azure_rate_card(ctx: PartnerCaller, currency: Currency = None, region: Region = None) -> Any:
    return _card_out(await usage.azure_rate_card(ctx, shared=False, currency=currency, region=region))


@ratecards.get("/azure-shared", response_model=AzureRateCardOut, summary="The Azure shared services rate card")
async def azure_shared_rate_card(ctx: PartnerCaller, currency: Currency = None, region: Region = None) -> Any:
    return _card_out(await usage.azure_rate_card(ctx, shared=True, currency=currency, region=region))


@utilizations.get(
    "/{customer_id}/subscriptions/{azure_plan_subscription_id}/utilizations/azure",
    response_model=Collection[AzureUtilizationRecordOut],
    summary="An Azure plan subscription's utilization records",
)
async def azure_utilizations(
    ctx: PartnerCaller,
    request: Request,
    customer_id: uuid.UUID,
    azure_plan_subscription_id: uuid.UUID,
    start_time: Annotated[str | None, Query(max_length=40, description="ISO 8601, inclusive.")] = None,
    end_time: Annotated[str | None, Query(max_length=40, description="ISO 8601, exclusive (default: now).")] = None,
    granularity: Annotated[str | None, Query(max_length=10, description="`daily` (default) or `hourly`.")] = None,
    show_details: Annotated[bool, Query(description="One record per resource (true) or per meter.")] = True,
    size: Annotated[int, Query(ge=1, le=usage.MAX_UTILIZATION_PAGE)] = usage.MAX_UTILIZATION_PAGE,
    continuation_token: Annotated[str | None, Query(alias="continuationToken", max_length=2000)] = None,
    ms_continuation_token: Annotated[str | None, Header(alias="MS-ContinuationToken", max_length=2000)] = None,
) -> Any:
    """BIL-1: `start_time`, `end_time`, `granularity`, `show_details`, `size`; the next page is `links.next`
    with its MS-ContinuationToken header."""
    found = await usage.utilizations(
        ctx,
        customer_id=customer_id,
        subscription_id=azure_plan_subscription_id,
        start_time=start_time,
        end_time=end_time,
        granularity=granularity,
        show_details=show_details,
        size=size,
        token=ms_continuation_token or continuation_token,
    )
    items = [
        AzureUtilizationRecordOut(
            usage_start_time=u.start,
            usage_end_time=u.end,
            resource=AzureResourceOut(
                id=u.meter.id,
                name=u.meter.name,
                category=u.meter.category,
                subcategory=u.meter.subcategory,
                region=u.meter.region,
            ),
            quantity=u.quantity,
            unit=u.meter.unit,
            info_fields={},
            instance_data=AzureInstanceDataOut(
                resource_uri=u.resource_uri,
                location=u.meter.region,
                additional_info={"resourceGroup": u.resource_group or "", "resourceName": u.resource_name or ""},
            )
            if u.resource_uri
            else None,
        )
        for u in found.items
    ]
    return collection(request, Page(items=items, total=found.total, next_token=found.next_token), items)
