"""Tenants, users, apps, and the token grants of Entra ID."""

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, TypeVar

import jwt
from sqlalchemy import Text, and_, bindparam, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.discovery import issuer
from app.kernel.clock import real_now, sandbox_now
from app.kernel.context import Actor, Channel, SandboxContext, SandboxState, TenantContext
from app.kernel.credentials import check_password, digest, hash_password, matches_digest, new_secret
from app.kernel.errors import BadRequest, Conflict, FailedSignIn, NotFound, OAuthError, explain_unique_key
from app.kernel.errors import OAuthErrorCode as E
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.principals import SandboxRow
from app.kernel.roles import ROLES, CustomerRole
from app.kernel.settings import SandboxSettings
from app.kernel.statements import Read, add_now
from app.kernel.tokens import (
    GRAPH,
    PARTNER_CENTER,
    PORTAL_APP_ID,
    PORTAL_AUDIENCE,
    REFRESH_AUDIENCE,
    REFRESH_LIFETIME,
    Keyring,
)
from app.models import AppRegistration, CustomerUserAccount, CustomerUserState, Sandbox, Tenant, TenantKind, User

C = TypeVar("C", bound=TenantContext)

# Resources a token can be asked for, by every name Entra accepts for them.
RESOURCES = {
    PARTNER_CENTER: PARTNER_CENTER,
    "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd": PARTNER_CENTER,
    "https://api.partner.microsoft.com": PARTNER_CENTER,
    GRAPH: GRAPH,
    "00000003-0000-0000-c000-000000000000": GRAPH,
}


# --- tenants, users, apps (control surface) -------------------------------------------------------------------


async def create_tenant(
    ctx: SandboxContext, *, kind: TenantKind, display_name: str, domain: str, country: str
) -> Tenant:
    """A tenant of the sandbox; its domain is unique within the sandbox (the unique key checks it as the row is
    written: no read before every insert). A domain's case means nothing (DNS, Entra): it is kept in lower case,
    so the key, discovery and the availability check all compare it as one spelling."""
    tenant = Tenant(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        kind=kind,
        display_name=display_name,
        domain=domain.lower(),
        country=country,
        created_at=ctx.now,
    )
    await add_now(ctx.session, tenant)
    return tenant


explain_unique_key(
    "tenants", ["sandbox_id", "domain"], "This domain already belongs to a tenant of this sandbox; choose another."
)
explain_unique_key(
    "users", ["sandbox_id", "user_principal_name"], "A user of this name already exists in this sandbox."
)


@dataclass(frozen=True)
class NewUser:
    user_principal_name: str
    display_name: str | None
    password: str | None
    roles: Sequence[str]


@dataclass(frozen=True)
class RegisteredTenant:
    tenant: Tenant
    users: list[tuple[User, str | None]]
    apps: list[tuple[AppRegistration, str]]


async def register_tenant(
    ctx: SandboxContext,
    *,
    kind: TenantKind,
    display_name: str,
    domain: str,
    country: str,
    users: Sequence[NewUser],
    apps: Sequence[str],
) -> RegisteredTenant:
    """A tenant with its users and app registrations (a partner's Partner Center profile is `programs`')."""
    tenant = await create_tenant(ctx, kind=kind, display_name=display_name, domain=domain, country=country)
    added_users = [
        await add_user(
            ctx,
            tenant,
            user_principal_name=u.user_principal_name,
            display_name=u.display_name,
            password=u.password,
            roles=u.roles,
            tenant_is_new=True,
        )
        for u in users
    ]
    added_apps = [await add_app(ctx, tenant, display_name=name) for name in apps]
    return RegisteredTenant(tenant=tenant, users=added_users, apps=added_apps)


async def get_tenant(ctx: SandboxContext, tenant_id: uuid.UUID) -> Tenant:
    return await one(ctx, Tenant, tenant_id, what="Tenant")


async def list_tenants(ctx: SandboxContext, page: PageRequest, *, kind: TenantKind | None) -> Page[Tenant]:
    stmt = select(Tenant).where(Tenant.sandbox_id == ctx.sandbox_id)
    if kind:
        stmt = stmt.where(Tenant.kind == kind)
    return await keyset(ctx.session, stmt, keys=[Tenant.id], page=page)


async def add_user(
    ctx: SandboxContext,
    tenant: Tenant,
    *,
    user_principal_name: str,
    display_name: str | None,
    password: str | None,
    roles: Sequence[str],
    tenant_is_new: bool = False,
) -> tuple[User, str | None]:
    """A user of the tenant, signed in with its UPN (in the tenant's domain) and password.
    Answers the generated password when none was given. A tenant just written holds a domain no other tenant has,
    so no user can hold a name in it yet: its users' names need no read first (the unique key stands guard)."""
    upn = user_principal_name.lower()
    if upn.rsplit("@", 1)[-1] != tenant.domain:
        raise BadRequest(f"The user principal name {upn} must be in the tenant's domain {tenant.domain}.")
    unknown = sorted(set(roles) - ROLES[tenant.kind])
    if unknown:
        raise BadRequest(
            f"Unknown role(s) {', '.join(unknown)} for a {tenant.kind} tenant; "
            f"known: {', '.join(sorted(ROLES[tenant.kind]))}."
        )
    if not tenant_is_new and await ctx.session.scalar(
        select(User.id).where(User.sandbox_id == ctx.sandbox_id, User.user_principal_name == upn)
    ):
        raise Conflict(f"A user {upn} already exists in this sandbox.")
    generated = None if password else new_secret()[:20]
    user = User(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        tenant_id=tenant.id,
        user_principal_name=upn,
        display_name=display_name or upn.split("@")[0],
        password_hash=hash_password(password or generated or "", generated=generated is not None),
        roles=sorted(set(roles)),
        created_at=ctx.now,
    )
    await add_now(ctx.session, user)
    return user, generated


async def list_users(ctx: SandboxContext, tenant: Tenant, page: PageRequest) -> Page[User]:
    stmt = select(User).where(User.sandbox_id == ctx.sandbox_id, User.tenant_id == tenant.id)
    return await keyset(ctx.session, stmt, keys=[User.id], page=page)


async def add_app(ctx: SandboxContext, tenant: Tenant, *, display_name: str) -> tuple[AppRegistration, str]:
    """An app registration with a client id (globally unique) and a secret (answered once)."""
    secret = new_secret()
    app = AppRegistration(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        tenant_id=tenant.id,
        display_name=display_name,
        client_id=uuid.uuid4(),
        secret_hash=digest(secret),
        created_at=ctx.now,
    )
    await add_now(ctx.session, app)
    return app, secret


async def list_apps(ctx: SandboxContext, tenant: Tenant, page: PageRequest) -> Page[AppRegistration]:
    stmt = select(AppRegistration).where(
        AppRegistration.sandbox_id == ctx.sandbox_id, AppRegistration.tenant_id == tenant.id
    )
    return await keyset(ctx.session, stmt, keys=[AppRegistration.id], page=page)


# --- tokens ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    resource: str
    refresh_token: str | None
    # A user's sign-in asked with the `openid` scope: who signed in, for the client (MSAL caches accounts by it).
    id_token: str | None = None
    # Entra's account key (`{"uid": oid, "utid": tid}`, base64url), answered to clients that ask (client_info=1).
    client_info: str | None = None


@dataclass(frozen=True)
class Signer:
    session: AsyncSession
    keyring: Keyring
    issuer_base: str


async def _sign(
    signer: Signer,
    sandbox: SandboxState,
    tenant_id: uuid.UUID,
    *,
    resource: str,
    channel: Channel,
    principal: "User | _Client",
    client_id: uuid.UUID,
    refresh: bool,
    openid: bool = False,
) -> Issued:
    """An access token for a user (with its refresh token and, for `openid`, its id token) or for an app alone."""
    lifetime = int(sandbox.settings.get("tokenLifetimeSeconds", 3600))
    now = real_now()
    claims: dict[str, Any] = {
        "aud": resource if channel is Channel.API else PORTAL_AUDIENCE,
        "iss": issuer(signer.issuer_base, tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=lifetime),
        "ver": "2.0",
        "tid": str(tenant_id),
        "sandbox": str(sandbox.id),
        "channel": channel.value,
        "appid": str(client_id),
        "azp": str(client_id),
    }
    user: User | None = None  # the user's token also gets a refresh token and an id token
    if isinstance(principal, User):
        user = principal
        claims |= {
            "oid": str(user.id),
            "sub": str(user.id),
            "upn": user.user_principal_name,
            "unique_name": user.user_principal_name,
            "name": user.display_name,
            "roles": user.roles,
            "scp": "user_impersonation",
            "idtyp": "user",
        }
    else:
        claims |= {"oid": str(principal.id), "sub": str(principal.id), "roles": [], "idtyp": "app"}
    access = await signer.keyring.sign(signer.session, claims)
    refresh_token = None
    if refresh and user is not None:
        refresh_token = await signer.keyring.sign(
            signer.session,
            {
                "aud": REFRESH_AUDIENCE,
                "iat": now,
                "exp": now + REFRESH_LIFETIME,
                "tid": str(tenant_id),
                "sandbox": str(sandbox.id),
                "oid": str(user.id),
                "appid": str(client_id),
                "channel": channel.value,
            },
        )
    if user is None:
        return Issued(access_token=access, expires_in=lifetime, resource=resource, refresh_token=refresh_token)
    id_token = None
    if openid:
        id_token = await signer.keyring.sign(
            signer.session,
            {
                "aud": str(client_id),
                "iss": issuer(signer.issuer_base, tenant_id),
                "iat": now,
                "nbf": now,
                "exp": now + timedelta(seconds=lifetime),
                "ver": "2.0",
                "tid": str(tenant_id),
                "sandbox": str(sandbox.id),
                "oid": str(user.id),
                "sub": str(user.id),
                "preferred_username": user.user_principal_name,
                "name": user.display_name,
            },
        )
    account = json.dumps({"uid": str(user.id), "utid": str(tenant_id)}).encode()
    return Issued(
        access_token=access,
        expires_in=lifetime,
        resource=resource,
        refresh_token=refresh_token,
        id_token=id_token,
        client_info=base64.urlsafe_b64encode(account).decode().rstrip("="),
    )


def _wants_id_token(scope: str | None) -> bool:
    return "openid" in (scope or "").split()


def _resource(scope: str | None, resource: str | None) -> str:
    wanted = resource
    if not wanted and scope:
        resource_scopes = [s for s in scope.split() if "/" in s or s.count("-") == 4]
        named = {s.rsplit("/", 1)[0].rstrip("/") for s in resource_scopes}
        if len({RESOURCES.get(n, n) for n in named}) > 1:  # a token is for one resource
            raise OAuthError(
                E.INVALID_SCOPE,
                28000,
                "Provided value for the input parameter scope is not valid because it contains more than one "
                f"resource. Scope {scope} is not valid.",
            )
        wanted = resource_scopes[0].rsplit("/", 1)[0] if resource_scopes else None
    if not wanted:
        return PARTNER_CENTER
    found = RESOURCES.get(wanted.rstrip("/"))
    if found is None:
        raise OAuthError(
            E.INVALID_RESOURCE, 500011, f"The resource principal named {wanted} was not found in the tenant."
        )
    return found


def _tenant_matches(tenant_id: uuid.UUID, domain: str, path_tenant: str) -> bool:
    """Entra takes a tenant id, one of its domains, or `common` / `organizations`."""
    return path_tenant.lower() in {"common", "organizations", str(tenant_id), domain}


def _not_in_tenant(path_tenant: str) -> OAuthError:
    return OAuthError(
        E.INVALID_REQUEST, 90002, f"Tenant '{path_tenant}' not found, or the application or user is not in it."
    )


# An app with its sandbox and its tenant's domain, which a token names next: one statement, read as values (the
# ORM's entities and its transaction were a fifth of a token request's CPU).
_CLIENT = Read(
    select(
        AppRegistration.id,
        AppRegistration.client_id,
        AppRegistration.secret_hash,
        AppRegistration.tenant_id,
        Tenant.domain,
        Sandbox.id,
        Sandbox.seed,
        cast(Sandbox.settings, Text),
        Sandbox.clock_offset_us,
        Sandbox.frozen_at,
    )
    .join(Sandbox, Sandbox.id == AppRegistration.sandbox_id)
    .join(Tenant, and_(Tenant.sandbox_id == AppRegistration.sandbox_id, Tenant.id == AppRegistration.tenant_id))
    .where(AppRegistration.client_id == bindparam("client_id"))
)


@dataclass(frozen=True)
class _Client:
    """An app whose secret was checked, as values: its object id (a token's `oid`), its sandbox as a tenant's request
    reads it, and its tenant."""

    id: uuid.UUID
    client_id: uuid.UUID
    secret_hash: str
    tenant_id: uuid.UUID
    tenant_domain: str
    sandbox: SandboxRow

    @classmethod
    def of(cls, row: Sequence[Any]) -> "_Client":
        app_id, client_id, secret_hash, tenant_id, domain, *sandbox = row
        return cls(app_id, client_id, secret_hash, tenant_id, domain, SandboxRow(*sandbox))


async def _app_by_client(session: AsyncSession, client_id: str | None, secret: str | None) -> _Client:
    if not client_id:
        raise OAuthError(
            E.INVALID_REQUEST, 900144, "The request body must contain the following parameter: 'client_id'."
        )
    try:
        client_uuid = uuid.UUID(client_id)
    except ValueError:
        raise OAuthError(
            E.UNAUTHORIZED_CLIENT, 700016, f"Application with identifier '{client_id}' was not found in the directory."
        ) from None
    found = await _CLIENT.one_or_none(session, {"client_id": client_uuid})
    if found is None:  # no such app, or it outlived its sandbox
        raise OAuthError(
            E.UNAUTHORIZED_CLIENT, 700016, f"Application with identifier '{client_id}' was not found in the directory."
        )
    if not secret:
        raise OAuthError(
            E.INVALID_CLIENT,
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            status_code=401,
        )
    client = _Client.of(found)
    if not matches_digest(secret, client.secret_hash):
        raise OAuthError(
            E.INVALID_CLIENT,
            7000215,
            "Invalid client secret provided. Ensure the secret being sent "
            "in the request is the client secret value, not the client secret ID.",
            status_code=401,
        )
    return client


async def _tenant_of(session: AsyncSession, sandbox_id: uuid.UUID, tenant_id: uuid.UUID, path_tenant: str) -> Tenant:
    tenant = await session.get(Tenant, (sandbox_id, tenant_id))
    if tenant is None or not _tenant_matches(tenant.id, tenant.domain, path_tenant):
        raise _not_in_tenant(path_tenant)
    return tenant


async def token_client_credentials(
    signer: Signer,
    *,
    path_tenant: str,
    client_id: str | None,
    client_secret: str | None,
    scope: str | None,
    resource: str | None,
    scope_required: bool = False,
) -> Issued:
    """An app-only token: the API channel. An app holds no delegated permission, so each scope it asks for names a
    resource with `/.default` (its application permissions), as Entra refuses otherwise (AADSTS1002012); at the v2
    endpoint (`scope_required`) it must ask one (AADSTS900144)."""
    if scope_required and not scope:
        raise OAuthError(E.INVALID_REQUEST, 900144, "The request body must contain the following parameter: 'scope'.")
    for asked in (scope or "").split():
        if not asked.endswith("/.default"):
            raise OAuthError(
                E.INVALID_SCOPE,
                1002012,
                f"The provided value for scope {asked} is not valid. Client credential flows must have a scope value "
                "with /.default suffixed to the resource identifier (application ID URI).",
            )
    client = await _app_by_client(signer.session, client_id, client_secret)
    if not _tenant_matches(client.tenant_id, client.tenant_domain, path_tenant):
        raise _not_in_tenant(path_tenant)
    return await _sign(
        signer,
        client.sandbox,
        client.tenant_id,
        resource=_resource(scope, resource),
        channel=Channel.API,
        principal=client,
        client_id=client.client_id,
        refresh=False,
    )


async def _users_named(session: AsyncSession, upn: str, sandbox_id: uuid.UUID | None) -> list[User]:
    stmt = select(User).where(User.user_principal_name == upn.lower())
    if sandbox_id is not None:
        stmt = stmt.where(User.sandbox_id == sandbox_id)
    return list((await session.execute(stmt)).scalars())


async def token_password(
    signer: Signer,
    *,
    path_tenant: str,
    client_id: str | None,
    client_secret: str | None,
    username: str | None,
    password: str | None,
    scope: str | None,
    resource: str | None,
) -> Issued:
    """A user's token: with a client id it is the API channel (app + user); without, a portal sign-in."""
    if not username or password is None:
        raise OAuthError(
            E.INVALID_REQUEST, 900144, "The request body must contain the parameters 'username' and 'password'."
        )
    app = await _app_by_client(signer.session, client_id, client_secret) if client_id else None
    candidates = await _users_named(signer.session, username, app.sandbox.id if app else None)
    outcomes = {user: await _try_password(signer.session, user, password) for user in candidates}
    signed_in = [user for user, outcome in outcomes.items() if outcome is SignIn.ACCEPTED]
    if not signed_in:
        # One answer for an unknown user and a wrong password, so a guess never tells which names exist; the
        # wrong passwords counted towards a lockout stay counted.
        if SignIn.LOCKED in outcomes.values():
            raise FailedSignIn(OAuthError(E.INVALID_GRANT, 50053, LOCKED_MESSAGE))
        raise FailedSignIn(OAuthError(E.INVALID_GRANT, 50126, WRONG_CREDENTIALS))
    if len(signed_in) > 1:
        raise OAuthError(
            E.INVALID_REQUEST,
            50020,
            f"The user {username} exists with this password in more than one "
            "sandbox; sign in with the sandbox's portal-sessions call or with an app's client id.",
        )
    user = signed_in[0]
    tenant = await _tenant_of(signer.session, user.sandbox_id, user.tenant_id, path_tenant)
    if app is not None and app.tenant_id != user.tenant_id:
        raise OAuthError(E.INVALID_GRANT, 700016, f"Application '{client_id}' is not registered in the user's tenant.")
    sandbox = await signer.session.get(Sandbox, user.sandbox_id)
    if sandbox is None:  # the user outlived its sandbox: as unknown as a user never created
        raise OAuthError(E.INVALID_GRANT, 50126, WRONG_CREDENTIALS)
    return await _sign(
        signer,
        sandbox,
        tenant.id,
        resource=_resource(scope, resource),
        channel=Channel.API if app else Channel.PORTAL,
        principal=user,
        client_id=app.client_id if app else PORTAL_APP_ID,
        refresh=True,
        openid=_wants_id_token(scope),
    )


async def token_refresh(
    signer: Signer,
    *,
    path_tenant: str,
    refresh_token: str | None,
    client_id: str | None,
    client_secret: str | None,
    scope: str | None,
    resource: str | None,
) -> Issued:
    """The Secure Application Model: a stored refresh token buys a new access token."""
    if not refresh_token:
        raise OAuthError(E.INVALID_REQUEST, 900144, "The request body must contain the parameter 'refresh_token'.")
    try:
        claims = await signer.keyring.verify(signer.session, refresh_token, audiences=[REFRESH_AUDIENCE])
        sandbox_id, user_id, token_client = uuid.UUID(claims["sandbox"]), uuid.UUID(claims["oid"]), claims["appid"]
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise OAuthError(
            E.INVALID_GRANT,
            9002313,
            "Invalid request. The refresh token is malformed, expired or was not issued by this service.",
        ) from None
    channel = Channel(claims.get("channel", Channel.API))
    app = None
    if channel is Channel.API:
        if client_id != token_client:
            raise OAuthError(E.INVALID_GRANT, 70000, "The refresh token was issued to another application.")
        app = await _app_by_client(signer.session, client_id, client_secret)
    user = await signer.session.get(User, (sandbox_id, user_id))
    sandbox = await signer.session.get(Sandbox, sandbox_id)
    if user is None or sandbox is None or await _deleted(signer.session, user):
        raise OAuthError(E.INVALID_GRANT, 50034, "The user of this refresh token no longer exists.")
    tenant = await _tenant_of(signer.session, sandbox_id, user.tenant_id, path_tenant)
    return await _sign(
        signer,
        sandbox,
        tenant.id,
        resource=_resource(scope, resource),
        channel=channel,
        principal=user,
        client_id=app.client_id if app else PORTAL_APP_ID,
        refresh=True,
        openid=_wants_id_token(scope),
    )


@dataclass(frozen=True)
class Grant:
    """A token request as Entra ID takes it (form fields)."""

    path_tenant: str
    grant_type: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    resource: str | None = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    v2: bool = False  # asked at the v2 endpoint, which names what it wants by `scope` (v1: by `resource`)


async def issue_token(signer: Signer, grant: Grant) -> Issued:
    """`client_credentials` (an app: the API channel), `password` with a client id (app + user: the API
    channel) or without (a person in the portal), `refresh_token` (the Secure Application Model)."""
    client = {"client_id": grant.client_id, "client_secret": grant.client_secret}
    wants = {"scope": grant.scope, "resource": grant.resource}
    match (grant.grant_type or "").lower():
        case "client_credentials":
            return await token_client_credentials(
                signer, path_tenant=grant.path_tenant, scope_required=grant.v2, **client, **wants
            )
        case "password":
            return await token_password(
                signer,
                path_tenant=grant.path_tenant,
                username=grant.username,
                password=grant.password,
                **client,
                **wants,
            )
        case "refresh_token":
            return await token_refresh(
                signer, path_tenant=grant.path_tenant, refresh_token=grant.refresh_token, **client, **wants
            )
        case "":
            raise OAuthError(
                E.INVALID_REQUEST, 900144, "The request body must contain the following parameter: 'grant_type'."
            )
        case other:
            raise OAuthError(E.UNSUPPORTED_GRANT_TYPE, 70003, f"The app requested an unsupported grant type '{other}'.")


async def _deleted(session: AsyncSession, user: User) -> bool:
    """Soft-deleted through Partner Center (restorable for 30 days): it signs in no more, by any grant."""
    account = await session.get(CustomerUserAccount, (user.sandbox_id, user.id))
    return account is not None and account.status is CustomerUserState.INACTIVE


async def portal_session(ctx: SandboxContext, signer: Signer, *, tenant_id: uuid.UUID, upn: str) -> Issued:
    """Sign a user in as a person would in the portal (no password: the operator vouches)."""
    tenant = await get_tenant(ctx, tenant_id)
    named = select(User).where(User.tenant_id == tenant.id, User.user_principal_name == upn.lower())
    user = (await ctx.session.execute(named.where(User.sandbox_id == ctx.sandbox_id))).scalar_one_or_none()
    if user is None:  # looked up by name, not id: the one lookup by id does not apply
        raise NotFound(f"User {upn} of tenant", tenant_id)
    if await _deleted(ctx.session, user):
        raise Conflict(f"User {upn} is deleted (inactive): restore it (PATCH its state to active) to sign it in.")
    return await _sign(
        signer,
        ctx.sandbox,
        tenant.id,
        resource=PARTNER_CENTER,
        channel=Channel.PORTAL,
        principal=user,
        client_id=PORTAL_APP_ID,
        refresh=False,
    )


# --- principals --------------------------------------------------------------------------------------------------
# A bearer token becomes a caller in `app.kernel.pipeline.authenticate`; here, a person signing in on a page and a
# counter-party acting through its Global admin.


async def sign_in(session: AsyncSession, *, sandbox_id: uuid.UUID, upn: str, password: str) -> TenantContext | None:
    """A person signing in on one of cspsim's pages, within the sandbox the page belongs to; None when the email or
    password is wrong, or the account is locked (smart lockout counts here too). A user always belongs to a tenant,
    so the context is a tenant's."""
    user = (
        await session.execute(
            select(User).where(User.sandbox_id == sandbox_id, User.user_principal_name == upn.strip().lower())
        )
    ).scalar_one_or_none()
    sandbox = await session.get(Sandbox, sandbox_id)
    if user is None or sandbox is None or await _try_password(session, user, password) is not SignIn.ACCEPTED:
        return None
    return await TenantContext.enter(session, sandbox, Actor.of_user(user, channel=Channel.PORTAL))


class SignIn(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    LOCKED = "locked"


WRONG_CREDENTIALS = "Error validating credentials due to invalid username or password."
LOCKED_MESSAGE = (
    "Your account is locked because you tried to sign in too many times with an incorrect user ID or password; "
    "try again later."
)


async def _try_password(session: AsyncSession, user: User, password: str) -> SignIn:
    """Entra ID's smart lockout, on the user's sandbox clock: `smartLockout.threshold` wrong passwords in a row lock
    the account for `smartLockout.durationSeconds`, whatever password comes meanwhile; a good one starts the count
    again."""
    sandbox = await session.get(Sandbox, user.sandbox_id)
    if sandbox is None:  # the user outlived its sandbox: as unknown as a user never created
        return SignIn.WRONG
    now = sandbox_now(offset_us=sandbox.clock_offset_us, frozen_at=sandbox.frozen_at)
    if user.locked_until is not None and user.locked_until > now:
        return SignIn.LOCKED
    if check_password(password, user.password_hash):
        user.failed_sign_ins, user.locked_until = 0, None
        return SignIn.ACCEPTED
    lockout = SandboxSettings.model_validate(sandbox.settings).smart_lockout
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= lockout.threshold:
        user.failed_sign_ins, user.locked_until = 0, now + timedelta(seconds=lockout.duration_seconds)
    return SignIn.WRONG


async def as_global_admin(ctx: SandboxContext, tenant_id: uuid.UUID, kind: type[C]) -> C | None:
    """The same transaction, acted in by the tenant's first Global admin: how a counter-party policy (a customer
    accepting a link, a source partner submitting a transfer) acts through a person's service calls. `kind` says
    which tenant context the services it calls expect."""
    users = (
        await ctx.session.execute(
            select(User)
            .where(User.sandbox_id == ctx.sandbox_id, User.tenant_id == tenant_id)
            .order_by(User.created_at, User.id)
        )
    ).scalars()
    # Partner and customer roles spell Global admin alike, so one name finds it in either kind of tenant.
    admin = next((u for u in users if CustomerRole.GLOBAL_ADMIN in u.roles), None)
    if admin is None:
        return None
    return ctx.acting(Actor.of_user(admin, channel=Channel.PORTAL), kind)
