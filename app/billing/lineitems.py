"""Line items on the wire: a billing line item (OneTimeInvoiceLineItem) and a daily rated usage line item, as the
invoice API and Graph's reconciliation exports write them."""

from typing import Any

from app.billing import service
from app.billing.schemas import OneTimeInvoiceLineItemOut, midnight
from app.billing.usage_schemas import DailyRatedUsageLineItemOut
from app.models import InvoiceLine


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
        # The rate is the month's: priced and billed in one currency, it is 1 from the first of the charge's month.
        pc_to_bc_exchange_rate_date=midnight(line.charge_start_date.replace(day=1)),
        meter_description=line.meter_description or "",
    )


def daily_line_out(line: service.DailyUsageLine, *, partner_id: Any) -> DailyRatedUsageLineItemOut:
    record, meter, billed = line.record, line.meter, line.billed
    product_id, sku_id, availability_id = billed.product_sku_availability
    return DailyRatedUsageLineItemOut(
        partner_id=partner_id,
        partner_name="",
        customer_id=billed.customer_id,
        customer_name=billed.customer_name,
        customer_domain_name=billed.customer_domain,
        customer_country=billed.customer_country,
        mpn_id=billed.mpn_id,
        reseller_mpn_id=billed.partner_of_record,
        invoice_number=line.invoice_number,
        product_id=product_id,
        sku_id=sku_id,
        availability_id=availability_id,
        sku_name=meter.category,
        product_name=billed.offer_name,
        subscription_id=billed.subscription_id,
        subscription_description=billed.friendly_name or billed.offer_name,
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
