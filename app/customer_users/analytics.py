"""License analytics a partner reads for a customer (COM-2: an indirect reseller reads its customers' analytics):
per licence product, the seats its subscriptions hold and the seats assigned to the customer's users."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.customer_users.licenses import seat_pools
from app.customers.service import get_visible_customer
from app.kernel.context import PartnerContext


@dataclass(frozen=True)
class LicenseUsage:
    """Partner Center's `CustomerLicensesUsageInsights`: one product's qualified (held) and active (assigned)
    seats, as of when the figures were processed."""

    product_id: uuid.UUID
    product_name: str
    licenses_qualified: int
    licenses_active: int
    processed_at: datetime


async def license_usage(ctx: PartnerContext, *, customer_id: uuid.UUID) -> list[LicenseUsage]:
    """Any partner related to the customer reads its licence usage (no admin relationship needed: these are
    figures, not the directory); 404 for any other."""
    seen = await get_visible_customer(ctx, customer_id)
    pools = await seat_pools(ctx, seen.tenant)
    processed = ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        LicenseUsage(
            product_id=pool.product_sku.id,
            product_name=pool.product_sku.name,
            licenses_qualified=pool.active_units,
            licenses_active=min(pool.consumed_units, pool.active_units),
            processed_at=processed,
        )
        for pool in sorted(pools.values(), key=lambda p: p.product_sku.name)
    ]
