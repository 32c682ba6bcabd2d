"""Requests per second and latency of cspsim's hot calls, beside the bare stack (FastAPI over a raw asyncpg pool).

    python bench/throughput.py                                  # 2 workers, 10 s per call, 32 connections
    python bench/throughput.py --workers 4 --seconds 20 --connections 64
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cspsim_bench python bench/throughput.py

cspsim runs under uvicorn with N workers on a fresh PostgreSQL database this script creates on 127.0.0.1:5432 (and
drops afterwards), or on DATABASE_URL as it is. A small world is loaded through the API: a direct-bill partner, its
customers (MCA attested), a subscription, a customer's listing of its subscriptions, the customer listing. When
`../shared/bench/baseline_app.py` is there, the bare stack is started beside it (BASELINE_DSN, else the same
database) with as many workers. One async client (httpx) drives
both with the same load, `--connections` calls in flight, in interleaved rounds (every call gets a slice of each
round, so a noisy neighbour on the machine falls on both sides alike), loopback only. The load comes from wrk (one
thread, a Lua script per call) when it is installed (`apt-get install wrk`), else from one async client (httpx),
which holds even the bare stack to about 100 req/s on two cores and so flatters the ratios; `--driver` chooses. It
prints req/s, p50 and p99 per call, the CPU per call of the server's workers and of PostgreSQL (read from /proc while
the call is driven: where a call's cost lies), then the ratios the issue sets as targets:

    GET of one customer    >= 0.70 x the bare GET        create customer   >= 0.50 x the bare INSERT
    p99                    <= 1.5 x the bare p99

With `--history N` it measures instead whether a sandbox slows down as its history grows: two sandboxes are set
up alike, N calls of a steady mix (reads, creates and orders with MS-RequestId, tokens, GDAP) are driven into one
of them (events, audit records and kept idempotency answers pile up), then each call is measured against the aged
sandbox and the fresh one in interleaved rounds. It prints both and their ratio (goal: within 10 %), and the fresh
sandbox's figures before the history was written, so a cost that grows for every sandbox (a loop scanning all
history) shows too.

    python bench/throughput.py --history 20000 --seconds 6

Figures are for comparing, not for asserting: the machine is shared, so read the ratios.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from migrations import alembic_config
from tests.world import E3, World, bearer

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT.parent / "shared" / "bench" / "baseline_app.py"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DRIVER = "httpx"

UNIQUE = "{unique}"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_GROUPS: dict[str, int] = {}  # a server's base URL -> its process group (its workers)
KEEPALIVE_SECONDS = Settings.model_fields["keepalive_seconds"].default


# A fresh MS-RequestId in wrk's Lua (a version 4 GUID from Lua's generator), for both of its scripts.
LUA_UUID4 = """local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 0xf) or math.random(8, 0xb)
    return string.format("%x", v)
  end))
end
"""


@dataclass
class Call:
    """One call as data, so either driver can repeat it: the paths are taken in turn; UNIQUE in the body becomes a
    fresh name each time; `request_id` sends a fresh MS-RequestId each time."""

    method: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    request_id: bool = False

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(self.paths)

    def send(self, http: httpx.AsyncClient) -> Awaitable[httpx.Response]:
        headers = self.headers | {"MS-RequestId": str(uuid.uuid4())} if self.request_id else self.headers
        body = self.body.replace(UNIQUE, f"bench{uuid.uuid4().hex[:12]}") if self.body else None
        return http.request(self.method, next(self._turn), headers=headers, content=body)

    def lua(self, report: str) -> str:
        """wrk's script for this call; `done` writes the totals and the latency histogram (us, count) to `report`."""
        quoted = json.dumps  # a JSON string literal is a Lua string literal for what these hold
        paths = ", ".join(quoted(p) for p in self.paths)
        headers = "".join(f"headers[{quoted(k)}] = {quoted(v)}\n" for k, v in self.headers.items())
        body = quoted(self.body) if self.body else "nil"
        return f"""
local paths = {{{paths}}}
local headers = {{}}
{headers}
local template = {body}
local turn, made, prefix = 0, 0, ""
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end
function init(args)
  math.randomseed(os.time() + (thread_id or 0))
  prefix = string.format("w%x%x", math.random(0, 0xffffff), thread_id or 0)
  turn = math.random(0, #paths - 1)
end
{LUA_UUID4}function request()
  turn = turn % #paths + 1
  local body = nil
  if template then
    made = made + 1
    body = string.gsub(template, "{{unique}}", prefix .. "n" .. made)
  end
  {'headers["MS-RequestId"] = uuid4()' if self.request_id else ""}
  return wrk.format({quoted(self.method)}, paths[turn], headers, body)
end
function done(summary, latency, requests)
  local f = io.open({quoted(report)}, "w")
  local e = summary.errors
  f:write(string.format("%d %d %d %d\\n", summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout))
  for i = 1, #latency do
    local value, count = latency(i)
    f:write(string.format("%d %d\\n", value, count))
  end
  f:close()
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _admin_sql(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(LOCAL_POSTGRES, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """DATABASE_URL as it is, or a new database on the local server, dropped afterwards."""
    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    name = f"cspsim_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        yield LOCAL_POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def uvicorn_serving(target: list[str], *, workers: int, env: dict[str, str], cwd: Path) -> Iterator[str]:
    """A uvicorn server in its own process group on a free loopback port, stopped (by its own pid) afterwards."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    # Connections kept open as `cspsim serve` keeps them: uvicorn's own 5 s closed pooled connections the client had
    # left idle during another call's round, just as it sent on them (ReadErrors while the history was written).
    argv += ["--timeout-keep-alive", str(KEEPALIVE_SECONDS)]
    process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    SERVER_GROUPS[base] = process.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{' '.join(target)} stopped at start-up (exit {process.returncode})")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/openapi.json" if "baseline" not in target[-1] else f"{base}/docs").is_success:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(target)} did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Tally:
    """One call's figures over every round."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of the server's workers while driven
    database_cpu: float = 0.0  # and of PostgreSQL's processes

    def cpu_per_call(self, seconds: float) -> float:
        """Microseconds of CPU per call answered or failed."""
        calls = len(self.latencies) + self.failures
        return seconds / calls * 1e6 if calls else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def cpu_seconds(group: int | None) -> tuple[float, float]:
    """CPU seconds used so far by the processes of process group `group` (a server's workers), and by PostgreSQL's
    processes on this machine (read from /proc: user and system time)."""
    server = database = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])
        if int(fields[2]) == group:
            server += ticks
        elif name == "postgres":
            database += ticks
    return server / CLOCK_TICKS, database / CLOCK_TICKS


async def drive(http: httpx.AsyncClient, call: Call, seconds: float, connections: int, tally: Tally) -> None:
    """`connections` callers in a loop for `seconds`, each call timed from send to the last byte: by wrk when
    DRIVER says so, else by `http`; the CPU the server's workers and PostgreSQL spent meanwhile is added up."""
    base = str(http.base_url).rstrip("/")
    server_before, database_before = cpu_seconds(SERVER_GROUPS.get(base))
    try:
        await _drive(http, base, call, seconds, connections, tally)
    finally:
        server_after, database_after = cpu_seconds(SERVER_GROUPS.get(base))
        tally.server_cpu += server_after - server_before
        tally.database_cpu += database_after - database_before


async def _drive(
    http: httpx.AsyncClient, base: str, call: Call, seconds: float, connections: int, tally: Tally
) -> None:
    if DRIVER == "wrk":
        await asyncio.to_thread(drive_wrk, base, call, seconds, connections, tally)
        return
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                r = await call.send(http)
                ok = r.is_success
            except httpx.HTTPError:
                ok = False
            if ok:
                tally.latencies.append(time.perf_counter() - started)
            else:
                tally.failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(connections)))
    tally.seconds += time.perf_counter() - started


def drive_wrk(base: str, call: Call, seconds: float, connections: int, tally: Tally) -> None:
    with tempfile.TemporaryDirectory() as folder:
        script, report = Path(folder, "call.lua"), Path(folder, "report")
        script.write_text(call.lua(str(report)))
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
        subprocess.run([*argv, "-s", str(script), base], check=True, capture_output=True)
        totals, *histogram = report.read_text().splitlines()
        _, duration, bad_status, broken = map(int, totals.split())
    for line in histogram:
        value, count = map(int, line.split())
        tally.latencies += [value / 1e6] * count
    # wrk's histogram holds every answer; the failed ones (status >= 400, broken connections) are taken off its top
    tally.latencies.sort()
    failed = bad_status + broken
    if failed:
        del tally.latencies[-min(failed, len(tally.latencies)) :]
    tally.failures += failed
    tally.seconds += duration / 1e6


async def cspsim_calls(http: httpx.AsyncClient, customers: int, *, request_ids: bool = False) -> dict[str, Call]:
    """A small world, loaded through the API, and the calls the issue names, each ready to repeat. `request_ids`:
    every POST carries a new MS-RequestId, so its answer is kept for replay as a client's retry would need."""
    world = await World.create(http)
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    graph = await http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": partner.app["clientId"],
            "client_secret": partner.app["clientSecret"],
            "scope": GRAPH_SCOPE,
        },
    )
    graph.raise_for_status()
    graph_token = graph.json()["access_token"]
    ids = [(await partner.customer_with_mca())["id"] for _ in range(customers)]
    r = await partner.order(ids[0], token=token)
    assert r.status_code == 201, r.text
    listed = await partner.get(f"/v1/customers/{ids[0]}/subscriptions", token=token)
    subscription = f"/v1/customers/{ids[0]}/subscriptions/{listed.json()['items'][0]['id']}"
    # A customer no order of the bench's adds to: its listing stays the same from round to round.
    kept = (await partner.customer_with_mca())["id"]
    assert (await partner.order(kept, token=token)).status_code == 201
    auth, graph_auth = bearer(token), bearer(graph_token)
    order = {
        "lineItems": [
            {"lineItemNumber": 0, "offerId": E3, "quantity": 1, "termDuration": "P1M", "billingCycle": "monthly"}
        ]
    }
    address = {"firstName": "Ada", "lastName": "Lovelace", "addressLine1": "1 Bill St", "city": "Redmond"}
    address |= {"state": "WA", "postalCode": "98052", "country": "US"}
    customer = {
        "companyProfile": {"domain": UNIQUE, "companyName": UNIQUE},
        "billingProfile": {"email": f"billing@{UNIQUE}.example", "companyName": UNIQUE, "defaultAddress": address},
    }
    client = {
        "grant_type": "client_credentials",
        "client_id": partner.app["clientId"],
        "client_secret": partner.app["clientSecret"],
        "scope": "https://api.partnercenter.microsoft.com/.default",
    }
    as_json = auth | {"Content-Type": "application/json"}
    return {
        "GET customer": Call("GET", [f"/v1/customers/{i}" for i in ids], auth),
        "GET subscription": Call("GET", [subscription], auth),
        "GET subscriptions": Call("GET", [f"/v1/customers/{kept}/subscriptions"], auth),
        "GET customers": Call("GET", ["/v1/customers?size=20"], auth),
        "POST customer": Call("POST", ["/v1/customers"], as_json, json.dumps(customer), request_ids),
        "POST order": Call("POST", [f"/v1/customers/{i}/orders" for i in ids], as_json, json.dumps(order), request_ids),
        "GDAP list": Call("GET", ["/v1.0/tenantRelationships/delegatedAdminRelationships"], graph_auth),
        "token": Call(
            "POST",
            [f"/{partner.id}/oauth2/v2.0/token"],
            {"Content-Type": "application/x-www-form-urlencoded"},
            urlencode(client),
        ),
    }


def baseline_calls() -> dict[str, Call]:
    return {
        "bare GET": Call("GET", [f"/baseline/items/{uuid.UUID(int=i + 1)}" for i in range(1_000)]),
        "bare INSERT": Call(
            "POST",
            ["/baseline/items"],
            {"Content-Type": "application/json"},
            json.dumps({"name": "bench item", "country": "US"}),
        ),
    }


async def measure(bases: dict[str, str], args: argparse.Namespace) -> dict[str, Tally]:
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            side: await stack.enter_async_context(httpx.AsyncClient(base_url=base, limits=limits, timeout=30))
            for side, base in bases.items()
        }
        calls = await cspsim_calls(clients["cspsim"], args.customers)
        sides = dict.fromkeys(calls, "cspsim")
        if "baseline" in clients:
            bare = baseline_calls()
            calls |= bare
            sides |= dict.fromkeys(bare, "baseline")
        tallies = {name: Tally() for name in calls}
        for name, call in calls.items():  # warm: connections, keys, caches, in every worker
            await drive(clients[sides[name]], call, min(1.0, args.seconds / args.rounds), args.connections, Tally())
        for n in range(args.rounds):
            for name, call in calls.items():
                await drive(clients[sides[name]], call, args.seconds / args.rounds, args.connections, tallies[name])
            print(f"round {n + 1}/{args.rounds} done", flush=True)
        return tallies


def report(tallies: dict[str, Tally]) -> None:
    print(f"\n{'call':<18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}{'server us':>11}{'db us':>8}")
    for name, tally in tallies.items():
        print(
            f"{name:<18}{tally.rate:>10.1f}{tally.percentile(0.5):>10.1f}{tally.percentile(0.99):>10.1f}{tally.failures:>8}"
            f"{tally.cpu_per_call(tally.server_cpu):>11.0f}{tally.cpu_per_call(tally.database_cpu):>8.0f}"
        )
    print("(server us, db us: CPU per call of the server's workers and of PostgreSQL, while that call was driven)")
    if "bare GET" not in tallies:
        print("\nno baseline (../shared/bench/baseline_app.py is missing): no ratios")
        return
    get, insert = tallies["bare GET"], tallies["bare INSERT"]
    ratios = [
        ("GET customer req/s vs bare GET", tallies["GET customer"].rate / get.rate, ">= 0.70"),
        ("POST customer req/s vs bare INSERT", tallies["POST customer"].rate / insert.rate, ">= 0.50"),
        ("GET customer p99 vs bare GET p99", tallies["GET customer"].percentile(0.99) / get.percentile(0.99), "<= 1.5"),
        (
            "POST customer p99 vs bare INSERT p99",
            tallies["POST customer"].percentile(0.99) / insert.percentile(0.99),
            "<= 1.5",
        ),
        ("GET subscription req/s vs bare GET", tallies["GET subscription"].rate / get.rate, ""),
        ("POST order req/s vs bare INSERT", tallies["POST order"].rate / insert.rate, ""),
    ]
    print("\nratios (cspsim / bare stack)")
    for what, ratio, target in ratios:
        print(f"  {what:<40}{ratio:>6.2f}  {('target ' + target) if target else ''}")


# The steady mix written into the aged sandbox: mostly reads, as a partner's integration runs.
HISTORY_MIX = ["GET customer"] * 4 + ["GET subscription"] * 2 + ["POST customer", "POST order", "GDAP list", "token"]


async def write_history(
    http: httpx.AsyncClient, calls: dict[str, Call], count: int, connections: int
) -> Counter[tuple[str, str]]:
    """`count` calls of HISTORY_MIX into one sandbox, `connections` in flight; answers the failed ones by call and
    what they got (a status and the start of the answer, or the client's error). wrk, when DRIVER says so: the
    async client was the bound at about 200 calls a second on two cores (100,000 took nine minutes)."""
    if DRIVER == "wrk":
        return await asyncio.to_thread(write_history_wrk, str(http.base_url).rstrip("/"), calls, count, connections)
    mix = itertools.cycle(HISTORY_MIX)
    left, done, started = count, 0, time.perf_counter()
    failed: Counter[tuple[str, str]] = Counter()

    async def caller() -> None:
        nonlocal left, done
        while left > 0:
            left -= 1
            name = next(mix)
            try:
                answer = await calls[name].send(http)
                if not answer.is_success:
                    failed[name, f"{answer.status_code} {answer.text[:160]}"] += 1
            except httpx.HTTPError as error:
                failed[name, type(error).__name__] += 1
            done += 1
            if done % 2000 == 0:
                print(f"  history: {done}/{count} calls, {done / (time.perf_counter() - started):.0f}/s", flush=True)

    await asyncio.gather(*(caller() for _ in range(connections)))
    return failed


def write_history_wrk(base: str, calls: dict[str, Call], count: int, connections: int) -> Counter[tuple[str, str]]:
    """The history by one wrk thread: each request the mix's next call (its own paths in turn, a fresh name and
    MS-RequestId where the call has them), stopped after `count` answers. wrk cannot tell which call an answer
    was, so a failure is counted by its status and answer alone."""
    quoted = json.dumps  # a JSON string literal is a Lua string literal for what these hold
    lua_calls = []
    for name in HISTORY_MIX:
        call = calls[name]
        headers = ", ".join(f"[{quoted(k)}] = {quoted(v)}" for k, v in call.headers.items())
        lua_calls.append(
            f"{{method = {quoted(call.method)}, paths = {{{', '.join(quoted(p) for p in call.paths)}}}, "
            f"headers = {{{headers}}}, body = {quoted(call.body) if call.body else 'nil'}, "
            f"rid = {'true' if call.request_id else 'false'}, turn = 0}}"
        )
    with tempfile.TemporaryDirectory() as folder:
        script, report, failures = Path(folder, "history.lua"), Path(folder, "report"), Path(folder, "failures")
        finished = Path(folder, "finished")
        script.write_text(
            f"""
local calls = {{{", ".join(lua_calls)}}}
local next_call, made, answered, prefix = 0, 0, 0, ""
function init(args)
  math.randomseed(os.time())
  prefix = string.format("h%x", math.random(0, 0xffffff))
end
{LUA_UUID4}function request()
  next_call = next_call % #calls + 1
  local call = calls[next_call]
  call.turn = call.turn % #call.paths + 1
  local headers = {{}}
  for k, v in pairs(call.headers) do headers[k] = v end
  if call.rid then headers["MS-RequestId"] = uuid4() end
  local body = nil
  if call.body then
    made = made + 1
    body = string.gsub(call.body, "{{unique}}", prefix .. "n" .. made)
  end
  return wrk.format(call.method, call.paths[call.turn], headers, body)
end
function response(status, headers, body)
  answered = answered + 1
  if status >= 400 then
    local f = io.open({quoted(str(failures))}, "a")
    f:write(status .. " " .. string.gsub(string.sub(body or "", 1, 160), "\\n", " ") .. "\\n")
    f:close()
  end
  if answered == {count} then
    io.open({quoted(str(finished))}, "w"):close()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local f = io.open({quoted(str(report))}, "w")
  f:write(string.format("%d %d %d\\n", summary.requests, summary.duration, summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
  f:close()
end
"""
        )
        # The run's deadline: 50 calls a second at the least (a broken script answers nothing, and would otherwise
        # hold the bench for wrk's whole duration).
        seconds = max(300, count // 50)
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), base]
        # A stopped thread leaves wrk waiting out its duration: told the last answer came, it is interrupted, and
        # wrk's own SIGINT handler ends the run and reports it (`done`).
        with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
            while process.poll() is None and not finished.exists():
                time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            if process.wait(60):
                raise SystemExit(f"wrk stopped with exit {process.returncode} while writing the history")
        if not finished.exists():
            raise SystemExit(f"wrk did not write the {count:,} calls of the history within {seconds} s")
        requests, duration, broken = map(int, report.read_text().split())
        answers = failures.read_text().splitlines() if failures.exists() else []
    print(f"  history: {requests} calls in {duration / 1e6:.1f} s, {requests / (duration / 1e6):.0f}/s", flush=True)
    failed: Counter[tuple[str, str]] = Counter(("a call of the mix", answer) for answer in answers)
    if broken:
        failed["any", "connection errors"] = broken
    return failed


async def measure_history(base: str, args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        aged = await cspsim_calls(http, args.customers, request_ids=True)
        fresh = await cspsim_calls(http, args.customers, request_ids=True)
        names = list(dict.fromkeys(HISTORY_MIX))
        slice_ = args.seconds / args.rounds

        async def compare(sides: dict[str, dict[str, Call]]) -> dict[str, dict[str, Tally]]:
            tallies = {side: {name: Tally() for name in names} for side in sides}
            for calls in sides.values():  # warm
                for name in names:
                    await drive(http, calls[name], min(1.0, slice_), args.connections, Tally())
            for _ in range(args.rounds):
                for name in names:
                    for side, calls in sides.items():
                        await drive(http, calls[name], slice_, args.connections, tallies[side][name])
            return tallies

        before = await compare({"fresh": fresh})
        print(f"writing {args.history} calls of history into one sandbox", flush=True)
        failed = await write_history(http, aged, args.history, args.connections)
        print(f"history written ({sum(failed.values())} failed)", flush=True)
        for (name, answer), times in failed.most_common():
            print(f"  {times} x {name}: {answer}", flush=True)
        after = await compare({"aged": aged, "fresh": fresh})
    print(f"\n{'call':<18}{'fresh before':>14}{'fresh req/s':>13}{'aged req/s':>12}{'aged/fresh':>12}{'aged p99':>10}")
    for name in names:
        was, now, old = before["fresh"][name], after["fresh"][name], after["aged"][name]
        ratio = old.rate / now.rate if now.rate else float("nan")
        print(
            f"{name:<18}{was.rate:>14.1f}{now.rate:>13.1f}{old.rate:>12.1f}{ratio:>12.2f}{old.percentile(0.99):>10.1f}"
        )
    print("\ngoal: aged/fresh within 10 % (>= 0.90); 'fresh before' vs 'fresh req/s' shows a cost every sandbox pays")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per call, over all rounds")
    parser.add_argument("--connections", type=int, default=32, help="calls in flight")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--customers", type=int, default=20, help="customers of the partner, read in turn")
    parser.add_argument("--history", type=int, default=0, help="calls of history in the aged sandbox (see above)")
    parser.add_argument(
        "--driver", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx", help="load generator"
    )
    args = parser.parse_args()
    global DRIVER
    DRIVER = args.driver
    with fresh_database() as url:
        command.upgrade(alembic_config(url), "head")
        env = {"DATABASE_URL": url, "CSPSIM_LOG_LEVEL": "WARNING"}
        factory = ["--factory", "app.main:create_app"]
        with contextlib.ExitStack() as stack:
            bases = {"cspsim": stack.enter_context(uvicorn_serving(factory, workers=args.workers, env=env, cwd=ROOT))}
            if args.history:
                print(f"cspsim {bases['cspsim']}: {args.workers} workers, {args.connections} connections", flush=True)
                asyncio.run(measure_history(bases["cspsim"], args))
                return
            if BASELINE.exists():
                dsn = os.environ.get("BASELINE_DSN") or url.replace("postgresql+asyncpg://", "postgresql://")
                bases["baseline"] = stack.enter_context(
                    uvicorn_serving(
                        ["baseline_app:app"], workers=args.workers, env={"BASELINE_DSN": dsn}, cwd=BASELINE.parent
                    )
                )
            beside = f"the bare stack {bases['baseline']}" if "baseline" in bases else "no baseline"
            print(
                f"cspsim {bases['cspsim']} and {beside}: {args.workers} workers each, driven by {args.driver}, "
                f"{args.connections} connections, {args.seconds:g} s per call in {args.rounds} rounds",
                flush=True,
            )
            report(asyncio.run(measure(bases, args)))


if __name__ == "__main__":
    main()
