"""Two versions of cspsim head to head: this checkout and another revision, served at once on one database.

    python bench/versus.py 30b642c                            # GET customer and POST customer, 3 rounds of 8 s
    python bench/versus.py HEAD~3 --calls "POST order" --seconds 10 --rounds 5

Small gains (a few per cent) drown in the run-to-run noise of `bench/throughput.py` on a shared machine, where the
two sides are measured minutes apart. Here the other revision is checked out into a temporary git worktree and both
versions are served (uvicorn, `--workers` each) on the same fresh PostgreSQL database, migrated by this checkout
(the other revision must share its schema), each with its own small world loaded through the API. wrk drives one,
then the other, in alternating rounds (each round the other goes first), so a neighbour's load falls on both alike.
It prints each round's req/s and 99th percentile latency and the ratio of the mean rates; it asserts nothing. Needs
wrk (`apt-get install wrk`) and git.
"""

import argparse
import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
from alembic import command

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import Call, cspsim_calls, fresh_database, uvicorn_serving  # noqa: E402

from migrations import alembic_config  # noqa: E402


@contextlib.contextmanager
def worktree(revision: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="cspsim-versus-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder), revision], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)


def measured(base: str, call: Call, seconds: int, connections: int) -> tuple[float, float]:
    """wrk's requests per second and 99th percentile latency (ms) for one round of the call."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder, "call.lua")
        script.write_text(call.lua(str(Path(folder, "report"))))
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", str(script)]
        out = subprocess.run([*argv, base], check=True, capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return (
        float(rate.group(1)) if rate else 0.0,
        float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
    )


async def world_calls(base: str) -> dict[str, Call]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        return await cspsim_calls(http, 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", help="the other version: any git revision (a commit, a tag, HEAD~2)")
    parser.add_argument(
        "--calls", default="GET customer,POST customer", help="comma-separated, as bench/throughput.py names them"
    )
    parser.add_argument("--seconds", type=int, default=8, help="per call and version, each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    names = [n.strip() for n in args.calls.split(",") if n.strip()]
    with fresh_database() as url, worktree(args.revision) as other, contextlib.ExitStack() as stack:
        command.upgrade(alembic_config(url), "head")
        env = {"DATABASE_URL": url, "CSPSIM_LOG_LEVEL": "WARNING"}
        # Two versions of `--workers` workers each keep up to their pool's connections open: at the default 30 a
        # worker, two and two make 120, past PostgreSQL's default max_connections (100), and a round fails midway.
        env["CSPSIM_DB_POOL_SIZE"] = os.environ.get("CSPSIM_DB_POOL_SIZE", str(max(4, 80 // (2 * args.workers))))
        factory = ["--factory", "app.main:create_app"]
        versions = {args.revision: other, "this checkout": ROOT}
        bases = {
            name: stack.enter_context(
                uvicorn_serving(factory, workers=args.workers, env={**env, "PYTHONPATH": str(tree)}, cwd=tree)
            )
            for name, tree in versions.items()
        }
        calls = {name: asyncio.run(world_calls(base)) for name, base in bases.items()}
        rounds = f"{args.rounds} rounds of {args.seconds} s"
        print(f"{args.workers} workers each, wrk {args.connections} connections, {rounds}")
        for call in names:
            # Unmeasured first: a version's first round otherwise carries its pools' connections being opened under
            # load (a p99 of 0.5 to 1.5 s in this session's runs, on either version).
            for name, base in bases.items():
                measured(base, calls[name][call], 2, args.connections)
            rates: dict[str, list[float]] = {name: [] for name in versions}
            p99s: dict[str, list[float]] = {name: [] for name in versions}
            for turn in range(args.rounds):
                # Which version goes first alternates too: measured against itself with a fixed order, the second
                # of each round came out 1.06x the first (creates, four rounds).
                order = list(bases.items())
                for name, base in order[::-1] if turn % 2 else order:
                    rate, p99 = measured(base, calls[name][call], args.seconds, args.connections)
                    rates[name].append(rate)
                    p99s[name].append(p99)
            means = {name: sum(r) / len(r) for name, r in rates.items()}
            for name, r in rates.items():
                tails = "/".join(f"{x:.0f}" for x in p99s[name])
                print(
                    f"{call:18} {name:16} {' '.join(f'{x:8.1f}' for x in r)}   mean {means[name]:8.1f} req/s"
                    f"   p99 {tails} ms"
                )
            print(f"{call:18} this checkout / {args.revision}: {means['this checkout'] / means[args.revision]:.2f}\n")


if __name__ == "__main__":
    main()
