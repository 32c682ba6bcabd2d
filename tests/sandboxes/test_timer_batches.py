"""Timers fire in batches (issue 17): due order, each at its own due time, across kinds that fire set-based and kinds
that fire one by one, and within the per-call budget."""

import re
from datetime import datetime, timedelta
from typing import Any

from tests.plans import indexes_read, statements_on
from tests.world import World


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def frozen_now(world: World) -> datetime:
    r = await world.sim("POST", "/clock/freeze")
    assert r.status_code == 200, r.text
    return parse(r.json()["now"])


async def remind(world: World, label: str, due: datetime) -> None:
    r = await world.sim("POST", "/timers", json={"label": label, "dueAt": due.isoformat()})
    assert r.status_code == 201, r.text


async def reminder_events(world: World) -> list[dict[str, object]]:
    r = await world.sim("GET", "/events", params={"name": "simulator-reminder", "size": 500})
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return items


async def test_a_recurring_timer_fires_in_due_order_among_a_batch_of_reminders(world: World) -> None:
    # A daily revenue review schedules the next one a day on: it must fire between the reminders due around it,
    # though the reminders were all due (and claimable) before it was scheduled.
    r = await world.sim("PATCH", "/settings", json={"revenueThresholdUsd": 0, "revenueReviewIntervalDays": 1})
    assert r.status_code == 200, r.text
    await world.direct_bill_partner()
    start = await frozen_now(world)
    dues = {f"r{i}": start + timedelta(hours=5 + 7 * i) for i in range(30)}
    for label, due in dues.items():
        await remind(world, label, due)

    r = await world.sim("POST", "/clock/advance", json={"days": 10})
    assert r.status_code == 200, r.text
    assert r.json()["complete"] is True
    fired = r.json()["fired"]
    kinds = {f["kind"] for f in fired}
    assert len(kinds) >= 2, kinds  # reminders and the review, interleaved
    due_order = [parse(f["dueAt"]) for f in fired]
    assert due_order == sorted(due_order)
    assert all(f["status"] == "fired" for f in fired)
    assert sum(f["kind"] == "sim.reminder" for f in fired) == 30

    events = await reminder_events(world)
    # Each reminder's event is stamped at its own due time, and the events follow due order.
    assert {e["data"]["label"]: parse(str(e["occurredAt"])) for e in events} == dues  # type: ignore[index]
    assert [e["data"]["label"] for e in events] == sorted(dues, key=dues.__getitem__)  # type: ignore[index]
    fired_timers = (await world.sim("GET", "/timers", params={"status": "fired"})).json()["items"]
    assert all(t["firedAt"] == t["dueAt"] for t in fired_timers)


async def test_a_call_fires_its_budget_then_finishes_the_instant_it_reached(world: World) -> None:
    assert (await world.sim("PATCH", "/settings", json={"timersPerAdvance": 20})).status_code == 200
    start = await frozen_now(world)
    # 18 reminders at distinct instants, 5 sharing the 19th, then 10 more: the 20th fired falls inside the shared
    # instant, so the call fires all 5 of it (23) and stops there.
    for i in range(18):
        await remind(world, f"a{i}", start + timedelta(minutes=1 + i))
    shared = start + timedelta(minutes=19)
    for i in range(5):
        await remind(world, f"b{i}", shared)
    for i in range(10):
        await remind(world, f"c{i}", start + timedelta(minutes=20 + i))

    r = await world.sim("POST", "/clock/advance", json={"hours": 12})
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["firedCount"] == 23
    assert first["complete"] is False
    assert parse(first["now"]) == shared
    assert parse(first["continueTo"]) == start + timedelta(hours=12)

    r = await world.sim("POST", "/clock/advance", json={"to": first["continueTo"]})
    assert r.status_code == 200, r.text
    assert r.json()["complete"] is True
    assert [f["ref"] for f in r.json()["fired"]] == [
        t["ref"] for t in (await world.sim("GET", "/timers", params={"status": "fired"})).json()["items"][-10:]
    ]
    events = await reminder_events(world)
    assert len(events) == 33
    assert [parse(str(e["occurredAt"])) for e in events] == sorted(parse(str(e["occurredAt"])) for e in events)


async def test_due_timers_are_claimed_and_listed_in_the_order_of_their_index(world: World, app: Any) -> None:
    """Due order is (due_at, seq), which `ix_timers_due` holds: a claim of 200 reads 200 entries, however many
    timers are due at one instant (a seeded batch's renewals), and the listing sorts none of the sandbox's timers."""
    now = await frozen_now(world)
    for n in range(3):
        await remind(world, f"same instant {n}", now + timedelta(hours=1))
    with statements_on(app, "ORDER BY timers.due_at, timers.seq") as seen:
        assert (await world.sim("POST", "/clock/advance", json={"hours": 2})).status_code == 200
        listed = await world.sim("GET", "/timers")
    assert [t["payload"].get("label") for t in listed.json()["items"]] == [f"same instant {n}" for n in range(3)]
    assert len(seen) >= 2, seen
    for plan, used in await indexes_read(app, seen, avoiding=("seqscan", "sort", "incremental_sort")):
        assert "ix_timers_due" in used, plan
        reads = plan.split("\n")[-1]
        assert not re.search(r"Sort Key: (timers\.)?due_at|B-TREE FOR RIGHT PART OF ORDER BY", reads), plan


async def test_timers_are_listed_by_pages_in_due_order(world: World) -> None:
    """A sandbox may hold millions of timers: the listing pages them (a collection with `totalCount` and the next
    page's link), in due order, of one status or of all, each timer once."""
    now = await frozen_now(world)
    for hours in (5, 1, 3, 3, 2, 4, 6):
        await remind(world, f"in {hours} h", now + timedelta(hours=hours))
    assert (await world.sim("POST", "/clock/advance", json={"hours": 2})).status_code == 200  # two fire

    async def pages(**params: object) -> tuple[list[str], list[int]]:
        labels, totals = [], []
        r = await world.sim("GET", "/timers", params={"size": 2, **params})
        while True:
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["attributes"]["objectType"] == "Collection"
            labels += [t["payload"]["label"] for t in body["items"]]
            totals.append(body["totalCount"])
            following = body["links"].get("next")
            if following is None:
                return labels, totals
            token = {h["key"]: h["value"] for h in following["headers"]}
            r = await world.http.get(following["uri"], headers={**world.admin, **token})

    pending, totals = await pages(status="pending")
    assert pending == ["in 3 h", "in 3 h", "in 4 h", "in 5 h", "in 6 h"]
    assert set(totals) == {5}
    every, totals = await pages()
    assert every == [f"in {h} h" for h in (1, 2, 3, 3, 4, 5, 6)]  # fired and pending together, in due order
    assert set(totals) == {7}
    forged = await world.sim("GET", "/timers", headers={"MS-ContinuationToken": "not-a-token"})
    assert forged.status_code == 400, forged.text
