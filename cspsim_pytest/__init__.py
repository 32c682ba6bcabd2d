"""cspsim's pytest plugin: a running cspsim, a fresh sandbox per test, and the clock, mailbox and events at hand.

Installed with cspsim (a `pytest11` entry point), so a consumer's test suite only writes tests:

    @pytest.mark.cspsim_scenario("scenario.yaml")          # loaded once per session, forked for each test
    def test_a_partner_is_restricted_when_revenue_falls(sandbox):
        sandbox.advance(days=31)                            # the revenue review fires
        token = sandbox.portal_token("contoso")
        r = sandbox.http.get("/v1/profiles/partner", headers={"Authorization": f"Bearer {token}"})
        assert {"program": "DirectBill", "status": "Restricted"} in r.json()["programs"]

Fixtures:
- `cspsim_url` (session): cspsim started in this process on a free loopback port (uvicorn in a thread, a SQLite
  database in a temporary folder, migrated), or the service named by `--cspsim-url` / `CSPSIM_URL`.
- `cspsim` (session): a `Cspsim` client: `create_sandbox()`, `scenario(path)` (the session's loaded copy).
- `sandbox` (per test): a `Sandbox` of the test's own, deleted afterwards. Marked with
  `@pytest.mark.cspsim_scenario(path)`, it is a fork of a sandbox that loaded the scenario once per session: forking
  copies rows, which is much faster than loading the scenario again (the fast path).

The in-process server runs no background loop: timers fire when a test moves the clock (`sandbox.advance`) or asks
(`sandbox.run_timers()`), so a test sees the same world on a slow machine and a fast one.
"""

import contextlib
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default"
MEDIA_TYPES = {".json": "application/json", ".yaml": "application/yaml", ".yml": "application/yaml"}


class CspsimError(AssertionError):
    """A control call cspsim refused: the status and cspsim's own description, so the test report says why."""


def _ok(response: httpx.Response) -> Any:
    if response.is_error:
        raise CspsimError(
            f"{response.request.method} {response.request.url.path} answered {response.status_code}: {response.text}"
        )
    return response.json() if response.content else None


class Sandbox:
    """One sandbox: its id, its admin key, an HTTP client on cspsim, and the control calls a test needs."""

    def __init__(self, http: httpx.Client, created: dict[str, Any], scenario: dict[str, Any] | None = None) -> None:
        self.http = http
        self.id: str = created["id"]
        self.admin_key: str = created["adminKey"]
        self.created = created
        self.scenario = scenario
        # A fork's apps have new credentials, by their original client id.
        self._apps: dict[str, dict[str, str]] = created.get("apps", {})

    @property
    def url(self) -> str:
        return str(self.http.base_url).rstrip("/")

    def sim(self, method: str, path: str = "", **kw: Any) -> httpx.Response:
        """A control call below this sandbox (`/sim/v1/sandboxes/{id}` + path) with its admin key."""
        headers = {"Authorization": f"Bearer {self.admin_key}", **kw.pop("headers", {})}
        return self.http.request(method, f"/sim/v1/sandboxes/{self.id}{path}", headers=headers, **kw)

    # --- the clock -----------------------------------------------------------------------------------------------

    def now(self) -> str:
        return str(_ok(self.sim("GET", "/clock"))["now"])

    def advance(self, **move: Any) -> dict[str, Any]:
        """Move the clock (`days=`, `hours=`, `minutes=`, `seconds=`, `businessDays=`, `to=`) and fire every timer
        that falls due, however many calls that takes; answers the last answer with every timer fired."""
        body = {("businessDays" if k == "business_days" else k): v for k, v in move.items()}
        answer: dict[str, Any] = _ok(self.sim("POST", "/clock/advance", json=body))
        fired = list(answer["fired"])
        while not answer.get("complete", True):
            answer = _ok(self.sim("POST", "/clock/advance", json={"to": answer["continueTo"]}))
            fired += answer["fired"]
        return {**answer, "fired": fired, "firedCount": len(fired)}

    def freeze(self, at: str | None = None) -> dict[str, Any]:
        return dict(_ok(self.sim("POST", "/clock/freeze", json={"at": at} if at else None)))

    def run_timers(self) -> dict[str, Any]:
        return dict(_ok(self.sim("POST", "/timers/run")))

    # --- what happened -------------------------------------------------------------------------------------------

    def _every(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = _ok(self.sim("GET", path, params={k: v for k, v in params.items() if v is not None}))
        while True:
            items += page["items"]
            following = page["links"].get("next")
            if not following:
                return items
            token = {h["key"]: h["value"] for h in following["headers"]}
            page = _ok(self.http.get(following["uri"], headers={"Authorization": f"Bearer {self.admin_key}", **token}))

    def mailbox(self, to: str | None = None) -> list[dict[str, Any]]:
        """Every mail the platform sent in this sandbox (optionally only to one address), oldest first."""
        return self._every("/mailbox", to=to)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The outbox: every event (optionally of one name), in the order it happened."""
        return self._every("/events", name=name)

    # --- the world and its actors --------------------------------------------------------------------------------

    def load(self, path: str | Path) -> dict[str, Any]:
        """Load a scenario document (YAML or JSON) into this sandbox; answers what it built (actors, credentials)."""
        path = Path(path)
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/yaml")
        self.scenario = _ok(
            self.sim("POST", "/scenarios", content=path.read_bytes(), headers={"Content-Type": media_type})
        )
        return self.scenario

    def actor(self, ref: str) -> dict[str, Any]:
        """A partner or customer of the loaded scenario by its `ref`, with the credentials valid in this sandbox."""
        if self.scenario is None:
            raise CspsimError("no scenario is loaded in this sandbox: mark the test with cspsim_scenario, or load()")
        for actor in [*self.scenario["partners"], *self.scenario["customers"]]:
            if actor["ref"] == ref:
                apps = [self._apps.get(a["clientId"], a) for a in actor["apps"]]
                return {**actor, "apps": apps}
        known = [a["ref"] for a in [*self.scenario["partners"], *self.scenario["customers"]]]
        raise CspsimError(f"the scenario has no actor '{ref}'; it has {', '.join(known)}")

    def app_token(self, ref: str, scope: str = PARTNER_CENTER_SCOPE) -> str:
        """An app-only token of the actor's first app (the API channel), as Entra ID's client_credentials gives."""
        actor = self.actor(ref)
        if not actor["apps"]:
            raise CspsimError(f"'{ref}' has no app: give it one in the scenario (apps: [{{displayName: ...}}])")
        app = actor["apps"][0]
        form = {
            "grant_type": "client_credentials",
            "client_id": app["clientId"],
            "client_secret": app["clientSecret"],
            "scope": scope,
        }
        return str(_ok(self.http.post(f"/{actor['tenantId']}/oauth2/v2.0/token", data=form))["access_token"])

    def portal_token(self, ref: str, user: str | None = None) -> str:
        """A portal sign-in of one of the actor's users (its first, unless named): a person, not the API channel."""
        actor = self.actor(ref)
        upn = user or actor["users"][0]["userPrincipalName"]
        body = {"tenantId": actor["tenantId"], "userPrincipalName": upn}
        return str(_ok(self.sim("POST", "/portal-sessions", json=body))["accessToken"])

    def fork(self, name: str | None = None) -> "Sandbox":
        forked = _ok(self.sim("POST", "/fork", json={"name": name} if name else None))
        return Sandbox(self.http, forked, self.scenario)

    def delete(self) -> None:
        response = self.sim("DELETE")
        if response.status_code not in (204, 401):  # 401: already gone
            _ok(response)


class Cspsim:
    """The service for the session: sandboxes, and each scenario loaded once."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(120, connect=10))
        self._scenarios: dict[Path, Sandbox] = {}

    def create_sandbox(self, name: str = "pytest", **settings: Any) -> Sandbox:
        body = {"name": name, "settings": settings}
        return Sandbox(self.http, _ok(self.http.post("/sim/v1/sandboxes", json=body)))

    def scenario(self, path: Path) -> Sandbox:
        """The session's sandbox holding this scenario, loaded on first use: fork it, never change it."""
        path = path.resolve()
        if path not in self._scenarios:
            origin = self.create_sandbox(name=f"pytest scenario {path.name}")
            origin.load(path)
            self._scenarios[path] = origin
        return self._scenarios[path]

    def close(self) -> None:
        for origin in self._scenarios.values():
            with contextlib.suppress(httpx.HTTPError):
                origin.delete()
        self.http.close()


# --- the in-process service -----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_in_process(database_url: str | None = None) -> Iterator[str]:
    """cspsim on a free loopback port (uvicorn in a daemon thread) until the block ends; yields its base URL."""
    import uvicorn

    from app.cli import migrate
    from app.config import Settings
    from app.main import create_app

    with tempfile.TemporaryDirectory(prefix="cspsim-pytest-") as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'cspsim.db'}"
        port = _free_port()
        settings = Settings(database_url=url, data_dir=Path(folder), public_base_url=f"http://127.0.0.1:{port}")
        migrate(settings)
        app = create_app(settings, run_timers=False)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, name="cspsim", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("cspsim did not start in process")
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(15)


# --- pytest's hooks and fixtures ------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cspsim")
    group.addoption(
        "--cspsim-url",
        default=None,
        help="a running cspsim to test against (default: CSPSIM_URL, else one started in this process)",
    )
    group.addoption(
        "--cspsim-database-url",
        default=None,
        help="the database of the in-process cspsim (default: SQLite in a temporary folder)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cspsim_scenario(path): the `sandbox` fixture is a fork of this scenario (YAML or JSON; a relative path is "
        "read beside the test file), loaded once per session",
    )


@pytest.fixture(scope="session")
def cspsim_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL of cspsim: `--cspsim-url`, `CSPSIM_URL`, or one started in this process for the session."""
    given = request.config.getoption("--cspsim-url") or os.environ.get("CSPSIM_URL")
    if given:
        yield given.rstrip("/")
        return
    with serve_in_process(request.config.getoption("--cspsim-database-url")) as url:
        yield url


@pytest.fixture(scope="session")
def cspsim(cspsim_url: str) -> Iterator[Cspsim]:
    client = Cspsim(cspsim_url)
    yield client
    client.close()


def _scenario_path(request: pytest.FixtureRequest, given: str | Path) -> Path:
    path = Path(given)
    if path.is_absolute():
        return path
    beside = Path(str(request.node.path)).parent / path
    return beside if beside.exists() else Path(request.config.rootpath) / path


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, cspsim: Cspsim) -> Iterator[Sandbox]:
    """A sandbox of the test's own, deleted after it: empty, or a fork of the marked scenario."""
    marker = request.node.get_closest_marker("cspsim_scenario")
    if marker is None:
        made = cspsim.create_sandbox(name=request.node.name[:200])
    else:
        if not marker.args:
            raise pytest.UsageError("cspsim_scenario needs the scenario's path: @pytest.mark.cspsim_scenario('x.yaml')")
        made = cspsim.scenario(_scenario_path(request, marker.args[0])).fork(name=request.node.name[:200])
    yield made
    made.delete()
