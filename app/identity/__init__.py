"""Identity: tenants, users, app registrations and the tokens Entra ID would issue.

    tenant (partner | customer) ──< users (roles)      password grant, portal sign-in
                                └─< apps (client id)    client_credentials, app + user
    token: RS256 JWT {tid, oid, upn, roles, appid, sandbox, channel: api | portal, exp}

Tokens expire on real time, never on the sandbox clock: moving the clock logs nobody out.
"""
