from datetime import datetime, timedelta

import httpx

from tests.world import World


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def next_weekday_at_nine(world: World, weekday: int) -> datetime:
    now = parse((await world.sim("GET", "/clock")).json()["now"])
    day = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


async def test_advance_by_days_hours_and_to(world: World) -> None:
    thursday = await next_weekday_at_nine(world, 3)
    await world.freeze_at(thursday.isoformat())
    r = await world.sim("POST", "/clock/advance", json={"days": 2})
    assert r.status_code == 200, r.text
    assert parse(r.json()["now"]) == thursday + timedelta(days=2)
    r = await world.sim("POST", "/clock/advance", json={"hours": 36})
    assert parse(r.json()["now"]) == thursday + timedelta(days=3, hours=12)
    target = thursday + timedelta(days=10)
    r = await world.sim("POST", "/clock/advance", json={"to": target.isoformat()})
    assert parse(r.json()["now"]) == target
    assert r.json()["fired"] == []


async def test_the_clock_never_moves_backwards(world: World) -> None:
    now = parse((await world.sim("GET", "/clock")).json()["now"])
    r = await world.sim("POST", "/clock/advance", json={"to": (now - timedelta(days=1)).isoformat()})
    assert r.status_code == 400
    assert "backwards" in r.json()["description"]
    assert (await world.sim("POST", "/clock/advance", json={"days": -1})).status_code == 400
    assert (await world.sim("POST", "/clock/advance", json={})).status_code == 400
    assert (await world.sim("POST", "/clock/advance", json={"days": 1, "hours": 1})).status_code == 400
    assert (await world.sim("POST", "/clock/advance", json={"to": "2030-01-01T00:00:00"})).status_code == 400


async def test_a_frozen_clock_holds_and_resumes_where_it_stood(world: World) -> None:
    r = await world.sim("POST", "/clock/freeze")
    assert r.json()["frozen"] is True
    first = (await world.sim("GET", "/clock")).json()
    second = (await world.sim("GET", "/clock")).json()
    assert first == second
    r = await world.sim("POST", "/clock/resume")
    assert r.json()["frozen"] is False
    later = parse((await world.sim("GET", "/clock")).json()["now"])
    assert later >= parse(first["now"])
    assert later - parse(first["now"]) < timedelta(minutes=1)


async def test_timers_fire_in_due_order_across_a_weekend(world: World) -> None:
    thursday = await next_weekday_at_nine(world, 3)
    await world.freeze_at(thursday.isoformat())
    # Scheduled out of order on purpose: Tuesday, Friday, +1 hour, Monday, next Friday (after the window).
    for label, when in [
        ("tue", {"afterBusinessDays": 3}),
        ("fri", {"afterBusinessDays": 1}),
        ("soon", {"afterHours": 1}),
        ("mon", {"afterBusinessDays": 2}),
        ("late", {"afterBusinessDays": 6}),
    ]:
        r = await world.sim("POST", "/timers", json={"label": label, **when})
        assert r.status_code == 201, r.text
    r = await world.sim("POST", "/clock/advance", json={"businessDays": 5})
    assert r.status_code == 200, r.text
    assert parse(r.json()["now"]) == thursday + timedelta(days=7)  # Thursday + 5 business days = next Thursday
    fired = r.json()["fired"]
    due = [parse(f["dueAt"]) for f in fired]
    assert due == sorted(due)
    assert [d.strftime("%a") for d in due] == ["Thu", "Fri", "Mon", "Tue"]
    assert all(f["status"] == "fired" for f in fired)
    events = (await world.sim("GET", "/events", params={"name": "simulator-reminder"})).json()["items"]
    assert [e["data"]["label"] for e in events] == ["soon", "fri", "mon", "tue"]
    # Each fired at its own due time, not at the advanced-to time.
    assert [parse(e["occurredAt"]) for e in events] == due
    pending = (await world.sim("GET", "/timers", params={"status": "pending"})).json()["items"]
    assert [t["payload"]["label"] for t in pending] == ["late"]
    r = await world.sim("POST", "/clock/advance", json={"days": 1})
    assert [f["ref"] for f in r.json()["fired"]] == [pending[0]["ref"]]


async def test_a_timer_fires_once_even_when_advanced_again(world: World) -> None:
    await world.sim("POST", "/timers", json={"label": "once", "afterHours": 2})
    first = (await world.sim("POST", "/clock/advance", json={"hours": 3})).json()["fired"]
    again = (await world.sim("POST", "/clock/advance", json={"hours": 3})).json()["fired"]
    run = (await world.sim("POST", "/timers/run")).json()["fired"]
    assert len(first) == 1
    assert again == []
    assert run == []


async def test_background_loop_fires_due_timers_in_real_time(client: httpx.AsyncClient, app: object) -> None:
    from app.sandboxes.loop import fire_due_timers_everywhere

    world = await World.create(client)
    r = await world.sim("POST", "/timers", json={"label": "real time", "afterHours": 0})
    assert r.status_code == 201
    assert (await world.sim("GET", "/timers", params={"status": "pending"})).json()["items"]
    fired = await fire_due_timers_everywhere(app.state.db)  # type: ignore[attr-defined]
    assert fired >= 1
    assert (await world.sim("GET", "/timers", params={"status": "pending"})).json()["items"] == []
    assert (await world.sim("GET", "/events")).json()["items"][0]["name"] == "simulator-reminder"
