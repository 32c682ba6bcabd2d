"""Billing: a partner's new-commerce invoices, priced from commerce's charge events (BIL-1, BIL-2).

    charge event (commerce) ──> billing run (a timer, when the period's invoice is ready) ──> Invoice G000001
                                   │ each run schedules the next period's                     │ lines frozen
                                   ▼                                                          ▼
                                 unbilled lines (the open period, priced on demand)        invoice-ready event + mail

An invoice has no states: it is issued once, complete, and never changes.
"""
