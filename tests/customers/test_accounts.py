"""A customer's account through Partner Center's documented operations: delete in the sandbox, billing profile with
its etag, company profile, qualifications, domain availability, address validation, country rules, license usage."""

import uuid

from tests.world import Party, World, bearer


async def partner_and_customer(world: World) -> tuple[Party, dict[str, object], str]:
    direct = await world.direct_bill_partner()
    r = await direct.create_customer()
    assert r.status_code == 201, r.text
    return direct, r.json(), await direct.app_token()


async def test_a_customer_with_active_subscriptions_is_deleted_only_once_they_are_cancelled(world: World) -> None:
    direct, customer, token = await partner_and_customer(world)
    cid = str(customer["id"])
    await direct.attest_mca(cid)
    order = await direct.order(cid, quantity=2)
    assert order.status_code == 201, order.text
    r = await world.http.delete(f"/v1/customers/{cid}", headers=bearer(token))
    assert r.status_code == 409, r.text
    subscription_id = (await direct.get(f"/v1/customers/{cid}/subscriptions", token=token)).json()["items"][0]["id"]
    assert subscription_id in r.json()["description"]
    assert r.json()["data"] == [{"subscriptionId": subscription_id}]
    patched = await world.http.patch(
        f"/v1/customers/{cid}/subscriptions/{subscription_id}", headers=bearer(token), json={"status": "deleted"}
    )
    assert patched.status_code == 200, patched.text
    r = await world.http.delete(f"/v1/customers/{cid}", headers=bearer(token))
    assert r.status_code == 204, r.text
    assert (await direct.get(f"/v1/customers/{cid}", token=token)).status_code == 404
    assert cid not in {c["id"] for c in (await direct.get("/v1/customers", token=token)).json()["items"]}
    assert (await world.http.delete(f"/v1/customers/{cid}", headers=bearer(token))).status_code == 404


async def test_a_customer_without_subscriptions_is_deleted_and_a_stranger_cannot(world: World) -> None:
    _direct, customer, token = await partner_and_customer(world)
    stranger = await world.direct_bill_partner()
    r = await world.http.delete(f"/v1/customers/{customer['id']}", headers=bearer(await stranger.app_token()))
    assert r.status_code == 404
    assert (await world.http.delete(f"/v1/customers/{customer['id']}", headers=bearer(token))).status_code == 204


async def test_the_billing_profile_updates_with_a_current_etag_and_refuses_a_stale_one(world: World) -> None:
    direct, customer, token = await partner_and_customer(world)
    path = f"/v1/customers/{customer['id']}/profiles/billing"
    r = await direct.get(path, token=token)
    assert r.status_code == 200, r.text
    profile = r.json()
    assert profile["attributes"]["objectType"] == "CustomerBillingProfile"
    assert r.headers["ETag"].strip('"') == profile["attributes"]["etag"]
    assert profile["firstName"] == "Ada"
    assert profile["defaultAddress"]["city"] == "Redmond"
    first_etag = profile["attributes"]["etag"]
    profile["companyName"] = "Renamed Ltd"
    profile["defaultAddress"]["city"] = "Seattle"
    r = await world.http.put(path, headers={**bearer(token), "If-Match": first_etag}, json=profile)
    assert r.status_code == 200, r.text
    assert r.json()["companyName"] == "Renamed Ltd"
    assert r.json()["attributes"]["etag"] != first_etag
    # The old etag is stale now, in the header or in the body.
    profile["companyName"] = "Again Ltd"
    r = await world.http.put(path, headers={**bearer(token), "If-Match": first_etag}, json=profile)
    assert r.status_code == 412, r.text
    assert r.json()["code"] == 2055
    r = await world.http.put(path, headers=bearer(token), json=profile)
    assert r.status_code == 412, r.text
    assert (await direct.get(path, token=token)).json()["defaultAddress"]["city"] == "Seattle"


async def test_the_company_profile_names_the_tenant(world: World) -> None:
    direct, customer, token = await partner_and_customer(world)
    r = await direct.get(f"/v1/customers/{customer['id']}/profiles/company", token=token)
    assert r.status_code == 200, r.text
    company = r.json()
    assert company["tenantId"] == customer["id"]
    assert company["domain"] == customer["companyProfile"]["domain"]  # type: ignore[index]
    assert company["attributes"]["objectType"] == "CustomerCompanyProfile"


async def test_qualifications_are_added_once_each_and_read_back(world: World) -> None:
    direct, customer, token = await partner_and_customer(world)
    path = f"/v1/customers/{customer['id']}/qualifications"
    assert (await direct.get(path, token=token)).json() == []
    r = await world.http.post(path, headers=bearer(token), json={"Qualification": "Education"})
    assert r.status_code == 201, r.text
    assert r.json()["vettingStatus"] == "InReview"
    r = await world.http.post(path, headers=bearer(token), json={"qualification": "StateOwnedEntity"})
    assert r.json()["vettingStatus"] == "Approved"
    r = await world.http.post(path, headers=bearer(token), json={"qualification": "GovernmentCommunityCloud"})
    assert r.status_code == 400
    assert "code" in r.json()["description"]
    r = await world.http.post(
        path, headers=bearer(token), params={"code": "GCC-1234"}, json={"qualification": "GovernmentCommunityCloud"}
    )
    assert r.status_code == 201, r.text
    r = await world.http.post(path, headers=bearer(token), json={"qualification": "education"})
    assert r.status_code == 409
    read = (await direct.get(path, token=token)).json()
    assert [q["qualification"] for q in read] == ["Education", "StateOwnedEntity", "GovernmentCommunityCloud"]


async def test_a_taken_domain_answers_200_and_a_free_one_404(world: World) -> None:
    _direct, customer, token = await partner_and_customer(world)
    domain = str(customer["companyProfile"]["domain"])  # type: ignore[index]
    assert (await world.http.head(f"/v1/domains/{domain}", headers=bearer(token))).status_code == 200
    short = domain.split(".")[0]
    assert (await world.http.head(f"/v1/domains/{short.upper()}", headers=bearer(token))).status_code == 200
    free = f"free{uuid.uuid4().hex[:8]}.onmicrosoft.com"
    assert (await world.http.head(f"/v1/domains/{free}", headers=bearer(token))).status_code == 404
    # Another sandbox's domains are not this one's.
    other = await World.create(world.http)
    elsewhere = await (await other.direct_bill_partner()).app_token()
    assert (await world.http.head(f"/v1/domains/{domain}", headers=bearer(elsewhere))).status_code == 404


async def test_an_address_is_verified_corrected_or_refused(world: World) -> None:
    direct = await world.direct_bill_partner()
    token = await direct.app_token()
    good = {"addressLine1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}
    r = await world.http.post("/v1/validations/address", headers=bearer(token), json=good)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "VerifiedShippable"
    assert r.json()["suggestedAddresses"] == []
    r = await world.http.post(
        "/v1/validations/address",
        headers=bearer(token),
        json=good | {"state": "washington", "postalCode": "980528300"},
    )
    verdict = r.json()
    assert verdict["status"] == "StreetPartial"
    assert verdict["originalAddress"]["state"] == "washington"
    assert verdict["suggestedAddresses"][0]["state"] == "WA"
    assert verdict["suggestedAddresses"][0]["postalCode"] == "98052-8300"
    r = await world.http.post(
        "/v1/validations/address", headers=bearer(token), json=good | {"postalCode": "9805", "state": "XX"}
    )
    assert r.json()["status"] == "None"
    assert "'PostalCode'" in r.json()["validationMessage"]
    assert "'Region'" in r.json()["validationMessage"]
    r = await world.http.post("/v1/validations/address", headers=bearer(token), json={"city": "Redmond"})
    assert r.status_code == 400


async def test_country_validation_rules(world: World) -> None:
    token = await (await world.direct_bill_partner()).app_token()
    r = await world.http.get("/v1/countryvalidationrules/us", headers=bearer(token))
    assert r.status_code == 200, r.text
    rules = r.json()
    assert rules["iso2Code"] == "US"
    assert rules["isStateRequired"] is True
    assert "WA" in rules["supportedStatesList"]
    assert rules["attributes"]["objectType"] == "CountryValidationRules"
    assert (await world.http.get("/v1/countryvalidationrules/ZZ", headers=bearer(token))).status_code == 404
    assert (await world.http.get("/v1/countryvalidationrules/USA", headers=bearer(token))).status_code == 400


async def test_license_usage_counts_held_and_assigned_seats(world: World) -> None:
    direct, customer, token = await partner_and_customer(world)
    cid = str(customer["id"])
    path = f"/v1/customers/{cid}/analytics/licenses/usage"
    empty = (await direct.get(path, token=token)).json()
    assert empty["totalCount"] == 0
    assert "next" not in empty["links"]
    await direct.attest_mca(cid)
    assert (await direct.order(cid, quantity=7)).status_code == 201
    usage = (await direct.get(path, token=token)).json()
    assert usage["totalCount"] == 1
    item = usage["items"][0]
    assert item["licensesQualified"] == 7
    assert item["licensesActive"] == 0
    assert item["attributes"]["objectType"] == "CustomerLicensesUsageInsights"
    stranger = await world.direct_bill_partner()
    assert (await stranger.get(path)).status_code == 404


async def test_a_customer_deleted_twice_at_once_is_deleted_once_and_counted_once(world: World) -> None:
    """Two deletes of one customer in flight together (a client's retry): one answers 204, the other finds it gone
    (404), and the partner's customer count (the listing's totalCount) loses the customer once, not twice."""
    import asyncio

    direct, kept, token = await partner_and_customer(world)
    customer = (await direct.create_customer()).json()
    before = (await direct.get("/v1/customers", token=token)).json()["totalCount"]
    answers = await asyncio.gather(
        *(world.http.delete(f"/v1/customers/{customer['id']}", headers=bearer(token)) for _ in range(4))
    )
    assert sorted(r.status_code for r in answers) == [204, 404, 404, 404], [r.text for r in answers]
    listed = (await direct.get("/v1/customers", token=token)).json()
    assert listed["totalCount"] == before - 1 == len(listed["items"])
    assert [c["id"] for c in listed["items"]] == [kept["id"]]
    deleted = (await world.sim("GET", "/events", params={"name": "customer-deleted"})).json()
    assert deleted["totalCount"] == 1
