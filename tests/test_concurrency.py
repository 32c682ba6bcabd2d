"""Many callers at once: tokens and clock advances interleaved, no 500, no timer fired twice."""

import asyncio
from collections import Counter

import httpx

from tests.world import PC_SCOPE, World


async def test_concurrent_tokens_and_clock_advances(client: httpx.AsyncClient) -> None:
    world = await World.create(client)
    partner = await world.partner()
    for hour in range(1, 31):
        r = await world.sim("POST", "/timers", json={"label": f"t{hour}", "afterHours": hour})
        assert r.status_code == 201

    async def token() -> httpx.Response:
        return await client.post(
            f"/{partner.id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": partner.app["clientId"],
                "client_secret": partner.app["clientSecret"],
                "scope": PC_SCOPE,
            },
        )

    async def advance() -> httpx.Response:
        return await world.sim("POST", "/clock/advance", json={"hours": 1})

    calls = [token() if i % 2 else advance() for i in range(100)]
    answers = await asyncio.gather(*calls)
    assert [r.status_code for r in answers if r.status_code != 200] == []
    fired = Counter(f["ref"] for r in answers if "fired" in r.json() for f in r.json()["fired"])
    assert len(fired) == 30
    assert set(fired.values()) == {1}
    timers = (await world.sim("GET", "/timers")).json()["items"]
    assert {t["status"] for t in timers} == {"fired"}
    events = (await world.sim("GET", "/events", params={"name": "simulator-reminder", "size": 500})).json()
    assert events["totalCount"] == 30
