"""Seeded sandboxes: the same scenario and the same calls in two sandboxes created with one seed answer the same
JSON, ids included; credentials (client ids and secrets, passwords, keys, tokens) and the sandbox's own id aside.
"""

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.scenarios.test_fork import everything
from tests.scenarios.test_scenarios import actor, loaded, token_of
from tests.world import World, bearer

# Both clocks are frozen at one instant (09:00 tomorrow), so sandbox-clock stamps agree too.
START = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0).isoformat()
CREDENTIAL_KEYS = {"clientId", "clientSecret", "password", "adminKey", "accessToken", "client_id", "client_secret"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def seeded(http: httpx.AsyncClient, seed: int | None) -> World:
    r = await http.post("/sim/v1/sandboxes", json={"name": "seeded", "seed": seed})
    assert r.status_code == 201, r.text
    world = World(http=http, sandbox=r.json())
    await world.freeze_at(START)
    return world


def credentials_in(document: Any) -> list[str]:
    """Every credential value in a document, in document order."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in CREDENTIAL_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found += credentials_in(value)
    elif isinstance(document, list):
        for item in document:
            found += credentials_in(item)
    return found


def masked(world: World, reads: dict[str, Any]) -> str:
    """The reads as JSON, with the sandbox's id and key and each credential replaced by its place."""
    text = json.dumps(reads, sort_keys=True)
    for place, value in enumerate([world.id, world.sandbox["adminKey"], *credentials_in(reads)]):
        text = text.replace(value, f"<credential {place}>")
    return text


async def journey(world: World) -> str:
    """Load the transition scenario, then act as its people would, then read everything back."""
    answer = await loaded(world, "transition")
    contoso = actor(answer, "contoso")
    token = await token_of(world.http, contoso)
    created = await world.http.post(
        "/v1/customers",
        headers=bearer(token),
        json={
            "companyProfile": {"domain": "tailspin.onmicrosoft.com"},
            "billingProfile": {
                "email": "billing@tailspin.com",
                "companyName": "Tailspin Toys",
                "defaultAddress": {
                    "country": "US",
                    "city": "Redmond",
                    "state": "WA",
                    "addressLine1": "1 Microsoft Way",
                    "postalCode": "98052",
                    "firstName": "Nancy",
                    "lastName": "Davolio",
                    "phoneNumber": "4255550100",
                },
            },
        },
    )
    assert created.status_code == 201, created.text
    advanced = await world.sim("POST", "/clock/advance", json={"days": 3})
    assert advanced.status_code == 200, advanced.text
    reads = {
        "answer": answer,
        "created": created.json(),
        "fired": advanced.json()["fired"],
        "world": await everything(world),
        "customers": (await world.http.get("/v1/customers", headers=bearer(token))).json(),
        "audit": (await world.http.get("/v1/auditrecords", headers=bearer(token))).json(),
        "mails": (await world.sim("GET", "/mailbox", params={"size": 500})).json(),
        "allEvents": (await world.sim("GET", "/events", params={"size": 500})).json(),
    }
    return masked(world, reads)


async def test_two_sandboxes_with_one_seed_answer_the_same_json(client: httpx.AsyncClient) -> None:
    first, second = await seeded(client, 42), await seeded(client, 42)
    a, b = await journey(first), await journey(second)
    assert a == b
    ids = set(UUID.findall(a))
    assert len(ids) > 20  # the ids really are in what was compared


async def test_another_seed_or_none_gives_other_ids(client: httpx.AsyncClient) -> None:
    first, other, unseeded = await seeded(client, 42), await seeded(client, 43), await seeded(client, None)
    ids = [set(UUID.findall(await journey(w))) for w in (first, other, unseeded)]
    fixed = ids[0] & ids[1] & ids[2]  # the catalog's and Graph's own constants (offers, role definitions)
    made = ids[0] - fixed
    assert len(made) > 20
    assert made.isdisjoint(ids[1] | ids[2])
    assert {uuid.UUID(i).version for i in made} == {5}  # uuid5 of "<seed>:<n>"
    assert {uuid.UUID(i).version for i in ids[2] - fixed} == {7}  # no seed: random, time-ordered


async def test_a_seeded_sandbox_takes_concurrent_writers_one_at_a_time(client: httpx.AsyncClient) -> None:
    """Seeded requests queue on the sandbox's row: concurrent writes and clock moves all succeed, each id once."""
    world = await seeded(client, 7)
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    creates = [partner.create_customer(token=token) for _ in range(12)]
    moves = [world.sim("POST", "/clock/advance", json={"seconds": 1}) for _ in range(4)]
    answers = await asyncio.gather(*creates, *moves)
    assert [r.status_code for r in answers] == [201] * 12 + [200] * 4, [r.text for r in answers]
    ids = {r.json()["id"] for r in answers[:12]}
    assert len(ids) == 12
    assert {uuid.UUID(i).version for i in ids} == {5}
    listed = await partner.get("/v1/customers", params={"size": 50})
    assert {c["id"] for c in listed.json()["items"]} == ids
