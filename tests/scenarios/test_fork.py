"""Forking a sandbox: the same ids and data in a new world with its own key, clock and credentials."""

import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import Executable, event, literal, select, text, union_all
from sqlalchemy.engine import make_url

from app.config import Settings
from app.kernel.bulk import sandbox_tables, undo_abandoned
from app.kernel.context import OPERATOR, SandboxContext
from app.main import create_app
from app.models import Sandbox, UnsettledCopies
from app.sandboxes.fork import COPIERS, REISSUED, fork_sandbox, global_keys
from tests.scenarios.test_scenarios import actor, loaded, names_of_customers, token_of
from tests.world import World, bearer


async def fork(world: World, **body: Any) -> tuple[World, dict[str, Any]]:
    r = await world.sim("POST", "/fork", json=body or None)
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return World(http=world.http, sandbox=answer), answer


async def everything(world: World) -> dict[str, Any]:
    """What the control surface shows of a sandbox, ids included."""
    tenants = (await world.sim("GET", "/tenants", params={"size": 500})).json()["items"]
    subscriptions = {
        t["id"]: (await world.sim("GET", f"/tenants/{t['id']}/subscriptions")).json()["items"]
        for t in tenants
        if t["kind"] == "customer"
    }
    events = (await world.sim("GET", "/events", params={"size": 500})).json()
    timers = (await world.sim("GET", "/timers")).json()["items"]
    return {
        "tenants": tenants,
        "subscriptions": subscriptions,
        "events": [(e["name"], e["resourceId"]) for e in events["items"]],
        "eventCount": events["totalCount"],
        "timers": timers,
        "settings": (await world.sim("GET", "/settings")).json(),
    }


async def test_a_fork_answers_the_same_ids_and_data_with_new_credentials(world: World) -> None:
    answer = await loaded(world, "transition")
    frozen = await world.sim("POST", "/clock/freeze")
    copy, forked = await fork(world, name="what-if")
    assert forked["name"] == "what-if"
    assert forked["originId"] == world.id
    assert forked["id"] != world.id
    assert forked["adminKey"] != world.sandbox["adminKey"]
    assert forked["clock"] == {"now": frozen.json()["now"], "frozen": True}
    assert await everything(copy) == await everything(world)
    # Each key opens its own sandbox only.
    r = await world.http.get(f"/sim/v1/sandboxes/{copy.id}", headers=world.admin)
    assert r.status_code == 401
    # Every app has a new client id and secret in the fork, keyed by the original client id.
    contoso = actor(answer, "contoso")
    original = contoso["apps"][0]["clientId"]
    new = forked["apps"][original]
    assert new["clientId"] != original
    assert len(forked["apps"]) == len(answer["partners"])
    r = await world.http.post(
        f"/{contoso['tenantId']}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": new["clientId"],
            "client_secret": new["clientSecret"],
            "scope": "https://api.partnercenter.microsoft.com/.default",
        },
    )
    assert r.status_code == 200, r.text
    fork_token = r.json()["access_token"]
    fork_customers = await world.http.get("/v1/customers", headers=bearer(fork_token))
    origin_customers = await world.http.get("/v1/customers", headers=bearer(await token_of(world.http, contoso)))
    assert fork_customers.status_code == 200, fork_customers.text
    assert fork_customers.json()["items"] == origin_customers.json()["items"]
    assert {c["id"] for c in fork_customers.json()["items"]} == {
        actor(answer, "adatum")["tenantId"],
        actor(answer, "litware")["tenantId"],
    }


async def test_a_fork_lives_on_its_own(world: World) -> None:
    answer = await loaded(world, "transition")
    copy, forked = await fork(world)
    contoso = actor(answer, "contoso")
    new = forked["apps"][contoso["apps"][0]["clientId"]]
    fork_contoso = {
        **contoso,
        "tokenRequest": {
            **contoso["tokenRequest"],
            "form": {
                **contoso["tokenRequest"]["form"],
                "client_id": new["clientId"],
                "client_secret": new["clientSecret"],
            },
        },
    }
    fork_token, origin_token = await token_of(world.http, fork_contoso), await token_of(world.http, contoso)
    assert await names_of_customers(world.http, fork_token) == {"Adatum Corporation", "Litware Inc."}
    # The fork's Contoso asks support to restrict direct bill, as its Global admin; the origin's stays active.
    portal = await copy.sim(
        "POST",
        "/portal-sessions",
        json={"tenantId": contoso["tenantId"], "userPrincipalName": "admin@contoso.onmicrosoft.com"},
    )
    r = await world.http.post(
        "/v1/servicerequests",
        headers=bearer(portal.json()["accessToken"]),
        json={"category": "DirectBillRestriction", "description": "transition in the fork only"},
    )
    assert r.status_code == 201, r.text
    assert (await copy.sim("POST", f"/servicerequests/{r.json()['id']}/resolve")).status_code == 200
    advanced = await copy.sim("POST", "/clock/advance", json={"days": 40})
    assert advanced.status_code == 200
    fork_profile = await world.http.get("/v1/profiles/partner", headers=bearer(portal.json()["accessToken"]))
    assert fork_profile.json()["programs"] == [{"program": "DirectBill", "status": "Restricted"}]
    origin_profile = await world.http.get("/v1/profiles/partner", headers=bearer(origin_token))
    assert origin_profile.json()["programs"] == [{"program": "DirectBill", "status": "Active"}]
    origin_clock = (await world.sim("GET", "/clock")).json()["now"]
    assert origin_clock < advanced.json()["now"]
    # Deleting the origin leaves the fork whole.
    assert (await world.sim("DELETE", "")).status_code == 204
    assert await names_of_customers(world.http, portal.json()["accessToken"]) == {"Adatum Corporation", "Litware Inc."}


async def test_a_fork_gets_new_invitation_links(world: World) -> None:
    answer = await loaded(world, "multichannel")
    copy, forked = await fork(world)
    link = next(k for k in answer["links"] if k["status"] == "Pending")
    code = link["url"].rsplit("/", 1)[1]
    new_code = forked["invitationCodes"][code]
    assert new_code != code
    woodgrove = actor(answer, "woodgrove")
    portal = await copy.sim(
        "POST",
        "/portal-sessions",
        json={"tenantId": woodgrove["tenantId"], "userPrincipalName": "admin@woodgrove.onmicrosoft.com"},
    )
    fork_woodgrove = bearer(portal.json()["accessToken"])
    # The original code belongs to the origin; the fork's customer accepts the fork's link.
    assert (await world.http.post(f"/admin/v1/invitations/{code}/accept", headers=fork_woodgrove)).status_code == 404
    r = await world.http.post(f"/admin/v1/invitations/{new_code}/accept", headers=fork_woodgrove)
    assert r.status_code == 200, r.text
    assert [p["name"] for p in r.json()["partners"]] == ["Contoso"]
    origin_woodgrove = bearer(await token_of(world.http, woodgrove))
    r = await world.http.get("/admin/v1/partnerRelationships", headers=origin_woodgrove)
    assert r.json()["items"] == []


async def test_forking_needs_the_sandbox_key(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(f"/sim/v1/sandboxes/{world.id}/fork")
    assert r.status_code == 401


def test_every_globally_unique_column_is_reissued_by_a_fork() -> None:
    """A table whose unique key does not start with sandbox_id cannot be copied as it is: the fork knows how to
    reissue each one (a new table with such a key makes forks refuse until it is added)."""
    global_tables = {t.name for t in sandbox_tables() if global_keys(t)}
    assert global_tables == set(REISSUED)


@pytest.mark.parametrize("name", ["distributor"])
async def test_a_fork_of_a_fork_is_still_the_same_world(world: World, name: str) -> None:
    await loaded(world, name)
    first, _ = await fork(world)
    second, _ = await fork(first)
    assert await everything(second) == await everything(world)


@pytest.mark.postgres
async def test_a_fork_leaves_foreign_keys_checked_for_the_rest_of_its_transaction(app: Any, world: World) -> None:
    """PostgreSQL copies the rows without re-checking their foreign keys (they hold by construction); whatever the
    transaction writes after the copy is checked again."""
    answer = await loaded(world, "transition")
    undo: list[Executable] = []
    async with app.state.db.sessions() as session:  # closed without a commit: the fork is rolled back
        origin = await session.get_one(Sandbox, uuid.UUID(world.id))
        forked = await fork_sandbox(SandboxContext.of(session, origin, OPERATOR), name=None, if_rolled_back=undo.append)
        role = (await session.execute(text("SELECT current_setting('session_replication_role')"))).scalar_one()
        assert role == "origin"
        assert len(forked.apps) == len(answer["partners"])
    await undo_and_find_nothing_left(app, undo, forked.sandbox.id)


async def undo_and_find_nothing_left(app: Any, undo: list[Executable], fork_id: uuid.UUID) -> None:
    """The copiers committed their rows before the fork's transaction rolled back; what the fork left to run after a
    rollback (`keep_on_rollback` in a request) deletes them and their record, and no row of the fork is left."""
    assert await rows_of_fork(app, fork_id), "the copiers committed nothing"
    async with app.state.db.transaction() as session:
        for statement in undo:
            await session.execute(statement)
    assert await rows_of_fork(app, fork_id) == []
    assert await unsettled(app) == 0
    async with app.state.db.sessions() as session:
        assert await session.get(Sandbox, fork_id) is None


async def rows_of_fork(app: Any, fork_id: uuid.UUID) -> list[str]:
    """The tables holding a row of the fork."""
    copied = [select(literal(table.name)).where(table.c.sandbox_id == fork_id).limit(1) for table in sandbox_tables()]
    async with app.state.db.sessions() as session:
        return list((await session.execute(union_all(*copied))).scalars().all())


async def unsettled(app: Any) -> int:
    """Records of copies committed beside a request that has not committed (`UnsettledCopies`)."""
    async with app.state.db.sessions() as session:
        return len((await session.execute(select(UnsettledCopies.id))).all())


@pytest.mark.postgres
async def test_a_fork_whose_worker_died_between_the_commits_is_undone_by_the_next_pass(app: Any, world: World) -> None:
    """The copiers commit before the fork's transaction. Should the worker die in between (here: the transaction
    ends without a commit, and what it left to run after a rollback is never run), the record the copiers committed
    with their rows outlives it, and the next pass of `undo_abandoned` deletes the fork's rows. While the request is
    still at work (its transaction holds the record's lock), a pass leaves them."""
    await loaded(world, "transition")
    before = await everything(world)
    async with app.state.db.sessions() as session:  # closed without a commit, and nothing run after it
        origin = await session.get_one(Sandbox, uuid.UUID(world.id))
        ctx = SandboxContext.of(session, origin, OPERATOR)
        forked = await fork_sandbox(ctx, name=None, if_rolled_back=lambda _: None)
        assert await undo_abandoned(app.state.db.engine) == 0
        assert await unsettled(app) == 1
    assert await rows_of_fork(app, forked.sandbox.id), "the copiers committed nothing"
    assert await undo_abandoned(app.state.db.engine) == 1
    assert await rows_of_fork(app, forked.sandbox.id) == []
    assert await unsettled(app) == 0
    assert await everything(world) == before  # the origin's rows were never the pass's


async def _forked_on(app: Any, world: World) -> tuple[World, int]:
    """A fork through HTTP, and how many pooled connections it took."""
    checkouts: list[bool] = []

    def checked_out(*_: object) -> None:
        checkouts.append(True)

    event.listen(app.state.db.engine.sync_engine, "checkout", checked_out)
    try:
        forked, _ = await fork(world)
    finally:
        event.remove(app.state.db.engine.sync_engine, "checkout", checked_out)
    return forked, len(checkouts)


@pytest.mark.postgres
async def test_a_fork_copies_on_connections_of_its_own_where_the_role_may_skip_the_checks(
    app: Any, world: World
) -> None:
    """The test suite's role may set session_replication_role: the request's connection and `COPIERS` more."""
    await loaded(world, "transition")
    forked, connections = await _forked_on(app, world)
    assert connections == 1 + COPIERS
    assert await everything(forked) == await everything(world)
    assert await unsettled(app) == 0  # the request's commit deleted the copiers' record with it


@pytest.mark.postgres
async def test_a_role_that_may_not_skip_the_checks_forks_in_the_requests_own_transaction(
    database: str, tmp_path: Path
) -> None:
    """Where the role may not skip the key checks, a copier's insert would wait on the request's uncommitted sandbox
    row (and the request on the copier): the copies stay one statement on the request's one connection, checked row
    by row, and the fork is the same world."""
    role = f"cspsim_checked_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER')
        await admin.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        checked = make_url(database).set(username=role).render_as_string(hide_password=False)
        app = create_app(Settings(database_url=checked, data_dir=tmp_path), run_timers=False)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cspsim.test") as http:
                world = await World.create(http)
                await loaded(world, "transition")
                forked, connections = await _forked_on(app, world)
                assert connections == 1
                assert await everything(forked) == await everything(world)
        finally:
            await app.state.db.dispose()
    finally:
        await admin.execute(f'DROP OWNED BY "{role}"')
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()
