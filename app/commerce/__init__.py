"""Commerce: orders, order requests and subscriptions, whatever channel a subscription came through.

    subscription: active <──> suspended ──> deleted | expired           (lifecycle.py; COM-8's windows)
    add-on:       a subscription naming its base (parentSubscriptionId), co-termed with it, cancelled with it
    transition:   seats move up the catalog into a new subscription; all of them converts the source (deleted)
    migration:    a legacy subscription ends (deleted) and its new-commerce successor begins

Modules: `orders` and `order_requests` (buying), `purchases` (the one gate: COM-1, COM-2, REL-3, REL-5, AGR-1),
`subscriptions` (seats, windows, renewal, scheduled changes), `addons`, `transitions` (and `next_term`, the catalog
paths they follow), `migrations`; `router` serves orders, `subscription_router` subscriptions. A customer's
subscriptions bought outside CSP (directly, or through an advisor) are left exactly as they are (REL-8).
"""
