"""The billing operations answer with every key of Partner Center's documented example responses, of the same JSON
type (tests/fixtures/partner_center_examples/billing)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.billing.test_invoices import advance, bought, invoices, read
from tests.billing.test_usage import azure_plan, meters, use
from tests.partner_center_examples import Example, examples, shape_differences
from tests.world import Party, World

EXAMPLES = examples("billing")


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[tuple[Party, dict[str, str]]]:
    """A direct-bill partner with an issued invoice (E3 bought in March), an Azure plan with a day of April's usage,
    and a purchase of April not yet invoiced."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        partner, customer_id, _ = await bought(world, at="2029-03-15T10:00:00Z")
        plan = await azure_plan(partner, customer_id)
        await advance(world, days=25)
        [invoice, *_] = await invoices(partner)
        meter = (await meters(partner))["D2s v3"]["id"]
        r = await use(world, plan, meter, "24", "2029-04-02")
        assert r.status_code in (200, 201), r.text
        r = await partner.order(customer_id)
        assert r.status_code == 201, r.text
        yield (
            partner,
            {
                "customer_id": customer_id,
                "invoice_id": invoice["id"],
                "azure_plan_subscription_id": plan,
                "usage_start": "2029-04-01T00:00:00Z",
                "usage_end": "2029-04-05T00:00:00Z",
            },
        )


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(
    scene: tuple[Party, dict[str, str]], example: Example
) -> None:
    partner, values = scene
    path, _ = example.filled(values)
    r = await read(partner, path)
    assert r.status_code == example.status, r.text
    assert shape_differences(example.response, r.json(), nullable=example.nullable) == []
