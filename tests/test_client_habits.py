"""Partner Center clients' habits, accepted as Partner Center accepts them.

The .NET SDK writes PascalCase keys, scripts write enum values in any case, clients pin `MS-Contract-Version`
or `api-version` and send `X-Locale`; storefront front-ends call from a browser (CORS).
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.world import World, bearer


async def test_pascal_case_keys_and_any_case_enum_values_are_read(world: World) -> None:
    partner = await world.partner()
    assert (await partner.revenue(*[100_000] * 12)).status_code == 200
    r = await partner.post("/v1/enrollments", json={"Program": "directbill", "PrimaryContactEmail": "ops@contoso.com"})
    assert r.status_code == 201, r.text
    assert r.json()["program"] == "DirectBill"
    assert await partner.program_statuses() == {"DirectBill": "Active"}


async def test_control_surface_bodies_read_the_same_way(world: World) -> None:
    r = await world.http.post("/sim/v1/sandboxes", json={"Name": "pascal", "Settings": {"TokenLifetimeSeconds": 600}})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "pascal"
    created = await world.sim(
        "POST",
        "/tenants",
        json={
            "Kind": "PARTNER",
            "DisplayName": "Pascal",
            "Domain": "pascal1a2b.onmicrosoft.com",
            "Country": "us",
            "Users": [{"UserPrincipalName": "ops@pascal1a2b.onmicrosoft.com", "Roles": ["GlobalAdmin"]}],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "partner"
    assert created.json()["country"] == "US"
    assert created.json()["users"][0]["roles"] == ["GlobalAdmin"]


async def test_enum_values_in_query_strings_are_read_in_any_case(world: World) -> None:
    provider = await world.provider()
    reseller = await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    portal = await reseller.portal_token()  # an indirect reseller uses Partner Center as a person (PRG-9)
    for spelled in ("IsIndirectResellerOf", "isindirectresellerof", "ISINDIRECTRESELLEROF"):
        r = await reseller.get("/v1/relationships", params={"relationship_type": spelled}, token=portal)
        assert r.status_code == 200, r.text
        assert [(p["id"], p["relationshipType"]) for p in r.json()["items"]] == [
            (provider.id, "is_indirect_reseller_of")
        ]
    refused = await reseller.get("/v1/relationships", params={"relationship_type": "reseller"}, token=portal)
    assert refused.status_code == 400
    assert "IsIndirectResellerOf" in refused.json()["description"]


async def test_unknown_keys_are_still_refused(world: World) -> None:
    partner = await world.partner()
    r = await partner.post("/v1/enrollments", json={"Program": "DirectBill", "Programme": "x"})
    assert r.status_code == 400, r.text
    assert [p["field"] for p in r.json()["data"]] == ["body.Programme"]


async def test_a_field_spelled_twice_takes_the_last_value(world: World) -> None:
    # As Json.NET, Partner Center's own reader, does: the later property overwrites the earlier one.
    r = await world.sim("PATCH", "/settings", json={"tokenLifetimeSeconds": 900, "TOKENLIFETIMESECONDS": 600})
    assert r.status_code == 200, r.text
    assert r.json()["tokenLifetimeSeconds"] == 600


async def test_an_enum_value_in_no_case_is_refused_with_the_permitted_ones(world: World) -> None:
    partner = await world.partner()
    r = await partner.post("/v1/enrollments", json={"program": "direct-bill"})
    assert r.status_code == 400
    assert "DirectBill" in r.json()["description"]


async def test_unknown_contract_versions_are_answered_with_a_warning(world: World) -> None:
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    known = await world.http.get(
        "/v1/profiles/partner",
        headers={**bearer(token), "MS-Contract-Version": "v1", "X-Locale": "fr-FR"},
        params={"api-version": "1.0"},
    )
    assert known.status_code == 200, known.text
    assert "warning" not in known.headers
    unknown = await world.http.get(
        "/v1/profiles/partner",
        headers={**bearer(token), "MS-Contract-Version": "v3", "X-Locale": "de-DE"},
        params={"api-version": "2099-01-01"},
    )
    assert unknown.status_code == 200, unknown.text
    assert unknown.json() == known.json()
    warnings = unknown.headers.get_list("warning")
    assert len(warnings) == 2
    assert any("MS-Contract-Version 'v3'" in w for w in warnings)
    assert any("api-version '2099-01-01'" in w for w in warnings)
    assert all(w.startswith("299 cspsim ") for w in warnings)
    # A refusal carries the warning too, and stays the refusal it was.
    refused = await world.http.get("/v1/profiles/partner", headers={"MS-Contract-Version": "v9"})
    assert refused.status_code == 401
    assert "v9" in refused.headers["warning"]


STOREFRONT = "https://shop.example"


@pytest.fixture
async def cors_client(database: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(database_url=database, data_dir=tmp_path, cors_origins=[f"{STOREFRONT}/"]), run_timers=False
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cspsim.test") as http:
        yield http
    await app.state.db.dispose()


async def test_cors_preflight_and_exposed_headers_for_an_allowed_origin(cors_client: httpx.AsyncClient) -> None:
    preflight = await cors_client.options(
        "/v1/enrollments",
        headers={
            "Origin": STOREFRONT,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, ms-correlationid, x-locale",
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == STOREFRONT
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "ms-correlationid", "x-locale"} <= {h.strip() for h in allowed.split(",")}
    r = await cors_client.get("/healthz", headers={"Origin": STOREFRONT})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == STOREFRONT
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"ms-requestid", "ms-correlationid", "retry-after", "location"} <= exposed


async def test_cors_refuses_other_origins(cors_client: httpx.AsyncClient) -> None:
    preflight = await cors_client.options(
        "/v1/enrollments",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    r = await cors_client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


async def test_without_cors_origins_no_cross_origin_call_is_allowed(world: World) -> None:
    r = await world.http.get("/healthz", headers={"Origin": STOREFRONT})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
