"""Faults on purpose: throttling, errors and latency, never on the control surface."""

import time

from app.kernel.faults import MOST_RULES
from tests.world import World


async def test_a_throttle_answers_429_with_retry_after_and_the_gateway_body(world: World) -> None:
    partner = await world.direct_bill_partner()
    r = await world.sim(
        "POST",
        "/faults",
        json={"kind": "throttle", "pathPrefix": "/v1/customers", "probability": 1.0, "retryAfterSeconds": 7},
    )
    assert r.status_code == 201, r.text
    r = await partner.get("/v1/customers")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "7"
    assert r.json() == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds."}
    assert (await partner.get("/v1/profiles/partner")).status_code == 200  # another path
    assert (await world.sim("GET", "/tenants")).status_code == 200  # never /sim
    rules = (await world.sim("GET", "/faults")).json()["items"]
    assert rules[0]["hits"] == 1
    assert (await world.sim("DELETE", f"/faults/{rules[0]['id']}")).status_code == 204
    assert (await partner.get("/v1/customers")).status_code == 200


async def test_a_count_rule_fails_exactly_the_next_n_calls(world: World) -> None:
    partner = await world.direct_bill_partner()
    r = await world.sim(
        "POST",
        "/faults",
        json={
            "kind": "error",
            "method": "GET",
            "pathPrefix": "/v1/customers",
            "count": 2,
            "statusCode": 503,
            "message": "maintenance",
        },
    )
    assert r.status_code == 201, r.text
    answers = [(await partner.get("/v1/customers")) for _ in range(4)]
    assert [a.status_code for a in answers] == [503, 503, 200, 200]
    assert answers[0].json()["description"] == "maintenance"
    assert answers[0].json()["errorName"] == "InjectedFault"
    assert (await world.sim("GET", "/faults")).json()["items"][0]["remaining"] == 0


async def test_latency_adds_at_least_the_delay(world: World) -> None:
    partner = await world.direct_bill_partner()
    await world.sim(
        "POST", "/faults", json={"kind": "latency", "pathPrefix": "/v1/profiles", "count": 1, "latencyMs": 400}
    )
    token = await partner.app_token()
    started = time.monotonic()
    assert (await partner.get("/v1/profiles/partner", token=token)).status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert (await partner.get("/v1/profiles/partner", token=token)).status_code == 200
    assert time.monotonic() - started < 0.4


async def test_bad_rules_are_refused(world: World) -> None:
    for body in (
        {"kind": "throttle", "pathPrefix": "/sim/v1", "probability": 1},
        {"kind": "throttle", "pathPrefix": "/v1", "probability": 1, "count": 2},
        {"kind": "error", "pathPrefix": "/v1", "count": 1},
        {"kind": "latency", "pathPrefix": "/v1", "count": 1},
    ):
        assert (await world.sim("POST", "/faults", json=body)).status_code == 400, body


async def test_a_sandbox_keeps_at_most_a_hundred_rules(world: World) -> None:
    """Every call a sandbox answers reads its rules: past a hundred (spent ones too) a new one is refused until one
    goes, and the listing stays whole."""
    partner = await world.direct_bill_partner()
    rule = {"kind": "error", "pathPrefix": "/v1/nothing", "count": 1, "statusCode": 503}
    for _ in range(MOST_RULES):
        assert (await world.sim("POST", "/faults", json=rule)).status_code == 201
    r = await world.sim("POST", "/faults", json=rule)
    assert r.status_code == 409, r.text
    assert f"{MOST_RULES} fault rules" in r.json()["description"]
    bad = await world.sim("POST", "/faults", json={**rule, "probability": 1})  # a bad rule is named as bad
    assert bad.status_code == 400, bad.text
    rules = (await world.sim("GET", "/faults")).json()["items"]
    assert len(rules) == MOST_RULES
    assert (await partner.get("/v1/profiles/partner")).status_code == 200  # every rule read, none matching
    assert (await world.sim("DELETE", f"/faults/{rules[0]['id']}")).status_code == 204
    assert (await world.sim("POST", "/faults", json=rule)).status_code == 201
