import uuid
from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from app.models import TenantKind
from app.wire import Request, Schema

Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
Domain = Annotated[
    str,
    StringConstraints(
        max_length=253,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$",
        to_lower=True,
        strip_whitespace=True,
    ),
]


class AddressIn(Request):
    line1: str = Field(min_length=1, max_length=256)
    line2: str | None = Field(None, max_length=256)
    city: str = Field(min_length=1, max_length=128)
    state: str | None = Field(None, max_length=128)
    postal_code: str = Field(min_length=1, max_length=32)
    country: Country


class ProfileIn(Request):
    legal_name: str | None = Field(None, min_length=1, max_length=256)
    address: AddressIn | None = None
    primary_contact_email: EmailStr | None = None


class UserCreate(Request):
    user_principal_name: EmailStr
    display_name: str | None = Field(None, max_length=256)
    password: str | None = Field(
        None, min_length=1, max_length=256, description="Generated (and answered once) when absent."
    )
    roles: list[str] = Field(default_factory=list)


class AppCreate(Request):
    display_name: str = Field(min_length=1, max_length=256)


class TenantCreate(Request):
    kind: TenantKind
    display_name: str = Field(min_length=1, max_length=256)
    domain: Domain
    country: Country
    partner_id: str | None = Field(None, pattern=r"^\d{4,10}$", description="Partners: the PartnerID (MPN ID).")
    profile: ProfileIn | None = Field(None, description="Partners: the Partner Center profile.")
    users: list[UserCreate] = Field(default_factory=list)
    apps: list[AppCreate] = Field(default_factory=list)


class UserOut(Schema):
    id: uuid.UUID
    tenant_id: uuid.UUID
    user_principal_name: str
    display_name: str
    roles: list[str]


class UserCreated(UserOut):
    password: str | None = Field(None, description="Only when cspsim generated it; shown once.")


class AppOut(Schema):
    id: uuid.UUID
    tenant_id: uuid.UUID
    display_name: str
    client_id: uuid.UUID


class AppCreated(AppOut):
    client_secret: str = Field(description="Shown once.")


class AddressOut(Schema):
    line1: str
    line2: str | None = None
    city: str
    state: str | None = None
    postal_code: str
    country: str


class ProfileOut(Schema):
    legal_name: str | None
    address: AddressOut | None
    primary_contact_email: str | None


class CapabilitiesOut(Schema):
    direct_bill: bool
    indirect_reseller: bool
    indirect_provider: bool
    api_access: bool


class TenantOut(Schema):
    id: uuid.UUID
    kind: TenantKind
    display_name: str
    domain: str
    country: str
    partner_id: str | None = None
    profile: ProfileOut | None = None
    capabilities: CapabilitiesOut | None = Field(None, description="Partners: what the programs let it do now.")
    created_at: datetime


class TenantCreated(TenantOut):
    users: list[UserCreated]
    apps: list[AppCreated]


class PortalSessionCreate(Request):
    tenant_id: uuid.UUID
    user_principal_name: EmailStr


class PortalSession(Schema):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class TokenForm(Request):
    """Entra ID's token request (form-encoded); unknown fields are ignored as Entra does."""

    model_config = Request.model_config | {"extra": "ignore", "alias_generator": None}

    grant_type: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    resource: str | None = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    client_info: str | None = Field(None, description="`1` asks for the account key, as MSAL does.")


class TokenResponse(Schema):
    model_config = Schema.model_config | {"alias_generator": None}

    token_type: str
    expires_in: int | str
    ext_expires_in: int | str
    access_token: str
    scope: str | None = None
    resource: str | None = None
    expires_on: str | None = None
    not_before: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    client_info: str | None = None


class Jwks(Schema):
    keys: list[dict[str, str]]


class OpenIdConfiguration(Schema):
    """Entra's OpenID provider metadata (snake_case on the wire, as OpenID Connect Discovery names it)."""

    model_config = Schema.model_config | {"alias_generator": None}

    issuer: str = Field(description="The `iss` of the tenant's tokens; `{tenantid}` for common and organizations.")
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_endpoint_auth_methods_supported: list[str]
    response_types_supported: list[str]
    response_modes_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    scopes_supported: list[str]
    claims_supported: list[str]
    request_uri_parameter_supported: bool
    tenant_region_scope: str | None
    cloud_instance_name: str
    cloud_graph_host_name: str
    msgraph_host: str
    rbac_url: str


class InstanceMetadata(Schema):
    model_config = Schema.model_config | {"alias_generator": None}

    preferred_network: str
    preferred_cache: str
    aliases: list[str]


class InstanceDiscovery(Schema):
    model_config = Schema.model_config | {"alias_generator": None}

    tenant_discovery_endpoint: str
    api_version: str = Field(alias="api-version")
    metadata: list[InstanceMetadata]


class UserRealm(Schema):
    model_config = Schema.model_config | {"alias_generator": None}

    ver: str
    account_type: str = Field(description="`Managed` for every account cspsim knows, else `Unknown`.")
    domain_name: str | None = None
    cloud_instance_name: str
    cloud_audience_urn: str | None = None
