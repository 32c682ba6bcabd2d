"""Mail the platform sends (mailbox, partner notifications), the outbox and pagination."""

from tests.world import World, bearer


async def test_a_mail_reaches_the_mailbox_and_the_partners_notifications(world: World) -> None:
    partner = await world.partner()
    other = await world.partner()
    r = await world.sim(
        "POST",
        "/timers",
        json={"label": "approval due", "afterBusinessDays": 1, "notifyTo": "Ops@Contoso.com", "tenantId": partner.id},
    )
    assert r.status_code == 201, r.text
    assert (await world.sim("GET", "/mailbox")).json()["totalCount"] == 0
    await world.sim("POST", "/clock/advance", json={"days": 4})
    mailbox = (await world.sim("GET", "/mailbox", params={"to": "ops@contoso.com"})).json()
    assert mailbox["totalCount"] == 1
    mail = mailbox["items"][0]
    assert {"to", "subject", "kind", "sentAt", "body"} <= set(mail)
    assert mail["to"] == "ops@contoso.com"
    assert "approval due" in mail["subject"]
    assert (await world.sim("GET", "/mailbox", params={"to": "nobody@x.com"})).json()["totalCount"] == 0
    mine = await world.http.get("/v1/notifications", headers=bearer(await partner.portal_token()))
    assert mine.status_code == 200
    assert [n["subject"] for n in mine.json()["items"]] == [mail["subject"]]
    assert mine.json()["attributes"]["objectType"] == "Collection"
    theirs = await world.http.get("/v1/notifications", headers=bearer(await other.portal_token()))
    assert theirs.json()["totalCount"] == 0


async def test_lists_page_with_a_continuation_token(world: World) -> None:
    created = {(await world.customer()).id for _ in range(5)}
    seen: list[str] = []
    page = (await world.sim("GET", "/tenants", params={"size": 2})).json()
    assert page["totalCount"] == 5
    while True:
        seen += [t["id"] for t in page["items"]]
        nxt = page["links"].get("next")
        if not nxt:
            break
        assert nxt["method"] == "GET"
        assert "seekOperation=Next" in nxt["uri"]
        headers = {h["key"]: h["value"] for h in nxt["headers"]}
        page = (await world.http.get(nxt["uri"], headers={**world.admin, **headers})).json()
    assert len(seen) == 5
    assert set(seen) == created
    bad = await world.sim("GET", "/tenants", params={"continuationToken": "garbage!"})
    assert bad.status_code == 400
    assert (await world.sim("GET", "/tenants", params={"size": 0})).status_code == 400


async def test_audit_records_are_per_partner_and_filtered_by_date(world: World) -> None:
    partner = await world.direct_bill_partner()
    other = await world.direct_bill_partner()
    r = await partner.get("/v1/auditrecords", params={"startDate": "2020-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    operations = [a["operationType"] for a in r.json()["items"]]
    assert operations[0] == "submit_enrollment"
    assert "enrollment-activated" in operations
    assert all(a["partnerId"] == partner.id for a in r.json()["items"])
    assert {a["partnerId"] for a in (await other.get("/v1/auditrecords")).json()["items"]} == {other.id}
    future = await partner.get("/v1/auditrecords", params={"startDate": "2999-01-01T00:00:00Z"})
    assert future.json()["items"] == []
    bad = await partner.get("/v1/auditrecords", params={"startDate": "yesterday"})
    assert bad.status_code == 400


async def test_a_listing_keyed_on_time_pages_past_the_first_page(world: World) -> None:
    """Enrollments page on (submittedAt, id): the continuation token carries a timestamp."""
    partners = [await world.partner() for _ in range(3)]
    for partner in partners:
        assert (await partner.enroll("IndirectProvider")).status_code == 201
    first = (await world.sim("GET", "/enrollments", params={"size": 2})).json()
    token = first["links"]["next"]["headers"][0]["value"]
    second = await world.sim("GET", "/enrollments", params={"size": 2}, headers={"MS-ContinuationToken": token})
    assert second.status_code == 200, second.text
    seen = [e["id"] for e in first["items"] + second.json()["items"]]
    assert len(seen) == len(set(seen)) == 3
