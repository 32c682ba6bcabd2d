"""One sandbox never starves another: while sandbox A moves its clock as far as one call may (ten years, its share of
timers), sandbox B's reads and `/healthz` answer about as fast as they did just before.

Latency is compared with B's own baseline, measured in the same run, never with an absolute time: the test holds on
a slow machine and on a fast one.
"""

import asyncio
import math
import time

import httpx

from app.sandboxes.schemas import MAX_ADVANCE_DAYS
from tests.world import World, bearer

# A's advance fires this many timers (its timersPerAdvance setting) and stops.
BUDGET = 200

# Generous: B shares the process, the event loop and (on SQLite) the file with A; what must not happen is B waiting
# for A's transaction to end.
SLOWER_AT_MOST = 5
FLOOR_SECONDS = 1.0


def p95(samples: list[float]) -> float:
    """Nearest rank: a sample that was measured."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def test_a_long_clock_advance_does_not_hold_up_another_sandbox(client: httpx.AsyncClient) -> None:
    # A: direct-bill partners reviewed every day (PRG-2) until their revenue ages out (about 90 reviews each): more
    # due timers than one call fires.
    a = await World.create(client, revenueReviewIntervalDays=1, timersPerAdvance=BUDGET)
    for _ in range(3):
        await a.direct_bill_partner()
    b = await World.create(client)
    reader = await b.direct_bill_partner()
    token = await reader.app_token()

    async def read_b() -> list[float]:
        took = []
        for path in ("/v1/profiles/partner", "/healthz"):
            started = time.perf_counter()
            r = await client.get(path, headers=bearer(token))
            took.append(time.perf_counter() - started)
            assert r.status_code == 200, r.text
        return took

    baseline: list[float] = []
    for _ in range(20):
        baseline += await read_b()

    started = time.perf_counter()
    advancing = asyncio.create_task(a.sim("POST", "/clock/advance", json={"days": MAX_ADVANCE_DAYS}))
    during: list[float] = []
    while not advancing.done():
        during += await read_b()
    advance = await advancing
    advance_seconds = time.perf_counter() - started

    assert advance.status_code == 200, advance.text[:500]
    assert advance.json()["firedCount"] == BUDGET
    assert not advance.json()["complete"]
    bound = max(SLOWER_AT_MOST * p95(baseline), FLOOR_SECONDS)
    figures = (
        f"A's advance {advance_seconds:.2f}s; B baseline p95 {p95(baseline) * 1000:.1f}ms, during p95 "
        f"{p95(during) * 1000:.1f}ms max {max(during) * 1000:.1f}ms over {len(during)} reads; bound {bound:.2f}s"
    )
    print(figures)
    assert len(during) >= 4, figures  # B was answered while A worked, not only after
    assert p95(during) <= bound, figures
