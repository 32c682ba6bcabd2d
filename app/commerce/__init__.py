"""Commerce: subscriptions (and, as the commerce issue lands, catalog, orders and order requests).

So far: a customer's subscriptions bought outside CSP (directly, or through an advisor), which multi-channel
(REL-8) must leave exactly as they are when the customer takes on a CSP partner.
"""
