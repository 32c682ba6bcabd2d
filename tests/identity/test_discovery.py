"""OpenID discovery as Entra ID answers it: the documents MSAL reads before it asks for a token."""

import base64
import json
from typing import Any

import pytest

from tests.plans import lookups_read
from tests.world import PASSWORD, PC_SCOPE, World

BASE = "http://cspsim.test"


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def test_tenant_discovery_names_the_endpoints_and_the_tokens_issuer(world: World) -> None:
    partner = await world.partner(country="FR")
    r = await world.http.get(f"/{partner.id}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200, r.text
    config = r.json()
    assert config["issuer"] == f"{BASE}/{partner.id}/v2.0"
    assert config["token_endpoint"] == f"{BASE}/{partner.id}/oauth2/v2.0/token"
    assert config["authorization_endpoint"] == f"{BASE}/{partner.id}/oauth2/v2.0/authorize"
    assert config["jwks_uri"] == f"{BASE}/{partner.id}/discovery/v2.0/keys"
    assert config["tenant_region_scope"] == "EU"
    assert config["cloud_instance_name"] == "microsoftonline.com"
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert config["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert {"openid", "offline_access"} <= set(config["scopes_supported"])
    assert config["subject_types_supported"] == ["pairwise"]
    assert "code" in config["response_types_supported"]
    # The token endpoint the document names issues tokens with the issuer it names.
    token = await partner.app_token()
    assert claims_of(token)["iss"] == config["issuer"]
    keys = await world.http.get(config["jwks_uri"])
    assert keys.status_code == 200
    assert keys.json()["keys"][0]["kid"]


async def test_discovery_by_domain_answers_the_tenant_id(world: World) -> None:
    partner = await world.partner()
    r = await world.http.get(f"/{partner.tenant['domain'].upper()}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200, r.text
    assert r.json()["issuer"] == f"{BASE}/{partner.id}/v2.0"
    assert r.json()["token_endpoint"] == f"{BASE}/{partner.id}/oauth2/v2.0/token"
    assert r.json()["tenant_region_scope"] == "NA"


@pytest.mark.parametrize("tenant", ["common", "organizations", "Organizations"])
async def test_tenant_independent_discovery(world: World, tenant: str) -> None:
    r = await world.http.get(f"/{tenant}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200, r.text
    assert r.json()["issuer"] == f"{BASE}/{{tenantid}}/v2.0"
    assert r.json()["token_endpoint"] == f"{BASE}/{tenant}/oauth2/v2.0/token"
    assert r.json()["tenant_region_scope"] is None


async def test_v1_discovery_names_the_v1_endpoints(world: World) -> None:
    partner = await world.partner()
    r = await world.http.get(f"/{partner.id}/.well-known/openid-configuration")
    assert r.status_code == 200, r.text
    assert r.json()["token_endpoint"] == f"{BASE}/{partner.id}/oauth2/token"
    assert r.json()["jwks_uri"] == f"{BASE}/{partner.id}/discovery/keys"
    # One kind of token, one issuer, whichever document a client reads.
    assert r.json()["issuer"] == f"{BASE}/{partner.id}/v2.0"
    assert (await world.http.get(r.json()["jwks_uri"])).status_code == 200


@pytest.mark.parametrize("tenant", ["00000000-0000-0000-0000-000000000001", "nobody.onmicrosoft.com", "consumers"])
async def test_discovery_of_an_unknown_tenant_is_refused(world: World, tenant: str) -> None:
    r = await world.http.get(f"/{tenant}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 400
    assert r.json()["error_codes"] == [90002]
    assert tenant in r.json()["error_description"]


async def test_a_domain_in_several_sandboxes_is_discovered_tenant_independently(world: World) -> None:
    # Domains are unique within a sandbox only: the client id decides at the token endpoint.
    other = await World.create(world.http)
    first = await world.partner(name="twinned1a2b")
    second = await other.partner(name="twinned1a2b")
    domain = first.tenant["domain"]
    r = await world.http.get(f"/{domain}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200, r.text
    assert r.json()["issuer"] == f"{BASE}/{{tenantid}}/v2.0"
    assert r.json()["token_endpoint"] == f"{BASE}/{domain}/oauth2/v2.0/token"
    for party in (first, second):
        token = await world.http.post(
            r.json()["token_endpoint"],
            data={
                "grant_type": "client_credentials",
                "client_id": party.app["clientId"],
                "client_secret": party.app["clientSecret"],
                "scope": PC_SCOPE,
            },
        )
        assert token.status_code == 200, token.text
        assert claims_of(token.json()["access_token"])["tid"] == party.id


async def test_instance_discovery_points_at_the_tenant_document(world: World) -> None:
    partner = await world.partner()
    # MSAL Python sends the authority's host without its port; the answer is built on the host reached.
    r = await world.http.get(
        "/common/discovery/instance",
        params={"api-version": "1.1", "authorization_endpoint": f"https://cspsim/{partner.id}/oauth2/v2.0/authorize"},
    )
    assert r.status_code == 200, r.text
    assert "warning" not in r.headers
    body = r.json()
    assert body["tenant_discovery_endpoint"] == f"{BASE}/{partner.id}/v2.0/.well-known/openid-configuration"
    assert body["api-version"] == "1.1"
    assert body["metadata"] == [
        {"preferred_network": "cspsim.test", "preferred_cache": "cspsim.test", "aliases": ["cspsim.test"]}
    ]
    followed = await world.http.get(body["tenant_discovery_endpoint"])
    assert followed.status_code == 200
    v1 = await world.http.get(
        "/common/discovery/instance", params={"authorization_endpoint": "https://cspsim/common/oauth2/authorize"}
    )
    assert v1.json()["tenant_discovery_endpoint"] == f"{BASE}/common/.well-known/openid-configuration"


async def test_user_realm_of_a_known_user_is_managed(world: World) -> None:
    partner = await world.partner()
    r = await world.http.get(f"/common/userrealm/{partner.admin_upn}", params={"api-version": "1.0"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": partner.tenant["domain"],
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }
    unknown = await world.http.get("/common/userrealm/someone@elsewhere.example")
    assert unknown.json() == {"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "microsoftonline.com"}


async def test_password_grant_with_openid_answers_an_id_token_and_client_info(world: World) -> None:
    partner = await world.partner()
    r = await world.http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": partner.app["clientId"],
            "client_secret": partner.app["clientSecret"],
            "username": partner.admin_upn,
            "password": PASSWORD,
            "scope": f"{PC_SCOPE} openid profile offline_access",
            "client_info": "1",
        },
    )
    assert r.status_code == 200, r.text
    id_claims = claims_of(r.json()["id_token"])
    access = claims_of(r.json()["access_token"])
    assert id_claims["aud"] == partner.app["clientId"]
    assert id_claims["iss"] == access["iss"] == f"{BASE}/{partner.id}/v2.0"
    assert id_claims["preferred_username"] == partner.admin_upn
    assert id_claims["oid"] == access["oid"]
    info = json.loads(base64.urlsafe_b64decode(r.json()["client_info"] + "=="))
    assert info == {"uid": access["oid"], "utid": partner.id}
    # Without openid there is no id token, and client_info only when asked for.
    plain = await world.http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": partner.app["clientId"],
            "client_secret": partner.app["clientSecret"],
            "username": partner.admin_upn,
            "password": PASSWORD,
            "scope": PC_SCOPE,
        },
    )
    assert plain.status_code == 200, plain.text
    assert "id_token" not in plain.json()
    assert "client_info" not in plain.json()


async def test_the_ca_certificate_is_served(world: World) -> None:
    r = await world.http.get("/cspsim/ca.pem")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-pem-file"
    assert r.text.startswith("-----BEGIN CERTIFICATE-----")
    assert (await world.http.get("/cspsim/ca.pem")).text == r.text


async def test_discovery_finds_a_tenant_on_an_index_whatever_the_database_holds(world: World, app: Any) -> None:
    """A tenant named by id or domain alone (discovery, the user realm) is read from an index led by what names it:
    a lookup that walked every tenant of every sandbox would slow each call as other sandboxes grow (a million
    seeded customers are a million tenants)."""
    partner = await world.partner()

    async def calls() -> None:
        for path in (
            f"/{partner.id}/v2.0/.well-known/openid-configuration",
            f"/{partner.tenant['domain']}/v2.0/.well-known/openid-configuration",
            f"/common/userrealm/{partner.admin_upn}",
        ):
            assert (await world.http.get(path)).status_code == 200, path

    read = await lookups_read(app, "tenants", calls)
    assert [used for _, used in read] == [["ix_tenants_id"], ["ix_tenants_domain"], ["ix_tenants_domain"]], read
