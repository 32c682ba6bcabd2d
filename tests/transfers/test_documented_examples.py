"""cspsim answers each documented Partner Center transfer operation (create, list, read, update, accept) with every
key of its documented example response, of the same JSON type (tests/fixtures/partner_center_examples/transfers:
one file per operation)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.partner_center_examples import Example, examples, shape_differences
from tests.transfers.test_transfers import ask, source_with_subscriptions
from tests.world import Party, World, bearer

EXAMPLES = examples("transfers")
Scene = tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[Scene]:
    """Two direct-bill partners, the source's customer (holding two subscriptions) having accepted the target; two
    transfers the target asked for, the source having chosen a subscription in each (one to submit, one to read and
    update). The target creates; the source updates and submits; both read."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        source, target, customer, first = await source_with_subscriptions(world)
        assert (await source.order(customer["id"], quantity=3)).status_code == 201
        held = (await source.get(f"/v1/customers/{customer['id']}/subscriptions")).json()["items"]
        second = next(s for s in held if s["id"] != first["id"])
        to_submit = await _chosen(source, target, customer["id"], first["id"])
        to_read = await _chosen(source, target, customer["id"], second["id"])
        tokens = {"target": await target.app_token(), "source": await source.app_token()}
        values = {
            "customer_id": customer["id"],
            "source_id": source.id,
            "target_id": target.id,
            "transfer_id": to_read,
            "subscription_id": second["id"],
            "accepted_transfer_id": to_submit,
        }
        yield http, tokens, values


async def _chosen(source: Party, target: Party, customer_id: str, subscription_id: str) -> str:
    r = await ask(target, customer_id, source)
    assert r.status_code == 201, r.text
    path = f"/v1/customers/{customer_id}/transfers/{r.json()['id']}"
    lines = {"lineItems": [{"subscriptionId": subscription_id}]}
    r = await source.world.http.patch(path, headers=bearer(await source.app_token()), json=lines)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(scene: Scene, example: Example) -> None:
    http, tokens, values = scene
    path, body = example.filled(values)
    caller = "target" if example.method == "POST" and path.endswith("/transfers") else "source"
    r = await http.request(example.method, path, headers=bearer(tokens[caller]), json=body)
    assert r.status_code == example.status, r.text
    assert shape_differences(example.response, r.json(), nullable=example.nullable) == []


def test_every_transfer_operation_has_its_example() -> None:
    assert [e.name for e in EXAMPLES] == [
        "accept-a-transfer",
        "create-a-transfer",
        "get-a-list-of-transfers",
        "get-a-transfer-by-id",
        "update-a-transfer",
    ]
