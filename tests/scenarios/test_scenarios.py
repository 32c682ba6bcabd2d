"""Scenarios: a whole world from one document, built through the services, handed over with credentials that work."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.scenarios.curl import run_curl_line
from tests.world import World, bearer

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


async def load(world: World, document: str | bytes, content_type: str = "application/yaml") -> httpx.Response:
    return await world.sim("POST", "/scenarios", content=document, headers={"Content-Type": content_type})


async def loaded(world: World, name: str) -> dict[str, Any]:
    r = await load(world, (SCENARIOS / f"{name}.yaml").read_bytes())
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return answer


def actor(answer: dict[str, Any], ref: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in [*answer["partners"], *answer["customers"]] if a["ref"] == ref)
    return found


async def token_of(http: httpx.AsyncClient, who: dict[str, Any]) -> str:
    """The actor's token, asked exactly as its answered token request says."""
    ask = who["tokenRequest"]
    r = await http.request(ask["method"], ask["url"], headers=ask["headers"], data=ask["form"], json=ask["json"])
    assert r.status_code in (200, 201), r.text
    return str(r.json()[ask["tokenField"]])


async def names_of_customers(http: httpx.AsyncClient, token: str) -> set[str]:
    r = await http.get("/v1/customers", headers=bearer(token))
    assert r.status_code == 200, r.text
    return {c["companyProfile"]["companyName"] for c in r.json()["items"]}


@pytest.mark.parametrize("name", ["transition", "distributor", "multichannel"])
async def test_each_shipped_scenario_loads_and_every_actor_gets_in(world: World, name: str) -> None:
    answer = await loaded(world, name)
    assert answer["name"] == name
    assert answer["sandboxId"] == world.id
    for who in [*answer["partners"], *answer["customers"]]:
        assert who["users"], who
        assert all(u["password"] for u in who["users"]), "every password is answered, given or generated"
        probe = await world.http.get(who["probe"]["url"], headers=bearer(await token_of(world.http, who)))
        assert probe.status_code == 200, (who["ref"], probe.text)
        if who["kind"] == "partner":
            profile = probe.json()
            assert profile["id"] == who["tenantId"]
            assert profile["partnerId"] == who["partnerId"]
            assert [p["program"] for p in profile["programs"]] == [p["program"] for p in who["programs"]]
        else:
            partners = {p["partnerTenantId"] for p in probe.json()["items"]}
            assert partners <= {p["tenantId"] for p in answer["partners"]}
            waiting = {link["customer"] for link in answer["links"] if link["status"] == "Pending"}
            assert bool(partners) != (who["ref"] in waiting), f"{who['ref']}: partners unless its link waits"
        # The printed curl line is the same request: replayed as curl would send it, it answers the same.
        again = await run_curl_line(world.http, who["curl"])
        assert again.status_code == 200, again.text
        assert again.json() == probe.json()


async def test_transition_is_the_start_of_the_journey(world: World) -> None:
    answer = await loaded(world, "transition")
    contoso, fabrikam = actor(answer, "contoso"), actor(answer, "fabrikam")
    assert contoso["programs"] == [{"program": "DirectBill", "status": "Active"}]
    assert fabrikam["programs"] == [{"program": "IndirectProvider", "status": "Active"}]
    assert {u["userPrincipalName"]: u["roles"] for u in contoso["users"]} == {
        "admin@contoso.onmicrosoft.com": ["GlobalAdmin"],
        "agent@contoso.onmicrosoft.com": ["AdminAgent"],
    }
    token = await token_of(world.http, contoso)
    assert await names_of_customers(world.http, token) == {"Adatum Corporation", "Litware Inc."}
    adatum = actor(answer, "adatum")
    r = await world.http.get(f"/v1/customers/{adatum['tenantId']}/subscriptions", headers=bearer(token))
    assert sorted((s["offerName"], s["quantity"]) for s in r.json()["items"]) == [
        ("Microsoft 365 Business Basic", 10),
        ("Microsoft 365 E3", 25),
    ]
    # Contoso finds its future provider in the directory; the provider holds its own customer.
    r = await world.http.get("/v1/indirectproviders", headers=bearer(token), params={"country": "US"})
    assert [p["id"] for p in r.json()["items"]] == [fabrikam["tenantId"]]
    assert await names_of_customers(world.http, await token_of(world.http, fabrikam)) == {"Northwind Traders"}
    litware = actor(answer, "litware")
    r = await world.sim("GET", f"/tenants/{litware['tenantId']}/subscriptions")
    assert sorted((s["channel"], s["offerName"]) for s in r.json()["items"]) == [
        ("CSP", "Microsoft 365 Business Premium"),
        ("CSP", "Office 365 E3 (legacy)"),
    ]
    subscribers = sorted(s["customer"] for s in answer["subscriptions"])
    assert subscribers == ["adatum", "adatum", "litware", "litware", "northwind"]


async def test_a_domain_in_capitals_is_the_same_domain(world: World) -> None:
    """A domain's case means nothing: an affiliate named WingtipHosting.onmicrosoft.com gets its tenant, kept in
    lower case, and its Global admin in it (the admin's lowered name was once refused as outside the domain)."""
    document = (SCENARIOS / "distributor.yaml").read_text()
    capitals = document.replace("domain: wingtiphosting.onmicrosoft.com", "domain: WingtipHosting.onmicrosoft.com")
    assert capitals != document
    r = await load(world, capitals)
    assert r.status_code == 201, r.text
    tenants = (await world.sim("GET", "/tenants", params={"size": 100})).json()["items"]
    assert [t["domain"] for t in tenants if t["displayName"] == "Wingtip Hosting"] == ["wingtiphosting.onmicrosoft.com"]


async def test_distributor_resellers_see_their_customers_through_the_provider(world: World) -> None:
    answer = await loaded(world, "distributor")
    assert [(p["provider"], p["reseller"], p["status"]) for p in answer["partnerships"]] == [
        ("fabrikam", "tailspin", "Active"),
        ("fabrikam", "wingtip", "Active"),
        ("fabrikam", "proseware", "Active"),
    ]
    tailspin = actor(answer, "tailspin")
    assert tailspin["programs"] == [{"program": "IndirectReseller", "status": "Active"}]
    # An indirect reseller has no API (PRG-9): its way in is a person's portal sign-in.
    assert tailspin["tokenRequest"]["url"].endswith("/portal-sessions")
    assert await names_of_customers(world.http, await token_of(world.http, tailspin)) == {
        "Alpine Ski House",
        "Coho Winery",
    }
    assert await names_of_customers(world.http, await token_of(world.http, actor(answer, "proseware"))) == {
        "Margie's Travel"
    }
    fabrikam_token = await token_of(world.http, actor(answer, "fabrikam"))
    assert await names_of_customers(world.http, fabrikam_token) == {
        "Alpine Ski House",
        "Coho Winery",
        "Fourth Coffee",
        "Margie's Travel",
        "Tailspin Toys",  # its own tenant, for its personal use on Fabrikam's storefront
        "Wingtip Hosting",  # Wingtip's affiliate account, made while ordering
    }
    alpine = actor(answer, "alpine")
    r = await world.http.get(f"/v1/customers/{alpine['tenantId']}/subscriptions", headers=bearer(fabrikam_token))
    assert [(s["offerName"], s["partnerId"]) for s in r.json()["items"]] == [
        ("Microsoft 365 E3", "5100001"),
        ("Microsoft 365 Business Basic", "5100001"),  # the storefront's EndCustomer order
    ]
    [link] = answer["links"]
    assert (link["customer"], link["partner"], link["provider"], link["status"]) == (
        "relecloud",
        "proseware",
        "fabrikam",
        "Pending",
    )
    page = await world.http.get(link["url"])
    assert page.status_code == 200
    assert "Proseware IT" in page.text


@pytest.mark.rule("COM-7")
async def test_distributor_runs_a_marketplace_with_program_access_and_one_order_per_purchase_mode(world: World) -> None:
    answer = await loaded(world, "distributor")
    fabrikam = actor(answer, "fabrikam")
    token = await token_of(world.http, fabrikam)
    accounts = (await world.http.get("/marketplace/v1/accounts", headers=bearer(token))).json()["items"]
    by_reseller = {a["resellerTenantId"]: a for a in accounts}
    tailspin, wingtip = actor(answer, "tailspin"), actor(answer, "wingtip")
    assert set(by_reseller) == {tailspin["tenantId"], wingtip["tenantId"]}
    programs = await world.http.get(
        f"/marketplace/v1/accounts/{by_reseller[tailspin['tenantId']]['id']}/programs", headers=bearer(token)
    )
    assert {(p["program"], p["status"]) for p in programs.json()["items"]} == {
        ("Microsoft Azure Reseller Program", "Approved"),
        ("Microsoft Azure Plan", "Approved"),
    }
    modes = []
    for account in accounts:
        orders = await world.http.get(f"/marketplace/v1/accounts/{account['id']}/orders", headers=bearer(token))
        modes += [(o["purchaseMode"], o["partnerIdOnRecord"]) for o in orders.json()["items"]]
    assert sorted(modes, key=str) == sorted(
        [
            ("EndCustomer", "5100001"),
            ("EndCustomer", "5100001"),
            ("PersonalUse", None),
            ("AffiliateAccount", None),
        ],
        key=str,
    )


async def test_multichannel_keeps_what_customers_bought_elsewhere(world: World) -> None:
    answer = await loaded(world, "multichannel")
    woodgrove, lamna = actor(answer, "woodgrove"), actor(answer, "lamna")
    r = await world.sim("GET", f"/tenants/{woodgrove['tenantId']}/subscriptions")
    assert sorted((s["channel"], s["offerName"], s["partnerOfRecord"]) for s in r.json()["items"]) == [
        ("Advisor", "Azure plan", "4600777"),
        ("Direct", "Microsoft 365 E3", None),
    ]
    assert sorted((k["customer"], k["partner"], k["status"]) for k in answer["links"]) == [
        ("lamna", "contoso", "Accepted"),
        ("woodgrove", "contoso", "Pending"),
    ]
    link = next(k for k in answer["links"] if k["customer"] == "woodgrove")
    contoso_token = await token_of(world.http, actor(answer, "contoso"))
    assert await names_of_customers(world.http, contoso_token) == {"Lamna Healthcare"}
    # Woodgrove accepts the pending link as its Global admin would, in its admin center.
    code = link["url"].rsplit("/", 1)[1]
    r = await world.http.post(
        f"/admin/v1/invitations/{code}/accept", headers=bearer(await token_of(world.http, woodgrove))
    )
    assert r.status_code == 200, r.text
    assert await names_of_customers(world.http, contoso_token) == {"Lamna Healthcare", "Woodgrove Bank"}
    r = await world.sim("GET", f"/tenants/{lamna['tenantId']}/subscriptions")
    assert sorted((s["channel"], s["offerName"]) for s in r.json()["items"]) == [
        ("CSP", "Microsoft 365 Business Premium"),
        ("Direct", "Microsoft 365 Business Basic"),
    ]


async def test_one_scenario_in_two_sandboxes_makes_two_independent_worlds(client: httpx.AsyncClient) -> None:
    first, second = await World.create(client), await World.create(client)
    a, b = await loaded(first, "transition"), await loaded(second, "transition")
    a_contoso, b_contoso = actor(a, "contoso"), actor(b, "contoso")
    assert a_contoso["tenantId"] != b_contoso["tenantId"]
    assert a_contoso["apps"][0]["clientId"] != b_contoso["apps"][0]["clientId"]
    assert a_contoso["partnerId"] == b_contoso["partnerId"] == "4812345"
    a_token, b_token = await token_of(client, a_contoso), await token_of(client, b_contoso)
    a_customers = await client.get("/v1/customers", headers=bearer(a_token))
    assert {c["id"] for c in a_customers.json()["items"]} == {
        actor(a, "adatum")["tenantId"],
        actor(a, "litware")["tenantId"],
    }
    # What happens in one world stays there.
    r = await client.post(
        "/v1/customers",
        headers=bearer(b_token),
        json={
            "companyProfile": {"domain": "tailwind"},
            "billingProfile": {
                "email": "billing@tailwind.example",
                "companyName": "Tailwind",
                "defaultAddress": {
                    "firstName": "Ada",
                    "lastName": "Lovelace",
                    "addressLine1": "1 Bill St",
                    "city": "Redmond",
                    "postalCode": "98052",
                    "country": "US",
                },
            },
        },
    )
    assert r.status_code == 201, r.text
    assert await names_of_customers(client, b_token) == {"Adatum Corporation", "Litware Inc.", "Tailwind"}
    assert await names_of_customers(client, a_token) == {"Adatum Corporation", "Litware Inc."}
    r = await client.get(f"/v1/customers/{actor(b, 'adatum')['tenantId']}", headers=bearer(a_token))
    assert r.status_code == 404


BROKEN = """
partners:
  - ref: contoso
    revenueUsd: 1200000
    programs: [{program: DirectBill}]
  - ref: fabrikam
    programs: [{program: IndirectProvider}]
customers:
  - ref: adatum
    createdBy: contoso
  - ref: litware
    createdBy: contoso
  - ref: northwind
    createdBy: fabrikam
    reseller: tailspin
"""


async def test_an_unknown_partner_is_a_400_naming_the_entry_and_nothing_is_kept(world: World) -> None:
    r = await load(world, BROKEN)
    assert r.status_code == 400, r.text
    body = r.json()
    assert "customers[2].reseller: no partner named 'tailspin'" in body["description"]
    assert body["data"] == [{"path": "customers[2].reseller", "message": "no partner named 'tailspin'"}]
    assert (await world.sim("GET", "/tenants")).json()["totalCount"] == 0


async def test_a_rule_that_refuses_names_the_entry_and_its_rule(world: World) -> None:
    document = {
        "partners": [
            {"ref": "fabrikam", "programs": [{"program": "IndirectProvider"}]},
            {"ref": "contoso", "programs": [{"program": "DirectBill"}]},
        ]
    }
    r = await load(world, json.dumps(document), "application/json")
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["description"].startswith("partners[1].programs[0]: Direct bill needs at least USD 1,000,000")
    assert body["rule"] == "PRG-1"
    assert body["data"][0]["path"] == "partners[1].programs[0]"
    # One transaction: the provider built before the refusal is gone too.
    assert (await world.sim("GET", "/tenants")).json()["totalCount"] == 0


async def test_a_malformed_document_is_refused_with_where(world: World, app: FastAPI) -> None:
    r = await load(world, "partners: [ {ref: contoso")
    assert r.status_code == 400
    assert "not valid YAML" in r.json()["description"]
    r = await load(world, "customers:\n  - ref: adatum\n    resseller: tailspin\n")
    assert r.status_code == 400
    assert "customers[0].resseller: Extra inputs are not permitted" in r.json()["description"]
    r = await load(world, "partners: []", "text/plain")
    assert r.status_code == 415
    # The document says so too (schemathesis found the 415 undocumented).
    assert "415" in app.openapi()["paths"]["/sim/v1/sandboxes/{sandbox_id}/scenarios"]["post"]["responses"]
    r = await load(world, "- just\n- a list\n")
    assert r.status_code == 400
    assert "one mapping" in r.json()["description"]


MID_TRANSITION = """
name: mid-transition
partners:
  - ref: contoso
    revenueUsd: 1200000
    programs:
      - {program: DirectBill, status: Restricted}
      - {program: IndirectReseller, status: Active}
  - ref: fabrikam
    programs: [{program: IndirectProvider}]
partnerships:
  - {provider: fabrikam, reseller: contoso}
customers:
  - ref: adatum                # a direct-bill customer from before the restriction, handed to the provider
    createdBy: contoso
    extendedTo: fabrikam
    mca: {accepted: true}
  - ref: woodgrove             # a new customer, won as an indirect reseller
    reseller: contoso
    provider: fabrikam
    orders:
      - partner: fabrikam
        lineItems: [{offerId: "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5", quantity: 3}]
    mca: {attestedBy: [fabrikam]}
"""


async def test_history_is_built_in_its_order_whatever_the_document_order(world: World) -> None:
    """Contoso's direct customer comes before support restricts it; the partnership and the invited customer
    after it became an indirect reseller."""
    r = await load(world, MID_TRANSITION)
    assert r.status_code == 201, r.text
    answer = r.json()
    assert actor(answer, "contoso")["programs"] == [
        {"program": "DirectBill", "status": "Restricted"},
        {"program": "IndirectReseller", "status": "Active"},
    ]
    fabrikam_token = await token_of(world.http, actor(answer, "fabrikam"))
    assert await names_of_customers(world.http, fabrikam_token) == {"Adatum", "Woodgrove"}
    adatum = actor(answer, "adatum")
    r = await world.http.get("/admin/v1/partnerRelationships", headers=bearer(await token_of(world.http, adatum)))
    assert sorted((p["name"], p["roles"], p["adminPrivileges"]) for p in r.json()["items"]) == [
        ("Contoso", ["Reseller"], True),
        ("Fabrikam", ["IndirectProvider"], False),
    ]
    r = await world.sim("GET", "/mailbox", params={"to": "contact@contoso.onmicrosoft.com"})
    assert "service-request-resolved" in [m["kind"] for m in r.json()["items"]]
