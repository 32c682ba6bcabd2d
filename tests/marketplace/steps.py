"""Builders for the marketplace: a distributor (an indirect provider), resellers with accounts, program access."""

from typing import Any

import httpx

from tests.world import E3, Party, World, bearer

MP = "/marketplace/v1"
AZURE_PLAN = "DZH318Z0BPS6:0001:DZH318Z0BNZ2"
RESELLER_PROGRAM = "Microsoft Azure Reseller Program"


async def mp(party: Party, method: str, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
    """A marketplace call; the party's app (its storefront back-end) unless a token is given."""
    headers = bearer(token or await party.app_token())
    return await party.world.http.request(method, f"{MP}{path}", headers=headers, **kw)


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def ready_reseller(world: World, distributor: Party, **kw: Any) -> tuple[Party, dict[str, Any]]:
    """An indirect reseller (MPA accepted) that partners with the distributor, registered on its marketplace."""
    reseller = await world.indirect_reseller(**kw)
    await world.partner_up(distributor, reseller)
    account = ok(await mp(distributor, "POST", "/accounts", json={"resellerTenantId": reseller.id}), 201)
    return reseller, account


async def grant(distributor: Party, reseller: Party, account_id: str, program: str = RESELLER_PROGRAM) -> None:
    """The reseller's admin requests the program and the distributor's operations approve it."""
    token = await reseller.portal_token()
    requested = ok(
        await mp(reseller, "POST", f"/accounts/{account_id}/programs", token=token, json={"program": program}), 201
    )
    decided = await mp(
        distributor, "POST", f"/accounts/{account_id}/programs/{requested['id']}/decision", json={"approve": True}
    )
    assert ok(decided)["status"] == "Approved"


async def end_customer(distributor: Party, reseller: Party, *, mca: bool = True) -> str:
    """A customer the distributor creates for the reseller (associatedPartnerId), its MCA confirmed by the
    distributor when `mca`."""
    r = await distributor.create_customer(associatedPartnerId=reseller.id)
    assert r.status_code == 201, r.text
    customer_id = str(r.json()["id"])
    if mca:
        await distributor.attest_mca(customer_id)
    return customer_id


def order_body(mode: str, offer: str = E3, **extra: Any) -> dict[str, Any]:
    term = {} if offer == AZURE_PLAN else {"termDuration": "P1Y", "billingCycle": "monthly"}
    quantity = 1 if offer == AZURE_PLAN else 5
    return {
        "purchaseMode": mode,
        "lineItems": [{"lineItemNumber": 0, "offerId": offer, "quantity": quantity, **term}],
        **extra,
    }


async def storefront_order(party: Party, account_id: str, body: dict[str, Any], **kw: Any) -> httpx.Response:
    return await mp(party, "POST", f"/accounts/{account_id}/orders", json=body, **kw)
