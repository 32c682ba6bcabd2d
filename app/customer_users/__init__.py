"""A customer's user accounts, directory roles and licences, managed by a partner through Partner Center with GDAP
admin rights (`gdap.access.may_act`): a role that reads the directory to read, User Administrator to change users and
roles, License or User Administrator to assign licences (Global Administrator covers all).

    user:    active ──DELETE──> inactive ──PATCH {state: active}, within 30 days──> active
                                   └── 30 days on the sandbox clock ──> gone (404)
    licence: a seat of the SKU the customer's active subscriptions hold; assigned seats ≤ seats bought (60012);
             a removed licence, or a deleted user's, frees its seat.
"""
