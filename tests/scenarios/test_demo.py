"""`cspsim serve --demo`: the demo world it builds before serving, and the curl lines it prints."""

from typing import Any

import httpx

from app.scenarios.demo import build_demo, read_scenario
from tests.scenarios.curl import run_curl_line


async def test_the_demo_world_prints_curl_lines_that_work(app: Any, client: httpx.AsyncClient) -> None:
    """The same function `cspsim serve --demo` calls, on the test's database; its printed lines replayed."""
    world = await build_demo(app.state.db, base_url="http://cspsim.test", document=read_scenario())
    printed = world.text("http://cspsim.test")
    assert f"CSPSIM_SANDBOX={world.sandbox_id} CSPSIM_ADMIN_KEY={world.admin_key}" in printed
    curl_lines = [line.removeprefix("  curl     ") for line in printed.splitlines() if line.startswith("  curl ")]
    assert len(curl_lines) == 5, printed  # contoso, fabrikam, and their three customers
    contoso = await run_curl_line(client, curl_lines[0])
    assert contoso.status_code == 200, contoso.text
    assert (contoso.json()["companyName"], contoso.json()["partnerId"]) == ("Contoso", "4812345")
    assert contoso.json()["programs"] == [{"program": "DirectBill", "status": "Active"}]
    for line in curl_lines[1:]:
        r = await run_curl_line(client, line)
        assert r.status_code == 200, (line, r.text)
    northwind = await run_curl_line(client, curl_lines[-1])
    assert [p["name"] for p in northwind.json()["items"]] == ["Fabrikam Distribution"]
    r = await client.get(
        f"/sim/v1/sandboxes/{world.sandbox_id}", headers={"Authorization": f"Bearer {world.admin_key}"}
    )
    assert r.json()["name"] == "demo"
