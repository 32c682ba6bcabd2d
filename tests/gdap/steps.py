"""The steps of GDAP scenarios, through HTTP: Graph tokens, relationships, the customer's approval, groups."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.world import Party, World, bearer

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
RELATIONSHIPS = "/v1.0/tenantRelationships/delegatedAdminRelationships"
ADMIN_RELATIONSHIPS = "/admin/v1/granularAdminRelationships"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
HELPDESK_ADMINISTRATOR = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
# A relationship's events from its creation until it is active, in order.
THROUGH_ACTIVATION = [
    "granular-admin-relationship-created",
    "granular-admin-relationship-approval-pending",
    "granular-admin-relationship-approved",
    "granular-admin-relationship-activating",
    "granular-admin-relationship-activated",
]
# The four relationship events Partner Center delivers to webhooks.
WEBHOOK_EVENTS = {
    "granular-admin-relationship-approved",
    "granular-admin-relationship-activated",
    "granular-admin-relationship-terminated",
    "granular-admin-relationship-expired",
}


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def graph_token(party: Party) -> str:
    """Client credentials for Microsoft Graph, as an integration's app gets them from Entra ID."""
    r = await party.world.http.post(
        f"/{party.id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": party.app["clientId"],
            "client_secret": party.app["clientSecret"],
            "scope": GRAPH_SCOPE,
        },
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def graph(party: Party, method: str, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
    headers = {**bearer(token or await graph_token(party)), **kw.pop("headers", {})}
    return await party.world.http.request(method, path, headers=headers, **kw)


async def freeze(world: World) -> datetime:
    """Hold the clock at 09:00 tomorrow, so every stamp can be compared exactly."""
    now = parse((await world.sim("GET", "/clock")).json()["now"])
    at = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    await world.freeze_at(at.isoformat())
    return at


async def advance(world: World, **by: float) -> list[dict[str, Any]]:
    r = await world.sim("POST", "/clock/advance", json=by)
    assert r.status_code == 200, r.text
    return list(r.json()["fired"])


async def run_timers(world: World) -> None:
    """What the background loop does every second."""
    assert (await world.sim("POST", "/timers/run")).status_code == 200


async def customer_of(world: World, partner: Party, name: str | None = None) -> Party:
    """A customer the partner creates in Partner Center (so it holds a reseller relationship with it)."""
    r = await partner.create_customer(name)
    assert r.status_code == 201, r.text
    created = r.json()
    return Party(
        world=world,
        tenant={"id": created["id"], "domain": created["companyProfile"]["domain"]},
        admin_upn=f"{created['userCredentials']['userName']}@{created['companyProfile']['domain']}",
        app={},
    )


def relationship_body(
    name: str | None = None,
    *,
    duration: str = "P730D",
    roles: tuple[str, ...] = (USER_ADMINISTRATOR,),
    auto_extend: str = "PT0S",
    customer: Party | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "displayName": name or f"gdap-{uuid.uuid4().hex[:8]}",
        "duration": duration,
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
        "autoExtendDuration": auto_extend,
    }
    if customer is not None:
        body["customer"] = {"tenantId": customer.id}
    return body


async def create(partner: Party, **kw: Any) -> dict[str, Any]:
    r = await graph(partner, "POST", RELATIONSHIPS, json=relationship_body(**kw))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def request_action(partner: Party, relationship_id: str, action: str) -> httpx.Response:
    return await graph(partner, "POST", f"{RELATIONSHIPS}/{relationship_id}/requests", json={"action": action})


async def lock(partner: Party, relationship_id: str) -> dict[str, Any]:
    r = await request_action(partner, relationship_id, "lockForApproval")
    assert r.status_code == 201, r.text
    return await read(partner, relationship_id)


async def read(partner: Party, relationship_id: str) -> dict[str, Any]:
    r = await graph(partner, "GET", f"{RELATIONSHIPS}/{relationship_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def approve(customer: Party, relationship_id: str, upn: str | None = None) -> httpx.Response:
    """The customer's admin approves through the admin center's JSON twin of the approval page."""
    token = await customer.portal_token(upn)
    return await customer.world.http.post(f"{ADMIN_RELATIONSHIPS}/{relationship_id}/approve", headers=bearer(token))


async def active_relationship(partner: Party, customer: Party, **kw: Any) -> dict[str, Any]:
    relationship = await create(partner, customer=customer, **kw)
    await lock(partner, relationship["id"])
    r = await approve(customer, relationship["id"])
    assert r.status_code == 200, r.text
    active = await read(partner, relationship["id"])
    assert active["status"] == "active", active
    return active


async def group(world: World, tenant: Party, name: str, *member_ids: str) -> dict[str, Any]:
    r = await world.sim(
        "POST", f"/tenants/{tenant.id}/groups", json={"displayName": name, "memberUserIds": list(member_ids)}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def assign(partner: Party, relationship_id: str, group_id: str, *roles: str) -> httpx.Response:
    body = {
        "accessContainer": {"accessContainerId": group_id, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
    }
    return await graph(partner, "POST", f"{RELATIONSHIPS}/{relationship_id}/accessAssignments", json=body)


def admin_user_id(partner: Party) -> str:
    return str(partner.tenant["users"][0]["id"])


async def events(world: World, relationship_id: str) -> list[str]:
    """The names of a relationship's events, in the order they happened."""
    r = await world.sim("GET", "/events", params={"size": 500})
    assert r.status_code == 200, r.text
    return [e["name"] for e in r.json()["items"] if e["resourceId"] == relationship_id]
