"""Realistic throttling: Partner Center's own limits, per partner or per partner and customer, on the sandbox
clock, opt-in per sandbox."""

import httpx

from tests.world import World


async def test_throttled_per_partner_and_customer_then_free_after_a_minute(client: httpx.AsyncClient) -> None:
    world = await World.create(client, realisticThrottling={"enabled": True, "requestsPerMinute": 3})
    await world.sim("POST", "/clock/freeze")  # the window moves only when the test moves the clock
    partner = await world.direct_bill_partner()
    first, second = (await partner.create_customer()).json()["id"], (await partner.create_customer()).json()["id"]
    subscriptions = f"/v1/customers/{first}/subscriptions"
    for _ in range(3):
        r = await partner.get(subscriptions)
        assert r.status_code == 200, r.text
    throttled = await partner.get(subscriptions)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "60"
    assert throttled.json() == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 60 seconds."}
    # Another customer's subscriptions, another family for the same customer, another partner: their own counts.
    assert (await partner.get(f"/v1/customers/{second}/subscriptions")).status_code == 200
    assert (await partner.get(f"/v1/customers/{first}")).status_code == 200
    other = await world.direct_bill_partner()
    assert (await other.get("/v1/customers")).status_code == 200
    # APIs Partner Center does not throttle, and the control surface, answer on.
    assert (await partner.get("/v1/profiles/partner")).status_code == 200
    assert (await world.sim("GET", "/tenants")).status_code == 200
    # Forty seconds on, still throttled with twenty to wait; a minute on, free again.
    await world.sim("POST", "/clock/advance", json={"seconds": 40})
    later = await partner.get(subscriptions)
    assert later.status_code == 429
    assert later.headers["Retry-After"] == "20"
    await world.sim("POST", "/clock/advance", json={"seconds": 20})
    assert (await partner.get(subscriptions)).status_code == 200


async def test_off_unless_turned_on(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()["id"]
    statuses = {(await partner.get(f"/v1/customers/{customer}/subscriptions")).status_code for _ in range(12)}
    assert statuses == {200}
    settings = (await world.sim("GET", "/settings")).json()
    assert settings["realisticThrottling"] == {"enabled": False, "requestsPerMinute": 500}


async def test_the_limit_is_a_setting_checked_like_any_other(world: World) -> None:
    r = await world.sim("PATCH", "/settings", json={"realisticThrottling": {"requestsPerMinute": 0}})
    assert r.status_code == 400
    assert "requestsPerMinute" in r.text
    r = await world.sim("PATCH", "/settings", json={"RealisticThrottling": {"Enabled": True}})
    assert r.status_code == 200, r.text
    assert r.json()["realisticThrottling"] == {"enabled": True, "requestsPerMinute": 500}
