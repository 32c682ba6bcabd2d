"""The hardening issue's remaining probes, kept as regression tests: each once answered 500."""

from tests.gdap.steps import RELATIONSHIPS, graph, relationship_body
from tests.world import World


async def test_a_gdap_duration_beyond_any_clock_is_bad_input(world: World) -> None:
    partner = await world.direct_bill_partner()
    r = await graph(
        partner,
        "POST",
        RELATIONSHIPS,
        json=relationship_body(duration="PT99999999999999999999S"),
    )
    assert r.status_code == 400, r.text
    assert "duration" in r.json()["error"]["message"].lower()


async def test_a_scenario_revenue_out_of_any_range_is_bad_input(world: World) -> None:
    document = """
name: huge
partners:
  - ref: contoso
    revenueUsd: "1e30"
"""
    r = await world.sim("POST", "/scenarios", content=document, headers={"Content-Type": "application/yaml"})
    assert r.status_code == 400, r.text
    assert "revenue" in r.json()["description"].lower()
