"""Builders that read like the domain: a sandbox, its partners and customers, their tokens."""

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PC_SCOPE = "https://api.partnercenter.microsoft.com/.default"
PASSWORD = "Pa55-word!"
_numbers = itertools.count(4_800_000)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Party:
    """A tenant with a Global admin and an app, as the control surface created it."""

    world: "World"
    tenant: dict[str, Any]
    admin_upn: str
    app: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.tenant["id"])

    async def app_token(self) -> str:
        r = await self.world.http.post(
            f"/{self.id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.app["clientId"],
                "client_secret": self.app["clientSecret"],
                "scope": PC_SCOPE,
            },
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    async def portal_token(self, upn: str | None = None) -> str:
        r = await self.world.sim(
            "POST", "/portal-sessions", json={"tenantId": self.id, "userPrincipalName": upn or self.admin_upn}
        )
        assert r.status_code == 201, r.text
        return str(r.json()["accessToken"])

    async def get(self, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
        return await self.world.http.get(path, headers=bearer(token or await self.app_token()), **kw)


@dataclass
class World:
    http: httpx.AsyncClient
    sandbox: dict[str, Any]
    parties: list[Party] = field(default_factory=list)

    @classmethod
    async def create(cls, http: httpx.AsyncClient, **settings: Any) -> "World":
        r = await http.post("/sim/v1/sandboxes", json={"name": f"test-{uuid.uuid4().hex[:6]}", "settings": settings})
        assert r.status_code == 201, r.text
        return cls(http=http, sandbox=r.json())

    @property
    def id(self) -> str:
        return str(self.sandbox["id"])

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.sandbox["adminKey"])

    async def sim(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.admin, **kw.pop("headers", {})}
        return await self.http.request(method, f"/sim/v1/sandboxes/{self.id}{path}", headers=headers, **kw)

    async def tenant(
        self,
        kind: str = "partner",
        *,
        name: str | None = None,
        country: str = "US",
        partner_id: str | None = None,
        profile: bool = True,
        **extra: Any,
    ) -> Party:
        name = name or f"{kind}{uuid.uuid4().hex[:8]}"
        domain = f"{name.lower()}.onmicrosoft.com"
        upn = f"admin@{domain}"
        body: dict[str, Any] = {
            "kind": kind,
            "displayName": name,
            "domain": domain,
            "country": country,
            "users": [{"userPrincipalName": upn, "password": PASSWORD, "roles": ["GlobalAdmin"]}],
            "apps": [{"displayName": "integration"}],
            **extra,
        }
        if kind == "partner":
            body["partnerId"] = partner_id or str(next(_numbers))
            if profile:
                body["profile"] = {
                    "legalName": f"{name} Ltd",
                    "primaryContactEmail": f"contact@{domain}",
                    "address": {
                        "line1": "1 Main St",
                        "city": "Redmond",
                        "state": "WA",
                        "postalCode": "98052",
                        "country": country,
                    },
                }
        r = await self.sim("POST", "/tenants", json=body)
        assert r.status_code == 201, r.text
        party = Party(world=self, tenant=r.json(), admin_upn=upn, app=r.json()["apps"][0])
        self.parties.append(party)
        return party

    async def partner(self, **kw: Any) -> Party:
        return await self.tenant("partner", **kw)

    async def customer(self, **kw: Any) -> Party:
        return await self.tenant("customer", **kw)

    async def freeze_at(self, iso: str) -> None:
        r = await self.sim("POST", "/clock/freeze", json={"at": iso})
        assert r.status_code == 200, r.text
