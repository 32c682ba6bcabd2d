"""cspsim answers each documented Partner Center operation with every key of its documented example response, of
the same JSON type (tests/fixtures/partner_center_examples: one file per operation)."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.partner_center_examples import Example, examples, shape_differences
from tests.world import World, bearer

EXAMPLES = examples()
NAMED = {e.name: e for e in EXAMPLES}


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[tuple[httpx.AsyncClient, str, dict[str, str]]]:
    """One sandbox for every example: a direct-bill partner (its Global admin signed in, as App+User calls are) with a
    customer created and attested with the documented request bodies, holding a subscription and an Education
    qualification, and a service request open; and another partner. The partner is an indirect provider too, with
    a customer it created for its indirect reseller."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        partner, other = await world.direct_bill_partner(), await world.partner()
        token = await partner.portal_token()
        customer = await _create_customer(http, token)
        _, attestation = NAMED["confirm-customer-consent-customer-agreement"].filled({})
        r = await http.post(f"/v1/customers/{customer['id']}/agreements", headers=bearer(token), json=attestation)
        assert r.status_code == 201, r.text
        assert (await partner.order(customer["id"])).status_code == 201
        r = await http.post(
            f"/v1/customers/{customer['id']}/qualifications", headers=bearer(token), json={"qualification": "Education"}
        )
        assert r.status_code == 201, r.text
        r = await http.post(
            "/v1/servicerequests",
            headers=bearer(token),
            json={"title": "TrialTest", "description": "Ignore this SR", "severity": "critical"},
        )
        assert r.status_code == 201, r.text
        assert (await partner.enroll("IndirectProvider")).status_code == 201
        reseller = await world.indirect_reseller()
        await world.partner_up(partner, reseller)
        resold = await partner.create_customer(token=token, associatedPartnerId=reseller.id)
        assert resold.status_code == 201, resold.text
        values = {
            "customer_id": customer["id"],
            "resold_customer_id": resold.json()["id"],
            "mpn_id": partner.tenant["partnerId"],
            "other_mpn_id": other.tenant["partnerId"],
        }
        yield http, token, values


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(
    scene: tuple[httpx.AsyncClient, str, dict[str, str]], example: Example
) -> None:
    http, token, values = scene
    # A customer to create, or an attestation to confirm, is a new one each time.
    fresh = dict(values, new_domain=f"contoso{uuid.uuid4().hex[:10]}")
    if example.method == "POST" and "agreements" in example.path:
        fresh["customer_id"] = (await _create_customer(http, token))["id"]
    path, body = example.filled(fresh)
    r = await http.request(example.method, path, headers=bearer(token), json=body)
    assert r.status_code == example.status, r.text
    assert shape_differences(example.response, r.json(), nullable=example.nullable) == []


async def _create_customer(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """A customer made with Partner Center's documented request body."""
    _, body = NAMED["create-a-customer"].filled({"new_domain": f"contoso{uuid.uuid4().hex[:10]}"})
    r = await http.post("/v1/customers", headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def test_the_comparison_finds_missing_keys_and_other_types() -> None:
    example = {"a": 1, "b": {"c": "x"}, "items": [{"d": True}], "e": None}
    assert shape_differences(example, {"a": 2.5, "b": {"c": "y"}, "items": [{"d": False}], "e": 3}) == []
    assert shape_differences(example, {"a": "1", "b": {}, "items": [], "e": None}) == [
        "a: string where the example has number",
        "b.c: missing",
        "items: empty where the example has items",
    ]
    assert shape_differences({"f": "x"}, {"f": None}, nullable=frozenset({"f"})) == []
