"""Resale: a distributor (an indirect provider) re-bills its Microsoft charges to its resellers (BIL-5, BIL-6).

    price book (default = list, or custom: markup % / fixed overrides) ──assigned from a day──> reseller
    support plan (percentage with a minimum, or fixed) ─────────────────────────────────────> end customer
    billing run (billing's G-invoices) ──> each line's reseller ──> priced through its price book
                                                                  ──> one invoice per reseller (or per end customer)
                                                                  ──> reports: seller cost, customer cost, margin

The reseller's cost is Microsoft's charge passed through (ION's seller cost with no distributor discount): the
billing line, never priced a second way. The customer's price is the price book's. A resale invoice has no states:
it is issued once, complete, at the billing run, and never changes.
"""
