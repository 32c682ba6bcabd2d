"""How each actor of a loaded scenario gets in: its credentials, a token request that works, a call its token
opens, and both as one curl line to paste.

A partner with the Partner Center API (active direct bill or indirect provider, PRG-9) and an app asks for a token
as its code would: client credentials. Anyone else (an indirect reseller, a customer) signs in as a person in the
portal, through the sandbox's portal-sessions call: a password grant without a client id would be ambiguous as
soon as the same scenario is loaded into a second sandbox with the same passwords.
"""

import json
import shlex

from app.customers import invitations
from app.kernel.context import SandboxContext
from app.programs import service as programs
from app.scenarios.schemas import (
    ActorOut,
    AppOut,
    LinkOut,
    PartnershipOut,
    Probe,
    ProgramOut,
    ScenarioLoaded,
    SubscriptionOut,
    TokenRequest,
    UserOut,
)
from app.scenarios.service import BuiltTenant, LoadedScenario

PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default"


def curl_line(token: TokenRequest, probe: Probe) -> str:
    """One shell line: ask for the token, keep it in $TOKEN, make the probe call with it."""
    ask = ["curl", "-s", "-X", token.method, shlex.quote(token.url)]
    for name, value in token.headers.items():
        ask += ["-H", shlex.quote(f"{name}: {value}")]
    for name, value in (token.form or {}).items():
        ask += ["--data-urlencode", shlex.quote(f"{name}={value}")]
    if token.json_body is not None:
        ask += ["-H", shlex.quote("Content-Type: application/json"), "-d", shlex.quote(json.dumps(token.json_body))]
    read = shlex.quote(f'import json,sys; print(json.load(sys.stdin)["{token.token_field}"])')
    call = f'curl -s -X {probe.method} {shlex.quote(probe.url)} -H "Authorization: Bearer $TOKEN"'
    return f"TOKEN=$({' '.join(ask)} | python3 -c {read}) && {call}"


def _portal_session(built: BuiltTenant, *, sandbox_url: str, admin_key: str) -> TokenRequest:
    person = built.global_admin() or built.users[0].user
    return TokenRequest(
        url=f"{sandbox_url}/portal-sessions",
        headers={"Authorization": f"Bearer {admin_key}"},
        json_body={"tenantId": str(built.tenant.id), "userPrincipalName": person.user_principal_name},
        token_field="accessToken",
    )


async def _token_request(
    ctx: SandboxContext, built: BuiltTenant, *, base_url: str, sandbox_url: str, admin_key: str
) -> TokenRequest:
    if built.apps and (await programs.capabilities(ctx, built.tenant.id)).api_access:
        app, secret = built.apps[0]
        return TokenRequest(
            url=f"{base_url}/{built.tenant.id}/oauth2/v2.0/token",
            form={
                "grant_type": "client_credentials",
                "client_id": str(app.client_id),
                "client_secret": secret,
                "scope": PARTNER_CENTER_SCOPE,
            },
            token_field="access_token",
        )
    return _portal_session(built, sandbox_url=sandbox_url, admin_key=admin_key)


async def _actor(ctx: SandboxContext, built: BuiltTenant, *, partner: bool, base_url: str, admin_key: str) -> ActorOut:
    sandbox_url = f"{base_url}/sim/v1/sandboxes/{ctx.sandbox_id}"
    token = await _token_request(ctx, built, base_url=base_url, sandbox_url=sandbox_url, admin_key=admin_key)
    probe = Probe(url=f"{base_url}/v1/profiles/partner" if partner else f"{base_url}/admin/v1/partnerRelationships")
    profile = await programs.find_profile(ctx, built.tenant.id) if partner else None
    return ActorOut(
        ref=built.ref,
        kind=built.tenant.kind,
        tenant_id=built.tenant.id,
        display_name=built.tenant.display_name,
        domain=built.tenant.domain,
        partner_id=profile.partner_id if profile else None,
        programs=[ProgramOut(**p) for p in await programs.program_statuses(ctx, built.tenant.id)] if partner else [],
        users=[
            UserOut(
                id=u.user.id, user_principal_name=u.user.user_principal_name, password=u.password, roles=u.user.roles
            )
            for u in built.users
        ],
        apps=[
            AppOut(display_name=app.display_name, client_id=app.client_id, client_secret=secret)
            for app, secret in built.apps
        ],
        token_request=token,
        probe=probe,
        curl=curl_line(token, probe),
    )


async def handover(ctx: SandboxContext, loaded: LoadedScenario, *, base_url: str, admin_key: str) -> ScenarioLoaded:
    """What the scenario made, with each actor's way in (`base_url`: where clients reach cspsim)."""
    base_url = base_url.rstrip("/")
    return ScenarioLoaded(
        sandbox_id=ctx.sandbox_id,
        name=loaded.name,
        partners=[
            await _actor(ctx, b, partner=True, base_url=base_url, admin_key=admin_key) for b in loaded.partners.values()
        ],
        customers=[
            await _actor(ctx, b, partner=False, base_url=base_url, admin_key=admin_key)
            for b in loaded.customers.values()
        ],
        partnerships=[
            PartnershipOut(
                id=p.partnership.id, provider=p.provider, reseller=p.reseller, status=p.partnership.status.value
            )
            for p in loaded.partnerships
        ],
        links=[
            LinkOut(
                customer=link.customer,
                partner=link.partner,
                provider=link.provider,
                url=f"{base_url}/admin/invitations/{link.invitation.code}",
                # A standing link (REL-7) stays open for the next customer once this one accepted it.
                status="Accepted" if link.accepted else invitations.state_of(ctx, link.invitation),
            )
            for link in loaded.links
        ],
        subscriptions=[
            SubscriptionOut(
                id=s.subscription.id,
                customer=s.customer,
                partner=s.partner,
                channel=s.subscription.channel,
                offer_id=s.subscription.offer_id,
                quantity=s.subscription.quantity,
            )
            for s in loaded.subscriptions
        ],
    )


def _token_text(token: TokenRequest) -> str:
    if token.form is not None:
        return f"{token.method} {token.url}  " + " ".join(f"{k}={v}" for k, v in token.form.items())
    return f"{token.method} {token.url}  {json.dumps(token.json_body)}  (Authorization: the admin key)"


def describe(loaded: ScenarioLoaded) -> str:
    """The handover as a person reads it: each actor, its credentials, how to get a token, a curl line that works."""
    lines: list[str] = []
    for actor in [*loaded.partners, *loaded.customers]:
        programs_text = ", ".join(f"{p.program} {p.status}" for p in actor.programs)
        head = f"{actor.ref}: {actor.kind} {actor.display_name}, tenant {actor.tenant_id}"
        if actor.partner_id:
            head += f", PartnerID {actor.partner_id}"
        lines += ["", head + (f" ({programs_text})" if programs_text else "")]
        for user in actor.users:
            lines.append(f"  user     {user.user_principal_name}  password {user.password}  ({', '.join(user.roles)})")
        for app in actor.apps:
            lines.append(f"  app      {app.display_name}  client id {app.client_id}  secret {app.client_secret}")
        lines.append(f"  token    {_token_text(actor.token_request)}")
        lines.append(f"  curl     {actor.curl}")
    pending = [link for link in loaded.links if link.status != "Accepted"]
    if pending:
        lines += ["", "Links waiting for the customer's Global admin:"]
        lines += [f"  {link.customer} <- {link.partner}: {link.url}" for link in pending]
    return "\n".join(lines)
