"""What Partner Center's clients parse: collections without a next page leave `links.next` out, a date agreed
without a zone is UTC, each rule answers its own code, and a 401 challenges as Entra's resource servers do."""

import pytest

from app.kernel.errors import rule_code
from tests.world import World, bearer

MCA_TEMPLATE = "117a77b0-9360-443b-8795-c6dedc750cf9"


async def test_a_collection_without_a_next_page_leaves_next_out(world: World) -> None:
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    for _ in range(3):
        assert (await partner.create_customer(token=token)).status_code == 201
    whole = (await partner.get("/v1/customers", token=token)).json()
    assert whole["totalCount"] == 3
    assert "next" not in whole["links"]
    assert whole["links"]["self"]["uri"].startswith("/v1/customers")
    first = (await partner.get("/v1/customers", token=token, params={"size": 2})).json()
    assert first["links"]["next"]["headers"][0]["key"] == "MS-ContinuationToken"
    headers = {h["key"]: h["value"] for h in first["links"]["next"]["headers"]}
    last = await world.http.get(first["links"]["next"]["uri"], headers={**bearer(token), **headers})
    assert last.status_code == 200, last.text
    assert len(last.json()["items"]) == 1
    assert "next" not in last.json()["links"]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-01-15T08:30:00", "2026-01-15T08:30:00Z"),
        ("2026-01-15", "2026-01-15T00:00:00Z"),
        ("2026-01-15T08:30:00+02:00", "2026-01-15T06:30:00Z"),
    ],
)
async def test_date_agreed_without_a_zone_or_time_is_read_as_utc(world: World, sent: str, stored: str) -> None:
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    body = {
        "primaryContact": {"firstName": "Grace", "lastName": "Hopper", "email": "grace@customer.example"},
        "templateId": MCA_TEMPLATE,
        "dateAgreed": sent,
        "type": "MicrosoftCustomerAgreement",
    }
    r = await partner.post(f"/v1/customers/{customer['id']}/agreements", json=body)
    assert r.status_code == 201, r.text
    answered = r.json()["dateAgreed"].replace("+00:00", "Z")
    assert answered == stored
    r = await partner.post(f"/v1/customers/{customer['id']}/agreements", json=body | {"dateAgreed": "yesterday"})
    assert r.status_code == 400


def test_each_rule_answers_its_own_code_and_documented_ones_partner_centers() -> None:
    assert rule_code("AGR-1") == (13605, "MCAAcceptanceRequired")
    assert rule_code("REL-5") == (20002, "NoCommerceRelationship")
    codes = {rule_code(f"{family}-{n}")[0] for family in ("PRG", "REL", "COM", "TRF", "GDP") for n in range(1, 9)}
    assert len(codes) == 5 * 8  # one code per rule
    assert 20002 in codes
    assert rule_code("XYZ-1")[0] == 710000


@pytest.mark.rule("REL-2")
async def test_two_rules_refuse_with_two_codes(world: World) -> None:
    reseller = await world.indirect_reseller()
    r = await reseller.create_customer(token=await reseller.portal_token())
    assert (r.status_code, r.json()["rule"], r.json()["code"]) == (403, "REL-2", 710302)
    direct = await world.direct_bill_partner()
    r = await direct.post("/v1/customers/invitations", json={"indirectProviderId": reseller.id})
    assert r.json()["rule"] == "REL-1"
    assert r.json()["code"] == 710301


async def test_a_401_challenges_as_entra_resource_servers_do(world: World) -> None:
    r = await world.http.get("/v1/customers")
    assert r.status_code == 401
    challenge = r.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer authorization_uri="https://login.microsoftonline.com/')
    assert 'error="invalid_token"' in challenge
    assert 'error_description="The request has no bearer token' in challenge
    r = await world.http.get("/v1/customers", headers=bearer("not-a-token"))
    assert 'error_description="The access token is not valid' in r.headers["WWW-Authenticate"]
    r = await world.http.get(f"/sim/v1/sandboxes/{world.id}/clock", headers=bearer("wrong"))
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith('Bearer realm="cspsim"')
