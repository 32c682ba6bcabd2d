"""The identity surface (Entra ID's token and key endpoints) and the control routes for users, apps and sign-ins."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.identity import discovery, service
from app.identity.schemas import (
    AppCreate,
    AppCreated,
    AppOut,
    InstanceDiscovery,
    Jwks,
    OpenIdConfiguration,
    PortalSession,
    PortalSessionCreate,
    TokenForm,
    TokenResponse,
    UserCreate,
    UserCreated,
    UserOut,
    UserRealm,
)
from app.kernel.clock import real_now
from app.kernel.db import TransactionalRoute, get_session
from app.kernel.pagination import Collection, PageRequest, collection, page_request
from app.kernel.pipeline import Operator, control_router, keyring_of
from app.kernel.tls import local_authority

identity = APIRouter(tags=["identity"], route_class=TransactionalRoute)
control = control_router(tags=["control: tenants"])
# Served without a database: the CA lives in the data folder.
certificates = APIRouter(tags=["service"])
Pages = Annotated[PageRequest, Depends(page_request)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _public_base(request: Request) -> str:
    return discovery.public_base(_settings(request), str(request.base_url))


def _signer(request: Request, session: AsyncSession) -> service.Signer:
    # The issuer follows the base the client reached, as the discovery documents do, so they always agree.
    return service.Signer(session=session, keyring=keyring_of(request), issuer_base=_public_base(request))


@control.post(
    "/tenants/{tenant_id}/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserCreated,
    summary="Add a user to a tenant",
)
async def add_user(ctx: Operator, tenant_id: uuid.UUID, body: UserCreate) -> Any:
    tenant = await service.get_tenant(ctx, tenant_id)
    user, generated = await service.add_user(
        ctx,
        tenant,
        user_principal_name=str(body.user_principal_name),
        display_name=body.display_name,
        password=body.password,
        roles=body.roles,
    )
    return {**UserOut.model_validate(user).model_dump(), "password": generated}


@control.get("/tenants/{tenant_id}/users", response_model=Collection[UserOut], summary="List a tenant's users")
async def list_users(ctx: Operator, request: Request, tenant_id: uuid.UUID, page: Pages) -> Any:
    found = await service.list_users(ctx, await service.get_tenant(ctx, tenant_id), page)
    return collection(request, found, [UserOut.model_validate(u) for u in found.items])


@control.post(
    "/tenants/{tenant_id}/apps",
    status_code=status.HTTP_201_CREATED,
    response_model=AppCreated,
    summary="Register an app in a tenant",
)
async def add_app(ctx: Operator, tenant_id: uuid.UUID, body: AppCreate) -> Any:
    app, secret = await service.add_app(ctx, await service.get_tenant(ctx, tenant_id), display_name=body.display_name)
    return {**AppOut.model_validate(app).model_dump(), "client_secret": secret}


@control.get("/tenants/{tenant_id}/apps", response_model=Collection[AppOut], summary="List a tenant's apps")
async def list_apps(ctx: Operator, request: Request, tenant_id: uuid.UUID, page: Pages) -> Any:
    found = await service.list_apps(ctx, await service.get_tenant(ctx, tenant_id), page)
    return collection(request, found, [AppOut.model_validate(a) for a in found.items])


@control.post(
    "/portal-sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=PortalSession,
    summary="Sign a user in as a person in the portal",
)
async def create_portal_session(ctx: Operator, request: Request, body: PortalSessionCreate) -> Any:
    """A portal token: the person's own actions, which the API-only rules (PRG-9) do not limit."""
    issued = await service.portal_session(
        ctx, _signer(request, ctx.session), tenant_id=body.tenant_id, upn=str(body.user_principal_name)
    )
    return PortalSession(access_token=issued.access_token, expires_in=issued.expires_in)


async def _token(request: Request, session: AsyncSession, tenant: str, form: TokenForm, *, v2: bool) -> service.Issued:
    grant = service.Grant(path_tenant=tenant, v2=v2, **form.model_dump(exclude={"client_info"}))
    return await service.issue_token(_signer(request, session), grant)


def _client_info(form: TokenForm, issued: service.Issued) -> str | None:
    return issued.client_info if form.client_info == "1" else None


@identity.post(
    "/{tenant}/oauth2/v2.0/token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    summary="Get a token (Entra ID v2 endpoint)",
)
async def token_v2(
    request: Request,
    tenant: str,
    form: Annotated[TokenForm, Form()],
    session: Annotated[AsyncSession, Depends(get_session)],
) -> Any:
    """`client_credentials` (an app: the API channel), `password` with a client id (app + user: the API channel),
    `password` without one (a person in the portal), and `refresh_token` (the Secure Application Model)."""
    issued = await _token(request, session, tenant, form, v2=True)
    return TokenResponse(
        token_type="Bearer",
        expires_in=issued.expires_in,
        ext_expires_in=issued.expires_in,
        access_token=issued.access_token,
        scope=form.scope or f"{issued.resource}/.default",
        refresh_token=issued.refresh_token,
        id_token=issued.id_token,
        client_info=_client_info(form, issued),
    )


@identity.post(
    "/{tenant}/oauth2/token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    summary="Get a token (Entra ID v1 endpoint, with resource=)",
)
async def token_v1(
    request: Request,
    tenant: str,
    form: Annotated[TokenForm, Form()],
    session: Annotated[AsyncSession, Depends(get_session)],
) -> Any:
    """The v1 form Partner Center's own samples use: `resource=https://api.partnercenter.microsoft.com`."""
    issued = await _token(request, session, tenant, form, v2=False)
    now = int(real_now().timestamp())
    return TokenResponse(
        token_type="Bearer",
        expires_in=str(issued.expires_in),
        ext_expires_in=str(issued.expires_in),
        expires_on=str(now + issued.expires_in),
        not_before=str(now),
        resource=issued.resource,
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        id_token=issued.id_token,
        client_info=_client_info(form, issued),
    )


@identity.get("/{tenant}/discovery/v2.0/keys", response_model=Jwks, summary="The token-signing keys (JWKS)")
async def jwks_v2(request: Request, tenant: str, session: Annotated[AsyncSession, Depends(get_session)]) -> Any:
    return Jwks(keys=[(await keyring_of(request).key(session)).jwk()])


@identity.get("/{tenant}/discovery/keys", response_model=Jwks, summary="The token-signing keys (JWKS, v1 path)")
async def jwks_v1(request: Request, tenant: str, session: Annotated[AsyncSession, Depends(get_session)]) -> Any:
    return Jwks(keys=[(await keyring_of(request).key(session)).jwk()])


@identity.get(
    "/{tenant}/v2.0/.well-known/openid-configuration",
    response_model=OpenIdConfiguration,
    summary="OpenID discovery (Entra ID v2 endpoint)",
)
async def openid_configuration_v2(
    request: Request, tenant: str, session: Annotated[AsyncSession, Depends(get_session)]
) -> Any:
    """Where to get tokens and their signing keys, as MSAL reads it for the authority `{base}/{tenant}`:
    `{tenant}` is a tenant id, one of its domains, `organizations` or `common`; the issuer is the tokens' `iss`."""
    found = await discovery.find_tenant(session, tenant)
    return discovery.openid_configuration(_public_base(request), tenant, found, v2=True)


@identity.get(
    "/{tenant}/.well-known/openid-configuration",
    response_model=OpenIdConfiguration,
    summary="OpenID discovery (Entra ID v1 endpoint)",
)
async def openid_configuration_v1(
    request: Request, tenant: str, session: Annotated[AsyncSession, Depends(get_session)]
) -> Any:
    """The v1 document (`/oauth2/token` with `resource=`); its issuer is the same, as cspsim issues one kind of
    token."""
    found = await discovery.find_tenant(session, tenant)
    return discovery.openid_configuration(_public_base(request), tenant, found, v2=False)


@identity.get("/common/discovery/instance", response_model=InstanceDiscovery, summary="Instance discovery (MSAL)")
async def instance_discovery(
    request: Request,
    authorization_endpoint: Annotated[str | None, Query(description="The authority's authorize URL.")] = None,
) -> Any:
    """MSAL's authority validation: the tenant's discovery document and the host names of this instance. Point
    MSAL Python at it with `instance_discovery="{base}/common/discovery/instance"`."""
    return discovery.instance_discovery(_public_base(request), authorization_endpoint)


@identity.get(
    "/common/userrealm/{username}",
    response_model=UserRealm,
    response_model_exclude_none=True,
    summary="User realm discovery (MSAL, before a password grant)",
)
async def user_realm(username: str, session: Annotated[AsyncSession, Depends(get_session)]) -> Any:
    """`Managed` for a user of a tenant cspsim holds: the password goes to the token endpoint itself."""
    return await discovery.user_realm(session, username)


@certificates.get(
    "/cspsim/ca.pem",
    response_class=Response,
    summary="The local CA certificate that signs cspsim's HTTPS certificate",
    responses={200: {"content": {"application/x-pem-file": {}}, "description": "A PEM certificate."}},
)
def ca_certificate(request: Request) -> Response:
    """Trust this file (MSAL `verify=`, `SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`, a .NET HttpClient) to call cspsim
    served with `--tls`. Made in the data folder on first need."""
    authority = local_authority(_settings(request).data_dir)
    return Response(authority.ca_certificate.read_bytes(), media_type="application/x-pem-file")
