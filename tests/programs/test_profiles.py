"""The partner's profiles, MPA status and agreement documents, on Partner Center's paths."""

import uuid

import pytest

from tests.world import World, bearer

MCA_TEMPLATE = "117a77b0-9360-443b-8795-c6dedc750cf9"


async def test_the_mpn_profile_names_the_partner_and_verifies_another(world: World) -> None:
    direct, other = await world.direct_bill_partner(), await world.partner()
    token = await direct.app_token()
    r = await direct.get("/v1/profiles/mpn", token=token)
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["mpnId"] == direct.tenant["partnerId"]
    assert mine["partnerName"] == direct.tenant["displayName"]
    assert mine["profileType"] == "mpn_profile"
    assert mine["attributes"]["objectType"] == "MpnProfile"
    r = await direct.get("/v1/profiles/mpn", token=token, params={"mpnId": other.tenant["partnerId"]})
    assert r.json()["partnerName"] == other.tenant["displayName"]
    r = await direct.get("/v1/profiles/mpn", token=token, params={"mpnId": "1"})
    assert r.status_code == 404
    assert r.json()["code"] == 800015


@pytest.mark.parametrize(
    ("path", "body", "changed"),
    [
        (
            "legalbusiness",
            {
                "companyName": "Renamed Legal Ltd",
                "address": {
                    "country": "US",
                    "city": "Seattle",
                    "state": "WA",
                    "addressLine1": "2 Pike St",
                    "postalCode": "98101",
                },
                "primaryContact": {"firstName": "Lin", "lastName": "Ng", "email": "lin@partner.example"},
            },
            "companyName",
        ),
        (
            "organization",
            {
                "companyName": "Renamed Org",
                "defaultAddress": {
                    "country": "US",
                    "city": "Seattle",
                    "addressLine1": "2 Pike St",
                    "postalCode": "98101",
                },
                "email": "org@partner.example",
            },
            "companyName",
        ),
        (
            "billing",
            {
                "address": {"country": "US", "city": "Seattle", "addressLine1": "2 Pike St", "postalCode": "98101"},
                "primaryContact": {"email": "bills@partner.example"},
                "taxId": "12-3456789",
                "purchaseOrderNumber": "PO-1",
            },
            "taxId",
        ),
        ("support", {"email": "help@partner.example", "telephone": "+1 425 555 0100", "website": "https://x"}, "email"),
    ],
)
async def test_each_profile_reads_and_updates_with_its_etag(
    world: World, path: str, body: dict[str, object], changed: str
) -> None:
    partner = await world.direct_bill_partner()
    portal = await partner.portal_token()
    url = f"/v1/profiles/{path}"
    r = await partner.get(url, token=portal)
    assert r.status_code == 200, r.text
    before = r.json()
    assert before["profileType"] == f"{path.replace('legalbusiness', 'legal_business')}_profile"
    assert before["attributes"]["objectType"].endswith("Profile")
    etag = before["attributes"]["etag"]
    assert r.headers["ETag"].strip('"') == etag
    r = await world.http.put(url, headers={**bearer(portal), "If-Match": etag}, json=body)
    assert r.status_code == 200, r.text
    assert r.json()[changed] == body[changed]
    assert r.json()["attributes"]["etag"] != etag
    assert (await partner.get(url, token=portal)).json()[changed] == body[changed]
    r = await world.http.put(url, headers={**bearer(portal), "If-Match": etag}, json=body)
    assert r.status_code == 412, r.text
    # An app alone is no Global admin.
    r = await world.http.put(url, headers=bearer(await partner.app_token()), json=body)
    assert r.status_code == 403


async def test_the_legal_business_profile_is_the_partner_profile(world: World) -> None:
    partner = await world.direct_bill_partner()
    portal = await partner.portal_token()
    legal = (await partner.get("/v1/profiles/legalbusiness", token=portal)).json()
    assert legal["companyName"] == f"{partner.tenant['displayName']} Ltd"
    legal["companyName"] = "New Legal Name Inc"
    legal["primaryContact"]["email"] = "new.contact@partner.example"
    r = await world.http.put("/v1/profiles/legalbusiness", headers=bearer(portal), json=legal)
    assert r.status_code == 200, r.text
    profile = (await partner.get("/v1/profiles/partner", token=portal)).json()
    assert profile["legalName"] == "New Legal Name Inc"
    assert profile["primaryContact"]["email"] == "new.contact@partner.example"


async def test_the_mpa_status_of_a_partner(world: World) -> None:
    direct, reseller = await world.direct_bill_partner(), await world.indirect_reseller()
    unsigned = await world.partner()
    token = await direct.app_token()

    async def status(**params: str) -> tuple[int, dict[str, object]]:
        r = await direct.get("/v1/compliance/csp/agreementstatus", token=token, params=params)
        return r.status_code, r.json()

    assert await status(mpnId=reseller.tenant["partnerId"]) == (200, {"isAgreementSigned": True})
    assert await status(tenantId=reseller.id) == (200, {"isAgreementSigned": True})
    assert await status(mpnId=unsigned.tenant["partnerId"]) == (200, {"isAgreementSigned": False})
    code, body = await status()
    assert (code, body["code"]) == (400, 2001)
    code, body = await status(mpnId="12ab")
    assert (code, body["code"]) == (400, 2000)
    code, body = await status(mpnId=reseller.tenant["partnerId"], tenantId=reseller.id)
    assert (code, body["code"]) == (400, 2000)
    code, body = await status(tenantId=str(uuid.uuid4()))
    assert (code, body["code"]) == (404, 800015)


async def test_an_agreement_template_document(world: World) -> None:
    token = await (await world.direct_bill_partner()).app_token()
    r = await world.http.get(
        f"/v1/agreementtemplates/{MCA_TEMPLATE}/document",
        headers=bearer(token),
        params={"language": "de-de", "country": "de"},
    )
    assert r.status_code == 200, r.text
    document = r.json()
    assert document["templateId"] == MCA_TEMPLATE
    assert document["languageCode"] == "de-DE"
    assert document["countryCode"] == "DE"
    assert document["displayUri"].startswith(document["agreementLink"])
    r = await world.http.get(f"/v1/agreementtemplates/{uuid.uuid4()}/document", headers=bearer(token))
    assert r.status_code == 404
    r = await world.http.get(
        f"/v1/agreementtemplates/{MCA_TEMPLATE}/document", headers=bearer(token), params={"language": "xx-XX"}
    )
    assert r.status_code == 400
