"""cspsim answers each documented Partner Center commerce operation (orders, carts, subscriptions, transitions,
migrations to new commerce, entitlements) with every key of its documented example response, of the same JSON type
(tests/fixtures/partner_center_examples/commerce: one file per operation)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.commerce.journeys import E3, E5, E5_COMPLIANCE
from tests.commerce.test_subscription_migrations import legacy_subscription, migration
from tests.partner_center_examples import Example, examples, shape_differences
from tests.world import Party, World, bearer

EXAMPLES = examples("commerce")
Scene = tuple[httpx.AsyncClient, str, dict[str, str]]


@pytest.fixture(scope="module")
async def scene(app: Any) -> AsyncIterator[Scene]:
    """One sandbox for every example: a direct-bill partner (its Global admin signed in, as App+User calls are)
    and its customer (MCA attested) holding an E3 subscription with an add-on; an E3 subscription that moved a seat
    into an E5 one a week on, past the E5's cancellation window (and an E5 too short a term to take seats); a
    pending order; two carts; legacy subscriptions, one of them migrated to new commerce."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        world = await World.create(http)
        partner = await world.direct_bill_partner()
        token = await partner.portal_token()
        customer = (await partner.customer_with_mca())["id"]
        base = f"/v1/customers/{customer}"

        async def call(method: str, path: str, body: Any = None, status: int = 200) -> dict[str, Any]:
            r = await http.request(method, f"{base}{path}", headers=bearer(token), json=body)
            assert r.status_code == status, r.text
            found: dict[str, Any] = r.json()
            return found

        order = await _ordered(partner, customer, E3, quantity=10)
        subscription_id = order["lineItems"][0]["subscriptionId"]
        await _ordered(partner, customer, E5_COMPLIANCE, quantity=1, parentSubscriptionId=subscription_id)
        source = (await _ordered(partner, customer, E3, quantity=10))["lineItems"][0]["subscriptionId"]
        await _ordered(partner, customer, E5, quantity=1, term="P1M")  # too short a term to take the seats
        target = (await _ordered(partner, customer, E5, quantity=1))["lineItems"][0]["subscriptionId"]
        await world.sim("POST", "/clock/advance", json={"days": 8})  # past the target's cancellation window
        moved = {"toCatalogItemId": E5, "toSubscriptionId": target, "quantity": 1}
        await call("POST", f"/subscriptions/{source}/transitions", moved)

        assert (await world.sim("PATCH", "/settings", json={"orderProvisioningSeconds": 3600})).status_code == 200
        pending = await _ordered(partner, customer, E3, quantity=1)
        assert (await world.sim("PATCH", "/settings", json={"orderProvisioningSeconds": 0})).status_code == 200

        line = {"catalogItemId": E3, "quantity": 1, "termDuration": "P1Y", "billingCycle": "monthly"}
        cart = await call("POST", "/carts", {"lineItems": [line]}, status=201)
        checkout_cart = await call("POST", "/carts", {"lineItems": [line]}, status=201)

        migrated = await call(
            "POST", "/migrations/newcommerce", migration(await legacy_subscription(world, partner, customer))
        )
        values = {
            "customer_id": customer,
            "offer_id": E3,
            "upgrade_offer_id": E5,
            "order_id": order["id"],
            "pending_order_id": pending["id"],
            "subscription_id": subscription_id,
            "entitlement_id": (await call("GET", f"/subscriptions/{subscription_id}"))["entitlementId"],
            "transition_source_id": source,
            "transition_target_id": target,
            "cart_id": cart["id"],
            "checkout_cart_id": checkout_cart["id"],
            "legacy_subscription_id": await legacy_subscription(world, partner, customer),
            "legacy_to_validate_id": await legacy_subscription(world, partner, customer),
            "migration_id": migrated["id"],
        }
        yield http, token, values


async def _ordered(partner: Party, customer_id: str, offer: str, quantity: int, **line: Any) -> dict[str, Any]:
    r = await partner.order(customer_id, offer=offer, quantity=quantity, **line)
    assert r.status_code == 201, r.text
    placed: dict[str, Any] = r.json()
    return placed


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_the_answer_has_the_documented_examples_keys(scene: Scene, example: Example) -> None:
    http, token, values = scene
    path, body = example.filled(values)
    r = await http.request(example.method, path, headers=bearer(token), json=body)
    assert r.status_code == example.status, r.text
    assert shape_differences(example.response, r.json(), nullable=example.nullable) == []


def test_every_commerce_operation_has_its_example() -> None:
    assert len(EXAMPLES) == 21
    assert all(e.path.startswith("/v1/customers/{customer_id}/") for e in EXAMPLES)
