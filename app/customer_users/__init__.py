"""A customer's user accounts, managed by a partner through Partner Center with GDAP admin rights.

GET/POST /v1/customers/{id}/users ──> user (created with a generated password, shown once)
Reading needs a GDAP role that reads the directory; writing needs User Administrator (or Global Administrator)
in an active relationship; after a relationship ends the partner's access ends with it (`gdap.access.may_act`).
"""
