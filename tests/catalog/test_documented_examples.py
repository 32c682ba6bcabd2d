"""cspsim answers each documented catalog operation (products, SKUs, availabilities, promotions, inventory checks,
Azure plan upgrades and the legacy offers) with every key of Partner Center's example response, of the same JSON
type (tests/fixtures/partner_center_examples/catalog: one file per operation)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.partner_center_examples import Example, examples, shape_differences
from tests.world import World, bearer

EXAMPLES = examples("catalog")


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[tuple[httpx.AsyncClient, World, str, dict[str, str]]]:
    """A direct-bill partner (its Global admin signed in) and the catalog's items the examples name: a reservation
    (the documented examples are reservations), a running promotion and a legacy offer."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        partner = await world.direct_bill_partner()
        values = {
            "reservation_product_id": "DZH318Z0BQ4L",
            "reservation_sku_id": "00J1",
            "promotion_id": "CFQ7TTC0LFLX:0001:CFQ7TTC0KXK9",
            "legacy_offer_id": "796B6B5F-613C-4E24-A17C-EBA730D49C02",
        }
        yield http, world, await partner.portal_token(), values


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(
    scene: tuple[httpx.AsyncClient, World, str, dict[str, str]], example: Example
) -> None:
    http, world, token, values = scene
    fresh = dict(values)
    if "productupgrades" in example.path:  # an upgrade is asked for a customer with an MCA, a new one each time
        partner = await world.direct_bill_partner()
        token = await partner.portal_token()
        fresh["customer_id"] = (await partner.customer_with_mca())["id"]
    path, body = example.filled(fresh)
    r = await http.request(example.method, path, headers=bearer(token), json=body)
    assert r.status_code == example.status, r.text
    if example.response is None:  # documented with an empty body
        assert r.content == b""
        return
    assert shape_differences(example.response, r.json(), nullable=example.nullable) == []
