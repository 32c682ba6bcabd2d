"""Indirect providers: the directory (PRV-1) and partnerships (PRV-2)."""

import pytest

from tests.world import World


@pytest.mark.rule("PRV-1")
async def test_the_directory_lists_providers_by_country(world: World) -> None:
    us = await world.provider(country="US")
    ca = await world.provider(country="CA")
    await world.partner()  # not a provider
    reseller = await world.indirect_reseller()
    token = await reseller.portal_token()
    r = await reseller.get("/v1/indirectproviders", token=token, params={"country": "US"})
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["items"]] == [us.id]
    assert r.json()["items"][0]["mpnId"] == us.tenant["partnerId"]
    everyone = await reseller.get("/v1/indirectproviders", token=token)
    assert {p["id"] for p in everyone.json()["items"]} == {us.id, ca.id}


@pytest.mark.rule("PRV-1")
@pytest.mark.rule("PRV-2")
async def test_a_partnership_needs_the_resellers_global_admin(world: World) -> None:
    provider = await world.provider()
    reseller = await world.indirect_reseller()
    token = await reseller.portal_token()
    providers = await reseller.get(
        "/v1/relationships", token=token, params={"relationship_type": "IsIndirectResellerOf"}
    )
    assert providers.status_code == 200, providers.text
    assert providers.json()["items"] == []
    r = await provider.post(
        "/v1/partnerships/invitations",
        token=await provider.app_token(),
        json={"resellerPartnerId": reseller.tenant["partnerId"]},
    )
    assert r.status_code == 201, r.text
    invitation = r.json()
    assert invitation["status"] == "Invited"
    assert invitation["link"].endswith(f"/v1/partnerships/invitations/{invitation['id']}/accept")
    agent = f"agent@{reseller.tenant['domain']}"
    await world.sim("POST", f"/tenants/{reseller.id}/users", json={"userPrincipalName": agent, "roles": ["AdminAgent"]})
    r = await reseller.post(
        f"/v1/partnerships/invitations/{invitation['id']}/accept", token=await reseller.portal_token(agent)
    )
    assert r.status_code == 403
    assert r.json()["rule"] == "PRV-2"
    r = await reseller.post(f"/v1/partnerships/invitations/{invitation['id']}/accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "Active"
    mine = (
        await reseller.get("/v1/relationships", token=token, params={"relationship_type": "IsIndirectResellerOf"})
    ).json()["items"]
    assert [(p["id"], p["relationshipType"]) for p in mine] == [(provider.id, "is_indirect_reseller_of")]
    theirs = (
        await provider.get("/v1/relationships", params={"relationship_type": "IsIndirectCloudSolutionProviderOf"})
    ).json()["items"]
    assert [(p["id"], p["relationshipType"]) for p in theirs] == [
        (reseller.id, "is_indirect_cloud_solution_provider_of")
    ]
    assert (await reseller.post(f"/v1/partnerships/invitations/{invitation['id']}/accept")).status_code == 409


@pytest.mark.rule("PRV-2")
async def test_only_providers_invite_and_only_indirect_resellers_accept(world: World) -> None:
    direct = await world.direct_bill_partner()
    reseller = await world.indirect_reseller()
    r = await direct.post(
        "/v1/partnerships/invitations", token=await direct.app_token(), json={"resellerTenantId": reseller.id}
    )
    assert r.status_code == 403
    assert r.json()["rule"] == "PRV-2"
    provider = await world.provider()
    not_yet = await world.partner()
    r = await provider.post(
        "/v1/partnerships/invitations", token=await provider.app_token(), json={"resellerTenantId": not_yet.id}
    )
    assert r.status_code == 201
    r = await not_yet.post(f"/v1/partnerships/invitations/{r.json()['id']}/accept")
    assert r.status_code == 403
    assert r.json()["rule"] == "PRV-2"
    assert "indirect reseller" in r.json()["description"]
