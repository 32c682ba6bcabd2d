"""Builders the subscription journeys share: a partner with a customer's subscription on a frozen clock."""

from datetime import datetime, timedelta
from typing import Any

from tests.world import Party, World

E3 = "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5"
E5 = "CFQ7TTC0LF8S:0002:CFQ7TTC0LF8Q"
BUSINESS_BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0LH0R"
E5_COMPLIANCE = "CFQ7TTC0LFK3:0001:CFQ7TTC0LFJZ"
LEGACY_O365_E3 = "796B6B5F-613C-4E24-A17C-EBA730D49C02"


def parse(iso: str) -> datetime:
    """As a strict client parses a date-time: a bare date would fail here."""
    assert "T" in iso, iso
    assert iso.endswith("Z"), iso
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def frozen(world: World) -> None:
    now = parse((await world.sim("GET", "/clock")).json()["now"].replace("+00:00", "Z"))
    await world.freeze_at((now + timedelta(minutes=1)).replace(microsecond=0).isoformat())


async def subscription_of(
    world: World, offer: str = E3, quantity: int = 10, **line: Any
) -> tuple[Party, dict[str, Any], dict[str, Any]]:
    """A direct-bill partner, its customer (MCA attested) and a subscription it bought for it."""
    await frozen(world)
    partner = await world.direct_bill_partner()
    customer = await partner.customer_with_mca()
    r = await partner.order(customer["id"], offer=offer, quantity=quantity, **line)
    assert r.status_code == 201, r.text
    sub = await read(partner, customer["id"], r.json()["lineItems"][0]["subscriptionId"])
    return partner, customer, sub


def path_of(customer: dict[str, Any], subscription_id: str) -> str:
    return f"/v1/customers/{customer['id']}/subscriptions/{subscription_id}"


async def read(partner: Party, customer_id: str, subscription_id: str) -> dict[str, Any]:
    # As a person in the portal: a year on, the revenue review may have restricted the partner's API channel.
    r = await partner.get(
        f"/v1/customers/{customer_id}/subscriptions/{subscription_id}", token=await partner.portal_token()
    )
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


async def patch(partner: Party, path: str, **body: Any) -> Any:
    return await partner.world.http.patch(
        path, json=body, headers={"Authorization": f"Bearer {await partner.portal_token()}"}
    )
