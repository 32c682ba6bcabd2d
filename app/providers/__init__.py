"""Indirect providers: the directory, and partnerships with indirect resellers.

provider ──invites──> Partnership(Invited) ──reseller's Global admin accepts──> Active
GET /v1/relationships?relationship_type=IsIndirectResellerOf | IsIndirectCloudSolutionProviderOf
"""
