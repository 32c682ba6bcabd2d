"""OpenID discovery as Entra ID publishes it, so MSAL and OIDC libraries find cspsim's endpoints by themselves.

    GET /{tenant}/v2.0/.well-known/openid-configuration   issuer, token endpoint, keys (what MSAL reads)
    GET /{tenant}/.well-known/openid-configuration        the same, for v1 clients
    GET /common/discovery/instance                        instance discovery (MSAL's authority validation)
    GET /common/userrealm/{username}                      user realm discovery, before a password grant

`{tenant}` is a tenant id, one of its domains, `organizations` or `common`. Every URL is built on the base the
client reached cspsim at (or CSPSIM_PUBLIC_BASE_URL when set), and the issuer is the one tokens carry,
`{base}/{tenant id}/v2.0`, whichever document names it: cspsim issues one kind of token.
"""

import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.kernel.errors import OAuthError
from app.kernel.errors import OAuthErrorCode as E
from app.models import Tenant

TENANT_INDEPENDENT = frozenset({"common", "organizations"})
# The public cloud's names: clients use them to tell clouds apart, and cspsim stands in for the public one.
CLOUD_INSTANCE_NAME = "microsoftonline.com"
CLOUD_AUDIENCE_URN = "urn:federation:MicrosoftOnline"
# Entra's region scopes, by the tenant's country; a country not listed is worldwide.
_REGIONS = {
    "NA": "US CA MX PR GT CR PA DO JM",
    "SA": "BR AR CL CO PE VE UY EC BO PY",
    "EU": "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE GB CH NO IS LI",
    "AS": "JP CN IN SG KR HK TW MY TH ID PH VN IL AE SA QA",
    "OC": "AU NZ",
    "AF": "ZA NG KE EG MA",
}
REGION_OF_COUNTRY = {country: region for region, countries in _REGIONS.items() for country in countries.split()}
CLAIMS_SUPPORTED = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "nbf",
    "name",
    "preferred_username",
    "oid",
    "tid",
    "ver",
    "upn",
    "roles",
    "appid",
]


def public_base(settings: Settings, request_base: str) -> str:
    """The base URL clients reach cspsim at: CSPSIM_PUBLIC_BASE_URL when set, else the one the request used,
    so discovery, the token endpoint and the tokens' issuer agree behind any host name, port or proxy."""
    base = settings.public_base_url if settings.public_base_url_is_set else request_base
    return base.rstrip("/")


def issuer(base: str, tenant_id: uuid.UUID | str) -> str:
    """The `iss` of cspsim's tokens, and what discovery promises; `{tenantid}` for tenant-independent documents."""
    return f"{base}/{tenant_id}/v2.0"


async def find_tenant(session: AsyncSession, path_tenant: str) -> Tenant | None:
    """The tenant a path names (by id or domain, in any sandbox); None for `common`, `organizations` and a domain
    that several sandboxes hold (the client id decides at the token endpoint). An unknown one is refused."""
    name = path_tenant.strip().lower()
    if name in TENANT_INDEPENDENT:
        return None
    try:
        stmt = select(Tenant).where(Tenant.id == uuid.UUID(name))
    except ValueError:
        stmt = select(Tenant).where(Tenant.domain == name)
    found = list((await session.execute(stmt.limit(2))).scalars())
    if not found:
        raise OAuthError(
            E.INVALID_REQUEST,
            90002,
            f"Tenant '{path_tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
            "into the correct cloud: create the tenant in a sandbox first (POST /sim/v1/sandboxes/{id}/tenants).",
        )
    return found[0] if len(found) == 1 else None


def openid_configuration(base: str, path_tenant: str, tenant: Tenant | None, *, v2: bool) -> dict[str, Any]:
    """Entra's OpenID provider metadata for a tenant (or for `common`): where to get tokens and their keys."""
    segment = str(tenant.id) if tenant is not None else path_tenant
    version = "/v2.0" if v2 else ""
    oauth = f"{base}/{segment}/oauth2{version}"
    return {
        "issuer": issuer(base, tenant.id if tenant is not None else "{tenantid}"),
        # Interactive sign-in is not simulated, but MSAL requires the endpoint to be named.
        "authorization_endpoint": f"{oauth}/authorize",
        "token_endpoint": f"{oauth}/token",
        "jwks_uri": f"{base}/{segment}/discovery{version}/keys",
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        # Entra's own lists: libraries check them before they ever reach an endpoint.
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": CLAIMS_SUPPORTED,
        "request_uri_parameter_supported": False,
        "tenant_region_scope": REGION_OF_COUNTRY.get(tenant.country, "WW") if tenant is not None else None,
        "cloud_instance_name": CLOUD_INSTANCE_NAME,
        "cloud_graph_host_name": "graph.windows.net",
        # cspsim serves Graph's GDAP API itself, under /v1.0 of the same host.
        "msgraph_host": urlsplit(base).netloc,
        "rbac_url": "https://pas.windows.net",
    }


def instance_discovery(base: str, authorization_endpoint: str | None) -> dict[str, Any]:
    """What MSAL's authority validation asks `/common/discovery/instance`: where the tenant's discovery document
    is, and which host names are one instance. The tenant comes from the authorization endpoint MSAL sends; its
    host does not, because MSAL Python drops the port from it."""
    path = urlsplit(authorization_endpoint or "").path.strip("/").split("/")
    tenant = path[0] if path[0] else "common"
    version = "" if authorization_endpoint and "/v2.0/" not in authorization_endpoint else "/v2.0"
    parts = urlsplit(base)
    # MSAL Python compares host names without the port; MSAL.NET builds URLs on preferred_network, with it.
    aliases = sorted({parts.netloc, parts.hostname or parts.netloc})
    return {
        "tenant_discovery_endpoint": f"{base}/{tenant}{version}/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": parts.netloc, "preferred_cache": parts.netloc, "aliases": aliases}],
    }


async def user_realm(session: AsyncSession, username: str) -> dict[str, Any]:
    """A user's realm, as MSAL asks before a password grant: every account cspsim knows is a managed
    (cloud-only) one, so the password goes to the token endpoint and never to a federation server."""
    domain = username.rsplit("@", 1)[-1].strip().lower() if "@" in username else ""
    known = domain and await session.scalar(select(Tenant.id).where(Tenant.domain == domain).limit(1))
    if not known:
        return {"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": CLOUD_INSTANCE_NAME}
    return {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": domain,
        "cloud_instance_name": CLOUD_INSTANCE_NAME,
        "cloud_audience_urn": CLOUD_AUDIENCE_URN,
    }
