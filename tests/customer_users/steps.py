"""A partner with GDAP admin rights on a customer it created, through HTTP, and the paths of the user routes."""

from typing import Any

import httpx

from tests.gdap.steps import active_relationship, admin_user_id, assign, customer_of, group, run_timers
from tests.world import PC_SCOPE, Party, World, bearer

LICENSE_ADMINISTRATOR = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
E3_SKU = "05e9a617-0261-4cee-bb44-138d3ef5d965"  # Entra ID's SKU id of Microsoft 365 E3 (SPE_E3)


async def admin_of_customer(world: World, *roles: str) -> tuple[Party, Party, str]:
    """A partner whose admin holds `roles` in a customer's tenant (an active relationship, the roles assigned to a
    security group it belongs to): the partner, the customer, and the admin's token."""
    partner = await world.direct_bill_partner()
    customer = await customer_of(world, partner)
    relationship = await active_relationship(partner, customer, roles=roles)
    admins = await group(world, partner, "Customer admins", admin_user_id(partner))
    r = await assign(partner, relationship["id"], admins["id"], *roles)
    assert r.status_code == 201, r.text
    await run_timers(world)
    return partner, customer, await partner.portal_token()


async def call(party: Party, method: str, path: str, token: str, **kw: Any) -> httpx.Response:
    return await party.world.http.request(method, path, headers=bearer(token), **kw)


async def create_user(partner: Party, customer: Party, token: str, name: str) -> dict[str, Any]:
    """POST .../users with the body of Partner Center's "Create user accounts for a customer"."""
    r = await call(
        partner,
        "POST",
        f"/v1/customers/{customer.id}/users",
        token,
        json={
            "usageLocation": "US",
            "userPrincipalName": f"{name}@{customer.tenant['domain']}",
            "firstName": name.title(),
            "lastName": "Tester",
            "displayName": f"{name.title()} Tester",
            "passwordProfile": {"forceChangePassword": True, "password": "Pa55-word!"},
            "attributes": {"objectType": "CustomerUser"},
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def sign_in(customer: Party, upn: str, password: str) -> int:
    """A person of the customer signing in with a password: the status code of the token request."""
    r = await customer.world.http.post(
        f"/{customer.id}/oauth2/v2.0/token",
        data={"grant_type": "password", "username": upn, "password": password, "scope": PC_SCOPE},
    )
    return r.status_code
