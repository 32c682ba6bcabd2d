"""Object-level authorization, as a matrix generated from the route table: every route that names an object in its
path, by a stranger partner, a stranger customer and another sandbox, each pointed at a victim's real objects. Each
answers 400, 401, 403 or 404 and shows none of the victim's data. The routes come from the served OpenAPI document,
so a route added later is walked too, or it must say here why it is not."""

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from app.kernel.pipeline import ADMIN_CENTER, CONTROL_PREFIX, GRAPH_API, SURFACES, Surface
from tests.gdap.steps import (
    GLOBAL_READER,
    RELATIONSHIPS,
    USER_ADMINISTRATOR,
    active_relationship,
    admin_user_id,
    assign,
    customer_of,
    graph,
    graph_token,
    group,
    run_timers,
)
from tests.world import E3, Party, World, bearer

AZURE_PLAN = "DZH318Z0BPS6:0001:DZH318Z0BNZ2"

WITH_BODY = {"POST", "PUT", "PATCH"}
# A refusal, or a body that does not validate (a 400 for `{}` tells nothing about the object). Never 405: every
# walked method is served.
REFUSALS = {400, 401, 403, 404}
PARAMETER = re.compile(r"\{([^}]+)\}")

# Parameterised routes the matrix does not walk, and why. A new parameterised route must be walked (its parameter
# filled from the victim below) or listed here.
NOT_COVERED: dict[tuple[str, str], str] = {
    # The catalog is Microsoft's, the same for every partner: no tenant owns a product, so there is no victim.
    ("GET", "/v1/products/{product_id}"): "the catalog is shared by every partner; no tenant owns a product",
    ("GET", "/v1/products/{product_id}/skus"): "the catalog is shared by every partner; no tenant owns a product",
    ("GET", "/v1/products/{product_id}/skus/{sku_id}/availabilities"): "the catalog is shared by every partner",
    ("GET", "/v1/products/{product_id}/skus/{sku_id}"): "the catalog is shared by every partner; no tenant owns a SKU",
    ("GET", "/v1/offers/{offer_id}"): "the catalog is shared by every partner; no tenant owns an offer",
    (
        "GET",
        "/v1/productpromotions/{promotion_id}",
    ): "the catalog is shared by every partner; no tenant owns a promotion",
    # Reference data and questions about the whole sandbox, not objects of a tenant: a domain is taken or free for
    # every partner alike, a country's rules and an agreement template's document are Microsoft's, and a partner's
    # MPA status is Partner Center's public check of another partner (tests/programs, tests/customers).
    ("HEAD", "/v1/domains/{domain}"): "whether a domain is taken is the same answer for every partner of the sandbox",
    ("GET", "/v1/countryvalidationrules/{country}"): "a country's address rules are Microsoft's, the same for all",
    (
        "POST",
        "/v1/servicerequests/{agent_locale}",
    ): "a locale is a language, not an object: the request opened is the caller's own",
    (
        "GET",
        "/v1/agreementtemplates/{template_id}/document",
    ): "an agreement template's document is Microsoft's, the same for every partner",
    (
        "GET",
        "/v1/compliance/{program_name}/agreementstatus",
    ): "any partner verifies another partner's MPA status by PartnerID; the program is not an object",
    # Entra ID's discovery and token endpoints are public by design: they name a tenant, not an object of it, and a
    # token is only issued for the caller's own credentials (tests/identity).
    ("GET", "/{tenant}/.well-known/openid-configuration"): "Entra ID discovery is public by design",
    ("GET", "/{tenant}/v2.0/.well-known/openid-configuration"): "Entra ID discovery is public by design",
    ("GET", "/{tenant}/discovery/keys"): "Entra ID's signing keys are public by design",
    ("GET", "/{tenant}/discovery/v2.0/keys"): "Entra ID's signing keys are public by design",
    ("POST", "/{tenant}/oauth2/token"): "the token endpoint authenticates the caller's own credentials",
    ("POST", "/{tenant}/oauth2/v2.0/token"): "the token endpoint authenticates the caller's own credentials",
    ("GET", "/common/userrealm/{username}"): "Entra ID's home-realm discovery is public by design",
    # The admin center's HTML pages take no bearer token: a person opens a link and signs in on the page, so the
    # page itself is the capability (their JSON twins under /admin/v1 are walked).
    ("GET", "/admin/invitations/{code}"): "a page opened from a link; a person signs in on it (no bearer token)",
    ("POST", "/admin/invitations/{code}"): "a page opened from a link; a person signs in on it (no bearer token)",
    ("GET", "/admin/granularAdminRelationships/{relationship_id}"): "a page a person signs in on (no bearer token)",
    ("POST", "/admin/granularAdminRelationships/{relationship_id}"): "a page a person signs in on (no bearer token)",
    ("GET", "/storefront/mca/{code}"): "the storefront's page opened from a link; a person signs in on it",
    ("POST", "/storefront/mca/{code}"): "the storefront's page opened from a link; a person signs in on it",
}

STRANGER_PARTNER = "a stranger partner"
STRANGER_CUSTOMER = "a stranger customer"
OTHER_SANDBOX = "another sandbox"

# (method, path, caller) pairs that answer the victim's data today: each is a bug to fix, kept visible here so the
# rest of the matrix still guards everything else.
KNOWN_LEAKS: dict[tuple[str, str, str], str] = {}


@dataclass
class Victim:
    """One sandbox full of objects a stranger must not reach: the value of each path parameter, and every id whose
    appearance in a stranger's answer would be a leak."""

    world: World
    parameters: dict[str, str] = field(default_factory=dict)
    # `request_id` names a different object on each route family: the longest matching prefix decides.
    request_ids: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # label -> value
    owners: dict[str, str] = field(default_factory=dict)  # path prefix -> the token of the object's owner
    # A route whose object is only reached with a query (an invoice's line items name their provider and type).
    queries: dict[str, str] = field(default_factory=dict)  # route path -> query string

    def keep(self, label: str, value: Any) -> str:
        self.secrets[label] = str(value)
        return str(value)

    def know(self, party: Party, label: str) -> None:
        """A tenant's id, domain, Global admin and app: all of it is the victim's."""
        self.keep(f"{label} tenant id", party.id)
        self.keep(f"{label} domain", party.tenant["domain"])
        for user in party.tenant.get("users", []):
            self.keep(f"{label} user {user['userPrincipalName']}", user["id"])
        if party.app:
            self.keep(f"{label} app client id", party.app["clientId"])
            self.keep(f"{label} app secret", party.app["clientSecret"])
        if party.tenant.get("partnerId"):
            self.keep(f"{label} PartnerID", party.tenant["partnerId"])

    def owner(self, path: str) -> dict[str, str]:
        return bearer(self.owners[max((p for p in self.owners if path.startswith(p)), key=len)])

    def url(self, path: str) -> str | None:
        """The path with every parameter filled with the victim's id; None when one cannot be filled."""
        values = {}
        for name in PARAMETER.findall(path):
            if name == "request_id":
                prefixes = [p for p in self.request_ids if path.startswith(p)]
                value = self.request_ids[max(prefixes, key=len)] if prefixes else None
            else:
                value = self.parameters.get(name)
            if value is None:
                return None
            values[name] = value
        filled = PARAMETER.sub(lambda m: values[m.group(1)], path)
        return f"{filled}?{self.queries[path]}" if path in self.queries else filled


def ok(r: httpx.Response, *statuses: int) -> Any:
    assert r.status_code in (statuses or (200, 201)), r.text
    return r.json() if r.content else None


async def build_victim(world: World) -> Victim:
    """Through the API, as partners and customers make them: a direct-bill partner's customer with an order, a cart, a
    subscription, a GDAP relationship (request, access assignment, operation), a transfer to a second partner, a
    provider and its indirect reseller (partnership invitation, agreement, order request, customer invitation), a
    service request, a webhook registration's validation event and a fault rule."""
    victim = Victim(world)
    p = victim.parameters
    direct = await world.direct_bill_partner()
    victim.know(direct, "direct-bill partner")
    p["sandbox_id"] = victim.keep("sandbox id", world.id)
    victim.keep("sandbox admin key", world.sandbox["adminKey"])
    p["tenant_id"] = direct.id

    # The customer, its MCA, an order and the subscription it made.
    customer = await customer_of(world, direct)
    await direct.attest_mca(customer.id)
    victim.know(customer, "customer")
    p["customer_id"] = customer.id
    order = ok(await direct.order(customer.id), 201)
    p["order_id"] = victim.keep("order id", order["id"])
    cart = await world.http.post(
        f"/v1/customers/{customer.id}/carts",
        headers=bearer(await direct.app_token()),
        json={"lineItems": [{"catalogItemId": E3, "quantity": 1, "billingCycle": "monthly", "termDuration": "P1Y"}]},
    )
    p["cart_id"] = victim.keep("cart id", ok(cart, 201)["id"])
    subscriptions = ok(await direct.get(f"/v1/customers/{customer.id}/subscriptions"))["items"]
    p["subscription_id"] = victim.keep("subscription id", subscriptions[0]["id"])
    for user in ok(await world.sim("GET", f"/tenants/{customer.id}/users"))["items"]:
        victim.keep(f"customer user {user['userPrincipalName']}", user["id"])

    # A distributor (an indirect provider) re-bills its reseller's end customer: a price book, a support plan and,
    # once the seats are invoiced below, the reseller's invoice (BIL-5, BIL-6).
    distributor, dealer = await world.provider(), await world.indirect_reseller()
    await world.partner_up(distributor, dealer)
    victim.know(distributor, "distributor")
    victim.know(dealer, "distributor's reseller")
    end_customer = ok(await distributor.create_customer(associatedPartnerId=dealer.id), 201)
    victim.keep("end customer tenant id", end_customer["id"])
    await distributor.attest_mca(end_customer["id"])
    ok(await distributor.order(end_customer["id"]), 201)
    market = bearer(await distributor.app_token())
    book = await world.http.post(
        "/marketplace/v1/pricebooks", headers=market, json={"name": "Victim", "markupPercent": 9}
    )
    p["price_book_id"] = victim.keep("price book id", ok(book, 201)["id"])
    plan = {"type": "fixed", "amount": 12}
    ok(await world.http.put(f"/marketplace/v1/customers/{end_customer['id']}/supportplan", headers=market, json=plan))
    p["reseller_tenant_id"], p["customer_tenant_id"] = dealer.id, end_customer["id"]

    # The seats are invoiced once their billing period closes (an invoice is ready seven days on); the invoice's
    # line items name their provider and type, in the path or the query.
    ok(await world.sim("POST", "/clock/advance", json={"days": 40}))
    invoices = ok(await direct.get("/v1/invoices", token=await direct.portal_token()))["items"]
    p["invoice_id"] = victim.keep("invoice id", invoices[0]["id"])
    p["provider"], p["invoicelineitemtype"] = "onetime", "billinglineitems"
    resale = ok(await world.http.get(f"/marketplace/v1/resellers/{dealer.id}/invoices", headers=market))["items"]
    p["reseller_invoice_id"] = victim.keep("reseller invoice id", resale[0]["id"])
    victim.queries["/v1/invoices/{invoice_id}/lineitems"] = "provider=onetime&invoicelineitemtype=billinglineitems"
    # An Azure plan and its utilization records; a Graph export of the invoice, run to succeeded, and its blob.
    ok(await direct.order(customer.id, offer=AZURE_PLAN, quantity=1, term=None), 201)
    plans = ok(await direct.get(f"/v1/customers/{customer.id}/subscriptions"))["items"]
    plan = next(s["id"] for s in plans if s["offerId"].startswith(AZURE_PLAN.split(":")[0]))
    p["azure_plan_subscription_id"] = victim.keep("Azure plan subscription id", plan)
    utilizations = "/v1/customers/{customer_id}/subscriptions/{azure_plan_subscription_id}/utilizations/azure"
    victim.queries[utilizations] = "start_time=2020-01-01T00:00:00Z"
    exported = await world.http.post(
        "/v1.0/reports/partners/billing/reconciliation/billed/export",
        json={"invoiceId": invoices[0]["id"]},
        headers=bearer(await graph_token(direct)),
    )
    assert exported.status_code == 202, exported.text
    await run_timers(world)
    p["billing_operation_id"] = victim.keep("billing export id", exported.headers["Location"].rsplit("/", 1)[-1])
    p["blob_name"] = "part-00000.json.gz"

    # The subscription's entitlement, and a legacy subscription migrated to new commerce.
    p["entitlement_id"] = victim.keep("entitlement id", subscriptions[0]["entitlementId"])
    legacy = {"channel": "CSP", "partnerTenantId": direct.id, "offerId": "796B6B5F-613C-4E24-A17C-EBA730D49C02"}
    legacy |= {"offerName": "Office 365 E3 (legacy)", "quantity": 2, "termDuration": "P1Y"}
    legacy_id = ok(await world.sim("POST", f"/tenants/{customer.id}/subscriptions", json=legacy), 201)["id"]
    migration = {"currentSubscriptionId": legacy_id, "termDuration": "P1Y", "billingCycle": "monthly"}
    migrated = ok(await direct.post(f"/v1/customers/{customer.id}/migrations/newcommerce", json=migration))
    p["migration_id"] = victim.keep("migration id", migrated["id"])

    # Autopilot: a device batch (its upload's tracking id, one of its devices) and a configuration policy.
    devices = f"/v1/customers/{customer.id}"
    batch = {"BatchId": f"victim-{uuid.uuid4().hex[:8]}", "Devices": [{"SerialNumber": "V-1", "HardwareHash": "VH1"}]}
    uploaded = await direct.post(f"{devices}/deviceBatches", json=batch)
    ok(uploaded, 202)
    p["batch_id"] = victim.keep("device batch id", batch["BatchId"])
    p["tracking_id"] = victim.keep("device upload tracking id", uploaded.headers["Location"].rsplit("/", 1)[-1])
    device = ok(await direct.get(f"{devices}/deviceBatches/{p['batch_id']}/devices"))["items"][0]
    p["device_id"] = victim.keep("device id", device["id"])
    policy = {"name": "Victim policy", "category": "o_o_b_e", "policySettings": ["skip_express_settings"]}
    p["policy_id"] = victim.keep(
        "configuration policy id", ok(await direct.post(f"{devices}/policies", json=policy))["id"]
    )

    # GDAP: an active relationship, its lock request, an access assignment and the operation changing it.
    relationship = await active_relationship(direct, customer, roles=(USER_ADMINISTRATOR, GLOBAL_READER))
    p["relationship_id"] = victim.keep("GDAP relationship id", relationship["id"])
    base = f"{RELATIONSHIPS}/{relationship['id']}"
    requests = ok(await graph(direct, "GET", f"{base}/requests"))["value"]
    victim.request_ids["/v1.0/"] = victim.keep("GDAP request id", requests[0]["id"])
    helpdesk = await group(world, direct, "Helpdesk", admin_user_id(direct))
    victim.keep("security group id", helpdesk["id"])
    assignment = ok(await assign(direct, relationship["id"], helpdesk["id"], GLOBAL_READER), 201)
    p["assignment_id"] = victim.keep("access assignment id", assignment["id"])
    await run_timers(world)
    token = await graph_token(direct)
    path = f"{base}/accessAssignments/{assignment['id']}"
    active = ok(await graph(direct, "GET", path, token=token))
    roles = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in (GLOBAL_READER, USER_ADMINISTRATOR)]}}
    changed = await graph(direct, "PATCH", path, token=token, json=roles, headers={"If-Match": active["@odata.etag"]})
    ok(changed, 202)
    p["operation_id"] = victim.keep("GDAP operation id", changed.headers["Location"].rsplit("/", 1)[-1])
    await run_timers(world)
    someone = {
        "userPrincipalName": f"someone@{customer.tenant['domain']}",
        "displayName": "Someone",
        "usageLocation": "US",
    }
    created = await world.http.post(
        f"/v1/customers/{customer.id}/users", headers=bearer(await direct.portal_token()), json=someone
    )
    p["user_id"] = victim.keep("customer user someone", ok(created, 201)["id"])
    p["role_id"] = USER_ADMINISTRATOR  # a directory role's id is Entra ID's, the same in every tenant

    # A transfer of the customer's subscriptions to a second partner the customer accepted.
    target = await world.direct_bill_partner()
    victim.know(target, "transfer target")
    link = ok(await target.get("/v1/customers/relationshiprequests"))["url"]
    accepted = await world.http.post(
        f"/admin/v1/invitations/{link.rsplit('/', 1)[-1]}/accept", headers=bearer(await customer.portal_token())
    )
    ok(accepted)
    body = {"sourcePartnerTenantId": direct.id, "customerEmailId": "it@customer.example", "transferType": 5}
    transfer = ok(
        await world.http.post(
            f"/v1/customers/{customer.id}/transfers", headers=bearer(await target.app_token()), json=body
        ),
        201,
    )
    p["transfer_id"] = victim.keep("transfer id", transfer["id"])
    # The operator's record reads (the console's): the transfer, by its kind and id.
    p["kind"], p["record_id"] = "transfers", transfer["id"]
    victim.queries[f"{CONTROL_PREFIX}/diff"] = f"against={world.id}"  # with itself: its own key is enough

    # The direct-bill partner's enrollment, a service request and a webhook validation event.
    enrollments = ok(await direct.get("/v1/enrollments"))["items"]
    p["enrollment_id"] = victim.keep("enrollment id", enrollments[0]["id"])
    request = ok(await direct.post("/v1/servicerequests", json={"category": "General", "description": "help"}), 201)
    victim.request_ids["/v1/servicerequests/"] = victim.keep("service request id", request["id"])
    victim.request_ids[f"{CONTROL_PREFIX}/servicerequests/"] = request["id"]
    hook = {"WebhookUrl": "http://127.0.0.1:9/hook", "WebhookEvents": ["test-created"]}  # nothing listens on 9
    app_token = bearer(await direct.app_token())
    ok(await world.http.post("/webhooks/v1/registration", headers=app_token, json=hook))
    validation = ok(await world.http.post("/webhooks/v1/registration/validationEvents", headers=app_token))
    p["correlation_id"] = victim.keep("webhook correlation id", validation["correlationId"])
    ok(await direct.get(f"/webhooks/v1/registration/validationEvents/{p['correlation_id']}"))

    # A provider and its indirect reseller: the partnership invitation, the reseller's agreement, an order request
    # and a personalized invitation to a customer of its own.
    provider, reseller = await world.provider(), await world.indirect_reseller()
    victim.know(provider, "indirect provider")
    victim.know(reseller, "indirect reseller")
    invitation = ok(
        await provider.post(
            "/v1/partnerships/invitations", token=await provider.app_token(), json={"resellerTenantId": reseller.id}
        ),
        201,
    )
    p["invitation_id"] = victim.keep("partnership invitation id", invitation["id"])
    ok(await reseller.post(f"/v1/partnerships/invitations/{invitation['id']}/accept"))
    agreements = ok(await reseller.get("/v1/agreements", token=await reseller.portal_token()))["items"]
    p["agreement_id"] = victim.keep("partner agreement id", agreements[0]["id"])
    indirect = ok(await provider.create_customer(associatedPartnerId=reseller.id), 201)
    victim.keep("indirect customer tenant id", indirect["id"])
    await provider.attest_mca(indirect["id"])
    line = {"lineItemNumber": 0, "offerId": E3, "quantity": 5, "termDuration": "P1Y", "billingCycle": "monthly"}
    order_request = ok(
        await reseller.post(
            "/v1/orderrequests",
            json={"customerId": indirect["id"], "indirectProviderId": provider.id, "lineItems": [line]},
        ),
        201,
    )
    victim.request_ids["/v1/orderrequests/"] = victim.keep("order request id", order_request["id"])
    invited = await world.customer()
    victim.know(invited, "invited customer")
    personal = ok(
        await reseller.post(
            "/v1/customers/invitations", json={"indirectProviderId": provider.id, "customerTenantId": invited.id}
        ),
        201,
    )
    victim.keep("customer invitation id", personal["id"])
    p["code"] = victim.keep("customer invitation code", personal["url"].rsplit("/", 1)[-1])

    # The marketplace: the provider, as a distributor, registers its reseller, which requests program access.
    market = "/marketplace/v1/accounts"
    account = ok(
        await world.http.post(
            market, headers=bearer(await provider.app_token()), json={"resellerTenantId": reseller.id}
        ),
        201,
    )
    p["account_id"] = victim.keep("marketplace account id", account["id"])
    program = {"program": "Microsoft Azure Reseller Program"}
    access = await world.http.post(
        f"{market}/{account['id']}/programs", headers=bearer(await reseller.portal_token()), json=program
    )
    p["access_id"] = victim.keep("program access id", ok(access, 201)["id"])
    p["distributor_id"] = provider.id

    # The operator's fault rule, on a path nothing calls, so it never fires during the walk.
    rule = {"kind": "error", "pathPrefix": "/v1/never-called/", "probability": 1.0, "statusCode": 503}
    p["fault_id"] = victim.keep("fault rule id", ok(await world.sim("POST", "/faults", json=rule), 201)["id"])

    victim.owners = await partner_tokens(direct, world.sandbox["adminKey"])
    # Customer users are GDAP work: a person of the partner who holds the assigned roles, not its app.
    portal = await direct.portal_token()
    victim.owners["/v1/customers/{customer_id}/users"] = portal
    victim.owners["/v1/customers/{customer_id}/directoryroles"] = portal
    victim.owners["/v1/customers/{customer_id}/subscribedskus"] = portal
    victim.owners[f"{ADMIN_CENTER.prefix}/granularAdminRelationships/"] = await customer.portal_token()
    victim.owners[f"{ADMIN_CENTER.prefix}/invitations/"] = await invited.portal_token()
    victim.owners["/marketplace/v1/"] = await provider.app_token()
    # The resale routes belong to the distributor that re-bills its reseller (another indirect provider).
    for resale in ("pricebooks", "resellers/", "customers/"):
        victim.owners[f"/marketplace/v1/{resale}"] = await distributor.app_token()
    return victim


def shows(text: str, value: str) -> bool:
    """The value stands whole in the text: a seven-digit PartnerID inside some other id's digits is not a leak."""
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text) is not None


def parameterised_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if PARAMETER.search(path)
        for method in operations
    ]


def surface_of(path: str) -> Surface | None:
    return next((s for s in SURFACES if path.startswith(tuple(p + "/" for p in s.prefixes))), None)


def in_scope(path: str) -> bool:
    """The tenant surfaces and the operator's control surface; the open paths are in NOT_COVERED."""
    return surface_of(path) is not None or path.startswith(CONTROL_PREFIX)


def walk_order(route: tuple[str, str]) -> tuple[bool, bool, str, str]:
    """Reads first, and the control routes that would wipe the sandbox last: were one to let a stranger through,
    the rest of the walk still runs against the victim's objects."""
    method, path = route
    destructive = path.startswith(CONTROL_PREFIX) and (method == "DELETE" or path.endswith(("/reset", "/seed")))
    return destructive, method != "GET", path, method


@dataclass
class Caller:
    """One kind of caller: the bearer token it sends on each surface."""

    name: str
    tokens: dict[str, str]  # surface prefix, or CONTROL_PREFIX -> token

    def headers(self, path: str) -> dict[str, str]:
        surface = surface_of(path)
        return bearer(self.tokens[surface.prefix if surface else CONTROL_PREFIX])


async def partner_tokens(partner: Party, control: str) -> dict[str, str]:
    """A partner's integration: its app's tokens, Partner Center's and Graph's, as its scripts hold them."""
    pc = await partner.app_token()
    tokens = {s.prefix: pc for s in SURFACES}
    tokens[GRAPH_API.prefix] = await graph_token(partner)
    tokens[CONTROL_PREFIX] = control
    return tokens


async def callers(world: World) -> list[Caller]:
    stranger = await world.direct_bill_partner()
    stranger_tokens = await partner_tokens(stranger, await stranger.app_token())
    customer = await world.customer()
    portal = await customer.portal_token()  # a portal sign-in passes every audience
    other = await World.create(world.http)
    # The other sandbox's tenants of each surface's kind, so each refusal is about the sandbox, not the lane; on
    # the control surface, its admin key.
    other_tokens = await partner_tokens(await other.direct_bill_partner(), other.sandbox["adminKey"])
    other_tokens[ADMIN_CENTER.prefix] = await (await other.customer()).portal_token()
    return [
        Caller(STRANGER_PARTNER, stranger_tokens),
        Caller(STRANGER_CUSTOMER, {**{s.prefix: portal for s in SURFACES}, CONTROL_PREFIX: portal}),
        Caller(OTHER_SANDBOX, other_tokens),
    ]


def test_every_route_outside_the_matrix_says_why(app: FastAPI) -> None:
    """The open paths take no tenant's token or admin key, so the matrix has no stranger to send: each is listed in
    NOT_COVERED with its reason, and NOT_COVERED names only served routes. (Whether each route of the tenant and
    control surfaces is filled with the victim's ids is checked where the victim is built, below.)"""
    routes = parameterised_routes(app)
    for method, path in routes:
        assert in_scope(path) or (method, path) in NOT_COVERED, f"{method} {path}: walk it, or say why in NOT_COVERED"
    stale = set(NOT_COVERED) - set(routes)
    assert not stale, f"NOT_COVERED names routes the app no longer serves: {sorted(stale)}"


async def test_no_stranger_reaches_a_victims_object_through_any_route(client: httpx.AsyncClient, app: FastAPI) -> None:
    """Every parameterised route by three strangers: 400, 401, 403 or 404, and none of the victim's ids."""
    victim = await build_victim(await World.create(client))
    in_matrix = [(m, p) for m, p in parameterised_routes(app) if in_scope(p)]
    walked = sorted(((m, p) for m, p in in_matrix if (m, p) not in NOT_COVERED), key=walk_order)
    # A route of the tenant or control surfaces is walked with the victim's ids, or NOT_COVERED says why it cannot.
    unfilled = [f"{m} {p}" for m, p in walked if victim.url(p) is None]
    assert not unfilled, (
        f"fill their parameters from the victim (build_victim), or list them in NOT_COVERED: {unfilled}"
    )
    excused = [f"{m} {p}" for m, p in in_matrix if (m, p) in NOT_COVERED and victim.url(p) is not None]
    assert not excused, f"the victim fills these now: walk them, take them out of NOT_COVERED: {excused}"
    # The owner reads each of them: every id is real, so a stranger's refusal is about the stranger.
    for method, path in walked:
        if method == "GET":
            r = await client.get(str(victim.url(path)), headers=victim.owner(path))
            assert r.status_code == 200, (path, r.status_code, r.text)
    mine = await client.get(f"/v1/customers/{victim.parameters['customer_id']}", headers=victim.owner("/v1/"))
    assert shows(mine.text, victim.secrets["customer domain"]), "the matrix would not see a leak of the customer"
    failures: list[str] = []
    seen_leaks: set[tuple[str, str, str]] = set()
    for caller in await callers(victim.world):
        for method, path in walked:
            url = str(victim.url(path))
            r = await client.request(
                method, url, headers=caller.headers(path), json={} if method in WITH_BODY else None
            )
            # An id the caller itself sent may come back in the refusal ("Customer <id> was not found").
            leaked = [label for label, value in victim.secrets.items() if shows(r.text, value) and value not in url]
            if r.status_code in REFUSALS and not leaked:
                continue
            if (method, path, caller.name) in KNOWN_LEAKS:
                seen_leaks.add((method, path, caller.name))
                continue
            what = f" leaked {', '.join(leaked)}" if leaked else ""
            failures.append(f"{method} {path} as {caller.name}: {r.status_code}{what}: {r.text[:160]}")
    fixed = set(KNOWN_LEAKS) - seen_leaks
    assert not fixed, f"these leaks are fixed: take them out of KNOWN_LEAKS: {sorted(fixed)}"
    assert not failures, f"{len(failures)} of {3 * len(walked)} calls reached the victim:\n" + "\n".join(failures)
