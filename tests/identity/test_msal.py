"""Microsoft's own library against cspsim: MSAL Python, over real HTTPS, trusting the local CA.

A real uvicorn serves cspsim with `--tls`'s certificate (tests/live.py); MSAL is synchronous, so it runs in a
thread (`asyncio.to_thread`) while the test's event loop keeps its own HTTP client going. Nothing of MSAL is
patched: it is configured through its public parameters, as the README tells integrators to.
"""

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

import jwt
import msal
import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.live import Live
from tests.world import PASSWORD, PC_SCOPE, Party, World, bearer


@pytest.fixture(autouse=True)
def _verify_means_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override a session's own CA file, MSAL's `verify=`
    # included (psf/requests#3829); many CI images set them to the system bundle, which lacks the local CA.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


# The three ways to let MSAL accept an authority that is not login.microsoftonline.com.
DISCOVERY = {
    "instance discovery off": lambda live: {"instance_discovery": False},
    "instance discovery at cspsim": lambda live: {"instance_discovery": f"{live.base}/common/discovery/instance"},
    "authority validation off": lambda live: {"validate_authority": False},
}
Options = Callable[[Live], dict[str, Any]]


def confidential_client(live: Live, party: Party, options: dict[str, Any], **more: Any) -> Any:
    return msal.ConfidentialClientApplication(
        party.app["clientId"],
        client_credential=party.app["clientSecret"],
        authority=f"{live.base}/{party.id}",
        **options,
        **more,
    )


class _CarryThePort(HTTPAdapter):
    """MSAL Python asks user realm discovery at `https://<host>/common/userrealm/...` without the authority's
    port (AzureAD/microsoft-authentication-library-for-python#259); against cspsim on a port other than 443,
    this puts the port back. Every other URL MSAL builds keeps it."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        request.url = request.url.replace("https://127.0.0.1/", f"https://127.0.0.1:{self.port}/", 1)
        return super().send(request, *args, **kwargs)


def session_trusting(live: Live) -> requests.Session:
    session = requests.Session()
    session.verify = str(live.ca)
    session.mount("https://127.0.0.1/", _CarryThePort(live.port))
    return session


@pytest.mark.parametrize("discovery", DISCOVERY.values(), ids=DISCOVERY.keys())
async def test_msal_app_token_calls_partner_center(live: Live, discovery: Options) -> None:
    world = await World.create(live.http)
    partner = await world.direct_bill_partner(partner_id="4823456")

    def acquire() -> tuple[dict[str, Any], dict[str, Any]]:
        app = confidential_client(live, partner, discovery(live), verify=str(live.ca))
        first = app.acquire_token_for_client(scopes=[PC_SCOPE])
        again = app.acquire_token_for_client(scopes=[PC_SCOPE])
        app.http_client.close()
        return first, again

    result, again = await asyncio.to_thread(acquire)
    assert "access_token" in result, result
    assert result["token_source"] == "identity_provider"
    assert again["token_source"] == "cache"
    claims = claims_of(result["access_token"])
    assert claims["tid"] == partner.id
    assert claims["appid"] == partner.app["clientId"]
    assert claims["channel"] == "api"
    assert claims["iss"] == f"{live.base}/{partner.id}/v2.0"
    r = await live.http.get("/v1/profiles/partner", headers=bearer(result["access_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["partnerId"] == "4823456"
    assert r.json()["id"] == partner.id
    assert r.json()["legalName"] == partner.tenant["profile"]["legalName"]
    assert r.json()["programs"] == [{"program": "DirectBill", "status": "Active"}]


@pytest.mark.parametrize("discovery", DISCOVERY.values(), ids=DISCOVERY.keys())
async def test_msal_app_plus_user_token_then_silent_refresh(live: Live, discovery: Options) -> None:
    world = await World.create(live.http)
    partner = await world.direct_bill_partner()

    def acquire() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        app = confidential_client(live, partner, discovery(live), http_client=session_trusting(live))
        signed_in = app.acquire_token_by_username_password(partner.admin_upn, PASSWORD, scopes=[PC_SCOPE])
        accounts = app.get_accounts()
        refreshed = app.acquire_token_silent([PC_SCOPE], account=accounts[0], force_refresh=True) if accounts else {}
        app.http_client.close()
        return signed_in, accounts, refreshed or {}

    result, accounts, refreshed = await asyncio.to_thread(acquire)
    assert "access_token" in result, result
    claims = claims_of(result["access_token"])
    assert claims["upn"] == partner.admin_upn
    assert claims["channel"] == "api"
    assert claims["roles"] == ["GlobalAdmin"]
    # MSAL keeps the account from the id token and client_info, as it does with Entra ID.
    assert result["id_token_claims"]["preferred_username"] == partner.admin_upn
    assert result["id_token_claims"]["aud"] == partner.app["clientId"]
    assert [a["username"] for a in accounts] == [partner.admin_upn]
    assert accounts[0]["home_account_id"] == f"{claims['oid']}.{partner.id}"
    # force_refresh spends the refresh token: the Secure Application Model's grant.
    assert "access_token" in refreshed, refreshed
    assert refreshed["token_source"] == "identity_provider"
    assert claims_of(refreshed["access_token"])["upn"] == partner.admin_upn
    r = await live.http.get("/v1/profiles/partner", headers=bearer(refreshed["access_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == partner.id


async def test_msal_authority_by_domain(live: Live) -> None:
    world = await World.create(live.http)
    partner = await world.direct_bill_partner()

    def acquire() -> dict[str, Any]:
        app = msal.ConfidentialClientApplication(
            partner.app["clientId"],
            client_credential=partner.app["clientSecret"],
            authority=f"{live.base}/{partner.tenant['domain']}",
            instance_discovery=False,
            verify=str(live.ca),
        )
        result: dict[str, Any] = app.acquire_token_for_client(scopes=[PC_SCOPE])
        app.http_client.close()
        return result

    result = await asyncio.to_thread(acquire)
    assert claims_of(result["access_token"])["tid"] == partner.id


async def test_msal_refuses_cspsim_without_the_ca(live: Live) -> None:
    world = await World.create(live.http)
    partner = await world.partner()

    def construct() -> None:
        # Not trusting the local CA: MSAL's first call (tenant discovery) fails the TLS handshake.
        msal.ConfidentialClientApplication(
            partner.app["clientId"],
            client_credential=partner.app["clientSecret"],
            authority=f"{live.base}/{partner.id}",
            instance_discovery=False,
        )

    with pytest.raises(requests.exceptions.SSLError):
        await asyncio.to_thread(construct)


async def test_tokens_validate_against_discovery_like_an_api_would(live: Live) -> None:
    """An API validating cspsim's tokens the OpenID way: issuer and keys from the discovery document."""
    world = await World.create(live.http)
    partner = await world.direct_bill_partner()
    config = (await live.http.get(f"/{partner.id}/v2.0/.well-known/openid-configuration")).json()
    assert config["token_endpoint"] == f"{live.base}/{partner.id}/oauth2/v2.0/token"
    keys = (await live.http.get(config["jwks_uri"])).json()["keys"]
    token = await partner.app_token()
    signing_key = jwt.PyJWK(next(k for k in keys if k["kid"] == jwt.get_unverified_header(token)["kid"]))
    claims = jwt.decode(
        token,
        signing_key,
        algorithms=config["id_token_signing_alg_values_supported"],
        audience="https://api.partnercenter.microsoft.com",
        issuer=config["issuer"],
    )
    assert claims["tid"] == partner.id
    ca = await live.http.get("/cspsim/ca.pem")
    assert ca.status_code == 200
    assert ca.content == live.ca.read_bytes()
