"""Partner Center: license analytics, of one customer (`/v1/customers/{id}/analytics/licenses/usage`) and of all the
partner's customers (`/partner/v1/analytics/licenses/deployment` and `/usage`)."""

import uuid
from datetime import datetime
from typing import Any

from fastapi import Request
from pydantic import Field

from app.customer_users import analytics
from app.kernel.pagination import Collection, Page, ResourceAttributes, collection
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.wire import Schema

router = PARTNER_CENTER_API.router(tags=["partner center: analytics"])
# The partner-level insights live under Partner Center's `/partner/v1` root, on the same surface.
partner = PARTNER_CENTER_API.router(
    tags=["partner center: analytics"], root="/partner/v1", prefix="/analytics/licenses"
)

# Licence products are Microsoft 365's: one service, sold through the reseller channel, to commercial customers.
SERVICE_CODE, SERVICE_NAME, CHANNEL, MARKET_SEGMENT = "O365", "Office 365", "reseller", "commercial"


class CustomerLicensesUsageOut(Schema):
    """Partner Center's `CustomerLicensesUsageInsights`."""

    customer_name: str
    product_id: str
    product_name: str
    service_code: str = SERVICE_CODE
    service_name: str = SERVICE_NAME
    workload_name: str = SERVICE_NAME
    channel: str = CHANNEL
    licenses_active: int
    licenses_qualified: int
    usage_percent: float = Field(description="Active over qualified, 0 to 1.")
    processed_date_time: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="CustomerLicensesUsageInsights")


@router.get(
    "/customers/{customer_id}/analytics/licenses/usage",
    response_model=Collection[CustomerLicensesUsageOut],
    summary="A customer's license usage",
)
async def license_usage(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    """Per licence product: the seats the customer's subscriptions hold (`licensesQualified`) and those assigned to
    its users (`licensesActive`)."""
    name, usages = await analytics.license_usage(ctx, customer_id=customer_id)
    items = [
        CustomerLicensesUsageOut(
            customer_name=name,
            product_id=str(u.product_id),
            product_name=u.product_name,
            licenses_qualified=u.licenses_qualified,
            licenses_active=u.licenses_active,
            usage_percent=u.percent_active,
            processed_date_time=u.processed_at,
        )
        for u in usages
    ]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


class PartnerLicensesInsights(Schema):
    """What the partner-level insights share: the product, its service and channel, when processed."""

    product_id: str
    product_name: str
    service_code: str = SERVICE_CODE
    service_name: str = SERVICE_NAME
    channel: str = CHANNEL
    market_segment: str = MARKET_SEGMENT
    processed_date_time: datetime


class PartnerLicensesDeploymentOut(PartnerLicensesInsights):
    """Partner Center's `PartnerLicensesDeploymentInsights`: seats sold and deployed (assigned) over all customers;
    `deploymentPercent` (and the SDK's `proratedDeploymentPercent`) is deployed over sold, 0 to 1."""

    licenses_deployed: int
    licenses_sold: int
    deployment_percent: float
    prorated_deployment_percent: float
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnerLicensesDeploymentInsights")


class PartnerLicensesUsageOut(PartnerLicensesInsights):
    """Partner Center's `PartnerLicensesUsageInsights`: seats qualified (held) and active (assigned) over all
    customers; `usagePercent` (and the SDK's `proratedLicensesUsagePercent`) is active over qualified, 0 to 1."""

    workload_name: str = SERVICE_NAME
    licenses_active: int
    licenses_qualified: int
    usage_percent: float
    prorated_licenses_usage_percent: float
    attributes: ResourceAttributes = ResourceAttributes(object_type="PartnerLicensesUsageInsights")


class DeploymentInsights(Schema):
    """The analytics envelope: the rows in `value`, their count, and no next page (every product fits)."""

    value: list[PartnerLicensesDeploymentOut]
    total_count: int
    next_link: str | None = Field(None, alias="@nextLink")


class UsageInsights(Schema):
    value: list[PartnerLicensesUsageOut]
    total_count: int
    next_link: str | None = Field(None, alias="@nextLink")


@partner.get("/deployment", response_model=DeploymentInsights, summary="The partner's license deployment")
async def partner_license_deployment(ctx: PartnerCaller) -> Any:
    """Per licence product, over all your customers: the seats their subscriptions hold (`licensesSold`) and those
    assigned to their users (`licensesDeployed`), as of the sandbox day's start."""
    rows = [
        PartnerLicensesDeploymentOut(
            product_id=str(u.product_id),
            product_name=u.product_name,
            processed_date_time=u.processed_at,
            licenses_deployed=u.licenses_active,
            licenses_sold=u.licenses_qualified,
            deployment_percent=u.percent_active,
            prorated_deployment_percent=u.percent_active,
        )
        for u in await analytics.partner_license_usage(ctx)
    ]
    return DeploymentInsights(value=rows, total_count=len(rows))


@partner.get("/usage", response_model=UsageInsights, summary="The partner's license usage")
async def partner_license_usage(ctx: PartnerCaller) -> Any:
    """Per licence product, over all your customers: the seats held (`licensesQualified`) and assigned to their
    users (`licensesActive`), as of the sandbox day's start."""
    rows = [
        PartnerLicensesUsageOut(
            product_id=str(u.product_id),
            product_name=u.product_name,
            processed_date_time=u.processed_at,
            licenses_active=u.licenses_active,
            licenses_qualified=u.licenses_qualified,
            usage_percent=u.percent_active,
            prorated_licenses_usage_percent=u.percent_active,
        )
        for u in await analytics.partner_license_usage(ctx)
    ]
    return UsageInsights(value=rows, total_count=len(rows))
