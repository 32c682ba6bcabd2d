"""Partner Center: a customer's license analytics."""

import uuid
from datetime import datetime
from typing import Any

from fastapi import Request

from app.customer_users import analytics
from app.kernel.pagination import Collection, Page, ResourceAttributes, collection
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.wire import Schema

router = PARTNER_CENTER_API.router(tags=["partner center: analytics"])


class CustomerLicensesUsageOut(Schema):
    """Partner Center's `CustomerLicensesUsageInsights`."""

    product_id: str
    product_name: str
    service_code: str = "O365"
    service_name: str = "Office 365"
    channel: str = "reseller"
    licenses_active: int
    licenses_qualified: int
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
    items = [
        CustomerLicensesUsageOut(
            product_id=str(u.product_id),
            product_name=u.product_name,
            licenses_qualified=u.licenses_qualified,
            licenses_active=u.licenses_active,
            processed_date_time=u.processed_at,
        )
        for u in await analytics.license_usage(ctx, customer_id=customer_id)
    ]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)
