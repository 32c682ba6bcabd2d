"""A customer's user accounts through Partner Center: read one, update it, reset its password, delete it (a soft
delete, restorable for 30 days on the sandbox clock) and restore it, as Partner Center's documented calls do."""

import pytest

from tests.customer_users.steps import admin_of_customer, call, create_user, sign_in
from tests.gdap.steps import GLOBAL_READER, USER_ADMINISTRATOR, advance
from tests.world import PC_SCOPE, World


async def test_a_user_is_read_updated_and_its_password_reset(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, USER_ADMINISTRATOR)
    created = await create_user(partner, customer, token, "ada")
    assert (created["firstName"], created["lastName"], created["usageLocation"]) == ("Ada", "Tester", "US")
    assert created["state"] == "active"
    assert created["passwordProfile"] is None  # the password was given, so nothing is shown
    path = f"/v1/customers/{customer.id}/users/{created['id']}"
    read = await call(partner, "GET", path, token)
    assert read.status_code == 200, read.text
    assert read.json() == created

    # Partner Center's "Update user accounts for a customer" sends the user back with the fields that change.
    r = await call(
        partner,
        "PATCH",
        path,
        token,
        json={
            "id": created["id"],
            "userPrincipalName": created["userPrincipalName"],
            "displayName": "Ada Lovelace",
            "usageLocation": "GB",
            "attributes": {"objectType": "CustomerUser"},
        },
    )
    assert r.status_code == 200, r.text
    assert (r.json()["displayName"], r.json()["usageLocation"]) == ("Ada Lovelace", "GB")
    assert (await call(partner, "GET", path, token)).json()["displayName"] == "Ada Lovelace"
    moved = await call(partner, "PATCH", path, token, json={"userPrincipalName": f"bob@{customer.tenant['domain']}"})
    assert moved.status_code == 400
    assert (await call(partner, "PATCH", path, token, json={})).status_code == 400

    # "Reset user password for a customer": a given password replaces the old one.
    reset = await call(
        partner,
        "PATCH",
        path,
        token,
        json={
            "passwordProfile": {"forceChangePassword": True, "password": "N3w-pa55word!"},
            "attributes": {"objectType": "CustomerUser"},
        },
    )
    assert reset.status_code == 200, reset.text
    assert await sign_in(customer, created["userPrincipalName"], "Pa55-word!") == 400
    assert await sign_in(customer, created["userPrincipalName"], "N3w-pa55word!") == 200
    # Without a password, one is generated and shown once.
    generated = await call(partner, "PATCH", path, token, json={"passwordProfile": {"forceChangePassword": True}})
    assert generated.status_code == 200, generated.text
    password = generated.json()["passwordProfile"]["password"]
    assert await sign_in(customer, created["userPrincipalName"], password) == 200
    unknown = f"/v1/customers/{customer.id}/users/{partner.tenant['users'][0]['id']}"
    assert (
        await call(partner, "GET", unknown, token)
    ).status_code == 404  # the partner's own user is not the customer's


async def test_a_deleted_user_is_inactive_and_restorable_for_30_days(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, USER_ADMINISTRATOR)
    created = await create_user(partner, customer, token, "grace")
    path = f"/v1/customers/{customer.id}/users/{created['id']}"
    users = f"/v1/customers/{customer.id}/users"
    endpoint = f"/{customer.id}/oauth2/v2.0/token"
    person = {"grant_type": "password", "username": created["userPrincipalName"], "password": "Pa55-word!"}
    signed_in = await world.http.post(endpoint, data={**person, "scope": PC_SCOPE})
    assert signed_in.status_code == 200, signed_in.text
    refresh = {"grant_type": "refresh_token", "refresh_token": signed_in.json()["refresh_token"], "scope": PC_SCOPE}
    gone = await call(partner, "DELETE", path, token)
    assert gone.status_code == 204, gone.text
    # Deleted, the user's refresh token buys nothing more, as a sign-in with its password does not.
    refused = await world.http.post(endpoint, data=refresh)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant"), refused.text
    session = {"tenantId": customer.id, "userPrincipalName": created["userPrincipalName"]}
    vouched = await world.sim("POST", "/portal-sessions", json=session)  # nor does the operator sign it in
    assert vouched.status_code == 409, vouched.text
    listed = await call(partner, "GET", users, token)
    assert created["id"] not in [u["id"] for u in listed.json()["items"]]
    inactive = await call(partner, "GET", users, token, params={"user_state": "inactive"})
    assert inactive.status_code == 200, inactive.text
    [deleted] = inactive.json()["items"]
    assert (deleted["id"], deleted["state"]) == (created["id"], "inactive")
    assert deleted["softDeletionTime"]
    assert (await call(partner, "GET", path, token)).json()["state"] == "inactive"
    assert await sign_in(customer, created["userPrincipalName"], "Pa55-word!") == 400
    assert (await call(partner, "DELETE", path, token)).status_code == 409  # deleted already
    changed = await call(partner, "PATCH", path, token, json={"displayName": "Still here?"})
    assert changed.status_code == 409

    # "Restore a deleted user for a customer": PATCH the user with state active.
    restored = await call(
        partner, "PATCH", path, token, json={"state": "active", "attributes": {"objectType": "CustomerUser"}}
    )
    assert restored.status_code == 200, restored.text
    assert (restored.json()["state"], restored.json()["softDeletionTime"]) == ("active", None)
    assert await sign_in(customer, created["userPrincipalName"], "Pa55-word!") == 200
    listed = await call(partner, "GET", users, token)
    assert created["id"] in [u["id"] for u in listed.json()["items"]]

    # Deleted again, the window runs on the sandbox clock: 30 days later the user is gone for good.
    assert (await call(partner, "DELETE", path, token)).status_code == 204
    await advance(world, days=29)
    assert len((await call(partner, "GET", users, token, params={"user_state": "inactive"})).json()["items"]) == 1
    await advance(world, days=1)
    token = await partner.portal_token()
    assert (await call(partner, "GET", users, token, params={"user_state": "inactive"})).json()["items"] == []
    assert (await call(partner, "GET", path, token)).status_code == 404
    late = await call(partner, "PATCH", path, token, json={"state": "active"})
    assert late.status_code == 404


async def test_the_last_global_administrator_is_not_deleted(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, USER_ADMINISTRATOR)
    users = (await call(partner, "GET", f"/v1/customers/{customer.id}/users", token)).json()["items"]
    [admin] = [u for u in users if u["userPrincipalName"] == customer.admin_upn]
    r = await call(partner, "DELETE", f"/v1/customers/{customer.id}/users/{admin['id']}", token)
    assert r.status_code == 409
    assert "last Global Administrator" in r.json()["description"]


@pytest.mark.rule("GDP-1")
async def test_reading_needs_a_directory_role_and_changing_needs_user_administrator(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, GLOBAL_READER)
    users = f"/v1/customers/{customer.id}/users"
    listed = await call(partner, "GET", users, token)
    assert listed.status_code == 200, listed.text
    admin = listed.json()["items"][0]
    path = f"{users}/{admin['id']}"
    assert (await call(partner, "GET", path, token)).status_code == 200
    assert (await call(partner, "GET", users, token, params={"user_state": "inactive"})).status_code == 200
    for method, body in (("PATCH", {"displayName": "x"}), ("DELETE", None)):
        r = await call(partner, method, path, token, json=body)
        assert r.status_code == 403, (method, r.text)
        assert r.json()["rule"] == "GDP-1"
        assert "User Administrator" in r.json()["description"]
    # An app alone holds no GDAP role.
    app_call = await call(partner, "GET", path, await partner.app_token())
    assert app_call.status_code == 403
    assert app_call.json()["rule"] == "GDP-1"
