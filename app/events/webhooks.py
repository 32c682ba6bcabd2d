"""Webhooks as Partner Center sends them: registration, deliveries from the outbox, signatures, retries.

An event written to the outbox becomes a delivery for each partner registered for its name, in the same
transaction. A loop (or the control surface, on demand) finds due deliveries, and claims each in a short
transaction just before posting it (a claim that outlasts the post, so every worker and replica on one database
delivers each attempt once), posts outside any transaction, and records the attempt: a receiver that is down never
holds a lock or slows an API call. Posts run concurrently, a few at a time per receiver, so a receiver that hangs
(TIMEOUT_SECONDS per post) holds back only its own deliveries. Failed attempts are retried after 1, 2, 4, ...
seconds, up to MAX_ATTEMPTS.

Each delivery is signed as the real service signs: `Authorization: Signature <base64 RSA-SHA256 of the body>`,
`X-MS-Signature-Algorithm: rsa-sha256`, and `X-MS-Certificate-Url` naming the certificate cspsim serves, so a
receiver written for Partner Center verifies it unchanged.
"""

import asyncio
import base64
import ipaddress
import json
import logging
import socket
import uuid
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import ColumnElement, CursorResult, and_, bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel import loops, metrics
from app.kernel.clock import real_now
from app.kernel.context import PartnerContext, SandboxContext, TenantContext
from app.kernel.db import Database
from app.kernel.errors import BadRequest, NotFound, busy_reason
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.pipeline import SURFACES
from app.kernel.settings import WebhookTargets
from app.kernel.statements import Read, add_now
from app.kernel.tls import local_authority
from app.models import DeliveryStatus, Event, WebhookDelivery, WebhookRegistration

log = logging.getLogger("cspsim.webhooks")
Key = tuple[uuid.UUID, uuid.UUID]  # (sandbox_id, id) of a delivery
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 5.0
# A claim covers one post (TIMEOUT_SECONDS at most) and its bookkeeping, with room to spare: it lapses only when the
# process holding it died, and then another takes the delivery up.
LEASE = timedelta(seconds=60)
PER_RECEIVER = 4  # posts in flight to one receiver
AT_ONCE = 64  # posts in flight from one process
MAX_IN_FLIGHT = 500  # deliveries started (some waiting for their receiver) by one process's loop
CERTIFICATE_PATH = "/cspsim/webhook-signing.pem"

# The event names Partner Center delivers (reference section 4), and the resource each names.
EVENTS: dict[str, str] = {
    "test-created": "test",
    "subscription-updated": "subscription",
    "create-transfer": "Transfer",
    "update-transfer": "Transfer",
    "complete-transfer": "Transfer",
    "expire-transfer": "Transfer",
    "cancel-transfer": "Transfer",
    "reseller-relationship-accepted-by-customer": "Customer",
    "indirect-reseller-relationship-accepted-by-customer": "Customer",
    "granular-admin-relationship-approved": "GranularAdminRelationship",
    "granular-admin-relationship-activated": "GranularAdminRelationship",
    "granular-admin-relationship-terminated": "GranularAdminRelationship",
    "granular-admin-relationship-expired": "GranularAdminRelationship",
    "granular-admin-access-assignment-created": "GranularAdminAccessAssignment",
    "granular-admin-access-assignment-activated": "GranularAdminAccessAssignment",
    "granular-admin-access-assignment-updated": "GranularAdminAccessAssignment",
    "granular-admin-access-assignment-deleted": "GranularAdminAccessAssignment",
    "invoice-ready": "Invoice",
}


# --- registration -------------------------------------------------------------------------------------------------


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise BadRequest(
            f"Unknown webhook event(s) {', '.join(unknown)}; GET /webhooks/v1/registration/events lists them."
        )
    if not events:
        raise BadRequest("Register for at least one event.")
    return sorted(set(events))


# Link-local addresses carry the clouds' instance metadata services (169.254.169.254 hands out credentials): a
# partner's webhook must never make the simulator post there, whatever the sandbox allows.
_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_LOOPBACK_NAMES = ("localhost", "localhost.")


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as an IP stands for, including the forms the resolver also reads as IPv4
    (`2852039166`, `0xa9fea9fe`, `169.254.43518`); None for a name. Names are not resolved at registration."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, UnicodeError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def refusal_of(url: str, targets: WebhookTargets = "any") -> str | None:
    """Why the simulator will not post to `url`, or None. `any`: every http(s) host but link-local ones;
    `loopback`: only this machine; `public`: only names and globally routable addresses, never this machine."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (reading it checks it: a port out of range raises)
    except ValueError:
        return "WebhookUrl is not a valid URL."
    if parts.scheme not in ("http", "https") or not host:
        return "WebhookUrl is an http(s) URL with a host."
    address = _literal_address(host)
    if address is not None and (address.is_unspecified or any(address in net for net in _LINK_LOCAL)):
        return f"WebhookUrl may not name {host}: link-local and unspecified addresses are never a webhook target."
    loopback = host in _LOOPBACK_NAMES or host.endswith(".localhost") or (address is not None and address.is_loopback)
    if targets == "loopback" and not loopback:
        return "This sandbox's webhookTargets setting is loopback: WebhookUrl names localhost or 127.0.0.1."
    if targets == "public" and (loopback or (address is not None and not address.is_global)):
        return f"This sandbox's webhookTargets setting is public: WebhookUrl may not name {host}, a private address."
    return None


def _check_url(url: str, targets: WebhookTargets) -> str:
    refusal = refusal_of(url, targets)
    if refusal is not None:
        raise BadRequest(refusal)
    return url


async def find_registration(ctx: PartnerContext) -> WebhookRegistration | None:
    return (
        await ctx.session.execute(
            select(WebhookRegistration).where(
                WebhookRegistration.sandbox_id == ctx.sandbox_id, WebhookRegistration.tenant_id == ctx.tenant_id
            )
        )
    ).scalar_one_or_none()


async def get_registration(ctx: PartnerContext) -> WebhookRegistration:
    found = await find_registration(ctx)
    if found is None:
        raise NotFound("Webhook registration of this partner")
    return found


async def register(ctx: PartnerContext, *, url: str, events: list[str], replace: bool) -> WebhookRegistration:
    """Create (POST) or replace (PUT) the partner's one registration."""
    existing = await find_registration(ctx)
    if existing is not None and not replace:
        raise BadRequest("This partner is registered already: PUT replaces the registration.")
    if existing is None and replace:
        raise NotFound("Webhook registration of this partner")
    registration = existing or WebhookRegistration(
        sandbox_id=ctx.sandbox_id, id=await ctx.new_id(), tenant_id=ctx.tenant_id, created_at=ctx.now
    )
    registration.url = _check_url(url, ctx.settings.webhook_targets)
    registration.events, registration.updated_at = _check_events(events), ctx.now
    ctx.session.info[_CHANGED] = True
    if existing is None:
        await add_now(ctx.session, registration)
    else:
        await ctx.session.flush()
    return registration


async def unregister(ctx: PartnerContext) -> None:
    ctx.session.info[_CHANGED] = True
    await ctx.session.delete(await get_registration(ctx))


# Built once and read through the driver: an event of a webhook's name is recorded on most writes, and building the
# statement each time cost more than running it, then the ORM's load of what it found (issue 17's profiles of an order).
_REGISTERED = Read.among(
    lambda among: select(WebhookRegistration.tenant_id, WebhookRegistration.url, WebhookRegistration.events).where(
        WebhookRegistration.sandbox_id == bindparam("sandbox_id"), among(WebhookRegistration.tenant_id)
    ),
    "tenants",
)


# Whether the sandbox holds any registration, read with every tenant caller's principal (`Surface.fact`): most
# sandboxes hold none, and an event of a webhook's name (most writes record one) then reads no registrations.
_ANY_REGISTERED = "webhooks.any_registered"
_CHANGED = "cspsim.webhooks.registrations_changed"  # this transaction registered or unregistered: ask again


def _any_registered(sandbox_id: ColumnElement[Any], _: ColumnElement[Any]) -> ColumnElement[bool]:
    return exists().where(WebhookRegistration.sandbox_id == sandbox_id)


for _surface in SURFACES:
    _surface.fact(_ANY_REGISTERED, _any_registered)


def _none_registered(ctx: SandboxContext) -> bool:
    """The caller's principal found no registration in the sandbox, and the request has changed none since."""
    registered = ctx.facts.get(_ANY_REGISTERED) if isinstance(ctx, TenantContext) else None
    return registered is not None and not registered and not ctx.session.info.get(_CHANGED)


async def enqueue(ctx: SandboxContext, *, event_id: uuid.UUID, name: str, tenant_ids: list[str]) -> None:
    """The outbox's side of webhooks: a pending delivery per partner registered for this event's name."""
    if name not in EVENTS or not tenant_ids or _none_registered(ctx):
        return
    tenants = [uuid.UUID(t) for t in tenant_ids]
    registrations = await _REGISTERED.all(ctx.session, {"sandbox_id": ctx.sandbox_id, "tenants": tenants})
    for tenant_id, url, events in registrations:
        if name in events:
            ctx.session.add(
                WebhookDelivery(
                    sandbox_id=ctx.sandbox_id,
                    id=await ctx.new_id(),
                    tenant_id=tenant_id,
                    event_id=event_id,
                    event_name=name,
                    url=url,
                    body="",
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    next_attempt_at=real_now(),
                    log=[],
                    created_at=ctx.now,
                )
            )


async def deliveries_of_event(
    ctx: SandboxContext, *, correlation_id: uuid.UUID, tenant_id: uuid.UUID
) -> list[WebhookDelivery]:
    """An event's deliveries to one partner (a validation event's, which it asks about)."""
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.sandbox_id == ctx.sandbox_id,
        WebhookDelivery.event_id == correlation_id,
        WebhookDelivery.tenant_id == tenant_id,
    )
    return list((await ctx.session.execute(stmt.order_by(WebhookDelivery.created_at, WebhookDelivery.id))).scalars())


async def list_deliveries(ctx: SandboxContext, page: PageRequest) -> Page[WebhookDelivery]:
    """The sandbox's deliveries by pages, in the order they were made (`ix_webhook_deliveries_listed`)."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.sandbox_id == ctx.sandbox_id)
    return await keyset(ctx.session, stmt, keys=[WebhookDelivery.created_at, WebhookDelivery.id], page=page)


# --- delivery -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """The key material of the data folder's local authority (the server certificate's key)."""

    data_dir: Path
    public_base_url: str

    def sign(self, body: bytes) -> str:
        key = local_authority(self.data_dir).load_server_key()
        return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()

    def certificate_pem(self) -> bytes:
        return local_authority(self.data_dir).server_certificate.read_bytes()


def _resource_uri(base: str, event: Event) -> str:
    customer = event.data.get("customerId")
    match EVENTS.get(event.name):
        case "Customer":
            return f"{base}/v1/customers/{event.resource_id}"
        case "Transfer":
            return (
                f"{base}/v1/customers/{customer}/transfers/{event.resource_id}"
                if customer
                else f"{base}/v1/transfers/{event.resource_id}"
            )
        case "subscription":
            return f"{base}/v1/subscriptions/{event.resource_id}"
        case "GranularAdminRelationship":
            return f"{base}/v1.0/tenantRelationships/delegatedAdminRelationships/{event.resource_id}"
        case _:
            return f"{base}/webhooks/v1/events/{event.id}"


def payload(base: str, event: Event) -> bytes:
    """Partner Center's delivery body: it carries no resource state, only where to read it."""
    return json.dumps(
        {
            "EventName": event.name,
            "ResourceUri": _resource_uri(base, event),
            "ResourceName": EVENTS.get(event.name, event.resource_type),
            "AuditUri": f"{base}/v1/auditrecords?eventId={event.id}",
            "ResourceChangeUtcDate": event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
    ).encode()


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        WebhookDelivery.status == DeliveryStatus.PENDING,
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
    )


async def _due(
    db: Database, *, sandbox_id: uuid.UUID | None, ignore_backoff: bool, limit: int, skip: Collection[Key] = ()
) -> list[tuple[Key, str]]:
    """The deliveries due now and claimed by nobody, oldest first, with their receivers (read, not yet claimed)."""
    now = real_now()
    stmt = select(WebhookDelivery.sandbox_id, WebhookDelivery.id, WebhookDelivery.url).where(_claimable(now))
    if sandbox_id is not None:
        stmt = stmt.where(WebhookDelivery.sandbox_id == sandbox_id)
    if not ignore_backoff:
        stmt = stmt.where(WebhookDelivery.next_attempt_at <= now)
    async with db.reading() as session:
        rows = (await session.execute(stmt.order_by(WebhookDelivery.next_attempt_at).limit(limit + len(skip)))).all()
    return [((s, i), url) for s, i, url in rows if (s, i) not in skip][:limit]


async def _claim(db: Database, key: Key, signer: Signer, *, ignore_backoff: bool) -> tuple[str, bytes, datetime] | None:
    """Take one delivery just before posting it, or None when another worker or replica took it first. The claim
    (`claimed_until`) outlasts the one post it covers (TIMEOUT_SECONDS at most), so it never lapses mid-delivery."""
    now = real_now()
    until = now + LEASE
    claim = (
        update(WebhookDelivery)
        .where(WebhookDelivery.sandbox_id == key[0], WebhookDelivery.id == key[1], _claimable(now))
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    if not ignore_backoff:
        claim = claim.where(WebhookDelivery.next_attempt_at <= now)
    async with db.transaction() as session:
        if cast(CursorResult[Any], await session.execute(claim)).rowcount != 1:
            return None
        delivery = await _prepare(session, key, signer)
        return delivery.url, delivery.body.encode(), until


async def _prepare(session: AsyncSession, key: Key, signer: Signer) -> WebhookDelivery:
    stmt = select(WebhookDelivery).where(WebhookDelivery.sandbox_id == key[0], WebhookDelivery.id == key[1])
    delivery = (await session.execute(stmt)).scalar_one()
    if not delivery.body:
        event = (
            await session.execute(
                select(Event).where(Event.sandbox_id == delivery.sandbox_id, Event.id == delivery.event_id)
            )
        ).scalar_one()
        delivery.body = payload(signer.public_base_url, event).decode()
    return delivery


async def _record(db: Database, key: Key, claim: datetime, ok: bool, attempt: dict[str, object]) -> str | None:
    """Write the attempt down and give the claim back; answers the outcome (None when the claim was lost: this
    process stalled past it, and another took the delivery up and records its own attempt)."""
    async with db.transaction() as session:
        stmt = select(WebhookDelivery).where(WebhookDelivery.sandbox_id == key[0], WebhookDelivery.id == key[1])
        delivery = (await session.execute(stmt.with_for_update())).scalar_one()
        if delivery.claimed_until != claim:
            return None
        delivery.attempts += 1
        delivery.log = [*delivery.log, attempt]
        delivery.claimed_until = None
        if ok:
            delivery.status = DeliveryStatus.SUCCEEDED
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = real_now() + timedelta(seconds=2 ** (delivery.attempts - 1))
        return "succeeded" if ok else "failed" if delivery.status is DeliveryStatus.FAILED else "retrying"


async def _post(http: httpx.AsyncClient, signer: Signer, url: str, body: bytes, attempt: dict[str, object]) -> bool:
    """Post one delivery; the attempt records the status and its reason only: the receiver's body is never kept, so
    no answer of the simulator echoes what some other host said."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):  # the whole exchange, however slowly a receiver drips
            answer = await http.post(
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Signature {signer.sign(body)}",
                    "X-MS-Certificate-Url": signer.public_base_url + CERTIFICATE_PATH,
                    "X-MS-Signature-Algorithm": "rsa-sha256",
                },
            )
    except TimeoutError:
        attempt |= {"statusCode": None, "message": "Timeout"}
        return False
    except httpx.HTTPError as exc:
        attempt |= {"statusCode": None, "message": type(exc).__name__}
        return False
    attempt |= {"statusCode": answer.status_code, "message": answer.reason_phrase}
    return 200 <= answer.status_code < 300


class Courier:
    """Posts deliveries concurrently: at most PER_RECEIVER at a time to one receiver (URL), AT_ONCE in all, so a
    receiver that hangs holds only its own deliveries back, never another partner's or another sandbox's."""

    def __init__(self, db: Database, signer: Signer) -> None:
        self.db, self.signer = db, signer
        self.http = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        self.at_once = asyncio.Semaphore(AT_ONCE)
        self.receivers: dict[str, asyncio.Semaphore] = {}
        self.in_flight: dict[Key, asyncio.Task[str | None]] = {}

    async def close(self) -> None:
        for task in list(self.in_flight.values()):
            task.cancel()
        await asyncio.gather(*self.in_flight.values(), return_exceptions=True)
        await self.http.aclose()

    def start(
        self, *, sandbox_id: uuid.UUID | None = None, ignore_backoff: bool = False, limit: int = 100
    ) -> Awaitable[list[tuple[Key, str]]]:
        return _due(self.db, sandbox_id=sandbox_id, ignore_backoff=ignore_backoff, limit=limit, skip=self.in_flight)

    def send(self, due: list[tuple[Key, str]], *, ignore_backoff: bool = False) -> list[asyncio.Task[str | None]]:
        """Start a task per delivery (none for one already on its way from this process)."""
        started = []
        for key, url in due:
            if key in self.in_flight:
                continue
            task = asyncio.create_task(self._deliver(key, url, ignore_backoff=ignore_backoff))
            self.in_flight[key] = task
            task.add_done_callback(lambda _, key=key: self.in_flight.pop(key, None))  # type: ignore[misc]
            started.append(task)
        return started

    async def _deliver(self, key: Key, url: str, *, ignore_backoff: bool) -> str | None:
        receiver = self.receivers.setdefault(url, asyncio.Semaphore(PER_RECEIVER))
        async with receiver, self.at_once:
            try:
                claimed = await _claim(self.db, key, self.signer, ignore_backoff=ignore_backoff)
                if claimed is None:  # another worker or replica has it
                    return None
                url, body, claim = claimed
                attempt: dict[str, object] = {"at": real_now().isoformat()}
                # A registration made before targets were checked still never reaches a link-local address.
                if (refusal := refusal_of(url)) is not None:
                    attempt |= {"statusCode": None, "message": refusal}
                    ok = False
                else:
                    ok = await _post(self.http, self.signer, url, body, attempt)
                outcome = await _record(self.db, key, claim, ok, attempt)
                if outcome is None:
                    return None
            except Exception as exc:  # a busy database: the claim lapses and a later round retries
                if busy_reason(exc) is None:
                    log.exception("webhook delivery %s failed", key[1])
                return None
        metrics.WEBHOOKS.labels(outcome=outcome).inc()
        return outcome


async def dispatch(
    db: Database, signer: Signer, *, sandbox_id: uuid.UUID | None = None, ignore_backoff: bool = False, limit: int = 100
) -> dict[str, int]:
    """One round, waited for: post every due delivery (concurrently) and record the outcome; answers counts by
    outcome (a delivery another worker took meanwhile is its to count)."""
    outcome = {"succeeded": 0, "retrying": 0, "failed": 0}
    courier = Courier(db, signer)
    try:
        due = await courier.start(sandbox_id=sandbox_id, ignore_backoff=ignore_backoff, limit=limit)
        for result in await asyncio.gather(*courier.send(due, ignore_backoff=ignore_backoff)):
            if result is not None:
                outcome[result] += 1
    finally:
        await courier.close()
    return outcome


async def run_delivery_loop(db: Database, signer: Signer, interval: float) -> None:
    """Deliver due webhooks in real time, for as long as the service runs: every `interval` the due deliveries
    start on their way, without waiting for the ones still in flight (a slow receiver delays nobody else)."""
    courier = Courier(db, signer)

    async def one_round() -> None:
        if len(courier.in_flight) < MAX_IN_FLIGHT:
            courier.send(await courier.start(limit=MAX_IN_FLIGHT - len(courier.in_flight)))

    try:
        await loops.every(interval, one_round, what="webhook round", log=log)
    finally:
        await courier.close()
