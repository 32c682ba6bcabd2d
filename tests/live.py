"""A real server for the tests that need one (a browser, Microsoft's own client libraries): uvicorn in a thread."""

import contextlib
import os
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.kernel.tls import local_authority
from app.main import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("CSPSIM_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(app: Any, **ssl: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **ssl))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if ssl else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def require_chromium() -> str:
    """Debian's Chromium; its absence skips a test on a laptop and fails it under CI=true."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs Debian's chromium at {CHROMIUM} (.ci/run installs it)")
    pytest.skip(f"no browser at {CHROMIUM}: apt-get install chromium")


@dataclass
class Live:
    """cspsim served over HTTPS by a real uvicorn, with the local CA a client must trust."""

    base: str
    ca: Path
    http: httpx.AsyncClient

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


@contextlib.asynccontextmanager
async def serving_tls(database: str, data_dir: Path) -> AsyncIterator[Live]:
    authority = local_authority(data_dir)
    app = create_app(Settings(database_url=database, data_dir=data_dir), run_timers=False)
    with serving(app, ssl_certfile=authority.server_certificate, ssl_keyfile=authority.server_key) as base:
        trust = ssl.create_default_context(cafile=str(authority.ca_certificate))
        async with httpx.AsyncClient(base_url=base, verify=trust) as http:
            yield Live(base=base, ca=authority.ca_certificate, http=http)
