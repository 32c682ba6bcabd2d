"""Numbers on the control surface are bounded: a huge or infinite one is a 400 naming its field, never a 500."""

import pytest

from tests.world import World

SPANS = [
    ('{"days": Infinity}', "days"),
    ('{"days": NaN}', "days"),
    ('{"hours": 3.4e16}', "hours"),
    ('{"seconds": 9223372036854775808}', "seconds"),
    ('{"days": 1e8}', "days"),
    ('{"minutes": 1e300}', "minutes"),
    ('{"businessDays": 100000}', "businessDays"),
]


@pytest.mark.parametrize(("raw", "field"), SPANS)
async def test_an_unbounded_clock_advance_is_a_400_naming_the_field(world: World, raw: str, field: str) -> None:
    r = await world.sim("POST", "/clock/advance", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert field in r.text


async def test_an_advance_past_ten_years_is_refused_naming_the_maximum(world: World) -> None:
    r = await world.sim("POST", "/clock/advance", json={"to": "9999-12-31T00:00:00Z"})
    assert r.status_code == 400, r.text
    assert "3653 days" in r.json()["description"]
    assert (await world.sim("POST", "/clock/advance", json={"days": 3653})).status_code == 200


@pytest.mark.parametrize("raw", ['{"label": "x", "afterHours": 1e12}', '{"label": "x", "afterHours": Infinity}'])
async def test_a_reminder_too_far_away_is_a_400(world: World, raw: str) -> None:
    r = await world.sim("POST", "/timers", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert "afterHours" in r.text


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"errorCode": 2**63}, "errorCode"),
        ({"errorCode": -1}, "errorCode"),
        ({"statusCode": 2**63}, "statusCode"),
        ({"statusCode": 200}, "statusCode"),
        ({"count": 2**63}, "count"),
        ({"latencyMs": 2**40}, "latencyMs"),
        ({"retryAfterSeconds": 2**40}, "retryAfterSeconds"),
    ],
)
async def test_fault_numbers_are_bounded(world: World, extra: dict[str, int], field: str) -> None:
    body = {"kind": "error", "pathPrefix": "/v1/customers", "statusCode": 503, "count": 1} | extra
    r = await world.sim("POST", "/faults", json=body)
    assert r.status_code == 400, r.text
    assert field in r.text
    assert (await world.sim("GET", "/faults")).json()["items"] == []


@pytest.mark.parametrize("raw", ["1e400", "Infinity", "NaN", "12345678901234567890", "-1", "0.001"])
async def test_money_settings_are_finite_and_bounded(world: World, raw: str) -> None:
    before = (await world.sim("GET", "/settings")).json()
    raw_body = '{"revenueThresholdUsd": ' + raw + "}"
    r = await world.sim("PATCH", "/settings", content=raw_body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert "revenueThresholdUsd" in r.text
    assert (await world.sim("GET", "/settings")).json() == before
    assert (await world.sim("PATCH", "/settings", json={"revenueThresholdUsd": "2500000.50"})).status_code == 200


async def test_an_advance_fires_a_bounded_number_of_timers_and_says_how_to_go_on(world: World) -> None:
    # A daily revenue review that always passes recurs forever: 500 days of it is 500 timers.
    settings = {"revenueThresholdUsd": 0, "revenueReviewIntervalDays": 1, "timersPerAdvance": 200}
    r = await world.sim("PATCH", "/settings", json=settings)
    assert r.status_code == 200, r.text
    await world.direct_bill_partner()
    assert (await world.sim("POST", "/clock/freeze")).status_code == 200
    r = await world.sim("POST", "/clock/advance", json={"days": 500})
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["complete"] is False
    assert 200 <= first["firedCount"] == len(first["fired"]) < 210
    assert first["continueTo"] is not None
    assert first["now"] < first["continueTo"]
    assert (await world.sim("GET", "/clock")).json()["now"] == first["now"]
    fired = first["firedCount"]
    for _ in range(3):
        r = await world.sim("POST", "/clock/advance", json={"to": first["continueTo"]})
        assert r.status_code == 200, r.text
        fired += r.json()["firedCount"]
        if r.json()["complete"]:
            break
    assert r.json()["complete"] is True
    assert r.json()["continueTo"] is None
    assert r.json()["now"] == first["continueTo"]
    assert 499 <= fired <= 501
