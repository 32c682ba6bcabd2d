"""Customers and their relationships with partners; invitations; the reseller relationship extension; the MCA.

    partner ──creates──> customer tenant + relationship (DirectBill, or provider + reseller pair)
    partner ──link──> RelationshipInvitation(Pending) ──customer's Global admin accepts──> relationship(s)
    transitioning reseller ──extension (REL-6)──> provider relationship, no admin privileges
    MCA: a partner's attestation (valid for that partner) or the customer's own acceptance (valid for all)

Every read of a customer goes through `visible_customers`: a partner sees only customers it is related to.
"""
