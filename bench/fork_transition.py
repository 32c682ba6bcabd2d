"""How long a fork takes: the transition scenario (scenarios/transition.yaml) loaded, then forked again and again.

    python bench/fork_transition.py                   # a fresh SQLite database in a temporary folder
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cspsim_bench python bench/fork_transition.py

The target (issue 17) is a fork ready in under half a second; this prints what it took (through HTTP, in process),
each time. The first fork of a process also builds and compiles the copy statements: the later ones show the steady
state.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.main import create_app
from migrations import alembic_config

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "transition.yaml"


async def bench(url: str, data_dir: Path, forks: int) -> list[float]:
    app = create_app(Settings(database_url=url, data_dir=data_dir), run_timers=False)
    transport = httpx.ASGITransport(app=app)
    timings = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as http:
        sandbox = (await http.post("/sim/v1/sandboxes", json={"name": "fork-bench"})).json()
        admin = {"Authorization": f"Bearer {sandbox['adminKey']}"}
        base = f"/sim/v1/sandboxes/{sandbox['id']}"
        started = time.perf_counter()
        r = await http.post(
            f"{base}/scenarios", content=SCENARIO.read_bytes(), headers={**admin, "Content-Type": "application/yaml"}
        )
        r.raise_for_status()
        print(f"transition scenario loaded in {(time.perf_counter() - started) * 1000:.0f} ms")
        for n in range(forks):
            started = time.perf_counter()
            r = await http.post(f"{base}/fork", headers=admin)
            r.raise_for_status()
            # Ready means usable: the fork answers its own tenants with its own key.
            fork = r.json()
            listed = await http.get(
                f"/sim/v1/sandboxes/{fork['id']}/tenants", headers={"Authorization": f"Bearer {fork['adminKey']}"}
            )
            listed.raise_for_status()
            timings.append(time.perf_counter() - started)
            print(f"fork {n + 1}: ready in {timings[-1] * 1000:.0f} ms ({listed.json()['totalCount']} tenants)")
    await app.state.db.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forks", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder}/bench.db"
        command.upgrade(alembic_config(url), "head")
        timings = asyncio.run(bench(url, Path(folder), args.forks))
    median, worst = statistics.median(timings), max(timings)
    verdict = "under" if worst < 0.5 else "OVER"
    print(f"{url.split(':', 1)[0]}: median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms: {verdict} 500 ms")


if __name__ == "__main__":
    main()
