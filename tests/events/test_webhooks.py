"""Webhooks: registration, signed deliveries a Partner Center receiver verifies unchanged, retries."""

import base64
import json
import threading
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.live import serving
from tests.plans import lookups_read
from tests.world import Party, World, bearer


class Receiver:
    """A partner's webhook endpoint: records what arrives; answers 500 to the first `failures` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        with self.lock:
            self.received.append((dict(request.headers), body))
            failing = len(self.received) <= self.failures
        return PlainTextResponse("down" if failing else "ok", status_code=500 if failing else 200)


async def register(partner: Party, url: str, events: list[str]) -> dict[str, Any]:
    r = await partner.world.http.post(
        "/webhooks/v1/registration",
        headers=bearer(await partner.app_token()),
        json={"WebhookUrl": url, "WebhookEvents": events},
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def verify(world: World, headers: dict[str, str], body: bytes) -> None:
    """What a Partner Center receiver does: the algorithm, the certificate, the RSA-SHA256 signature."""
    assert headers["x-ms-signature-algorithm"] == "rsa-sha256"
    assert headers["authorization"].startswith("Signature ")
    cert_path = headers["x-ms-certificate-url"].split("127.0.0.1:8000", 1)[-1]
    pem = (await world.http.get(cert_path)).content
    key = x509.load_pem_x509_certificate(pem).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(
        base64.b64decode(headers["authorization"].removeprefix("Signature ")), body, padding.PKCS1v15(), hashes.SHA256()
    )


async def test_registration_in_partner_centers_shape(world: World) -> None:
    partner = await world.direct_bill_partner()
    names = (await partner.get("/webhooks/v1/registration/events")).json()
    assert {"test-created", "complete-transfer", "indirect-reseller-relationship-accepted-by-customer"} <= set(names)
    created = await register(partner, "https://receiver.example/hook", ["test-created"])
    assert created == {
        "SubscriberId": partner.id,
        "WebhookUrl": "https://receiver.example/hook",
        "WebhookEvents": ["test-created"],
    }
    r = await world.http.post(
        "/webhooks/v1/registration",
        headers=bearer(await partner.app_token()),
        json={"WebhookUrl": "https://x.example", "WebhookEvents": ["no-such-event"]},
    )
    assert r.status_code == 400
    r = await world.http.put(
        "/webhooks/v1/registration",
        headers=bearer(await partner.app_token()),
        json={"webhookUrl": "https://other.example/hook", "webhookEvents": ["create-transfer"]},
    )
    assert r.json()["WebhookEvents"] == ["create-transfer"]
    assert (
        await world.http.delete("/webhooks/v1/registration", headers=bearer(await partner.app_token()))
    ).status_code == 204
    assert (await partner.get("/webhooks/v1/registration")).status_code == 404


async def test_an_accepted_invitation_is_delivered_signed_and_retried(world: World) -> None:
    provider, reseller = await world.provider(), await world.indirect_reseller()
    await world.partner_up(provider, reseller)
    receiver = Receiver(failures=1)
    with serving(receiver.app) as base:
        await register(
            provider, f"{base}/hook", ["indirect-reseller-relationship-accepted-by-customer", "test-created"]
        )
        customer = await world.customer()
        r = await reseller.post(
            "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": customer.id}
        )
        code = r.json()["url"].rsplit("/", 1)[-1]
        r = await world.http.post(f"/admin/v1/invitations/{code}/accept", headers=bearer(await customer.portal_token()))
        assert r.status_code == 200
        first = (await world.sim("POST", "/webhooks/dispatch")).json()
        assert first == {"succeeded": 0, "retrying": 1, "failed": 0}
        again = (await world.sim("POST", "/webhooks/dispatch")).json()
        assert again == {"succeeded": 0, "retrying": 0, "failed": 0}  # waiting out its back-off
        second = (await world.sim("POST", "/webhooks/dispatch", json={"ignoreBackoff": True})).json()
        assert second == {"succeeded": 1, "retrying": 0, "failed": 0}
    assert len(receiver.received) == 2
    headers, body = receiver.received[-1]
    await verify(world, headers, body)
    delivered = json.loads(body)
    assert delivered["EventName"] == "indirect-reseller-relationship-accepted-by-customer"
    assert delivered["ResourceUri"].endswith(f"/v1/customers/{customer.id}")
    assert delivered["ResourceName"] == "Customer"
    log = (await world.sim("GET", "/webhooks/deliveries")).json()["items"]
    assert [a["statusCode"] for a in log[0]["log"]] == [500, 200]
    assert log[0]["status"] == "succeeded"


async def test_a_receiver_that_is_down_slows_no_api_call(world: World) -> None:
    partner = await world.direct_bill_partner()
    await register(partner, "http://127.0.0.1:9/hook", ["test-created"])  # nothing listens on port 9
    token = await partner.app_token()
    started = time.monotonic()
    r = await world.http.post("/webhooks/v1/registration/validationEvents", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert time.monotonic() - started < 1.0
    correlation = r.json()["correlationId"]
    assert (await world.sim("POST", "/webhooks/dispatch")).json()["retrying"] == 1
    status = (await partner.get(f"/webhooks/v1/registration/validationEvents/{correlation}")).json()
    assert status["status"] == "pending"
    assert status["results"][0]["responseCode"] is None
    assert "ConnectError" in status["results"][0]["responseMessage"]


async def unanswered_validation_events(world: World, count: int) -> tuple[Party, list[str]]:
    """A partner registered to a receiver nobody listens at (port 9), and the correlation ids of `count` validation
    events it sent: their deliveries wait."""
    partner = await world.direct_bill_partner()
    await register(partner, "http://127.0.0.1:9/hook", ["test-created"])
    token = await partner.app_token()
    made = []
    for _ in range(count):
        r = await world.http.post("/webhooks/v1/registration/validationEvents", headers=bearer(token))
        assert r.status_code == 200, r.text
        made.append(r.json()["correlationId"])
    return partner, made


async def test_a_validation_events_status_reads_its_deliveries_off_the_events_index(world: World, app: Any) -> None:
    """A validation event's status asks for that event's deliveries, whatever else the sandbox's log holds: it read
    the whole log, which grows with every event delivered (ix_webhook_deliveries_event, not the log's order)."""
    partner, correlations = await unanswered_validation_events(world, 3)
    assert (await world.sim("POST", "/webhooks/dispatch")).json()["retrying"] == 3

    async def status() -> None:
        r = await partner.get(f"/webhooks/v1/registration/validationEvents/{correlations[1]}")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "pending"

    read = await lookups_read(app, "webhook_deliveries", status)
    assert [used for _, used in read] == [["ix_webhook_deliveries_event"]], read


async def test_dispatch_with_an_ms_request_id_delivers_and_answers(world: World) -> None:
    # Scripts send MS-RequestId on every call; dispatching must not fail for it (it once answered 500).
    partner = await world.direct_bill_partner()
    receiver = Receiver()
    with serving(receiver.app) as base:
        await register(partner, f"{base}/hook", ["test-created"])
        r = await world.http.post(
            "/webhooks/v1/registration/validationEvents", headers=bearer(await partner.app_token())
        )
        assert r.status_code == 200, r.text
        r = await world.sim("POST", "/webhooks/dispatch", headers={"MS-RequestId": "dispatch-1"})
        assert r.status_code == 200, r.text
        assert r.json() == {"succeeded": 1, "retrying": 0, "failed": 0}
        # Not a replay of the first answer: a new round, which finds nothing left to deliver.
        r = await world.sim("POST", "/webhooks/dispatch", headers={"MS-RequestId": "dispatch-1"})
        assert r.status_code == 200, r.text
        assert r.json() == {"succeeded": 0, "retrying": 0, "failed": 0}
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0][1])["EventName"] == "test-created"
    log = (await world.sim("GET", "/webhooks/deliveries")).json()["items"]
    assert [(d["status"], d["attempts"]) for d in log] == [("succeeded", 1)]
    # Outside the request transaction, the admin key still guards it.
    r = await world.http.post(f"/sim/v1/sandboxes/{world.id}/webhooks/dispatch", headers=bearer("not-the-key"))
    assert r.status_code == 401, r.text


async def test_a_webhook_never_targets_link_local_addresses_or_other_schemes(world: World) -> None:
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    refused = [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://2852039166/hook",
        "http://0xa9fea9fe/hook",
        "http://0.0.0.0/hook",
        "ftp://receiver.example/hook",
        "file:///etc/passwd",
        "http:///hook",
        "http://receiver.example:99999/hook",
    ]
    for url in refused:
        r = await world.http.post(
            "/webhooks/v1/registration",
            headers=bearer(token),
            json={"WebhookUrl": url, "WebhookEvents": ["test-created"]},
        )
        assert r.status_code == 400, (url, r.text)
        assert "WebhookUrl" in r.json()["description"], r.text
    assert (await partner.get("/webhooks/v1/registration")).status_code == 404
    await register(partner, "http://127.0.0.1:9/hook", ["test-created"])


async def test_the_sandbox_setting_restricts_webhook_targets(world: World) -> None:
    partner = await world.direct_bill_partner()
    token = await partner.app_token()

    async def attempt(url: str) -> int:
        r = await world.http.put(
            "/webhooks/v1/registration",
            headers=bearer(token),
            json={"WebhookUrl": url, "WebhookEvents": ["test-created"]},
        )
        return r.status_code

    await register(partner, "http://10.0.0.5:5432/hook", ["test-created"])  # `any`, the default
    assert (await world.sim("PATCH", "/settings", json={"webhookTargets": "public"})).status_code == 200
    assert await attempt("http://10.0.0.5:5432/hook") == 400
    assert await attempt("http://localhost:8080/hook") == 400
    assert await attempt("http://127.0.0.1:8080/hook") == 400
    assert await attempt("https://receiver.example/hook") == 200
    assert (await world.sim("PATCH", "/settings", json={"webhookTargets": "loopback"})).status_code == 200
    assert await attempt("https://receiver.example/hook") == 400
    assert await attempt("http://localhost:8080/hook") == 200
    assert await attempt("http://[::1]:8080/hook") == 200
    assert (await world.sim("PATCH", "/settings", json={"webhookTargets": "nowhere"})).status_code == 400


async def test_a_validation_answer_reports_the_status_never_the_receivers_body(world: World) -> None:
    secret = "secret-from-an-internal-service"

    async def hook(request: Request) -> PlainTextResponse:
        return PlainTextResponse(secret, status_code=403)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    partner = await world.direct_bill_partner()
    with serving(app) as base:
        await register(partner, f"{base}/hook", ["test-created"])
        r = await world.http.post(
            "/webhooks/v1/registration/validationEvents", headers=bearer(await partner.app_token())
        )
        correlation = r.json()["correlationId"]
        assert (await world.sim("POST", "/webhooks/dispatch")).json()["retrying"] == 1
    r = await partner.get(f"/webhooks/v1/registration/validationEvents/{correlation}")
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["responseCode"] == 403
    assert r.json()["results"][0]["responseMessage"] == "Forbidden"
    assert secret not in r.text
    assert secret not in (await world.sim("GET", "/webhooks/deliveries")).text


async def test_the_delivery_log_is_listed_by_pages_in_the_order_made(world: World) -> None:
    """A sandbox with a registration gets a delivery for every event it hears of: the control surface's log of them
    pages (`totalCount`, the next page's link) in the order they were made, each once."""
    _, made = await unanswered_validation_events(world, 5)
    listed, totals = [], set()
    r = await world.sim("GET", "/webhooks/deliveries", params={"size": 2})
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        listed += [d["eventId"] for d in body["items"]]
        totals.add(body["totalCount"])
        following = body["links"].get("next")
        if following is None:
            break
        token_header = {h["key"]: h["value"] for h in following["headers"]}
        r = await world.http.get(following["uri"], headers={**world.admin, **token_header})
    assert listed == made
    assert totals == {5}
