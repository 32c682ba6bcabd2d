"""License analytics a partner reads, for one customer or for all its customers (COM-2: an indirect reseller reads
its customers' analytics): per licence product, the seats its subscriptions hold and the seats assigned to the
customers' users."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from app.customer_users.licenses import SKUS, seats_of
from app.customers.service import get_visible_customer, visible_customers
from app.kernel.context import PartnerContext
from app.models import Tenant


@dataclass(frozen=True)
class LicenseUsage:
    """Partner Center's `CustomerLicensesUsageInsights` (and, summed over customers, the partner's insights): one
    product's qualified (held, "sold") and active (assigned, "deployed") seats, as of when the figures were
    processed."""

    product_id: uuid.UUID
    product_name: str
    licenses_qualified: int
    licenses_active: int
    processed_at: datetime

    @property
    def percent_active(self) -> float:
        """The share of the seats held that are assigned, 0 to 1 (0 with no seat held)."""
        return round(self.licenses_active / self.licenses_qualified, 4) if self.licenses_qualified else 0.0


def _processed(ctx: PartnerContext) -> datetime:
    # Analytics are processed once a day: the figures are as of the sandbox day's start.
    return ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)


def _by_product(ctx: PartnerContext, seats: Mapping[uuid.UUID, tuple[int, int]]) -> list[LicenseUsage]:
    """Per product (a licence SKU), its seats held and assigned, sorted by product name."""
    processed = _processed(ctx)
    return sorted(
        (
            LicenseUsage(
                product_id=sku_id,
                product_name=SKUS[sku_id].name,
                licenses_qualified=qualified,
                licenses_active=active,
                processed_at=processed,
            )
            for sku_id, (qualified, active) in seats.items()
        ),
        key=lambda u: (u.product_name, str(u.product_id)),
    )


async def license_usage(ctx: PartnerContext, *, customer_id: uuid.UUID) -> tuple[str, list[LicenseUsage]]:
    """The customer's name and its licence usage: any partner related to the customer reads it (no admin
    relationship needed: these are figures, not the directory); 404 for any other."""
    seen = await get_visible_customer(ctx, customer_id)
    return seen.tenant.display_name, _by_product(ctx, await seats_of(ctx, lambda customer: customer == seen.tenant.id))


async def partner_license_usage(ctx: PartnerContext) -> list[LicenseUsage]:
    """The partner's licence figures over all the customers it holds (Partner Center's partner-level licence
    deployment and usage insights): per product, the seats held and assigned, summed. No customer, no rows."""
    held = visible_customers(ctx).with_only_columns(Tenant.id)
    return _by_product(ctx, await seats_of(ctx, lambda customer: customer.in_(held)))
