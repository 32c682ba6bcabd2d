"""Transfers: a customer's new-commerce subscriptions moving from a source partner to the target that asked.

    target creates ──> Active ──source picks lines (PATCH), submits (accept)──> Complete
                         ├──target cancels──> Canceled
                         └──the clock passes transferExpiryDays──> Expired
Submission creates each new subscription on the target and cancels each old one in one transaction.
"""
