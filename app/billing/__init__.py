"""Billing: a partner's new-commerce invoices, priced from commerce's charge events (BIL-1, BIL-2).

    charge event (commerce) ──> billing run (a timer, when the period's invoice is ready) ──> Invoice G000001
                                   │ each run schedules the next period's                     │ lines frozen
                                   ▼                                                          ▼
                                 unbilled lines (the open period, priced on demand)        invoice-ready event + mail

An invoice has no states: it is issued once, complete, and never changes.

    usage (control) ──> UsageRecord ──> the run of the period the day is in: billed in arrears, rate-card priced
    Graph export ──> BillingExport notStarted ──(timer, next tick)──> running ──> succeeded (gzip JSON-lines blob)

Files: charges.py (pricing, pure), periods.py (BIL-2), service.py (runs, invoices, line items), usage.py and
ratecard.py (Azure plan consumption), exports.py (Graph's reconciliation exports), lineitems.py (line items on the
wire), statement.py (the PDF); routers: router.py, usage_router.py, exports_router.py.
"""
