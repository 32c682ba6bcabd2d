"""A first day's frictions, kept fixed: the admin center's collections wear the collection envelope, and no refusal
shows a raw Python `None` to the person who reads it."""

import re
import uuid

import httpx

from tests.world import World, bearer

PYTHON_NONE = re.compile(r"\bNone\b")


async def test_the_admin_centers_collections_use_the_collection_envelope(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca("envelope")
    admin = customer["userCredentials"]
    token = (
        await world.http.post(
            f"/{customer['id']}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "username": f"{admin['userName']}@{customer['companyProfile']['domain']}",
                "password": admin["password"],
            },
        )
    ).json()["access_token"]
    for path in ("/admin/v1/partnerRelationships", "/admin/v1/granularAdminRelationships"):
        r = await world.http.get(path, headers=bearer(token))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["totalCount"] == len(body["items"]), path
        assert body["attributes"] == {"objectType": "Collection"}, path
        assert "links" in body, path
    partners = (await world.http.get("/admin/v1/partnerRelationships", headers=bearer(token))).json()
    assert [p["partnerTenantId"] for p in partners["items"]] == [partner.id]


async def test_no_refusal_message_shows_a_python_none(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca("refusals")
    refusals: list[httpx.Response] = [
        await partner.order(customer["id"], term=None),  # type: ignore[arg-type]  # a line without termDuration
        await partner.order(customer["id"], term="P7Y"),
        await partner.order(customer["id"], offer="nothing:0001:nothing"),
        await partner.order(customer["id"], quantity=0),
        await world.sim("POST", "/clock/advance", json={}),
        await world.sim("POST", "/faults", json={"kind": "error"}),
        await world.sim("GET", "/records/nothing"),
        await world.sim("GET", "/diff", params={"against": str(uuid.uuid4())}),
        await world.http.get("/v1/customers/not-an-id", headers=bearer(await partner.app_token())),
    ]
    for r in refusals:
        assert 400 <= r.status_code < 500, r.text
        body = r.json()
        message = str(body.get("description") or body.get("message") or body)
        assert not PYTHON_NONE.search(message), f"{r.request.method} {r.request.url.path}: {message}"
