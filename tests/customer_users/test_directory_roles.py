"""A customer's directory roles and their members, through Partner Center's `directoryroles` calls."""

import pytest

from tests.customer_users.steps import admin_of_customer, call, create_user
from tests.gdap.steps import GLOBAL_ADMINISTRATOR, GLOBAL_READER, USER_ADMINISTRATOR, approve, create, lock
from tests.world import World


async def test_users_join_and_leave_directory_roles(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, USER_ADMINISTRATOR)
    roles = await call(partner, "GET", f"/v1/customers/{customer.id}/directoryroles", token)
    assert roles.status_code == 200, roles.text
    by_name = {r["name"]: r for r in roles.json()["items"]}
    assert by_name["User Administrator"] == {
        "name": "User Administrator",
        "id": USER_ADMINISTRATOR,
        "attributes": {"objectType": "DirectoryRole"},
    }
    admins = f"/v1/customers/{customer.id}/directoryroles/{GLOBAL_ADMINISTRATOR}/usermembers"
    listed = await call(partner, "GET", admins, token)
    assert [m["userPrincipalName"] for m in listed.json()["items"]] == [customer.admin_upn]
    [first_admin] = listed.json()["items"]
    assert (first_admin["roleId"], first_admin["attributes"]) == (GLOBAL_ADMINISTRATOR, {"objectType": "UserMember"})

    ada = await create_user(partner, customer, token, "ada")
    members = f"/v1/customers/{customer.id}/directoryroles/{USER_ADMINISTRATOR}/usermembers"
    # Partner Center's "Set user roles for a customer" posts a UserMember.
    body = {
        "Id": ada["id"],
        "DisplayName": ada["displayName"],
        "UserPrincipalName": ada["userPrincipalName"],
        "RoleId": USER_ADMINISTRATOR,
        "Attributes": {"ObjectType": "UserMember"},
    }
    added = await call(partner, "POST", members, token, json=body)
    assert added.status_code == 201, added.text
    assert added.json() == {
        "id": ada["id"],
        "userPrincipalName": ada["userPrincipalName"],
        "displayName": ada["displayName"],
        "roleId": USER_ADMINISTRATOR,
        "attributes": {"objectType": "UserMember"},
    }
    assert (await call(partner, "POST", members, token, json=body)).status_code == 409
    assert [m["id"] for m in (await call(partner, "GET", members, token)).json()["items"]] == [ada["id"]]
    unknown = await call(partner, "GET", f"/v1/customers/{customer.id}/directoryroles/not-a-role/usermembers", token)
    assert unknown.status_code == 404
    removed = await call(partner, "DELETE", f"{members}/{ada['id']}", token)
    assert removed.status_code == 204, removed.text
    assert (await call(partner, "GET", members, token)).json()["items"] == []
    assert (await call(partner, "DELETE", f"{members}/{ada['id']}", token)).status_code == 404

    # The last Global Administrator stays; once another holds the role, the first can go.
    last = await call(partner, "DELETE", f"{admins}/{first_admin['id']}", token)
    assert last.status_code == 409
    assert (await call(partner, "POST", admins, token, json={"id": ada["id"]})).status_code == 201
    assert (await call(partner, "DELETE", f"{admins}/{first_admin['id']}", token)).status_code == 204
    # The new Global Administrator acts as the customer's admin: it approves a GDAP request.
    relationship = await create(partner, customer=customer)
    await lock(partner, relationship["id"])
    assert (await approve(customer, relationship["id"], upn=ada["userPrincipalName"])).status_code == 200


@pytest.mark.rule("GDP-1")
async def test_a_global_reader_reads_roles_and_changes_none(world: World) -> None:
    partner, customer, token = await admin_of_customer(world, GLOBAL_READER)
    members = f"/v1/customers/{customer.id}/directoryroles/{GLOBAL_ADMINISTRATOR}/usermembers"
    assert (await call(partner, "GET", f"/v1/customers/{customer.id}/directoryroles", token)).status_code == 200
    listed = await call(partner, "GET", members, token)
    assert listed.status_code == 200, listed.text
    admin_id = listed.json()["items"][0]["id"]
    for method, path, body in (("POST", members, {"id": admin_id}), ("DELETE", f"{members}/{admin_id}", None)):
        r = await call(partner, method, path, token, json=body)
        assert r.status_code == 403, (method, r.text)
        assert r.json()["rule"] == "GDP-1"
        assert "User Administrator" in r.json()["description"]
