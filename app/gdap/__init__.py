"""GDAP, granular delegated admin privileges, on Microsoft Graph's shape: a partner asks a customer for directory
roles for a while; the customer's Global admin approves in its admin center; the partner grants those roles to
security groups of its own tenant; its users then administer the customer's tenant until the relationship ends.

    created ──lockForApproval──> approvalPending ──approve──> approved ──> activating ──> active
    approvalPending ──unapproved for gdapApprovalExpiryDays──> expired
    active ──end date, no auto-extension──> expiring ──> expired      (P180D: the end date moves 180 days on)
    active ──terminate, by either side──> terminationRequested ──> terminating ──> terminated

`service.py` is the partner's side and the clock, `approval.py` the customer's, `access.py` the access assignments
and `may_act`, the one answer to "may this user of the partner act in this customer's tenant with this role".
"""
