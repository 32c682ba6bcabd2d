"""The partner programs: PRG-1 to PRG-11, each shown refusing and allowing, through HTTP."""

from datetime import datetime, timedelta

import httpx
import pytest

from tests.world import Party, World, bearer


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def freeze_on(world: World, *, weekday: int | None = None, first_of_month: bool = False) -> datetime:
    """Freeze the clock at 09:00 UTC on the next given weekday, or on the first of next month."""
    now = parse((await world.sim("GET", "/clock")).json()["now"])
    day = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    while (first_of_month and day.day != 1) or (weekday is not None and day.weekday() != weekday):
        day += timedelta(days=1)
    await world.freeze_at(day.isoformat())
    return day


async def capabilities(world: World, partner: Party) -> dict[str, bool]:
    r = await world.sim("GET", f"/tenants/{partner.id}")
    assert r.status_code == 200, r.text
    return r.json()["capabilities"]  # type: ignore[no-any-return]


async def restrict_direct_bill(world: World, partner: Party) -> None:
    r = await partner.post(
        "/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "We are moving to indirect."}
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "Open"
    r = await world.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "Resolved"


async def indirect_reseller(world: World, partner: Party) -> dict[str, object]:
    """Enroll as indirect reseller and accept the MPA as the Global admin."""
    r = await partner.enroll("IndirectReseller")
    assert r.status_code == 201, r.text
    pending = (
        await partner.get("/v1/agreements", token=await partner.portal_token(), params={"status": "Pending"})
    ).json()["items"]
    assert len(pending) == 1
    r = await partner.post(f"/v1/agreements/{pending[0]['id']}/accept")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.rule("PRG-1")
async def test_direct_bill_needs_a_million_over_the_last_twelve_months(world: World) -> None:
    rich, poor, old = await world.partner(), await world.partner(), await world.partner()
    await rich.revenue(*[100_000] * 12)
    await poor.revenue(*[83_333] * 11, 83_336)  # USD 999,999
    await old.revenue(*[200_000] * 12, months_ago_from=13)  # all older than 12 months
    r = await rich.enroll("DirectBill", primaryContactEmail="ops@rich.example")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "Active"
    for partner in (poor, old):
        r = await partner.enroll("DirectBill")
        assert r.status_code == 403, r.text
        assert r.json()["rule"] == "PRG-1"
        assert "USD 1,000,000" in r.json()["description"]
    assert (await world.sim("GET", f"/tenants/{poor.id}/revenue")).json()["trailingTwelveMonthsUsd"] == "999999.00"


@pytest.mark.rule("PRG-1")
async def test_the_threshold_is_a_sandbox_setting(client: httpx.AsyncClient) -> None:
    world = await World.create(client, revenueThresholdUsd="300000")
    partner = await world.partner()
    await partner.revenue(*[83_333] * 11, 83_336)
    r = await partner.enroll("DirectBill")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "Active"


@pytest.mark.rule("PRG-4")
async def test_only_a_global_admin_with_a_complete_profile_enrolls(world: World) -> None:
    bare = await world.partner(profile=False)
    await bare.revenue(*[100_000] * 12)
    r = await bare.enroll("DirectBill")
    assert r.status_code == 403
    assert r.json()["rule"] == "PRG-4"
    assert "legalName" in r.json()["description"]
    r = await bare.world.http.put(
        "/v1/profiles/partner",
        headers=bearer(await bare.portal_token()),
        json={
            "legalName": "Bare Ltd",
            "primaryContact": {"email": "ops@bare.example"},
            "address": {
                "addressLine1": "2 Side St",
                "city": "Seattle",
                "state": "WA",
                "postalCode": "98101",
                "country": "US",
            },
        },
    )
    assert r.status_code == 200, r.text
    agent_upn = f"agent@{bare.tenant['domain']}"
    await world.sim("POST", f"/tenants/{bare.id}/users", json={"userPrincipalName": agent_upn, "roles": ["AdminAgent"]})
    r = await bare.enroll("DirectBill", token=await bare.portal_token(agent_upn))
    assert r.status_code == 403
    assert r.json()["rule"] == "PRG-4"
    r = await bare.enroll("DirectBill")
    assert r.status_code == 201, r.text
    # An app alone is no Global admin, even on the API channel the direct-bill partner now has.
    r = await bare.enroll("IndirectProvider", token=await bare.app_token())
    assert r.status_code == 403
    assert r.json()["rule"] == "PRG-4"


@pytest.mark.rule("PRG-3")
@pytest.mark.rule("PRG-5")
async def test_restricted_before_indirect_then_approval_after_five_business_days(world: World) -> None:
    thursday = await freeze_on(world, weekday=3)
    partner = await world.direct_bill_partner()
    r = await partner.enroll("IndirectReseller")
    assert r.status_code == 409
    assert r.json()["rule"] == "PRG-3"
    assert "support" in r.json()["description"]
    assert "new tenant" in r.json()["description"]
    await restrict_direct_bill(world, partner)
    assert (await partner.program_statuses())["DirectBill"] == "Restricted"
    await world.sim("PATCH", "/settings", json={"enrollmentApprovalBusinessDays": 5})
    r = await partner.enroll("IndirectReseller", primaryContactEmail="transition@partner.example")
    assert r.status_code == 201, r.text
    enrollment = r.json()
    assert enrollment["status"] == "Pending"
    await world.sim("POST", "/clock/advance", json={"businessDays": 4})  # Thu -> Wed: the weekend does not count
    r = await partner.get(f"/v1/enrollments/{enrollment['id']}", token=await partner.portal_token())
    assert r.json()["status"] == "Pending"
    assert (await world.sim("GET", "/mailbox", params={"to": "transition@partner.example"})).json()["items"] == []
    r = await world.sim("POST", "/clock/advance", json={"businessDays": 1})
    assert [f["kind"] for f in r.json()["fired"]] == ["enrollment.approve"]
    r = await partner.get(f"/v1/enrollments/{enrollment['id']}", token=await partner.portal_token())
    assert r.json()["status"] == "Approved"
    assert parse(r.json()["approvedAt"]) == thursday + timedelta(days=7)
    mail = (await world.sim("GET", "/mailbox", params={"to": "transition@partner.example"})).json()["items"]
    assert [m["kind"] for m in mail] == ["enrollment-approved"]


@pytest.mark.rule("PRG-3")
async def test_support_resolves_the_restriction_by_itself_after_the_set_delay(client: httpx.AsyncClient) -> None:
    world = await World.create(client, serviceRequestResolutionBusinessDays=2)
    partner = await world.direct_bill_partner()
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction", "description": "x"})
    assert r.status_code == 201
    assert (await partner.program_statuses())["DirectBill"] == "Active"
    await world.sim("POST", "/clock/advance", json={"days": 5})
    assert (await partner.program_statuses())["DirectBill"] == "Restricted"
    r = await partner.get(f"/v1/servicerequests/{r.json()['id']}", token=await partner.portal_token())
    assert r.json()["status"] == "Resolved"
    assert (await partner.enroll("IndirectReseller")).status_code == 201


@pytest.mark.rule("PRG-6")
@pytest.mark.rule("PRG-7")
async def test_the_agreement_activates_indirect_reseller_only_when_a_global_admin_accepts(world: World) -> None:
    partner = await world.direct_bill_partner()
    await restrict_direct_bill(world, partner)
    r = await partner.enroll("IndirectReseller")
    assert r.json()["status"] == "Approved"
    assert (await capabilities(world, partner))["indirectReseller"] is False
    pending = (
        await partner.get("/v1/agreements", token=await partner.portal_token(), params={"status": "Pending"})
    ).json()["items"]
    assert [(a["agreementType"], a["status"]) for a in pending] == [("MicrosoftPartnerAgreement", "Pending")]
    agent_upn = f"agent@{partner.tenant['domain']}"
    await world.sim(
        "POST", f"/tenants/{partner.id}/users", json={"userPrincipalName": agent_upn, "roles": ["AdminAgent"]}
    )
    r = await partner.post(f"/v1/agreements/{pending[0]['id']}/accept", token=await partner.portal_token(agent_upn))
    assert r.status_code == 403
    assert r.json()["rule"] == "PRG-4"
    assert (await capabilities(world, partner))["indirectReseller"] is False
    r = await partner.post(f"/v1/agreements/{pending[0]['id']}/accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "Accepted"
    assert (await capabilities(world, partner))["indirectReseller"] is True
    assert await partner.program_statuses() == {"DirectBill": "Restricted", "IndirectReseller": "Active"}
    again = await partner.post(f"/v1/agreements/{pending[0]['id']}/accept")
    assert again.status_code == 409


@pytest.mark.rule("PRG-8")
async def test_direct_bill_overrides_indirect_only_with_acknowledgement(world: World) -> None:
    partner = await world.partner()
    await indirect_reseller(world, partner)
    assert (await capabilities(world, partner))["indirectReseller"] is True
    await partner.revenue(*[100_000] * 12)
    r = await partner.enroll("DirectBill")
    assert r.status_code == 409
    assert r.json()["rule"] == "PRG-8"
    assert "acknowledgeIndirectOverride" in r.json()["description"]
    r = await partner.enroll("DirectBill", acknowledgeIndirectOverride=True)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "Active"
    assert any("overrides" in w for w in r.json()["warnings"])
    assert await partner.program_statuses() == {"IndirectReseller": "Overridden", "DirectBill": "Active"}
    assert (await capabilities(world, partner))["indirectReseller"] is False


@pytest.mark.rule("PRG-8")
async def test_direct_bill_overrides_an_approved_indirect_reseller_whose_agreement_is_pending(world: World) -> None:
    """The audit's hole: an Approved indirect reseller (its MPA not yet accepted) is overridden too; the
    acknowledgement is asked, and accepting the MPA afterwards never brings indirect reseller back."""
    partner = await world.partner()
    r = await partner.enroll("IndirectReseller")
    assert r.json()["status"] == "Approved"
    pending = (
        await partner.get("/v1/agreements", token=await partner.portal_token(), params={"status": "Pending"})
    ).json()["items"]
    await partner.revenue(*[100_000] * 12)
    r = await partner.enroll("DirectBill")
    assert r.status_code == 409
    assert r.json()["rule"] == "PRG-8"
    assert "acknowledgeIndirectOverride" in r.json()["description"]
    r = await partner.enroll("DirectBill", acknowledgeIndirectOverride=True)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "Active"
    assert any("overrides" in w for w in r.json()["warnings"])
    assert await partner.program_statuses() == {"IndirectReseller": "Overridden", "DirectBill": "Active"}
    r = await partner.post(f"/v1/agreements/{pending[0]['id']}/accept")
    assert r.status_code == 409
    assert "new tenant" in r.json()["description"]
    assert await partner.program_statuses() == {"IndirectReseller": "Overridden", "DirectBill": "Active"}
    assert await capabilities(world, partner) == {
        "directBill": True,
        "indirectReseller": False,
        "indirectProvider": False,
        "apiAccess": True,
    }


@pytest.mark.rule("PRG-8")
async def test_direct_bill_overrides_a_pending_indirect_reseller(client: httpx.AsyncClient) -> None:
    world = await World.create(client, counterpartyPolicies={"enrollmentDecision": {"action": "manual"}})
    partner = await world.partner()
    indirect = await partner.enroll("IndirectReseller")
    assert indirect.json()["status"] == "Pending"
    await partner.revenue(*[100_000] * 12)
    r = await partner.enroll("DirectBill")
    assert r.status_code == 409
    assert r.json()["rule"] == "PRG-8"
    r = await partner.enroll("DirectBill", acknowledgeIndirectOverride=True)
    assert r.status_code == 201, r.text
    assert r.json()["warnings"]
    decided = await world.sim("POST", f"/enrollments/{r.json()['id']}/decision", json={"decision": "approve"})
    assert decided.json()["status"] == "Active"
    assert await partner.program_statuses() == {"IndirectReseller": "Overridden", "DirectBill": "Active"}
    # The operator can no longer approve the overridden indirect reseller enrollment.
    late = await world.sim("POST", f"/enrollments/{indirect.json()['id']}/decision", json={"decision": "approve"})
    assert late.status_code == 409
    assert (await capabilities(world, partner))["indirectReseller"] is False


@pytest.mark.rule("PRG-9")
async def test_the_api_is_only_for_direct_bill_partners_and_providers(world: World) -> None:
    reseller = await world.partner()
    await indirect_reseller(world, reseller)
    r = await reseller.get("/v1/profiles/partner")  # an app token: the API channel
    assert r.status_code == 403
    assert r.json()["rule"] == "PRG-9"
    assert (await reseller.get("/v1/profiles/partner", token=await reseller.portal_token())).status_code == 200
    provider = await world.partner()
    assert (await provider.enroll("IndirectProvider")).json()["status"] == "Active"
    assert (await provider.get("/v1/profiles/partner")).status_code == 200
    direct = await world.direct_bill_partner()
    assert (await direct.get("/v1/profiles/partner")).status_code == 200
    # A transitioned partner loses the API with its direct bill.
    await restrict_direct_bill(world, direct)
    r = await direct.get("/v1/profiles/partner")
    assert r.json()["rule"] == "PRG-9"


@pytest.mark.rule("PRG-2")
async def test_the_revenue_review_restricts_and_notifies(world: World) -> None:
    await freeze_on(world, first_of_month=True)
    fading = await world.partner()
    await fading.revenue(1_200_000, months_ago_from=12)  # counts this month only
    assert (await fading.enroll("DirectBill")).json()["status"] == "Active"
    steady = await world.partner()
    await steady.revenue(*[150_000] * 12)
    assert (await steady.enroll("DirectBill")).json()["status"] == "Active"
    r = await world.sim("POST", "/clock/advance", json={"days": 75})
    reviews = [f for f in r.json()["fired"] if f["kind"] == "enrollment.revenue-review"]
    assert len(reviews) >= 4
    assert (await fading.program_statuses())["DirectBill"] == "Restricted"
    assert (await steady.program_statuses())["DirectBill"] == "Active"
    contact = fading.tenant["profile"]["primaryContactEmail"]
    mail = (await world.sim("GET", "/mailbox", params={"to": contact})).json()["items"]
    assert "direct-bill-restricted" in [m["kind"] for m in mail]
    notes = (await fading.get("/v1/notifications", token=await fading.portal_token())).json()["items"]
    assert "Restricted" in notes[-1]["subject"] or "restricted" in notes[-1]["subject"]


@pytest.mark.rule("PRG-10")
async def test_no_way_back_to_direct_bill_on_a_tenant_that_went_indirect(world: World) -> None:
    transitioned = await world.direct_bill_partner()
    await restrict_direct_bill(world, transitioned)
    await indirect_reseller(world, transitioned)
    r = await transitioned.enroll("DirectBill", acknowledgeIndirectOverride=True)
    assert r.status_code == 403
    assert r.json()["rule"] == "PRG-10"
    assert "new tenant" in r.json()["description"]
    # A tenant restricted for its own reasons, that never went indirect, comes back when the revenue is there.
    paused = await world.direct_bill_partner()
    await restrict_direct_bill(world, paused)
    r = await paused.enroll("DirectBill")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "Active"
    assert (await paused.program_statuses())["DirectBill"] == "Active"


@pytest.mark.rule("PRG-11")
async def test_incentives_invitation_within_the_window(world: World) -> None:
    partner = await world.direct_bill_partner()
    await restrict_direct_bill(world, partner)
    await indirect_reseller(world, partner)
    contact = partner.tenant["profile"]["primaryContactEmail"]
    assert "incentives-invitation" not in [
        m["kind"] for m in (await world.sim("GET", "/mailbox", params={"to": contact})).json()["items"]
    ]
    r = await world.sim("POST", "/clock/advance", json={"days": 30})
    assert "enrollment.incentives-invitation" in [f["kind"] for f in r.json()["fired"]]
    mail = (await world.sim("GET", "/mailbox", params={"to": contact})).json()["items"]
    invitation = [m for m in mail if m["kind"] == "incentives-invitation"]
    assert len(invitation) == 1
    # An indirect reseller that was never direct bill gets no such invitation.
    fresh = await world.partner()
    await indirect_reseller(world, fresh)
    await world.sim("POST", "/clock/advance", json={"days": 30})
    fresh_mail = await world.sim("GET", "/mailbox", params={"to": fresh.tenant["profile"]["primaryContactEmail"]})
    assert "incentives-invitation" not in [m["kind"] for m in fresh_mail.json()["items"]]


@pytest.mark.rule("PRG-5")
async def test_the_operator_decides_early_and_a_rejection_is_mailed(client: httpx.AsyncClient) -> None:
    world = await World.create(client, enrollmentApprovalBusinessDays=5)
    partner = await world.partner()
    r = await partner.enroll("IndirectProvider", primaryContactEmail="ops@provider.example")
    assert r.json()["status"] == "Pending"
    r = await world.sim(
        "POST", f"/enrollments/{r.json()['id']}/decision", json={"decision": "reject", "reason": "incomplete"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "Rejected"
    assert r.json()["decisionReason"] == "incomplete"
    again = await world.sim("POST", f"/enrollments/{r.json()['id']}/decision", json={"decision": "approve"})
    assert again.status_code == 409
    mail = (await world.sim("GET", "/mailbox", params={"to": "ops@provider.example"})).json()["items"]
    assert [m["kind"] for m in mail] == ["enrollment-rejected"]
    r = await partner.enroll("IndirectProvider")
    assert r.json()["status"] == "Pending"
    r = await world.sim("POST", f"/enrollments/{r.json()['id']}/decision", json={"decision": "approve"})
    assert r.json()["status"] == "Active"
    assert (await world.sim("POST", "/clock/advance", json={"days": 10})).json()["fired"] == []


async def test_bad_enrollment_input_and_duplicates(world: World) -> None:
    partner = await world.direct_bill_partner()
    r = await partner.enroll("NoSuchProgram")
    assert r.status_code == 400
    assert r.json()["code"] == 800002
    r = await partner.enroll("DirectBill")
    assert r.status_code == 409
    r = await partner.post("/v1/servicerequests", json={"category": "DirectBillRestriction"})
    assert r.status_code == 400
    other = await world.direct_bill_partner()
    mine = (await partner.get("/v1/enrollments")).json()["items"]
    assert (await other.get(f"/v1/enrollments/{mine[0]['id']}")).status_code == 404


async def test_a_revenue_month_must_be_a_real_month(world: World) -> None:
    partner = await world.partner()
    for month in ("0000-01", "9999-12", "2026-13"):
        r = await world.sim(
            "PUT", f"/tenants/{partner.id}/revenue", json={"months": [{"month": month, "amountUsd": "100"}]}
        )
        assert r.status_code == 400, (month, r.text)
        assert "month" in r.json()["description"]
    r = await world.sim(
        "PUT", f"/tenants/{partner.id}/revenue", json={"months": [{"month": "2026-01", "amountUsd": "100"}]}
    )
    assert r.status_code == 200, r.text
