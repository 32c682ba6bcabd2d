"""cspsim answers each documented Autopilot operation (device batches, devices, upload statuses, configuration
policies) and the Azure fraud events with every key of Partner Center's example response, of the same JSON type
(tests/fixtures/partner_center_examples/devices: one file per operation)."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.partner_center_examples import Example, examples, shape_differences
from tests.world import Party, World, bearer

EXAMPLES = examples("devices")
NAMED = {e.name: e for e in EXAMPLES}
Scene = tuple[httpx.AsyncClient, Party, str, dict[str, str]]


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[Scene]:
    """A direct-bill partner (its Global admin signed in) with a customer holding the documented device batch, its
    upload's status and the documented configuration policy, and an Azure fraud alert the operator raised on it."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        partner = await world.direct_bill_partner()
        token = await partner.portal_token()
        customer_id = (await partner.create_customer()).json()["id"]
        tracking_id = await _create_batch(http, token, customer_id)
        policy_id = await _create_policy(http, token, customer_id)
        alert = {"partnerTenantId": partner.id, "customerTenantId": customer_id, "subscriptionId": str(uuid.uuid4())}
        assert (await world.sim("POST", "/fraudEvents", json=alert)).status_code == 201
        values = {
            "customer_id": customer_id,
            "batch_id": "SDKTestDeviceBatch",
            "tracking_id": tracking_id,
            "policy_id": policy_id,
        }
        yield http, partner, token, values


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(scene: Scene, example: Example) -> None:
    http, partner, token, values = scene
    fresh = dict(values)
    # What an example creates under a fixed name, or deletes, is a new customer's or a new object each time.
    if example.name.startswith("upload-a-list-of-devices-to-create"):
        fresh["customer_id"] = (await partner.create_customer(token=token)).json()["id"]
    elif "device" in example.name and example.method == "DELETE":
        fresh["customer_id"] = (await partner.create_customer(token=token)).json()["id"]
        await _create_batch(http, token, fresh["customer_id"])
        r = await http.get(
            f"/v1/customers/{fresh['customer_id']}/deviceBatches/SDKTestDeviceBatch/devices", headers=bearer(token)
        )
        fresh["device_id"] = r.json()["items"][0]["id"]
    elif example.method in {"PUT", "DELETE"}:
        fresh["policy_id"] = await _create_policy(http, token, values["customer_id"])
    path, body = example.filled(fresh)
    r = await http.request(example.method, path, headers=bearer(token), json=body)
    assert r.status_code == example.status, r.text
    if example.response is None:  # documented with no body: a 204, or a 202 pointing at the upload's status
        if example.status == 202:
            assert "/batchJobStatus/" in r.headers["Location"]
        else:
            assert r.content == b""
        return
    assert shape_differences(example.response, r.json(), nullable=example.nullable) == []


async def _create_batch(http: httpx.AsyncClient, token: str, customer_id: str) -> str:
    """The documented device batch; the tracking id of its upload."""
    path, body = NAMED["upload-a-list-of-devices-to-create-a-new-batch-for-the-specified-customer"].filled(
        {"customer_id": customer_id}
    )
    r = await http.post(path, headers=bearer(token), json=body)
    assert r.status_code == 202, r.text
    return r.headers["Location"].rsplit("/", 1)[1]


async def _create_policy(http: httpx.AsyncClient, token: str, customer_id: str) -> str:
    path, body = NAMED["create-a-new-configuration-policy-for-the-specified-customer"].filled(
        {"customer_id": customer_id}
    )
    r = await http.post(path, headers=bearer(token), json=body)
    assert r.status_code == 200, r.text
    policy_id: str = r.json()["id"]
    return policy_id
