"""cspsim answers each documented Partner Center operation on a customer's users, licences, directory roles, licence
analytics and service requests with every key of its documented example response, of the same JSON type
(tests/fixtures/partner_center_examples/users). These are App+User calls: the partner's admin, signed in, holding
User Administrator on the customer through GDAP."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.customer_users.steps import E3_SKU, admin_of_customer, create_user
from tests.gdap.steps import USER_ADMINISTRATOR
from tests.partner_center_examples import Example, examples, shape_differences
from tests.world import Party, World, bearer

EXAMPLES = examples("users")
Scene = tuple[Party, Party, str, dict[str, str]]


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[Scene]:
    """One sandbox: a direct-bill partner whose signed-in admin is the customer's User Administrator through GDAP;
    the customer holds five Microsoft 365 E3 seats, a user with one of them, a member of a directory role, a deleted
    user, and a service request the partner opened about it."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        partner, customer, token = await admin_of_customer(world, USER_ADMINISTRATOR)
        await partner.attest_mca(customer.id)
        assert (await partner.order(customer.id, quantity=5)).status_code == 201
        user = await create_user(partner, customer, token, "ada")
        base = f"/v1/customers/{customer.id}"
        licensed = {"LicensesToAssign": [{"SkuId": E3_SKU}], "Attributes": {"ObjectType": "LicenseUpdate"}}
        r = await http.post(f"{base}/users/{user['id']}/licenseupdates", headers=bearer(token), json=licensed)
        assert r.status_code == 201, r.text
        roles = (await http.get(f"{base}/directoryroles", headers=bearer(token))).json()["items"]
        role_id = next(r["id"] for r in roles if r["name"] != "Global Administrator")
        r = await http.post(
            f"{base}/directoryroles/{role_id}/usermembers", headers=bearer(token), json={"id": user["id"]}
        )
        assert r.status_code == 201, r.text
        await _deleted_user(partner, customer, token)
        r = await http.post(
            "/v1/servicerequests",
            headers=bearer(token),
            json={"title": "Help", "description": "A question", "severity": "minimal", "customerId": customer.id},
        )
        assert r.status_code == 201, r.text
        values = {
            "customer_id": customer.id,
            "domain": customer.tenant["domain"],
            "user_id": user["id"],
            "sku_id": E3_SKU,
            "role_id": role_id,
            "request_id": r.json()["id"],
        }
        yield partner, customer, token, values


async def _deleted_user(partner: Party, customer: Party, token: str) -> str:
    user = await create_user(partner, customer, token, f"gone{uuid.uuid4().hex[:6]}")
    r = await partner.world.http.delete(f"/v1/customers/{customer.id}/users/{user['id']}", headers=bearer(token))
    assert r.status_code == 204, r.text
    return str(user["id"])


async def _fresh_values(scene: Scene, example: Example) -> dict[str, str]:
    """The objects an example changes are new ones each time: a user to delete or to add to a role, a deleted user
    to restore, a member to take out of a role."""
    partner, customer, token, values = scene
    fresh = dict(values, new_user=f"user{uuid.uuid4().hex[:8]}")
    if "{fresh_user_id}" in example.path or "{fresh_user_id}" in str(example.body):
        fresh["fresh_user_id"] = (await create_user(partner, customer, token, f"u{uuid.uuid4().hex[:8]}"))["id"]
    if "{deleted_user_id}" in example.path:
        fresh["deleted_user_id"] = await _deleted_user(partner, customer, token)
    if "{member_id}" in example.path:
        member = await create_user(partner, customer, token, f"m{uuid.uuid4().hex[:8]}")
        r = await partner.world.http.post(
            f"/v1/customers/{customer.id}/directoryroles/{values['role_id']}/usermembers",
            headers=bearer(token),
            json={"id": member["id"]},
        )
        assert r.status_code == 201, r.text
        fresh["member_id"] = member["id"]
    return fresh


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(scene: Scene, example: Example) -> None:
    partner, _, token, _ = scene
    path, body = example.filled(await _fresh_values(scene, example))
    r = await partner.world.http.request(example.method, path, headers=bearer(token), json=body)
    assert r.status_code == example.status, r.text
    if example.response is None:  # a deletion answers no body
        assert r.content == b""
        return
    assert shape_differences(example.response, r.json(), nullable=example.nullable) == []


async def test_partner_license_analytics_sum_every_customers_seats(world: World) -> None:
    """Partner-level deployment and usage: per product, the seats of all the partner's customers, sold and
    assigned; a stranger partner sees none of them."""
    partner, customer, token = await admin_of_customer(world, USER_ADMINISTRATOR)
    await partner.attest_mca(customer.id)
    assert (await partner.order(customer.id, quantity=3)).status_code == 201
    other = await partner.customer_with_mca("second")
    assert (await partner.order(other["id"], quantity=1)).status_code == 201
    user = await create_user(partner, customer, token, "ada")
    r = await world.http.post(
        f"/v1/customers/{customer.id}/users/{user['id']}/licenseupdates",
        headers=bearer(token),
        json={"licensesToAssign": [{"skuId": E3_SKU}]},
    )
    assert r.status_code == 201, r.text
    deployment = await partner.get("/partner/v1/analytics/licenses/deployment")
    assert deployment.status_code == 200, deployment.text
    [row] = deployment.json()["value"]
    assert (row["productId"], row["licensesSold"], row["licensesDeployed"]) == (E3_SKU, 4, 1)
    assert (row["deploymentPercent"], row["attributes"]) == (0.25, {"objectType": "PartnerLicensesDeploymentInsights"})
    assert deployment.json()["totalCount"] == 1
    [usage] = (await partner.get("/partner/v1/analytics/licenses/usage")).json()["value"]
    assert (usage["licensesQualified"], usage["licensesActive"], usage["usagePercent"]) == (4, 1, 0.25)
    stranger = await world.direct_bill_partner()
    assert (await stranger.get("/partner/v1/analytics/licenses/deployment")).json() == {
        "value": [],
        "totalCount": 0,
        "@nextLink": None,
    }


async def test_partner_level_paths_run_the_partner_center_pipeline(world: World) -> None:
    """/partner/v1 is Partner Center's surface: no token is a 401 in its error shape, a customer's sign-in a 403."""
    r = await world.http.get("/partner/v1/analytics/licenses/usage")
    assert r.status_code == 401
    assert "description" in r.json()
    customer = await world.customer()
    r = await world.http.get("/partner/v1/analytics/licenses/usage", headers=bearer(await customer.portal_token()))
    assert r.status_code == 403, r.text
