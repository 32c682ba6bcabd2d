"""cspsim answers the documented Partner Center operations of a partner's programs and relationships (its indirect
resellers, its activity record) with every key of Partner Center's example response, of the same JSON type
(tests/fixtures/partner_center_examples/programs: one file per operation).

Enrollments, partner agreements, partnership invitations, the indirect provider directory and notifications are
cspsim's own (Partner Center's portal does them; its API documents no example), so they have no file here."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.partner_center_examples import Example, examples, shape_differences
from tests.world import World, bearer

EXAMPLES = examples("programs")
Scene = tuple[httpx.AsyncClient, str, dict[str, str]]


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[Scene]:
    """An indirect provider (its Global admin signed in) partnered with an indirect reseller, holding a customer it
    created: its activity record has the customer's creation."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        provider, reseller = await world.provider(), await world.indirect_reseller()
        await world.partner_up(provider, reseller)
        token = await provider.portal_token()
        assert (await provider.create_customer(token=token)).status_code == 201
        yield http, token, {"start_date": "2000-01-01T00:00:00Z"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(scene: Scene, example: Example) -> None:
    http, token, values = scene
    path, body = example.filled(values)
    r = await http.request(example.method, path, headers=bearer(token), json=body)
    assert r.status_code == example.status, r.text
    differences = shape_differences(example.response, r.json(), nullable=example.nullable)
    assert differences == []
