"""The distributor's marketplace (`/marketplace/v1`): a cloud marketplace and storefront on top of an indirect
provider's tenant (seeds 002 and 003).

    distributor (indirect provider tenant) ── operations people (DistributorOperations)
        └── account ── reseller (a partner tenant, keyed by its tenant id; Reseller or BasicReseller)
              │          people: ResellerAdmin, ResellerBuyer
              ├── program access: Azure Reseller Program ──> Azure Plan, Modern Workplace      (COM-5)
              ├── affiliates: the reseller's other tenants, made ad hoc while ordering       (COM-7)
              ├── MCA click-through: the customer's admin accepts on the storefront page     (COM-6)
              └── storefront orders: PersonalUse | AffiliateAccount | EndCustomer  ──> the distributor's
                  Partner Center order (commerce.place_order), the reseller's PartnerID on record only for
                  an end customer                                                           (COM-7)
"""
