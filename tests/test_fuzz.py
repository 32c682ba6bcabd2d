"""Schemathesis over the whole served OpenAPI document: whatever a caller sends, valid or not, cspsim answers a status
its document promises, and never a 5xx. Bad input is a 4xx in the surface's error shape; a 500 is a bug.

Each surface gets a caller it serves, so the fuzzing reaches past authentication into the routes: a direct-bill
partner's app for Partner Center and its webhooks, the same app's Graph token for GDAP, a customer's Global admin
for the admin center, the sandbox's admin key for the control surface. The run is bounded (a few examples per
operation) and derandomized, so it is reproducible and takes seconds per database.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import status_code_conformance

from app.config import Settings
from app.main import create_app
from tests.gdap.steps import GRAPH_SCOPE
from tests.world import PASSWORD, PC_SCOPE

EXAMPLES_PER_OPERATION = 15
CONTROL = "/sim/v1/sandboxes/{sandbox_id}"
# Operations that change the whole sandbox (delete or reset it, move its clock, inject faults, throttle it) run on a
# sandbox of their own, made for the example: on the shared one they would end the other operations' callers
# (deleted, reset or expired tokens) or answer them with the faults the fuzzer injected on purpose.
SANDBOX_WIDE = re.compile(
    r"^/sim/v1/sandboxes/\{sandbox_id\}(/(reset|settings|clock/.+|timers/run|faults(/\{fault_id\})?|seed))?$"
)
# A seed is bulk data on purpose (5000 customers is a load test's batch, tens of seconds): the fuzzing asks how it
# takes its input, so a valid size is kept small; bench/ measures the big ones.
SEED_SIZES = {"partners": 3, "customers": 10, "subscriptions": 2}


@dataclass
class Callers:
    """Credentials for each surface, in one sandbox."""

    sandbox_id: str
    admin_key: str
    partner_app: str
    partner_graph: str
    customer_admin: str
    distributor_app: str  # an indirect provider's app: the marketplace is a distributor's platform


def _json(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _sandbox(client: asgi.ASGIClient) -> tuple[str, str]:
    body = _json(client.post("/sim/v1/sandboxes", json={"name": f"fuzz-{uuid.uuid4().hex[:6]}"}), 201)
    return str(body["id"]), str(body["adminKey"])


def _token(client: asgi.ASGIClient, tenant: dict[str, Any], scope: str) -> str:
    app = tenant["apps"][0]
    form = {
        "grant_type": "client_credentials",
        "client_id": app["clientId"],
        "client_secret": app["clientSecret"],
        "scope": scope,
    }
    return str(_json(client.post(f"/{tenant['id']}/oauth2/v2.0/token", data=form), 200)["access_token"])


def _callers(client: asgi.ASGIClient) -> Callers:
    """A sandbox with a direct-bill partner (the API is open to it) and a customer, as tests/world.py builds them."""
    sandbox_id, admin_key = _sandbox(client)
    admin = {"Authorization": f"Bearer {admin_key}"}
    control = f"/sim/v1/sandboxes/{sandbox_id}"

    def tenant(kind: str, **extra: Any) -> tuple[dict[str, Any], str]:
        name = f"{kind}{uuid.uuid4().hex[:8]}"
        upn = f"admin@{name}.onmicrosoft.com"
        body = {
            "kind": kind,
            "displayName": name,
            "domain": f"{name}.onmicrosoft.com",
            "country": "US",
            "users": [{"userPrincipalName": upn, "password": PASSWORD, "roles": ["GlobalAdmin"]}],
            "apps": [{"displayName": "integration"}],
            **extra,
        }
        created = _json(client.post(f"{control}/tenants", json=body, headers=admin), 201)
        session = {"tenantId": created["id"], "userPrincipalName": upn}
        portal = _json(client.post(f"{control}/portal-sessions", json=session, headers=admin), 201)
        return created, str(portal["accessToken"])

    address = {"line1": "1 Main St", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}
    partner, partner_portal = tenant(
        "partner",
        partnerId=str(4_900_000 + uuid.uuid4().int % 100_000),
        profile={"legalName": "Fuzz Ltd", "primaryContactEmail": "contact@fuzz.example", "address": address},
    )
    now = _json(client.get(f"{control}/clock", headers=admin), 200)["now"]
    index = int(now[:4]) * 12 + int(now[5:7]) - 2
    months = [
        {"month": f"{(index - n) // 12:04d}-{(index - n) % 12 + 1:02d}", "amountUsd": "100000"} for n in range(12)
    ]
    _json(client.put(f"{control}/tenants/{partner['id']}/revenue", json={"months": months}, headers=admin), 200)
    enrolled = client.post(
        "/v1/enrollments", json={"program": "DirectBill"}, headers={"Authorization": f"Bearer {partner_portal}"}
    )
    assert _json(enrolled, 201)["status"] == "Active", enrolled.text
    _, customer_portal = tenant("customer")
    distributor, distributor_portal = tenant(
        "partner",
        partnerId=str(4_900_000 + uuid.uuid4().int % 100_000),
        profile={"legalName": "Fuzz Distribution", "primaryContactEmail": "ops@fuzz.example", "address": address},
    )
    provider = client.post(
        "/v1/enrollments",
        json={"program": "IndirectProvider"},
        headers={"Authorization": f"Bearer {distributor_portal}"},
    )
    assert _json(provider, 201)["status"] == "Active", provider.text
    return Callers(
        sandbox_id=sandbox_id,
        admin_key=admin_key,
        partner_app=_token(client, partner, PC_SCOPE),
        partner_graph=_token(client, partner, GRAPH_SCOPE),
        customer_admin=customer_portal,
        distributor_app=_token(client, distributor, PC_SCOPE),
    )


# The document the app serves, as committed: tests/test_service.py keeps the two equal, and reading the file spares
# each test process (each xdist worker) building the document again at collection, seconds on a busy machine.
schema = schemathesis.openapi.from_path(Path(__file__).resolve().parent.parent / "openapi" / "openapi.json")
# Hypothesis's examples, valid and not, EXAMPLES_PER_OPERATION of them. Not the coverage phase: it enumerates every
# boundary of every field (thousands of cases for the scenario document), minutes per database.
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION)


@pytest.fixture(scope="session")
def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[asgi.ASGIClient]:
    """An app of its own, served by schemathesis from its own thread and event loop, where the session's app (and its
    connections, bound to the tests' loop) cannot go."""
    settings = Settings(database_url=database, data_dir=Path(tmp_path_factory.mktemp("fuzz-data")))
    with asgi.get_client(create_app(settings, run_timers=False)) as client:
        yield client
    asgi.shutdown_lifespans()  # disposes the app's engine in the loop that made its connections


@pytest.fixture(scope="session")
def callers(served: asgi.ASGIClient) -> Callers:
    return _callers(served)


def _authorize(case: Any, callers: Callers, client: asgi.ASGIClient) -> None:
    """The caller the case's surface serves; control paths name the real sandbox."""
    path: str = case.operation.path
    token: str | None = None
    if path.startswith(CONTROL):
        sandbox_id, token = callers.sandbox_id, callers.admin_key
        if SANDBOX_WIDE.match(path) or (case.method == "DELETE" and path == CONTROL):
            sandbox_id, token = _sandbox(client)
        case.path_parameters = {**(case.path_parameters or {}), "sandbox_id": sandbox_id}
    elif path.startswith(("/v1/", "/webhooks/v1/")):
        token = callers.partner_app
    elif path.startswith("/v1.0/"):
        token = callers.partner_graph
    elif path.startswith("/admin/v1/"):
        token = callers.customer_admin
    elif path.startswith("/marketplace/v1/"):
        token = callers.distributor_app
    if path == f"{CONTROL}/seed" and isinstance(case.body, dict):
        for name, most in SEED_SIZES.items():
            if isinstance(case.body.get(name), int | float) and not isinstance(case.body[name], bool):
                case.body[name] = min(case.body[name], most)
    if token:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_breaks_the_api(case: Any, callers: Callers, served: asgi.ASGIClient) -> None:
    _authorize(case, callers, served)
    case.call_and_validate(
        session=served, base_url=served.base_url, checks=[not_a_server_error, status_code_conformance]
    )
