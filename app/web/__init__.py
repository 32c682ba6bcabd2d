"""Pages a person uses: the customer's admin center, where links from partners land.

Each page calls the same service function as its JSON twin under `/admin/v1`.
"""
