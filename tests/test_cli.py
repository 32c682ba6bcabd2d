"""The `cspsim` control commands against a running server (uvicorn in a thread), as a person or a script runs them."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import cli
from app.cli import main
from app.config import Settings
from app.main import create_app
from tests.live import free_port, serving

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def live(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(Settings(database_url=database, data_dir=tmp_path_factory.mktemp("cli-data")), run_timers=False)
    with serving(app) as base:
        yield base


@pytest.fixture(autouse=True)
def _no_ambient_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CSPSIM_URL", "CSPSIM_SANDBOX", "CSPSIM_ADMIN_KEY"):
        monkeypatch.delenv(name, raising=False)


def cspsim(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    main(list(argv))
    captured = capsys.readouterr()
    return captured.out, captured.err


def new_sandbox(capsys: pytest.CaptureFixture[str], live: str) -> list[str]:
    out, _ = cspsim(capsys, "sandbox", "create", "--url", live, "--name", "cli", "--json")
    sandbox = json.loads(out)
    return ["--url", live, "--sandbox", sandbox["id"], "--key", sandbox["adminKey"]]


def every_page(http: httpx.Client, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Follow `links.next` with its MS-ContinuationToken until the collection ends."""
    items: list[dict[str, Any]] = []
    r = http.get(path, headers=headers, params=params)
    while True:
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        following = page["links"].get("next")
        if not following:
            return items
        token = {h["key"]: h["value"] for h in following["headers"]}
        r = http.get(following["uri"], headers={**headers, **token})


def test_seed_builds_customers_that_page_through_the_listings(live: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = new_sandbox(capsys, live)
    out, err = cspsim(
        capsys,
        "seed",
        *target,
        "--customers",
        "23",
        "--partners",
        "2",
        "--subscriptions",
        "1",
        "--batch",
        "10",
        "--json",
    )
    first = json.loads(out)
    assert "23/23 customers" in err
    assert first["customersCreated"] == 23
    assert first["subscriptionsCreated"] == 23
    assert [p["ref"] for p in first["newPartners"]] == ["seed-partner-001", "seed-partner-002"]
    # A second run adds to the same partners, in batches, and says so for a person.
    out, err = cspsim(capsys, "seed", *target, "--customers", "4", "--partners", "2", "--batch", "3")
    assert "Seeded 4 customers and 0 subscriptions" in out
    assert "27 seeded customers" in out
    assert "4/4 customers" in err
    with httpx.Client(base_url=live) as http:
        seen: list[str] = []
        for partner in first["newPartners"]:
            ask = partner["tokenRequest"]
            token = http.post(ask["url"], data=ask["form"]).json()[ask["tokenField"]]
            customers = every_page(http, "/v1/customers", {"Authorization": f"Bearer {token}"}, size=5)
            assert len(customers) == {"seed-partner-001": 13, "seed-partner-002": 14}[partner["ref"]]
            seen += [c["companyProfile"]["companyName"] for c in customers]
            subscribed = customers[0]
            r = http.get(
                f"/v1/customers/{subscribed['id']}/subscriptions", headers={"Authorization": f"Bearer {token}"}
            )
            assert len(r.json()["items"]) in (0, 1)
        assert sorted(seen) == sorted(f"Seed Customer {n}" for n in range(1, 28))
        admin = {"Authorization": f"Bearer {target[-1]}"}
        tenants = every_page(http, f"/sim/v1/sandboxes/{target[3]}/tenants", admin, kind="customer", size=7)
        assert len({t["id"] for t in tenants}) == 27


def test_sandbox_clock_scenario_fork_and_delete(live: str, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = cspsim(capsys, "sandbox", "create", "--url", live, "--name", "walkthrough")
    exports = re.search(r"CSPSIM_SANDBOX=(\S+) CSPSIM_ADMIN_KEY=(\S+)", out)
    assert exports is not None, out
    target = ["--url", live, "--sandbox", exports[1], "--key", exports[2]]
    out, _ = cspsim(capsys, "scenario", "load", str(SCENARIOS / "transition.yaml"), *target)
    assert "Scenario 'transition' loaded" in out
    assert "contoso: partner Contoso" in out
    assert "PartnerID 4812345 (DirectBill Active)" in out
    out, _ = cspsim(capsys, "clock", "advance", "--days", "31", *target)
    assert "enrollment.revenue-review" in out
    out, _ = cspsim(capsys, "sandbox", "fork", "--name", "what-if", "--json", *target)
    forked = json.loads(out)
    assert forked["originId"] == exports[1]
    assert len(forked["apps"]) == 2
    out, _ = cspsim(capsys, "sandbox", "delete", *target)
    assert f"Sandbox {exports[1]} deleted." in out
    with pytest.raises(SystemExit) as exit_:
        cspsim(capsys, "sandbox", "delete", *target)
    assert exit_.value.code == 1
    assert "answered 401" in capsys.readouterr().err  # a deleted sandbox answers as an unknown one
    fork_target = ["--url", live, "--sandbox", forked["id"], "--key", forked["adminKey"]]
    # The fork lives on without its origin: its clock moves and fires the timers it copied (a month holds the
    # next billing run, whatever the day: an hour's advance fired none only on most days).
    out, _ = cspsim(capsys, "clock", "advance", "--days", "31", "--json", *fork_target)
    fired = json.loads(out)["fired"]
    assert "billing.run" in {f["kind"] for f in fired}
    assert all(f["status"] == "fired" for f in fired)


def test_the_commands_say_what_is_missing(live: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cspsim(capsys, "seed", "--customers", "1", "--url", live)
    assert "--sandbox and --key" in capsys.readouterr().err
    nobody = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SystemExit):
        cspsim(capsys, "sandbox", "create", "--url", nobody)
    assert "Is `cspsim serve` running there?" in capsys.readouterr().err


def test_list_fork_codes_and_diff(live: str, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = cspsim(capsys, "sandbox", "create", "--url", live, "--name", "listed one", "--json")
    origin = json.loads(out)
    target = ["--url", live, "--sandbox", origin["id"], "--key", origin["adminKey"]]
    out, _ = cspsim(capsys, "sandbox", "list", "--url", live)
    assert re.search(rf"{origin['id']}\s+\S+\s+listed one", out), out
    assert origin["adminKey"] not in out
    cspsim(capsys, "scenario", "load", str(SCENARIOS / "distributor.yaml"), *target)  # one invitation waits
    out, _ = cspsim(capsys, "sandbox", "fork", *target)
    assert re.search(rf"invitation link \S+ is now {live}/admin/invitations/\S+", out), out
    forked = re.search(r"CSPSIM_SANDBOX=(\S+) CSPSIM_ADMIN_KEY=(\S+)", out)
    assert forked is not None, out
    with httpx.Client(base_url=live, headers={"Authorization": f"Bearer {forked[2]}"}) as http:
        added = http.post(
            f"/sim/v1/sandboxes/{forked[1]}/tenants",
            json={
                "kind": "customer",
                "displayName": "Only In Fork",
                "domain": "onlyinfork.onmicrosoft.com",
                "country": "US",
            },
        )
        assert added.status_code == 201, added.text
    out, _ = cspsim(capsys, "sandbox", "diff", *target, "--against", forked[1], "--against-key", forked[2])
    assert out.startswith(f"1 change(s) from sandbox {origin['id']} to {forked[1]}."), out
    assert f"  + {added.json()['id']}  displayName Only In Fork" in out
    with pytest.raises(SystemExit):
        cspsim(capsys, "sandbox", "diff", *target, "--against", forked[1])
    assert "--against-key" in capsys.readouterr().err


def test_an_unreachable_service_names_the_url_and_where_it_came_from(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("CSPSIM_URL", nobody)
    with pytest.raises(SystemExit):
        cspsim(capsys, "sandbox", "list")
    err = capsys.readouterr().err
    assert f"cannot reach cspsim at {nobody} (from CSPSIM_URL)" in err
    monkeypatch.delenv("CSPSIM_URL")
    # The default (127.0.0.1:8000) made unreachable for sure: a cspsim served there on this machine answered.
    default = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setattr(cli, "DEFAULT_URL", default)
    with pytest.raises(SystemExit):
        cspsim(capsys, "sandbox", "list")
    assert f"{default} (the default; set CSPSIM_URL or --url)" in capsys.readouterr().err
