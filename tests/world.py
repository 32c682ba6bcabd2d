"""Builders that read like the domain: a sandbox, its partners and customers, their tokens."""

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PC_SCOPE = "https://api.partnercenter.microsoft.com/.default"
PASSWORD = "Pa55-word!"
E3 = "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5"  # Microsoft 365 E3, new commerce
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
    # Tokens already issued, kept until shortly before they expire, as a client library keeps them (MSAL's cache):
    # the helpers below ask for one per call, and a round trip per call was a third of the suite's time. A test about
    # tokens asks the token endpoint itself; roles and existence are read from the database on every request anyway.
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return str(self.tenant["id"])

    def _kept(self, key: str) -> str | None:
        token, until = self._tokens.get(key, ("", 0.0))
        return token if time.monotonic() < until else None

    def _keep(self, key: str, token: str, expires_in: int) -> str:
        if expires_in > 120:  # a test that shortens the lifetime gets a fresh token each time
            self._tokens[key] = (token, time.monotonic() + expires_in - 60)
        return token

    def client_credentials(self, scope: str = PC_SCOPE) -> dict[str, str]:
        """The partner's app's token request (the client-credentials grant) as a form's fields."""
        return {
            "grant_type": "client_credentials",
            "client_id": self.app["clientId"],
            "client_secret": self.app["clientSecret"],
            "scope": scope,
        }

    async def app_token(self) -> str:
        if kept := self._kept("app"):
            return kept
        r = await self.world.http.post(f"/{self.id}/oauth2/v2.0/token", data=self.client_credentials())
        assert r.status_code == 200, r.text
        return self._keep("app", str(r.json()["access_token"]), int(r.json()["expires_in"]))

    async def portal_token(self, upn: str | None = None) -> str:
        upn = upn or self.admin_upn
        if kept := self._kept(f"portal:{upn.lower()}"):
            return kept
        r = await self.world.sim("POST", "/portal-sessions", json={"tenantId": self.id, "userPrincipalName": upn})
        assert r.status_code == 201, r.text
        return self._keep(f"portal:{upn.lower()}", str(r.json()["accessToken"]), int(r.json()["expiresIn"]))

    async def get(self, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
        return await self.world.http.get(path, headers=bearer(token or await self.app_token()), **kw)

    async def post(self, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
        return await self.world.http.post(path, headers=bearer(token or await self.portal_token()), **kw)

    async def enroll(self, program: str, *, token: str | None = None, **extra: Any) -> httpx.Response:
        """Enroll as a person in the portal (the Global admin), as Partner Center's own pages do."""
        return await self.post("/v1/enrollments", token=token, json={"program": program, **extra})

    async def revenue(self, *amounts_usd: int | str, months_ago_from: int = 1) -> httpx.Response:
        """Monthly revenue: the first amount `months_ago_from` months before the clock's month, then older ones."""
        now = (await self.world.sim("GET", "/clock")).json()["now"]
        year, month = int(now[:4]), int(now[5:7])
        index = year * 12 + month - 1 - months_ago_from
        months = []
        for amount in amounts_usd:
            months.append({"month": f"{index // 12:04d}-{index % 12 + 1:02d}", "amountUsd": str(amount)})
            index -= 1
        return await self.world.sim("PUT", f"/tenants/{self.id}/revenue", json={"months": months})

    async def create_customer(
        self, name: str | None = None, *, token: str | None = None, request_id: str | None = None, **extra: Any
    ) -> httpx.Response:
        """POST /v1/customers in Partner Center's shape (with `request_id`, as its SDK sends it: MS-RequestId)."""
        name = name or f"cust{uuid.uuid4().hex[:8]}"
        body = {
            "companyProfile": {"domain": name, "companyName": name.title()},
            "billingProfile": {
                "email": f"billing@{name}.example",
                "companyName": name.title(),
                "defaultAddress": {
                    "firstName": "Ada",
                    "lastName": "Lovelace",
                    "addressLine1": "1 Bill St",
                    "city": "Redmond",
                    "state": "WA",
                    "postalCode": "98052",
                    "country": "US",
                },
            },
            **extra,
        }
        headers = bearer(token or await self.app_token()) | ({"MS-RequestId": request_id} if request_id else {})
        return await self.world.http.post("/v1/customers", json=body, headers=headers)

    async def customer_with_mca(self, name: str | None = None) -> dict[str, Any]:
        """A customer this partner created, whose MCA acceptance it attested (AGR-1 satisfied for it)."""
        r = await self.create_customer(name)
        assert r.status_code == 201, r.text
        customer: dict[str, Any] = r.json()
        await self.attest_mca(customer["id"])
        return customer

    async def attest_mca(self, customer_id: str) -> None:
        r = await self.post(
            f"/v1/customers/{customer_id}/agreements",
            json={
                "primaryContact": {"firstName": "Grace", "lastName": "Hopper", "email": "grace@customer.example"},
                "templateId": "117a77b0-9360-443b-8795-c6dedc750cf9",
                "dateAgreed": "2026-01-15T00:00:00Z",
                "type": "MicrosoftCustomerAgreement",
            },
        )
        assert r.status_code == 201, r.text

    async def order(
        self,
        customer_id: str,
        offer: str = E3,
        quantity: int = 10,
        term: str = "P1Y",
        token: str | None = None,
        **line: Any,
    ) -> httpx.Response:
        body = {
            "lineItems": [
                {
                    "lineItemNumber": 0,
                    "offerId": offer,
                    "quantity": quantity,
                    "termDuration": term,
                    "billingCycle": "monthly",
                    **line,
                }
            ]
        }
        return await self.world.http.post(
            f"/v1/customers/{customer_id}/orders", json=body, headers=bearer(token or await self.app_token())
        )

    async def program_statuses(self) -> dict[str, str]:
        r = await self.get("/v1/profiles/partner", token=await self.portal_token())
        assert r.status_code == 200, r.text
        return {p["program"]: p["status"] for p in r.json()["programs"]}


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

    async def direct_bill_partner(self, *, revenue_usd: int = 1_200_000, **kw: Any) -> Party:
        """A partner with the revenue and an Active direct-bill enrollment: the API is open to it."""
        partner = await self.partner(**kw)
        assert (await partner.revenue(*[revenue_usd // 12] * 12)).status_code == 200
        r = await partner.enroll("DirectBill")
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "Active", r.text
        return partner

    async def provider(self, **kw: Any) -> Party:
        """An indirect provider (active enrollment): in the directory, with the API."""
        provider = await self.partner(**kw)
        r = await provider.enroll("IndirectProvider")
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "Active", r.text
        return provider

    async def accept_mpa(self, partner: Party) -> None:
        pending = (
            await partner.get("/v1/agreements", token=await partner.portal_token(), params={"status": "Pending"})
        ).json()["items"]
        r = await partner.post(f"/v1/agreements/{pending[0]['id']}/accept")
        assert r.status_code == 200, r.text

    async def indirect_reseller(self, **kw: Any) -> Party:
        """An indirect reseller that was never direct bill (enrolled, agreement accepted)."""
        reseller = await self.partner(**kw)
        r = await reseller.enroll("IndirectReseller")
        assert r.status_code == 201, r.text
        await self.accept_mpa(reseller)
        return reseller

    async def transitioning_partner(self, **kw: Any) -> Party:
        """A direct-bill partner that restricted direct bill and completed the indirect reseller enrollment."""
        partner = await self.direct_bill_partner(**kw)
        await self.transition(partner)
        return partner

    async def transition(self, partner: Party) -> None:
        """A direct-bill partner (with its customers) transitions: support restricts direct bill, then the indirect
        reseller enrollment and its agreement."""
        r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
        assert r.status_code == 201, r.text
        assert (await self.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")).status_code == 200
        r = await partner.enroll("IndirectReseller")
        assert r.status_code == 201, r.text
        await self.accept_mpa(partner)

    async def partner_up(self, provider: Party, reseller: Party) -> None:
        """The provider invites the reseller and the reseller's Global admin accepts."""
        r = await provider.post(
            "/v1/partnerships/invitations", token=await provider.app_token(), json={"resellerTenantId": reseller.id}
        )
        assert r.status_code == 201, r.text
        r = await reseller.post(f"/v1/partnerships/invitations/{r.json()['id']}/accept")
        assert r.status_code == 200, r.text

    async def customer(self, **kw: Any) -> Party:
        return await self.tenant("customer", **kw)

    async def freeze_at(self, iso: str) -> None:
        r = await self.sim("POST", "/clock/freeze", json={"at": iso})
        assert r.status_code == 200, r.text
