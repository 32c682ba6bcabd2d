"""Service requests about a customer, and the partner's updates to its own requests."""

import uuid

from tests.world import World, bearer


async def test_a_customers_service_requests_and_their_notes(world: World) -> None:
    direct = await world.direct_bill_partner()
    customer = (await direct.create_customer()).json()
    token = await direct.app_token()
    opened = await world.http.post(
        "/v1/servicerequests",
        headers=bearer(token),
        json={
            "title": "Cannot sign in",
            "description": "Users locked out",
            "severity": "critical",
            "customerId": customer["id"],
        },
    )
    assert opened.status_code == 201, opened.text
    request = opened.json()
    assert request["customerId"] == customer["id"]
    assert request["category"] == "General"
    own = await world.http.post("/v1/servicerequests", headers=bearer(token), json={"description": "about us"})
    assert own.status_code == 201
    listed = (await direct.get(f"/v1/customers/{customer['id']}/servicerequests", token=token)).json()
    assert [r["id"] for r in listed["items"]] == [request["id"]]
    assert "next" not in listed["links"]
    path = f"/v1/servicerequests/{request['id']}"
    r = await world.http.patch(path, headers=bearer(token), json={"newNote": {"text": "Still failing"}})
    assert r.status_code == 200, r.text
    assert [n["text"] for n in r.json()["notes"]] == ["Still failing"]
    assert r.json()["lastClosedDate"] is None
    r = await world.http.patch(path, headers=bearer(token), json={"status": "closed"})
    assert r.json()["status"] == "Resolved"
    assert r.json()["lastClosedDate"] >= r.json()["createdDate"]
    assert r.json()["supportTopicName"] == "General"
    r = await world.http.patch(path, headers=bearer(token), json={"newNote": {"text": "again"}})
    assert r.status_code == 409
    r = await world.http.patch(f"/v1/servicerequests/{own.json()['id']}", headers=bearer(token), json={"status": "x"})
    assert r.status_code == 400


async def test_a_stranger_neither_opens_nor_reads_requests_about_a_customer(world: World) -> None:
    direct, stranger = await world.direct_bill_partner(), await world.direct_bill_partner()
    customer = (await direct.create_customer()).json()
    token = await stranger.app_token()
    r = await world.http.post(
        "/v1/servicerequests", headers=bearer(token), json={"description": "x", "customerId": customer["id"]}
    )
    assert r.status_code == 404
    assert (await stranger.get(f"/v1/customers/{customer['id']}/servicerequests", token=token)).status_code == 404
    mine = (await direct.post("/v1/servicerequests", json={"description": "mine"})).json()
    r = await world.http.patch(f"/v1/servicerequests/{mine['id']}", headers=bearer(token), json={"status": "closed"})
    assert r.status_code == 404
    r = await world.http.patch(f"/v1/servicerequests/{uuid.uuid4()}", headers=bearer(token), json={})
    assert r.status_code == 404


async def test_closing_a_restriction_request_restricts_nothing(world: World) -> None:
    direct = await world.direct_bill_partner()
    request = (
        await direct.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    ).json()
    closed = await world.http.patch(
        f"/v1/servicerequests/{request['id']}",
        headers=bearer(await direct.portal_token()),
        json={"status": "closed"},
    )
    assert closed.status_code == 200, closed.text
    assert (await direct.program_statuses())["DirectBill"] == "Active"
