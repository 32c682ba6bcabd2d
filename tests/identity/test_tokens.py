"""Entra-shaped tokens: grants, claims, verification with the published keys, and every refusal."""

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import jwt

from app.kernel.edge import MAX_BODY_BYTES
from tests.plans import lookups_read
from tests.world import PASSWORD, PC_SCOPE, World, bearer


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def test_app_token_calls_partner_center_end_to_end(world: World) -> None:
    partner = await world.direct_bill_partner(partner_id="4812345")
    r = await world.http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": partner.app["clientId"],
            "client_secret": partner.app["clientSecret"],
            "scope": PC_SCOPE,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "Bearer"
    assert r.json()["expires_in"] == 3600
    token = r.json()["access_token"]
    claims = claims_of(token)
    assert claims["tid"] == partner.id
    assert claims["sandbox"] == world.id
    assert claims["appid"] == partner.app["clientId"]
    assert claims["channel"] == "api"
    assert claims["aud"] == "https://api.partnercenter.microsoft.com"
    assert {"oid", "roles", "exp"} <= set(claims)
    profile = await world.http.get("/v1/profiles/partner", headers=bearer(token))
    assert profile.status_code == 200, profile.text
    body = profile.json()
    assert body["partnerId"] == "4812345"
    assert body["id"] == partner.id
    assert body["legalName"] == partner.tenant["profile"]["legalName"]
    assert body["address"]["addressLine1"] == "1 Main St"
    assert body["programs"] == [{"program": "DirectBill", "status": "Active"}]
    assert body["attributes"]["objectType"] == "PartnerProfile"


async def test_portal_session_is_a_person_in_the_portal(world: World) -> None:
    partner = await world.partner()
    token = await partner.portal_token()
    claims = claims_of(token)
    assert claims["channel"] == "portal"
    assert claims["upn"] == partner.admin_upn
    assert claims["roles"] == ["GlobalAdmin"]
    r = await world.http.get("/v1/profiles/partner", headers=bearer(token))
    assert r.status_code == 200
    assert r.json()["id"] == partner.id


async def test_password_grants_app_plus_user_and_person_then_refresh(world: World) -> None:
    partner = await world.direct_bill_partner()
    base = {"grant_type": "password", "username": partner.admin_upn, "password": PASSWORD, "scope": PC_SCOPE}
    app_user = await world.http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={**base, "client_id": partner.app["clientId"], "client_secret": partner.app["clientSecret"]},
    )
    assert app_user.status_code == 200, app_user.text
    assert claims_of(app_user.json()["access_token"])["channel"] == "api"
    assert claims_of(app_user.json()["access_token"])["upn"] == partner.admin_upn
    person = await world.http.post(f"/{partner.tenant['domain']}/oauth2/v2.0/token", data=base)
    assert person.status_code == 200, person.text
    assert claims_of(person.json()["access_token"])["channel"] == "portal"
    # The Secure Application Model: the stored refresh token buys a new access token.
    refreshed = await world.http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": app_user.json()["refresh_token"],
            "client_id": partner.app["clientId"],
            "client_secret": partner.app["clientSecret"],
            "scope": PC_SCOPE,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert claims_of(refreshed.json()["access_token"])["oid"] == claims_of(app_user.json()["access_token"])["oid"]
    r = await world.http.get("/v1/profiles/partner", headers=bearer(refreshed.json()["access_token"]))
    assert r.status_code == 200
    # A refresh token is not an access token.
    r = await world.http.get("/v1/profiles/partner", headers=bearer(app_user.json()["refresh_token"]))
    assert r.status_code == 401


async def test_v1_endpoint_with_resource(world: World) -> None:
    partner = await world.direct_bill_partner()
    r = await world.http.post(
        f"/{partner.id}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": partner.app["clientId"],
            "client_secret": partner.app["clientSecret"],
            "resource": "https://api.partnercenter.microsoft.com",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["resource"] == "https://api.partnercenter.microsoft.com"
    assert r.json()["expires_in"] == "3600"
    assert (await partner.get("/v1/profiles/partner", token=r.json()["access_token"])).status_code == 200


async def test_tokens_verify_with_the_published_keys(world: World) -> None:
    partner = await world.partner()
    token = await partner.app_token()
    jwks = (await world.http.get(f"/{partner.id}/discovery/v2.0/keys")).json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience="https://api.partnercenter.microsoft.com")
    assert claims["tid"] == partner.id


async def test_token_refusals_in_entra_shape(world: World) -> None:
    partner = await world.partner()
    other = await World.create(world.http)
    stranger = await other.partner()
    good = partner.client_credentials()
    cases = [
        ({**good, "client_secret": "wrong"}, partner.id, 401, "invalid_client"),
        ({**good, "client_id": "00000000-0000-0000-0000-000000000001"}, partner.id, 400, "unauthorized_client"),
        ({**good, "client_id": "not-a-guid"}, partner.id, 400, "unauthorized_client"),
        ({k: v for k, v in good.items() if k != "client_id"}, partner.id, 400, "invalid_request"),
        ({**good, "grant_type": "implicit"}, partner.id, 400, "unsupported_grant_type"),
        ({**good, "scope": "https://nowhere.example/.default"}, partner.id, 400, "invalid_resource"),
        # An app asks for its application permissions (`/.default`), never a delegated scope: AADSTS1002012.
        (
            {**good, "scope": "https://api.partnercenter.microsoft.com/user_impersonation"},
            partner.id,
            400,
            "invalid_scope",
        ),
        ({**good, "scope": "openid"}, partner.id, 400, "invalid_scope"),
        ({k: v for k, v in good.items() if k != "scope"}, partner.id, 400, "invalid_request"),  # v2 asks one
        ({**good, "scope": f"{PC_SCOPE} https://graph.microsoft.com/.default"}, partner.id, 400, "invalid_scope"),
        (good, "unknown.onmicrosoft.com", 400, "invalid_request"),
        # Another sandbox's app cannot get a token for this sandbox's tenant.
        (
            {**good, "client_id": stranger.app["clientId"], "client_secret": stranger.app["clientSecret"]},
            partner.id,
            400,
            "invalid_request",
        ),
        (
            {"grant_type": "password", "username": partner.admin_upn, "password": "nope"},
            partner.id,
            400,
            "invalid_grant",
        ),
        (
            {"grant_type": "password", "username": "nobody@nowhere.onmicrosoft.com", "password": "x"},
            partner.id,
            400,
            "invalid_grant",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "garbage"}, partner.id, 400, "invalid_grant"),
    ]
    for form, tenant, status, error in cases:
        r = await world.http.post(f"/{tenant}/oauth2/v2.0/token", data=form)
        assert r.status_code == status, (form, r.text)
        body = r.json()
        assert body["error"] == error, (form, body)
        assert body["error_description"].startswith("AADSTS")
        assert body["error_codes"]


async def test_partner_center_refuses_bad_tokens_with_401(world: World) -> None:
    partner = await world.partner()
    token = await partner.app_token()
    header, payload, signature = token.split(".")
    forged_claims = {**claims_of(token), "tid": str(world.parties[0].id), "roles": ["GlobalAdmin"]}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode().rstrip("=")
    forged = f"{header}.{forged_payload}.{signature}"
    home_made = jwt.encode({**claims_of(token)}, "a-secret-of-our-own-that-is-long-enough-for-hs256", algorithm="HS256")
    for bad in (None, "not-a-jwt", forged, home_made, f"{header}.{payload}.{signature[:-4]}AAAA"):
        r = await world.http.get("/v1/profiles/partner", headers=bearer(bad) if bad else {})
        assert r.status_code == 401, (bad, r.text)
        assert {"code", "description"} <= set(r.json())
        assert r.json()["source"] == "cspsim"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


async def test_tokens_expire_on_real_time_not_on_the_sandbox_clock(client: httpx.AsyncClient) -> None:
    lifetime = 6  # seconds of real time: room for a busy machine, short enough to wait out
    world = await World.create(client, tokenLifetimeSeconds=lifetime)
    partner = await world.partner()
    # A person's portal token: 400 days on, the partner's programs may have changed, its sign-in has not.
    issued = time.monotonic()
    token = await partner.portal_token()
    await world.sim("POST", "/clock/advance", json={"days": 400})
    assert (await partner.get("/v1/profiles/partner", token=token)).status_code == 200
    assert time.monotonic() - issued < lifetime, "the machine was too slow to tell expiry from the clock"
    await asyncio.sleep(lifetime + 1.5 - (time.monotonic() - issued))
    r = await partner.get("/v1/profiles/partner", token=token)
    assert r.status_code == 401
    assert "expired" in r.json()["description"]


async def test_users_and_apps_through_the_control_surface(world: World) -> None:
    partner = await world.partner()
    r = await world.sim(
        "POST",
        f"/tenants/{partner.id}/users",
        json={"userPrincipalName": f"agent@{partner.tenant['domain']}", "roles": ["AdminAgent"]},
    )
    assert r.status_code == 201, r.text
    generated = r.json()["password"]
    assert generated
    r = await world.http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={"grant_type": "password", "username": f"agent@{partner.tenant['domain']}", "password": generated},
    )
    assert r.status_code == 200
    assert claims_of(r.json()["access_token"])["roles"] == ["AdminAgent"]
    bad_role = await world.sim(
        "POST",
        f"/tenants/{partner.id}/users",
        json={"userPrincipalName": f"x@{partner.tenant['domain']}", "roles": ["Emperor"]},
    )
    assert bad_role.status_code == 400
    wrong_domain = await world.sim(
        "POST", f"/tenants/{partner.id}/users", json={"userPrincipalName": "x@elsewhere.onmicrosoft.com", "roles": []}
    )
    assert wrong_domain.status_code == 400
    users = (await world.sim("GET", f"/tenants/{partner.id}/users")).json()
    assert users["totalCount"] == 2
    assert "password" not in users["items"][0]
    r = await world.sim("POST", f"/tenants/{partner.id}/apps", json={"displayName": "storefront"})
    assert r.status_code == 201
    apps = (await world.sim("GET", f"/tenants/{partner.id}/apps")).json()
    assert apps["totalCount"] == 2
    assert all("clientSecret" not in a for a in apps["items"])
    duplicate = await world.sim(
        "POST",
        "/tenants",
        json={"kind": "customer", "displayName": "dup", "domain": partner.tenant["domain"], "country": "US"},
    )
    assert duplicate.status_code == 409


async def test_a_customer_tenant_has_no_partner_profile(world: World) -> None:
    r = await world.sim(
        "POST",
        "/tenants",
        json={
            "kind": "customer",
            "displayName": "Cust",
            "partnerId": "4812399",
            "domain": "cust.onmicrosoft.com",
            "country": "US",
        },
    )
    assert r.status_code == 400
    assert "customer" in r.json()["description"]
    customer = await world.customer()
    assert "partnerId" not in customer.tenant or customer.tenant["partnerId"] is None
    # Partner Center is for partner tenants: a customer's own sign-in is refused at the door.
    r = await customer.get("/v1/profiles/partner", token=await customer.portal_token())
    assert r.status_code == 403
    assert "partner tenants" in r.json()["description"]


async def test_a_wrong_user_and_a_wrong_password_answer_alike(world: World) -> None:
    """The password grant never tells which user names exist: one error for both (Entra's AADSTS50126)."""
    partner = await world.direct_bill_partner()
    token_url = f"/{partner.tenant['domain']}/oauth2/v2.0/token"
    wrong_user = {"grant_type": "password", "username": "nobody@nowhere.example", "password": PASSWORD}
    wrong_password = {"grant_type": "password", "username": partner.admin_upn, "password": "not-the-password"}
    answers = [
        (await world.http.post(token_url, data=body | {"scope": PC_SCOPE})) for body in (wrong_user, wrong_password)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert [a.json()["error_codes"] for a in answers] == [[50126], [50126]]
    assert answers[0].json()["error_description"] == answers[1].json()["error_description"]


async def test_smart_lockout_locks_after_repeated_wrong_passwords_then_lets_the_user_back(world: World) -> None:
    r = await world.sim("PATCH", "/settings", json={"smartLockout": {"threshold": 3, "durationSeconds": 60}})
    assert r.status_code == 200, r.text
    await world.sim("POST", "/clock/freeze")
    partner = await world.direct_bill_partner()
    token_url = f"/{partner.tenant['domain']}/oauth2/v2.0/token"

    async def sign_in(password: str) -> httpx.Response:
        body = {"grant_type": "password", "username": partner.admin_upn, "password": password, "scope": PC_SCOPE}
        return await world.http.post(token_url, data=body)

    assert (await sign_in(PASSWORD)).status_code == 200
    for _ in range(3):  # each wrong password is counted, though the answer is a refusal
        assert (await sign_in("guess")).json()["error_codes"] == [50126]
    locked = await sign_in(PASSWORD)  # the right password, while locked
    assert locked.status_code == 400
    assert locked.json()["error_codes"] == [50053]
    await world.sim("POST", "/clock/advance", json={"seconds": 61})  # the lockout is on the sandbox clock
    assert (await sign_in(PASSWORD)).status_code == 200
    # A good sign-in starts the count again: two wrong ones no longer lock.
    for _ in range(2):
        assert (await sign_in("guess")).json()["error_codes"] == [50126]
    assert (await sign_in(PASSWORD)).status_code == 200


async def test_a_user_named_alone_and_a_tenants_users_are_read_on_indexes(world: World, app: Any) -> None:
    """A person's sign-in by name and password names no sandbox, and a tenant's users are listed by tenant: both
    are read on an index led by what they name (a scan would read every user of every sandbox, or of the sandbox:
    one per seeded customer)."""
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()

    async def sign_in() -> None:
        person = {"grant_type": "password", "username": partner.admin_upn, "password": PASSWORD, "scope": PC_SCOPE}
        r = await world.http.post(f"/{partner.tenant['domain']}/oauth2/v2.0/token", data=person)
        assert r.status_code == 200, r.text

    async def list_users() -> None:
        r = await world.sim("GET", f"/tenants/{customer['id']}/users")
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) == 1

    named = await lookups_read(app, "FROM users", sign_in)
    assert [used for _, used in named][:1] == [["ix_users_user_principal_name"]], named
    listed = await lookups_read(app, "FROM users", list_users)
    assert listed, "the listings read users"
    assert all("ix_users_tenant" in used for _, used in listed), listed


async def test_the_token_form_is_read_as_entra_reads_it(world: World) -> None:
    """Form-encoded or multipart, an empty field as not sent, a repeated field's last value, unknown fields ignored;
    a body that is no form is a request without its fields, a broken multipart body a 400."""
    partner = await world.partner()
    path = f"/{partner.id}/oauth2/v2.0/token"
    good = partner.client_credentials()
    boundary = "cspsimformboundary"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in good.items()
    )
    multipart = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    r = await world.http.post(path, content=f"{parts}--{boundary}--\r\n", headers=multipart)
    assert r.status_code == 200, r.text
    assert claims_of(r.json()["access_token"])["appid"] == partner.app["clientId"]
    repeated = httpx.QueryParams([*good.items(), ("client_secret", "wrong"), ("unknown", "x")])
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = await world.http.post(path, content=str(repeated), headers=form)
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")  # the last value is the one read
    repeated = httpx.QueryParams([("client_secret", "wrong"), *good.items(), ("unknown", "x")])
    r = await world.http.post(path, content=str(repeated), headers=form)
    assert r.status_code == 200, r.text
    without = await world.http.post(path, data={k: v for k, v in good.items() if k != "client_id"})
    empty = await world.http.post(path, data={**good, "client_id": ""})
    assert without.status_code == empty.status_code == 400
    assert without.json()["error"] == empty.json()["error"] == "invalid_request"
    r = await world.http.post(path, json=good)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    r = await world.http.post(path, content=f"--{boundary}\r\nbroken", headers=multipart)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/json")


async def test_bad_input_on_the_identity_surface_answers_in_entras_shape(world: World) -> None:
    """Whatever refuses a request on the token endpoints and the keys (its form, its size, its method, a control
    character), the answer is Entra's error body, which an OAuth client reads, not Partner Center's."""
    partner = await world.partner()
    path = f"/{partner.id}/oauth2/v2.0/token"
    boundary = "cspsimformboundary"
    upload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="client_id"; filename="id.txt"\r\n\r\nx\r\n'
        f"--{boundary}--\r\n"
    )
    form = {"content-type": "application/x-www-form-urlencoded"}
    answers = [
        (await world.http.post(path, content="client_id=" + "x" * 1_100_000, headers=form), 400, 9002313),
        (await world.http.post(path, data={**partner.client_credentials(), "client_id": "a\x00b"}), 400, 9002313),
        (
            await world.http.post(
                path, content=upload, headers={"content-type": f"multipart/form-data; boundary={boundary}"}
            ),
            400,
            9002313,
        ),
        (await world.http.post(path, content=b"x" * (MAX_BODY_BYTES + 1), headers=form), 413, 9002313),
        (await world.http.get(path), 405, 900561),
        (await world.http.get(f"/{partner.id}/discovery/v2.0/keys?x=%01"), 400, 9002313),
    ]
    for r, status, code in answers:
        assert r.status_code == status, r.text
        body = r.json()
        assert body["error"] == "invalid_request", body
        assert body["error_codes"] == [code], body
        assert body["error_description"].startswith(f"AADSTS{code}: "), body
        assert body["trace_id"] == r.headers["MS-RequestId"]
    assert "client_id" in answers[2][0].json()["error_description"]  # the problem is named
    assert answers[4][0].json()["error_description"].endswith("Received a GET request.")
