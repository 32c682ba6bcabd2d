"""Logs and metrics: one JSON line per request, and /metrics that Prometheus's own parser reads."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.main import configure_logging
from tests.live import free_port
from tests.world import World

ROOT = Path(__file__).resolve().parent.parent


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_metrics_parse_and_count_the_requests_made(client: httpx.AsyncClient, world: World) -> None:
    route = (("method", "GET"), ("route", "/sim/v1/sandboxes/{sandbox_id}/clock"), ("status", "200"))
    before = samples((await client.get("/metrics")).text, "cspsim_http_requests_total").get(route, 0.0)
    for _ in range(3):
        await world.sim("GET", "/clock")
    await world.sim("POST", "/timers", json={"label": "m", "afterHours": 1})
    await world.sim("POST", "/clock/advance", json={"hours": 2})
    text = (await client.get("/metrics")).text
    assert samples(text, "cspsim_http_requests_total")[route] == before + 3
    assert samples(text, "cspsim_timers_fired_total")[(("kind", "sim.reminder"), ("status", "fired"))] >= 1
    latency = samples(text, "cspsim_http_request_duration_seconds_count")
    assert latency[(("method", "GET"), ("route", "/sim/v1/sandboxes/{sandbox_id}/clock"))] >= 3


async def test_one_json_line_per_request_with_ids_and_sandbox(client: httpx.AsyncClient, world: World) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json")
    handler = logging.getLogger("cspsim").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        await world.sim("GET", "/clock", headers={"MS-RequestId": "req-42", "MS-CorrelationId": "corr-7"})
    finally:
        logging.getLogger("cspsim").handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "cspsim.access"]
    assert len(access) == 1
    line = access[0]
    assert (line["method"], line["status"], line["requestId"], line["correlationId"]) == (
        "GET",
        200,
        "req-42",
        "corr-7",
    )
    assert line["path"] == f"/sim/v1/sandboxes/{world.id}/clock"
    assert line["sandbox"] == world.id
    assert line["durationMs"] >= 0


def test_cspsim_serve_logs_text_lines_when_the_setting_says_text(tmp_path: Path) -> None:
    # The serve command itself, as a person starts it: its logging once ignored CSPSIM_LOG_FORMAT.
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("CSPSIM_")}
    env |= {"CSPSIM_LOG_FORMAT": "text", "CSPSIM_DATA_DIR": str(tmp_path), "CSPSIM_TIMER_INTERVAL_SECONDS": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"MS-RequestId": "req-text"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        server.terminate()
        try:
            _, stderr = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            _, stderr = server.communicate()
    access = [line for line in stderr.splitlines() if " cspsim.access " in line and "request=req-text " in line]
    assert len(access) == 1, stderr
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO cspsim.access \[request=req-text ", access[0])
    assert not access[0].lstrip().startswith("{")
