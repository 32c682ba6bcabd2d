"""COM-5: program access gates every Microsoft product, then the Azure plan and Modern Workplace families."""

import pytest

from tests.gdap.steps import run_timers
from tests.marketplace.steps import (
    AZURE_PLAN,
    RESELLER_PROGRAM,
    end_customer,
    grant,
    mp,
    ok,
    order_body,
    ready_reseller,
    storefront_order,
)
from tests.world import World


@pytest.mark.rule("COM-5")
async def test_no_microsoft_order_before_the_reseller_program_then_no_azure_plan_before_its_program(
    world: World,
) -> None:
    distributor = await world.provider(name="Synnex")
    reseller, account = await ready_reseller(world, distributor, name="Fabrikam")
    customer = await end_customer(distributor, reseller)
    buyer = await reseller.portal_token()

    refused = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", customerTenantId=customer), token=buyer
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "COM-5"
    assert RESELLER_PROGRAM in refused.text

    too_early = await mp(
        reseller, "POST", f"/accounts/{account['id']}/programs", token=buyer, json={"program": "Microsoft Azure Plan"}
    )
    assert (too_early.status_code, too_early.json()["rule"]) == (403, "COM-5")

    await grant(distributor, reseller, account["id"])
    mail = ok(await world.sim("GET", "/mailbox", params={"to": f"contact@{reseller.tenant['domain']}"}))["items"]
    assert any(RESELLER_PROGRAM in m["subject"] and "approved" in m["subject"] for m in mail)

    licensed = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", customerTenantId=customer), token=buyer
    )
    assert licensed.status_code == 201, licensed.text
    azure = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", AZURE_PLAN, customerTenantId=customer), token=buyer
    )
    assert (azure.status_code, azure.json()["rule"]) == (403, "COM-5")
    assert "Microsoft Azure Plan" in azure.json()["description"]

    await grant(distributor, reseller, account["id"], "Microsoft Azure Plan")
    azure = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", AZURE_PLAN, customerTenantId=customer), token=buyer
    )
    assert azure.status_code == 201, azure.text
    programs = ok(await mp(reseller, "GET", f"/accounts/{account['id']}/programs", token=buyer))["items"]
    assert {(p["program"], p["status"]) for p in programs} == {
        (RESELLER_PROGRAM, "Approved"),
        ("Microsoft Azure Plan", "Approved"),
    }


@pytest.mark.rule("COM-5")
async def test_the_distributors_policy_decides_after_business_days_and_a_rejection_is_mailed(world: World) -> None:
    distributor = await world.provider()
    reseller, account = await ready_reseller(world, distributor)
    await world.freeze_at("2027-03-01T09:00:00Z")  # a Monday
    policy = {"programAccessDecision": "accept", "businessDays": 2}
    ok(await world.sim("PUT", f"/marketplace/distributors/{distributor.id}/policy", json=policy))
    token = await reseller.portal_token()
    requested = ok(
        await mp(
            reseller, "POST", f"/accounts/{account['id']}/programs", token=token, json={"program": RESELLER_PROGRAM}
        ),
        201,
    )
    assert requested["status"] == "Requested"
    await world.sim("POST", "/clock/freeze", json={"at": "2027-03-02T10:00:00Z"})
    await run_timers(world)
    listed = ok(await mp(reseller, "GET", f"/accounts/{account['id']}/programs", token=token))["items"]
    assert listed[0]["status"] == "Requested"
    await world.sim("POST", "/clock/freeze", json={"at": "2027-03-03T10:00:00Z"})
    await run_timers(world)
    listed = ok(await mp(reseller, "GET", f"/accounts/{account['id']}/programs", token=token))["items"]
    assert listed[0]["status"] == "Approved"
    assert listed[0]["decidedBy"] == "the distributor's policy"

    plan = ok(
        await mp(
            reseller,
            "POST",
            f"/accounts/{account['id']}/programs",
            token=token,
            json={"program": "Microsoft Modern Workplace"},
        ),
        201,
    )
    rejected = await mp(
        distributor,
        "POST",
        f"/accounts/{account['id']}/programs/{plan['id']}/decision",
        json={"approve": False, "reason": "legacy licenses are sunset"},
    )
    assert ok(rejected)["status"] == "Rejected"
    mail = ok(await world.sim("GET", "/mailbox", params={"to": f"contact@{reseller.tenant['domain']}"}))["items"]
    assert any("rejected" in m["subject"] and "sunset" in m["body"] for m in mail)
    # A reseller does not decide its own requests.
    again = ok(
        await mp(
            reseller,
            "POST",
            f"/accounts/{account['id']}/programs",
            token=token,
            json={"program": "Microsoft Azure Plan"},
        ),
        201,
    )
    mine = await mp(
        reseller,
        "POST",
        f"/accounts/{account['id']}/programs/{again['id']}/decision",
        token=token,
        json={"approve": True},
    )
    assert mine.status_code == 403


async def test_marketplace_roles_operations_people_decide_buyers_order_but_do_not_ask_for_programs(
    world: World,
) -> None:
    distributor = await world.provider()
    reseller, account = await ready_reseller(world, distributor)
    for party, upn in (
        (distributor, f"ops@{distributor.tenant['domain']}"),
        (reseller, f"buyer@{reseller.tenant['domain']}"),
    ):
        body = {"userPrincipalName": upn, "password": "Pa55-word!", "roles": []}
        assert (await world.sim("POST", f"/tenants/{party.id}/users", json=body)).status_code == 201
    ops_upn, buyer_upn = f"ops@{distributor.tenant['domain']}", f"buyer@{reseller.tenant['domain']}"
    ops, buyer = await distributor.portal_token(ops_upn), await reseller.portal_token(buyer_upn)
    base = f"/accounts/{account['id']}/programs"
    # Without a marketplace role, neither may act.
    assert (await mp(reseller, "POST", base, token=buyer, json={"program": RESELLER_PROGRAM})).status_code == 403
    ok(
        await mp(distributor, "POST", "/members", json={"userPrincipalName": ops_upn, "role": "DistributorOperations"}),
        201,
    )
    member = {"userPrincipalName": buyer_upn, "role": "ResellerBuyer", "distributorTenantId": distributor.id}
    ok(await mp(reseller, "POST", "/members", token=await reseller.portal_token(), json=member), 201)
    # A buyer buys, but the reseller's admin asks for programs; operations people decide.
    assert (await mp(reseller, "POST", base, token=buyer, json={"program": RESELLER_PROGRAM})).status_code == 403
    asked = ok(
        await mp(reseller, "POST", base, token=await reseller.portal_token(), json={"program": RESELLER_PROGRAM}), 201
    )
    ok(await mp(distributor, "POST", f"{base}/{asked['id']}/decision", token=ops, json={"approve": True}))
    customer = await end_customer(distributor, reseller)
    r = await storefront_order(
        reseller, account["id"], order_body("EndCustomer", customerTenantId=customer), token=buyer
    )
    assert r.status_code == 201, r.text
    listed = ok(await mp(reseller, "GET", "/members", token=buyer))["items"]
    assert [(m["userPrincipalName"], m["role"]) for m in listed] == [(buyer_upn, "ResellerBuyer")]
    # A stranger partner sees no account.
    stranger = await world.direct_bill_partner()
    assert (await mp(stranger, "GET", f"/accounts/{account['id']}")).status_code == 404
