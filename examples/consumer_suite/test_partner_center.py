"""A consumer's test suite: it uses cspsim's pytest plugin and nothing else (no conftest, no fixtures of its own).

Run it with `pytest examples/consumer_suite` after `pip install cspsim` (here: `pip install -e .`)."""

import pytest


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.cspsim_scenario("contoso.yaml")
def test_the_revenue_review_restricts_a_partner_below_the_threshold(sandbox):
    before = sandbox.http.get("/v1/profiles/partner", headers=bearer(sandbox.app_token("contoso")))
    assert before.status_code == 200, before.text
    assert {"program": "DirectBill", "status": "Active"} in before.json()["programs"]

    fired = sandbox.advance(days=31)

    assert "enrollment.revenue-review" in [t["kind"] for t in fired["fired"]]
    after = sandbox.http.get("/v1/profiles/partner", headers=bearer(sandbox.portal_token("contoso")))
    assert {"program": "DirectBill", "status": "Restricted"} in after.json()["programs"]
    assert sandbox.mailbox(), "the partner's primary contact is told"


@pytest.mark.cspsim_scenario("contoso.yaml")
def test_each_test_gets_its_own_fork_of_the_scenario(sandbox):
    # The test above moved its clock and restricted Contoso in its own sandbox: this one starts from the scenario.
    token = sandbox.app_token("contoso")
    customers = sandbox.http.get("/v1/customers", headers=bearer(token))
    assert customers.status_code == 200, customers.text
    assert [c["companyProfile"]["companyName"] for c in customers.json()["items"]] == ["Adatum Corporation"]


def test_an_empty_sandbox_has_its_own_clock(sandbox):
    start = sandbox.now()
    sandbox.freeze("2027-01-04T09:00:00Z")
    assert sandbox.advance(business_days=1)["now"].startswith("2027-01-05T09:00:00")
    assert sandbox.now() != start
    assert sandbox.events() == []
